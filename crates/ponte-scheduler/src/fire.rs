//! When a schedule fires: its unix-cron pattern read on the zone's wall
//! clock, with the two DST cases spelled out.
//!
//! - A wall-clock time that a DST change skips (02:30 on a spring-forward
//!   night in New York) fires at the first valid time after the gap
//!   (03:00), once, however many pattern times fell into the gap.
//! - A wall-clock time that a DST change repeats (01:30 on a fall-back
//!   night) fires once, at its first occurrence.
//!
//! croner matches the pattern against naive wall-clock times; this module
//! maps each match onto the zone's timeline.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use ponte_config::CronSchedule;

/// Pattern matches looked at before giving up: a five-field pattern that
/// matches at all matches within a few years, and every match past `after`
/// but one maps to a later instant, so this bound is never reached in
/// practice (it keeps a bug from spinning).
const MAX_MATCHES: usize = 100_000;

/// The first fire time strictly after `after`, in the schedule's zone, or
/// `None` when the pattern never matches again (`0 0 30 2 *`).
pub fn next_fire(schedule: &CronSchedule, after: DateTime<Utc>) -> Option<DateTime<Tz>> {
    let tz = schedule.time_zone();
    // Start from the wall clock at `after`. During a repeated hour the wall
    // clock has gone back, so matches are compared by instant, not by
    // wall-clock time.
    let mut wall = after.with_timezone(&tz).naive_local();
    for _ in 0..MAX_MATCHES {
        wall = schedule.cron().find_next_occurrence(&wall, false).ok()?;
        let instant = match tz.from_local_datetime(&wall) {
            LocalResult::Single(t) => t,
            // A repeated time fires at its first occurrence only.
            LocalResult::Ambiguous(first, _) => first,
            LocalResult::None => after_gap(tz, wall)?,
        };
        if instant.with_timezone(&Utc) > after {
            return Some(instant);
        }
    }
    None
}

/// The fire times after `after`, in order.
pub fn fire_times(schedule: &CronSchedule, after: DateTime<Utc>) -> impl Iterator<Item = DateTime<Tz>> + '_ {
    let mut cursor = after;
    std::iter::from_fn(move || {
        let next = next_fire(schedule, cursor)?;
        cursor = next.with_timezone(&Utc);
        Some(next)
    })
}

/// The first valid wall-clock minute after `wall`, a time inside a DST gap.
/// Gaps are whole minutes and at most a day long (Samoa skipped 30 Dec 2011).
fn after_gap(tz: Tz, wall: NaiveDateTime) -> Option<DateTime<Tz>> {
    let mut probe = wall;
    for _ in 0..=(24 * 60) {
        probe += TimeDelta::minutes(1);
        let truncated = probe.with_second_zeroed();
        match tz.from_local_datetime(&truncated) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return Some(t),
            LocalResult::None => {}
        }
    }
    None
}

trait SecondZeroed {
    fn with_second_zeroed(self) -> Self;
}

impl SecondZeroed for NaiveDateTime {
    fn with_second_zeroed(self) -> Self {
        use chrono::Timelike;
        self.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(expr: &str, zone: &str) -> CronSchedule {
        CronSchedule::parse(expr, ponte_config::parse_time_zone(zone).unwrap()).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next_n(s: &CronSchedule, after: &str, n: usize) -> Vec<String> {
        fire_times(s, utc(after)).take(n).map(|t| t.to_rfc3339()).collect()
    }

    #[test]
    fn weekday_mornings_in_sao_paulo() {
        let s = schedule("0 8 * * 1-5", "America/Sao_Paulo");
        // Friday 2026-01-02 at 12:00 UTC is 09:00 in São Paulo: next is Monday.
        assert_eq!(next_n(&s, "2026-01-02T12:00:00Z", 2), ["2026-01-05T08:00:00-03:00", "2026-01-06T08:00:00-03:00"]);
    }

    #[test]
    fn a_skipped_time_fires_once_at_the_end_of_the_gap() {
        // New York springs forward at 02:00 on 2026-03-08.
        let s = schedule("30 2 * * *", "America/New_York");
        assert_eq!(
            next_n(&s, "2026-03-07T12:00:00Z", 3),
            ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]
        );
        let every_quarter = schedule("*/15 * * * *", "America/New_York");
        assert_eq!(
            next_n(&every_quarter, "2026-03-08T06:40:00Z", 3),
            ["2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00"]
        );
    }

    #[test]
    fn a_repeated_time_fires_once() {
        // New York falls back at 02:00 EDT on 2026-11-01: 01:00-01:59 happens twice.
        let s = schedule("30 1 * * *", "America/New_York");
        assert_eq!(next_n(&s, "2026-11-01T04:00:00Z", 2), ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]);
        // Asked from inside the second 01:xx, the first 01:30 has passed.
        assert_eq!(next_n(&s, "2026-11-01T06:10:00Z", 1), ["2026-11-02T01:30:00-05:00"]);
    }

    #[test]
    fn a_pattern_that_never_matches_has_no_fire() {
        let s = schedule("0 0 30 2 *", "UTC");
        assert!(next_fire(&s, utc("2026-01-01T00:00:00Z")).is_none());
    }
}
