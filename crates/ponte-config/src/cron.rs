//! Unix-cron expressions as Cloud Scheduler reads them, tied to an IANA zone.
//!
//! Cloud Scheduler takes exactly five fields (minute, hour, day of month,
//! month, day of week) with lists, ranges, steps and three-letter month and
//! weekday names; it rejects the Quartz extensions (`L`, `W`, `#`, `?`) and a
//! seconds field. croner accepts more than that, so every field is checked
//! here first and only then handed to croner, which computes fire times.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A validated schedule: a five-field cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expression: String,
    time_zone: Tz,
    cron: Cron,
}

impl CronSchedule {
    /// Parses `expression` with Cloud Scheduler's rules.
    pub fn parse(expression: &str, time_zone: Tz) -> Result<Self, CronError> {
        check_fields(expression)?;
        let parser =
            CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).dom_and_dow(false).build();
        let cron = parser.parse(expression).map_err(|e| CronError::Invalid { message: e.to_string() })?;
        Ok(Self { expression: expression.trim().to_owned(), time_zone, cron })
    }

    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The zone the expression's wall-clock times are read in.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The parsed pattern, for computing fire times.
    pub fn cron(&self) -> &Cron {
        &self.cron
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.expression, self.time_zone)
    }
}

/// Parses an IANA time zone name such as `America/Sao_Paulo`.
pub fn parse_time_zone(name: &str) -> Result<Tz, CronError> {
    Tz::from_str(name).map_err(|_| CronError::UnknownTimeZone { name: name.to_owned() })
}

/// Why a cron expression or time zone was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not five whitespace-separated fields.
    #[error(
        "expected 5 fields (minute hour day-of-month month day-of-week), found {found}{hint}",
        hint = if *found == 6 { "; a seconds field is not supported" } else { "" }
    )]
    FieldCount {
        /// How many fields were written.
        found: usize,
    },
    /// A field holds something Cloud Scheduler does not accept.
    #[error("{field} field `{text}`: {reason}")]
    BadField {
        /// Which field (minute, hour, …).
        field: &'static str,
        /// The field as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Rejected by the pattern parser.
    #[error("{message}")]
    Invalid {
        /// The parser's explanation.
        message: String,
    },
    /// Not an IANA time zone name.
    #[error("unknown time zone `{name}`; expected an IANA name such as America/Sao_Paulo or UTC")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
}

struct FieldRule {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The value the first name stands for.
    names_start: u32,
}

const MONTHS: &[&str] = &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const RULES: [FieldRule; 5] = [
    FieldRule { name: "minute", min: 0, max: 59, names: &[], names_start: 0 },
    FieldRule { name: "hour", min: 0, max: 23, names: &[], names_start: 0 },
    FieldRule { name: "day-of-month", min: 1, max: 31, names: &[], names_start: 0 },
    FieldRule { name: "month", min: 1, max: 12, names: MONTHS, names_start: 1 },
    // 0 and 7 are both Sunday.
    FieldRule { name: "day-of-week", min: 0, max: 7, names: WEEKDAYS, names_start: 0 },
];

fn check_fields(expression: &str) -> Result<(), CronError> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(CronError::FieldCount { found: fields.len() });
    }
    for (text, rule) in fields.iter().zip(RULES.iter()) {
        check_field(text, rule).map_err(|reason| CronError::BadField {
            field: rule.name,
            text: (*text).to_owned(),
            reason,
        })?;
    }
    Ok(())
}

