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
    /// Consumer units: about one per 36 invoices (three years of bills
    /// each), all billed every month, plus at most one unit that joined
    /// recently and was billed only for the last months (the invoices that
    /// do not fill a month), so no month is billed for a handful of units.
    pub units: u64,
    /// The units billed every month.
    pub billed_every_month: u64,
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
        let months = (invoices / (invoices / 36).max(20)).max(1);
        let billed_every_month = invoices / months;
        let units = billed_every_month + u64::from(!invoices.is_multiple_of(months));
        let customers = (units / 40).max(4);
        Self { invoices, days, units, billed_every_month, customers, months }
    }

    /// The unit and reference month (0-based, oldest first) of invoice `k`
    /// (0-based): month-major, every unit billed every month; the invoices
    /// left over are the newest unit's, for the last months.
    pub fn invoice(&self, k: u64) -> (u64, u64) {
        let every_month = self.billed_every_month * self.months;
        if k < every_month {
            (k % self.billed_every_month + 1, k / self.billed_every_month)
        } else {
            let late = self.invoices - every_month;
            (self.units, self.months - late + (k - every_month))
        }
    }

    /// The customer unit `id` belongs to. Units 1 to `customers` go one to
    /// each customer, so every customer has one; the rest follow a power
    /// law (customer k gets about 1/k^1.1 of them), so a few customers are
    /// large and many are small, as a utility's customer base is. `u` is a
    /// uniform draw in [0, 1) for the unit.
    pub fn customer_of_unit(&self, id: u64, u: f64) -> u64 {
        if id <= self.customers {
            return id;
        }
        // The inverse of the continuous power law's distribution on [1, n + 1).
        let (n, a) = (self.customers as f64, 1.0 - 1.1);
        let x = (1.0 + u * ((n + 1.0).powf(a) - 1.0)).powf(1.0 / a);
        (x.floor() as u64).clamp(1, self.customers)
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
    fn every_month_is_billed_for_every_unit_but_one_newcomer() {
        let s = Scale::new(100_000, 30);
        assert_eq!((s.months, s.billed_every_month, s.units), (36, 2777, 2778));
        let mut per_month = vec![0u64; s.months as usize];
        let mut newcomer = 0;
        for k in 0..s.invoices {
            let (unit, month) = s.invoice(k);
            assert!((1..=s.units).contains(&unit));
            per_month[month as usize] += 1;
            newcomer += u64::from(unit == s.units);
        }
        assert_eq!(newcomer, 28, "the 28 invoices that do not fill a month");
        assert!(per_month[..8].iter().all(|&n| n == 2777), "{per_month:?}");
        assert!(per_month[8..].iter().all(|&n| n == 2778), "{per_month:?}");
        let exact = Scale::new(36_000, 30);
        assert_eq!(exact.invoice(35_999), (1000, 35));
    }

    #[test]
    fn customers_differ_in_size() {
        let s = Scale::new(100_000, 30);
        let mut units = vec![0u64; s.customers as usize + 1];
        for id in 1..=s.units {
            let u = (id.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64;
            units[s.customer_of_unit(id, u) as usize] += 1;
        }
        assert!(units[1..].iter().all(|&n| n >= 1), "every customer has a unit");
        assert!(units[1] > 10 * units[s.customers as usize], "{units:?}");
        assert!(units[1] > units[2] && units[2] > units[10], "{units:?}");
    }

    #[test]
    fn months_end_at_the_last_month() {
        let s = Scale::new(36_000, 30);
        assert_eq!((s.units, s.customers, s.months), (1000, 25, 36));
        assert_eq!(s.month(35), last_month());
        assert_eq!(s.month(0), NaiveDate::from_ymd_opt(2022, 11, 1).unwrap());
    }
}
