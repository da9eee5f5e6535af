//! How many rows each dataset gets, and which rows go into which day's file.

use std::ops::Range;

use chrono::{Datelike, Months, NaiveDate};

/// Sizes derived from the requested invoice count and number of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// Invoice rows (the largest dataset; `--rows`).
    pub invoices: u64,
    /// Days of files (`--days`).
    pub days: u32,
    /// Consumer units: about one per 36 invoices (three years of bills each).
    pub units: u64,
    /// Customers: about one per 40 units.
    pub customers: u64,
    /// Reference months the invoices cover.
    pub months: u64,
}

/// The last day a file is written for. Fixed, so the same seed always gives
/// the same bytes whatever day the generator runs.
pub(crate) fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 21).expect("valid date")
}

/// The last month invoices refer to (the month before `last_day`).
pub(crate) fn last_month() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 1).expect("valid date")
}

impl Scale {
    /// Sizes for `invoices` rows over `days` daily files.
    pub fn new(invoices: u64, days: u32) -> Self {
        let invoices = invoices.max(1);
        let days = days.max(1);
        let units = (invoices / 36).max(20);
        let customers = (units / 40).max(4);
        let months = invoices.div_ceil(units);
        Self { invoices, days, units, customers, months }
    }

    /// The day of file number `d` (0-based, oldest first).
    pub fn day(&self, d: u32) -> NaiveDate {
        last_day() - chrono::Duration::days(i64::from(self.days - 1 - d))
    }

    /// The first day of reference month `m` (0-based, oldest first).
    pub fn month(&self, m: u64) -> NaiveDate {
        let back = u32::try_from(self.months - 1 - m.min(self.months - 1)).unwrap_or(u32::MAX);
        last_month().checked_sub_months(Months::new(back)).unwrap_or(NaiveDate::MIN).with_day(1).expect("day 1 exists")
    }

    /// The rows of a `total`-row dataset that file `d` holds: an even split.
    pub fn rows_for_day(&self, total: u64, d: u32) -> Range<u64> {
        let days = u64::from(self.days);
        let d = u64::from(d);
        (total * d / days)..(total * (d + 1) / days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_split_rows_exactly() {
        let s = Scale::new(1000, 7);
        let total: u64 = (0..7).map(|d| s.rows_for_day(1000, d).count() as u64).sum();
        assert_eq!(total, 1000);
        assert_eq!(s.day(6), last_day());
        assert_eq!(s.day(0), NaiveDate::from_ymd_opt(2025, 11, 15).unwrap());
    }

    #[test]
    fn months_end_at_the_last_month() {
        let s = Scale::new(36_000, 30);
        assert_eq!((s.units, s.customers, s.months), (1000, 25, 36));
        assert_eq!(s.month(35), last_month());
        assert_eq!(s.month(0), NaiveDate::from_ymd_opt(2022, 11, 1).unwrap());
    }
}