fn check_field(text: &str, rule: &FieldRule) -> Result<(), String> {
    for item in text.split(',') {
        if item.is_empty() {
            return Err("empty list item".into());
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step {
            let n = whole_number(step).ok_or_else(|| format!("step `{step}` is not a whole number"))?;
            if n == 0 || n > rule.max {
                return Err(format!("step {n} is out of range 1-{}", rule.max));
            }
            if range != "*" && !range.contains('-') {
                return Err(format!("a step needs `*` or a range before it, as in `*/{step}`"));
            }
        }
        if range == "*" {
            // croner refuses a bare `*` beside other items (it matches
            // every value anyway), so say so here, naming the field.
            if step.is_none() && text.contains(',') {
                return Err("`*` already matches every value; it cannot be one item of a list".into());
            }
            continue;
        }
        let (lo, hi) = match range.split_once('-') {
            Some((lo, hi)) => (value(lo, rule)?, Some(value(hi, rule)?)),
            None => (value(range, rule)?, None),
        };
        if let Some(hi) = hi
            && hi < lo
        {
            return Err(format!("range `{range}` runs backwards"));
        }
    }
    Ok(())
}

/// Digits only: `u32::from_str` also takes a leading `+`, which Cloud
/// Scheduler (and croner) refuse.
fn whole_number(token: &str) -> Option<u32> {
    if token.bytes().all(|b| b.is_ascii_digit()) { token.parse().ok() } else { None }
}

fn value(token: &str, rule: &FieldRule) -> Result<u32, String> {
    if let Some(n) = whole_number(token) {
        if n < rule.min || n > rule.max {
            return Err(format!("{n} is out of range {}-{}", rule.min, rule.max));
        }
        return Ok(n);
    }
    let upper = token.to_ascii_uppercase();
    if let Some(i) = rule.names.iter().position(|n| *n == upper) {
        return Ok(rule.names_start + i as u32);
    }
    if is_quartz_extension(&upper) {
        return Err(format!("`{token}` uses a Quartz extension (L, W, #, ?) that Cloud Scheduler does not accept"));
    }
    if rule.names.is_empty() {
        Err(format!("`{token}` is not a number {}-{}", rule.min, rule.max))
    } else {
        Err(format!("`{token}` is not a number {}-{} or one of {}", rule.min, rule.max, rule.names.join(", ")))
    }
}

/// `L`, `LW`, `15W`, `5L`, `5#3`, `?`: Quartz forms, not unix-cron.
fn is_quartz_extension(upper: &str) -> bool {
    let digits_then = |suffix: char| {
        upper.len() > 1 && upper.ends_with(suffix) && upper[..upper.len() - 1].chars().all(|c| c.is_ascii_digit())
    };
    matches!(upper, "?" | "L" | "LW") || upper.contains('#') || digits_then('L') || digits_then('W')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        parse_time_zone("America/Sao_Paulo").unwrap()
    }

    #[test]
    fn accepts_what_cloud_scheduler_accepts() {
        for e in [
            "0 8 * * 1-5",
            "*/15 * * * *",
            "0 0 1,15 * *",
            "30 6 * JAN-MAR mon-fri",
            "0 12 * * 7",
            "0 12 * * 0",
            "5-55/10 1-23/2 * * *",
        ] {
            CronSchedule::parse(e, tz()).unwrap_or_else(|err| panic!("{e}: {err}"));
        }
    }

    #[test]
    fn rejects_extensions_and_bad_fields() {
        let cases = [
            ("0 0 8 * * 1-5", "seconds field is not supported"),
            ("0 8 * *", "expected 5 fields"),
            ("0 8 L * *", "Quartz extension"),
            ("0 8 15W * *", "Quartz extension"),
            ("0 8 * * 5#3", "Quartz extension"),
            ("0 8 ? * 1", "Quartz extension"),
            ("60 8 * * *", "minute field `60`: 60 is out of range 0-59"),
            ("0 24 * * *", "hour field"),
            ("0 8 0 * *", "day-of-month field"),
            ("0 8 * 13 *", "month field"),
            ("0 8 * * 8", "day-of-week field"),
            ("0 8 * * MON-XYZ", "not a number 0-7 or one of SUN"),
            ("0 8 * * 5-1", "runs backwards"),
            ("*/0 * * * *", "step 0 is out of range"),
            ("@daily", "expected 5 fields"),
        ];
        for (e, want) in cases {
            let err = CronSchedule::parse(e, tz()).expect_err(e).to_string();
            assert!(err.contains(want), "{e}: got `{err}`, want `{want}`");
        }
    }

    /// Found by the `cron` fuzz target: `u32::from_str` takes a leading
    /// `+`, so `+5` passed ponte's checks and croner refused the pattern
    /// with a message that named no field.
    #[test]
    fn fuzz_plus_signed_numbers_are_bad_fields() {
        for (e, want) in [
            ("0 0 1,+5 * *", "day-of-month field `1,+5`: `+5` is not a number 1-31"),
            ("+0 8 * * *", "minute field `+0`: `+0` is not a number 0-59"),
            ("*/+5 * * * *", "minute field `*/+5`: step `+5` is not a whole number"),
            ("0 8 * 1-+3 *", "month field `1-+3`: `+3` is not a number 1-12 or one of JAN"),
        ] {
            let err = CronSchedule::parse(e, tz()).expect_err(e);
            assert!(matches!(err, CronError::BadField { .. }), "{e}: {err:?}");
            assert!(err.to_string().contains(want), "{e}: got `{err}`, want `{want}`");
        }
    }

    /// Found by the `cron` fuzz target: croner refuses a bare `*` in a list
    /// ("Invalid number", no field named), which ponte's checks let through.
    #[test]
    fn fuzz_star_in_a_list_is_a_bad_field() {
        for (e, field) in [("0 *,7 * * *", "hour field `*,7`"), ("0 8 1-3,* * *", "day-of-month field `1-3,*`")] {
            let err = CronSchedule::parse(e, tz()).expect_err(e);
            assert!(matches!(err, CronError::BadField { .. }), "{e}: {err:?}");
            assert!(err.to_string().starts_with(field), "{e}: {err}");
            assert!(err.to_string().contains("cannot be one item of a list"), "{e}: {err}");
        }
        // A stepped `*` in a list is fine with both.
        CronSchedule::parse("*/5,7 * * * *", tz()).unwrap();
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert!(parse_time_zone("Europe/Lisbon").is_ok());
        assert!(parse_time_zone("UTC").is_ok());
        let err = parse_time_zone("America/Sao Paulo").unwrap_err().to_string();
        assert!(err.contains("unknown time zone `America/Sao Paulo`"), "{err}");
    }
}
