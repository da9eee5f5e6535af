//! Cron expressions with Cloud Scheduler's rules, and the fire times the
//! scheduler computes from them.
//!
//! Input: the expression on the first line; optionally an IANA zone on the
//! second (UTC when absent or unknown) and Unix seconds to start from on
//! the third.
//!
//! Properties: never panics; every refusal comes from ponte's own field
//! checks, never from the pattern library (what the checks let through,
//! croner accepts), and names the field at fault; an accepted expression
//! keeps its text; its next fire times are whole minutes, strictly after
//! the start and increasing.
#![no_main]

use chrono::{DateTime, TimeZone, Timelike, Utc};
use libfuzzer_sys::fuzz_target;
use ponte_config::{CronError, CronSchedule, parse_time_zone};
use ponte_scheduler::fire::next_fire;

fuzz_target!(|data: &[u8]| {
    let Some(text) = ponte_fuzz::text(data) else { return };
    let (expression, rest) = ponte_fuzz::first_line(text);
    let (zone, rest) = ponte_fuzz::first_line(rest);
    let zone = match parse_time_zone(zone) {
        Ok(tz) => tz,
        Err(e) => {
            assert!(e.to_string().contains(zone), "{e}");
            chrono_tz::UTC
        }
    };
    let after = rest
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(|| Utc.with_ymd_and_hms(2024, 3, 10, 5, 59, 0).unwrap());

    let schedule = match CronSchedule::parse(expression, zone) {
        Ok(schedule) => schedule,
        Err(e @ CronError::Invalid { .. }) => panic!("{expression:?} passed ponte's checks but croner refused it: {e}"),
        Err(e @ CronError::BadField { .. }) => {
            assert!(e.to_string().contains(" field `"), "{e}");
            return;
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(schedule.expression(), expression.trim());
    let mut cursor = after;
    for _ in 0..3 {
        let Some(next) = next_fire(&schedule, cursor) else { break };
        let next = next.with_timezone(&Utc);
        assert!(next > cursor, "{expression:?} in {zone}: {next} is not after {cursor}");
        assert_eq!((next.second(), next.nanosecond()), (0, 0), "{expression:?} fires at {next}");
        cursor = next;
    }
});
