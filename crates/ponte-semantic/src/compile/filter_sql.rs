//! Parsed filter expressions → SQL conditions, every value bound.
//!
//! Looker's negations keep NULLs: `-FOO` is "anything but FOO", and a NULL
//! is not FOO, so it passes (`(x <> $1 OR x IS NULL)`); only `-NULL` and
//! `-EMPTY` exclude NULLs.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::QueryParam;
use super::dialect::{LIKE_ESCAPE, SqlWriter, TimeKind, all_of, any_of};
use crate::filter_expr::{
    DateFilter, Number, NumberFilter, NumberTerm, ResolvedDateFilter, StringFilter, StringPattern, YesNoFilter, resolve,
};
use crate::model::Filter;

/// The condition `filter` puts on `expr`, or `None` when it matches
/// everything. `time` is the column's kind for date filters; `now` is
/// "now" in the query's zone.
pub(crate) fn condition(
    w: &mut SqlWriter,
    expr: &str,
    filter: &Filter,
    time: Option<TimeKind>,
    now: DateTime<Tz>,
) -> Option<String> {
    match filter {
        Filter::String(f) => string(w, expr, f),
        Filter::Number(f) => number(w, expr, f),
        Filter::Date(f) => date(w, expr, f, time.unwrap_or(TimeKind::Timestamp), now),
        Filter::YesNo(YesNoFilter::Any) => None,
        // A yes/no is never NULL in Looker (it is `CASE WHEN … 'Yes' ELSE
        // 'No'`), so NULL counts as No.
        Filter::YesNo(YesNoFilter::Is(b)) => {
            Some(format!("COALESCE({expr}, FALSE) = {}", w.bind(QueryParam::Bool(*b))))
        }
    }
}

fn string(w: &mut SqlWriter, x: &str, filter: &StringFilter) -> Option<String> {
    let StringFilter::Match { any_of: wanted, none_of: unwanted } = filter else { return None };
    let mut parts = Vec::new();
    if !wanted.is_empty() {
        let equals: Vec<String> = wanted
            .iter()
            .filter_map(|p| match p {
                StringPattern::Equals(v) => Some(w.bind(QueryParam::String(v.clone()))),
                _ => None,
            })
            .collect();
        let mut ors = Vec::new();
        match equals.len() {
            0 => {}
            1 => ors.push(format!("{x} = {}", equals[0])),
            _ => ors.push(format!("{x} IN ({})", equals.join(", "))),
        }
        for p in wanted {
            match p {
                StringPattern::Equals(_) => {}
                StringPattern::Null => ors.push(format!("{x} IS NULL")),
                StringPattern::Empty => ors.push(format!("({x} IS NULL OR {x} = '')")),
                _ => ors.push(w.like(x, p.like_pattern(LIKE_ESCAPE).unwrap_or_default(), false)),
            }
        }
        parts.extend(any_of(ors));
    }
    let excluded: Vec<String> = unwanted
        .iter()
        .filter_map(|p| match p {
            StringPattern::Equals(v) => Some(w.bind(QueryParam::String(v.clone()))),
            _ => None,
        })
        .collect();
    match excluded.len() {
        0 => {}
        1 => parts.push(format!("({x} <> {} OR {x} IS NULL)", excluded[0])),
        _ => parts.push(format!("({x} NOT IN ({}) OR {x} IS NULL)", excluded.join(", "))),
    }
    for p in unwanted {
        match p {
            StringPattern::Equals(_) => {}
            StringPattern::Null => parts.push(format!("{x} IS NOT NULL")),
            StringPattern::Empty => parts.push(format!("({x} IS NOT NULL AND {x} <> '')")),
            _ => {
                let like = w.like(x, p.like_pattern(LIKE_ESCAPE).unwrap_or_default(), true);
                parts.push(format!("({like} OR {x} IS NULL)"));
            }
        }
    }
    all_of(parts)
}

fn number(w: &mut SqlWriter, x: &str, filter: &NumberFilter) -> Option<String> {
    let NumberFilter::Match { any_of: wanted, none_of: unwanted } = filter else { return None };
    let mut parts = Vec::new();
    let mut ors = equal_to_any(w, x, wanted, false);
    ors.extend(wanted.iter().filter(|t| !matches!(t, NumberTerm::Equals(_))).map(|t| term(w, x, t)));
    parts.extend(any_of(ors));
    parts.extend(equal_to_any(w, x, unwanted, true).into_iter().map(|c| format!("({c} OR {x} IS NULL)")));
    for t in unwanted {
        match t {
            NumberTerm::Null => parts.push(format!("{x} IS NOT NULL")),
            NumberTerm::Equals(_) => {}
            NumberTerm::Range(_) => parts.push(format!("(NOT {} OR {x} IS NULL)", term(w, x, t))),
        }
    }
    all_of(parts)
}

