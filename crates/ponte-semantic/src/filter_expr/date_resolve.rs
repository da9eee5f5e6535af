//! Turns a symbolic [`DateFilter`] into concrete intervals for a given "now".

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use chrono_tz::Tz;

use super::date::{DateExpr, DateFilter, DateUnit, Period};

/// A [`DateFilter`] made concrete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedDateFilter {
    /// No filter.
    Any,
    /// The value is NULL.
    Null,
    /// The value is not NULL.
    NotNull,
    /// The value lies in at least one of these ranges; never empty.
    Ranges(Vec<DateRange>),
}

/// A half-open range `[start, end)` of local wall-clock times (in the zone of
/// the "now" given to [`resolve`]); a missing end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// Inclusive start, or `None` for "since forever".
    pub start: Option<NaiveDateTime>,
    /// Exclusive end, or `None` for "from then on".
    pub end: Option<NaiveDateTime>,
}

/// Resolves a date filter against `now`, in `now`'s time zone.
///
/// Periods are calendar periods of wall-clock time in that zone: `today` is
/// local midnight to the next local midnight, weeks start on Monday and
/// quarters are calendar quarters. Hours and minutes are counted on the wall
/// clock too, so on a day the clocks change `24 hours` spans 23 or 25 real
/// hours; that keeps every boundary comparable with a column of local
/// timestamps, which is what a warehouse's date fields hold.
pub fn resolve(filter: &DateFilter, now: DateTime<Tz>) -> ResolvedDateFilter {
    let now = now.naive_local();
    match filter {
        DateFilter::Any => ResolvedDateFilter::Any,
        DateFilter::Null => ResolvedDateFilter::Null,
        DateFilter::NotNull => ResolvedDateFilter::NotNull,
        DateFilter::AnyOf(exprs) => ResolvedDateFilter::Ranges(exprs.iter().map(|e| range(e, now)).collect()),
    }
}

fn range(expr: &DateExpr, now: NaiveDateTime) -> DateRange {
    match expr {
        DateExpr::In(period) => {
            let (start, end) = span(period, now);
            DateRange { start: Some(start), end: Some(end) }
        }
        DateExpr::Before(period) => DateRange { start: None, end: Some(span(period, now).0) },
        DateExpr::After(period) => DateRange { start: Some(span(period, now).0), end: None },
        DateExpr::Between { from, to } => DateRange { start: Some(span(from, now).0), end: Some(span(to, now).0) },
    }
}

/// `[start, end)` of a period.
fn span(period: &Period, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    match period {
        Period::Relative { unit, offset } => {
            let start = add(truncate(now, *unit), *unit, *offset);
            (start, add(start, *unit, 1))
        }
        Period::Trailing { unit, count } => {
            let current = truncate(now, *unit);
            (add(current, *unit, 1 - i64::from(*count)), add(current, *unit, 1))
        }
        Period::For { start, count, unit } => {
            let (start, _) = span(start, now);
            (start, add(start, *unit, i64::from(*count)))
        }
        Period::Absolute(time) => {
            let start = time.start();
            let (count, unit) = time.length();
            (start, add(start, unit, i64::from(count)))
        }
    }
}

/// The start of the `unit` containing `t`.
fn truncate(t: NaiveDateTime, unit: DateUnit) -> NaiveDateTime {
    let date = t.date();
    let first_of = |month: u32| NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date);
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    match unit {
        DateUnit::Second => t.with_nanosecond(0).unwrap_or(t),
        DateUnit::Minute => midnight(date) + TimeDelta::seconds(i64::from(t.hour() * 3600 + t.minute() * 60)),
        DateUnit::Hour => midnight(date) + TimeDelta::seconds(i64::from(t.hour() * 3600)),
        DateUnit::Day => midnight(date),
        DateUnit::Week => midnight(date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))),
        DateUnit::Month => midnight(first_of(date.month())),
        DateUnit::Quarter => midnight(first_of((date.month() - 1) / 3 * 3 + 1)),
        DateUnit::Year => midnight(first_of(1)),
    }
}

/// `t` plus `k` units (months by the calendar). Counts are bounded at parse
/// time so this stays inside chrono's range; should it not, it saturates
/// rather than panic on user input.
fn add(t: NaiveDateTime, unit: DateUnit, k: i64) -> NaiveDateTime {
    let months = |per: i64| {
        let n = Months::new(u32::try_from(k.unsigned_abs().saturating_mul(per.unsigned_abs())).unwrap_or(u32::MAX));
        if k >= 0 { t.checked_add_months(n) } else { t.checked_sub_months(n) }
    };
    let fixed = |seconds_per_unit: i64| {
        k.checked_mul(seconds_per_unit).and_then(TimeDelta::try_seconds).and_then(|d| t.checked_add_signed(d))
    };
    let result = match unit {
        DateUnit::Second => fixed(1),
        DateUnit::Minute => fixed(60),
        DateUnit::Hour => fixed(3600),
        DateUnit::Day => fixed(86_400),
        DateUnit::Week => fixed(7 * 86_400),
        DateUnit::Month => months(1),
        DateUnit::Quarter => months(3),
        DateUnit::Year => months(12),
    };
    result.unwrap_or(if k < 0 { NaiveDateTime::MIN } else { NaiveDateTime::MAX })
}
