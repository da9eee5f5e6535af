//! The date and time filter AST, kept symbolic (`3 days ago`, `this month`)
//! so a saved filter means the same thing whenever it runs;
//! [`super::parse_date`] builds it and [`super::resolve`] turns it into
//! concrete intervals for a given "now".

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A parsed date or time filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFilter {
    /// No filter: the empty expression ("is any value").
    Any,
    /// The value is NULL (`NULL`).
    Null,
    /// The value is not NULL (`NOT NULL`).
    NotNull,
    /// The value matches at least one of these (Looker: `today, 7 days ago`
    /// is "today or 7 days ago"); never empty.
    AnyOf(Vec<DateExpr>),
}

/// One comma-separated item of a date filter.
///
/// `before`, `after` and `to` compare against the *start* of their periods,
/// as Looker does: `before 2024-01-01` excludes that day, `after 2024-01-01`
/// includes it, and `A to B` runs from the start of A to the start of B, end
/// excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateExpr {
    /// Within the period (`today`, `last 7 days`, `2024-03`).
    In(Period),
    /// Strictly before the period starts (`before 2024-01-01`, `before 3 days ago`).
    Before(Period),
    /// On or after the period starts (`after 2024-01-01`).
    After(Period),
    /// From the start of `from` (included) to the start of `to` (excluded):
    /// `2024-01-01 to 2024-02-01`.
    Between {
        /// The period whose start begins the range.
        from: Period,
        /// The period whose start ends the range.
        to: Period,
    },
}

/// A span of time, absolute or relative to "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    /// The whole calendar `unit` that is `offset` units from the current one:
    /// `today` is (Day, 0), `yesterday` (Day, -1), `last month` (Month, -1),
    /// `next week` (Week, 1), `3 days ago` (Day, -3), `2 hours from now`
    /// (Hour, 2).
    Relative {
        /// The calendar unit.
        unit: DateUnit,
        /// How many units from the current one; negative is the past.
        offset: i64,
    },
    /// The current `unit`, partial, plus the `count - 1` complete ones before
    /// it: `last 3 days` and `3 days` are the day before yesterday through the
    /// end of today (Looker's documented example).
    Trailing {
        /// The calendar unit.
        unit: DateUnit,
        /// How many units, the current one included; at least 1.
        count: u32,
    },
    /// `count` units from the start of another period: `7 days ago for 7 days`
    /// (the last 7 complete days), `2024-05-10 for 3 days`.
    For {
        /// The period whose start begins this one.
        start: Box<Period>,
        /// How many units long; at least 1.
        count: u32,
        /// The unit of `count`.
        unit: DateUnit,
    },
    /// A calendar period written out (`2024`, `2024-03-05 12:00`).
    Absolute(AbsoluteTime),
}

/// A calendar period written as a date or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsoluteTime {
    /// A year: `2024`.
    Year(i32),
    /// A calendar quarter: `2024-Q1`.
    Quarter {
        /// The year.
        year: i32,
        /// 1 to 4.
        quarter: u32,
    },
    /// A month: `2024-03`, `2024/03`.
    Month {
        /// The year.
        year: i32,
        /// 1 to 12.
        month: u32,
    },
    /// A day: `2024-03-05`, `2024/03/05`.
    Day(NaiveDate),
    /// A minute: `2024-03-05 12:00`.
    Minute(NaiveDateTime),
    /// A second: `2024-03-05 12:00:00`.
    Second(NaiveDateTime),
}

impl AbsoluteTime {
    /// The first instant of the period.
    pub fn start(&self) -> NaiveDateTime {
        let day = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
        match *self {
            AbsoluteTime::Year(year) => day(year, 1).and_time(NaiveTime::MIN),
            AbsoluteTime::Quarter { year, quarter } => day(year, 3 * quarter - 2).and_time(NaiveTime::MIN),
            AbsoluteTime::Month { year, month } => day(year, month).and_time(NaiveTime::MIN),
            AbsoluteTime::Day(date) => date.and_time(NaiveTime::MIN),
            AbsoluteTime::Minute(t) | AbsoluteTime::Second(t) => t,
        }
    }

    /// The period's length as a count of units.
    pub fn length(&self) -> (u32, DateUnit) {
        match self {
            AbsoluteTime::Year(_) => (1, DateUnit::Year),
            AbsoluteTime::Quarter { .. } => (1, DateUnit::Quarter),
            AbsoluteTime::Month { .. } => (1, DateUnit::Month),
            AbsoluteTime::Day(_) => (1, DateUnit::Day),
            AbsoluteTime::Minute(_) => (1, DateUnit::Minute),
            AbsoluteTime::Second(_) => (1, DateUnit::Second),
        }
    }
}

/// A unit of calendar time. Weeks start on Monday (Looker's default);
/// quarters are calendar quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateUnit {
    /// A second.
    Second,
    /// A minute.
    Minute,
    /// An hour.
    Hour,
    /// A day, midnight to midnight.
    Day,
    /// A week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar quarter (January, April, July, October).
    Quarter,
    /// A calendar year.
    Year,
}

impl DateUnit {
    /// The unit's name in the plural, as written in filters (`days`).
    pub fn plural(self) -> &'static str {
        match self {
            DateUnit::Second => "seconds",
            DateUnit::Minute => "minutes",
            DateUnit::Hour => "hours",
            DateUnit::Day => "days",
            DateUnit::Week => "weeks",
            DateUnit::Month => "months",
            DateUnit::Quarter => "quarters",
            DateUnit::Year => "years",
        }
    }

    pub(super) fn from_word(word: &str) -> Option<DateUnit> {
        let singular = word.strip_suffix('s').unwrap_or(word);
        Some(match singular {
            "second" => DateUnit::Second,
            "minute" => DateUnit::Minute,
            "hour" => DateUnit::Hour,
            "day" => DateUnit::Day,
            "week" => DateUnit::Week,
            "month" => DateUnit::Month,
            "quarter" => DateUnit::Quarter,
            "year" => DateUnit::Year,
            _ => return None,
        })
    }

    /// The largest count accepted: about 10,000 years of the unit (the whole
    /// `u32` range for seconds and minutes), so resolving can never leave
    /// chrono's calendar.
    pub(super) fn max_count(self) -> u64 {
        match self {
            DateUnit::Second | DateUnit::Minute => u64::from(u32::MAX),
            DateUnit::Hour => 87_660_000,
            DateUnit::Day => 3_652_500,
            DateUnit::Week => 521_800,
            DateUnit::Month => 120_000,
            DateUnit::Quarter => 40_000,
            DateUnit::Year => 10_000,
        }
    }
}