/// The equalities among `terms` as at most two conditions: whole numbers
/// compared exactly (`x IN ($1, $2, …)`), other numbers as floats (see
/// [`compare`]); `negated` writes `<>` and `NOT IN`. A list of a thousand
/// values is one `IN`, not a thousand `OR`s.
fn equal_to_any(w: &mut SqlWriter, x: &str, terms: &[NumberTerm], negated: bool) -> Vec<String> {
    let (mut whole, mut other) = (Vec::new(), Vec::new());
    for t in terms {
        if let NumberTerm::Equals(n) = t {
            match n.text.trim().parse::<i64>() {
                Ok(i) => whole.push(QueryParam::Int(i)),
                Err(_) => other.push(QueryParam::Float(n.value)),
            }
        }
    }
    let mut conditions = Vec::new();
    for (values, column) in [(whole, x.to_owned()), (other, w.as_float(x))] {
        let placeholders: Vec<String> = values.into_iter().map(|v| w.bind(v)).collect();
        conditions.push(match (placeholders.as_slice(), negated) {
            ([], _) => continue,
            ([one], false) => format!("{column} = {one}"),
            ([one], true) => format!("{column} <> {one}"),
            (many, false) => format!("{column} IN ({})", many.join(", ")),
            (many, true) => format!("{column} NOT IN ({})", many.join(", ")),
        });
    }
    conditions
}

fn term(w: &mut SqlWriter, x: &str, term: &NumberTerm) -> String {
    match term {
        NumberTerm::Null => format!("{x} IS NULL"),
        NumberTerm::Equals(n) => compare(w, x, "=", n),
        NumberTerm::Range(r) => {
            let mut bounds = Vec::new();
            if let Some(low) = &r.low {
                let op = if low.inclusive { ">=" } else { ">" };
                bounds.push(compare(w, x, op, &low.value));
            }
            if let Some(high) = &r.high {
                let op = if high.inclusive { "<=" } else { "<" };
                bounds.push(compare(w, x, op, &high.value));
            }
            // A range has at least one bound; an empty one would match all.
            all_of(bounds).unwrap_or_else(|| format!("{x} IS NOT NULL"))
        }
    }
}

/// `x op n`. Whole numbers as written bind as integers, so they compare
/// exactly with integer and decimal columns. Anything else binds as a float
/// and the column is compared as a float too: DataFusion would otherwise
/// cast the float into the column's decimal type and fail on a value that
/// type cannot hold (`valor = 1e30` against a DECIMAL(18, 2)).
fn compare(w: &mut SqlWriter, x: &str, op: &str, n: &Number) -> String {
    match n.text.trim().parse::<i64>() {
        Ok(i) => format!("{x} {op} {}", w.bind(QueryParam::Int(i))),
        Err(_) => format!("{} {op} {}", w.as_float(x), w.bind(QueryParam::Float(n.value))),
    }
}

fn date(w: &mut SqlWriter, x: &str, filter: &DateFilter, kind: TimeKind, now: DateTime<Tz>) -> Option<String> {
    match resolve(filter, now) {
        ResolvedDateFilter::Any => None,
        ResolvedDateFilter::Null => Some(format!("{x} IS NULL")),
        ResolvedDateFilter::NotNull => Some(format!("{x} IS NOT NULL")),
        ResolvedDateFilter::Ranges(ranges) => {
            let zone = now.timezone();
            let ors = ranges
                .iter()
                .map(|r| {
                    let mut bounds = Vec::new();
                    if let Some(p) = r.start.and_then(|t| bound(kind, zone, t)) {
                        bounds.push(format!("{x} >= {}", w.bind(p)));
                    }
                    if let Some(p) = r.end.and_then(|t| bound(kind, zone, t)) {
                        bounds.push(format!("{x} < {}", w.bind(p)));
                    }
                    all_of(bounds).unwrap_or_else(|| format!("{x} IS NOT NULL"))
                })
                .collect();
            any_of(ors)
        }
    }
}

/// A local wall-clock bound as a parameter for a column of `kind`; `None`
/// when it lies outside what the column can hold (the range is then open
/// on that side, which is what a saturated bound meant).
///
/// A DATE is taken as its midnight, so a date is in `[start, end)` when its
/// midnight is: a bound that is not a midnight rounds up to the next date.
/// A TIMESTAMP bound is the instant that wall-clock time names in the zone;
/// in a daylight-saving gap the first valid instant after it, in an
/// overlap the earlier one.
fn bound(kind: TimeKind, zone: Tz, t: NaiveDateTime) -> Option<QueryParam> {
    if t == NaiveDateTime::MIN || t == NaiveDateTime::MAX {
        return None;
    }
    match kind {
        TimeKind::Date => {
            let date = if t.time() == NaiveTime::MIN { Some(t.date()) } else { t.date().succ_opt() };
            date.map(QueryParam::Date)
        }
        TimeKind::Timestamp => (0..=8)
            .find_map(|k| zone.from_local_datetime(&t.checked_add_signed(TimeDelta::minutes(15 * k))?).earliest())
            .map(|local| QueryParam::Timestamp(local.with_timezone(&Utc))),
    }
}
