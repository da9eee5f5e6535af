//! Expected ranges come from the examples in Looker's documentation
//! (<https://cloud.google.com/looker/docs/filter-expressions>, "Relative
//! dates"), which assume now is Friday 2018-05-18 18:30:02.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::filter_expr::{
    AbsoluteTime, DateExpr, DateFilter, DateUnit, FilterError, Period, ResolvedDateFilter, parse_date, resolve,
};

fn now() -> chrono::DateTime<Tz> {
    chrono_tz::America::Sao_Paulo.with_ymd_and_hms(2018, 5, 18, 18, 30, 2).unwrap()
}

/// Resolves at [`now`] and formats each range as `start..end`, `*` for an open end.
fn ranges_at(expr: &str, now: chrono::DateTime<Tz>) -> Vec<String> {
    let filter = parse_date(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
    let ResolvedDateFilter::Ranges(ranges) = resolve(&filter, now) else { panic!("{expr:?} has no ranges") };
    let fmt =
        |t: Option<chrono::NaiveDateTime>| t.map_or("*".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    ranges.iter().map(|r| format!("{}..{}", fmt(r.start), fmt(r.end))).collect()
}

fn one(expr: &str) -> String {
    let ranges = ranges_at(expr, now());
    assert_eq!(ranges.len(), 1, "{expr:?}");
    ranges[0].clone()
}

fn only(expr: &str) -> DateExpr {
    match parse_date(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}")) {
        DateFilter::AnyOf(mut exprs) if exprs.len() == 1 => exprs.remove(0),
        other => panic!("{expr:?} parsed as {other:?}"),
    }
}

fn err(expr: &str) -> FilterError {
    parse_date(expr).expect_err(expr)
}

#[test]
fn empty_is_any_value() {
    assert_eq!(parse_date(""), Ok(DateFilter::Any));
    assert_eq!(resolve(&DateFilter::Any, now()), ResolvedDateFilter::Any);
}

#[test]
fn null_and_not_null() {
    assert_eq!(parse_date("NULL"), Ok(DateFilter::Null));
    assert_eq!(parse_date(" not   null "), Ok(DateFilter::NotNull));
    assert_eq!(resolve(&DateFilter::Null, now()), ResolvedDateFilter::Null);
    assert_eq!(resolve(&DateFilter::NotNull, now()), ResolvedDateFilter::NotNull);
}

#[test]
fn today_yesterday_tomorrow() {
    assert_eq!(only("today"), DateExpr::In(Period::Relative { unit: DateUnit::Day, offset: 0 }));
    assert_eq!(one("today"), "2018-05-18 00:00:00..2018-05-19 00:00:00");
    assert_eq!(one("Yesterday"), "2018-05-17 00:00:00..2018-05-18 00:00:00");
    assert_eq!(one("TOMORROW"), "2018-05-19 00:00:00..2018-05-20 00:00:00");
}

#[test]
fn this_period() {
    assert_eq!(one("this week"), "2018-05-14 00:00:00..2018-05-21 00:00:00");
    assert_eq!(one("this month"), "2018-05-01 00:00:00..2018-06-01 00:00:00");
    assert_eq!(one("this quarter"), "2018-04-01 00:00:00..2018-07-01 00:00:00");
    assert_eq!(one("this year"), "2018-01-01 00:00:00..2019-01-01 00:00:00");
}

#[test]
fn last_period_is_the_previous_complete_one() {
    assert_eq!(one("last week"), "2018-05-07 00:00:00..2018-05-14 00:00:00");
    assert_eq!(one("last month"), "2018-04-01 00:00:00..2018-05-01 00:00:00");
    assert_eq!(one("last quarter"), "2018-01-01 00:00:00..2018-04-01 00:00:00");
    assert_eq!(one("last year"), "2017-01-01 00:00:00..2018-01-01 00:00:00");
}

#[test]
fn next_period() {
    assert_eq!(one("next week"), "2018-05-21 00:00:00..2018-05-28 00:00:00");
    assert_eq!(one("next month"), "2018-06-01 00:00:00..2018-07-01 00:00:00");
    assert_eq!(one("next quarter"), "2018-07-01 00:00:00..2018-10-01 00:00:00");
    assert_eq!(one("next year"), "2019-01-01 00:00:00..2020-01-01 00:00:00");
}

#[test]
fn last_n_units_include_the_current_partial_unit() {
    assert_eq!(only("last 7 days"), DateExpr::In(Period::Trailing { unit: DateUnit::Day, count: 7 }));
    assert_eq!(one("last 3 days"), "2018-05-16 00:00:00..2018-05-19 00:00:00");
    assert_eq!(one("last 7 days"), "2018-05-12 00:00:00..2018-05-19 00:00:00");
    assert_eq!(one("last 2 weeks"), "2018-05-07 00:00:00..2018-05-21 00:00:00");
    assert_eq!(one("last 2 months"), "2018-04-01 00:00:00..2018-06-01 00:00:00");
    assert_eq!(one("last 2 quarters"), "2018-01-01 00:00:00..2018-07-01 00:00:00");
    assert_eq!(one("last 2 years"), "2017-01-01 00:00:00..2019-01-01 00:00:00");
    assert_eq!(one("last 24 hours"), "2018-05-17 19:00:00..2018-05-18 19:00:00");
    assert_eq!(one("last 60 minutes"), "2018-05-18 17:31:00..2018-05-18 18:31:00");
    assert_eq!(one("last 1 day"), one("today"));
}

#[test]
fn n_units_without_last_is_the_same() {
    assert_eq!(one("3 days"), one("last 3 days"));
    assert_eq!(one("2 days"), "2018-05-17 00:00:00..2018-05-19 00:00:00");
    assert_eq!(one("1 month"), one("this month"));
    assert_eq!(one("1 second"), "2018-05-18 18:30:02..2018-05-18 18:30:03");
}

#[test]
fn n_units_ago_is_that_whole_unit() {
    assert_eq!(only("3 days ago"), DateExpr::In(Period::Relative { unit: DateUnit::Day, offset: -3 }));
    assert_eq!(one("1 day ago"), one("yesterday"));
    assert_eq!(one("1 week ago"), one("last week"));
    assert_eq!(one("2 months ago"), "2018-03-01 00:00:00..2018-04-01 00:00:00");
    assert_eq!(one("2 quarters ago"), "2017-10-01 00:00:00..2018-01-01 00:00:00");
    assert_eq!(one("2 years ago"), "2016-01-01 00:00:00..2017-01-01 00:00:00");
    assert_eq!(one("0 months ago"), one("this month"));
}

#[test]
fn n_units_from_now() {
    assert_eq!(one("2 months from now"), "2018-07-01 00:00:00..2018-08-01 00:00:00");
    assert_eq!(one("7 days FROM NOW"), "2018-05-25 00:00:00..2018-05-26 00:00:00");
}

#[test]
fn ago_for_is_complete_units() {
    assert_eq!(one("7 days ago for 7 days"), "2018-05-11 00:00:00..2018-05-18 00:00:00");
    assert_eq!(one("24 hours ago for 1 hour"), "2018-05-17 18:00:00..2018-05-17 19:00:00");
    assert_eq!(one("60 minutes ago for 1 minute"), "2018-05-18 17:30:00..2018-05-18 17:31:00");
    assert_eq!(one("3 months ago for 2 days"), "2018-02-01 00:00:00..2018-02-03 00:00:00");
    assert_eq!(one("6 months from now for 3 months"), "2018-11-01 00:00:00..2019-02-01 00:00:00");
    assert_eq!(one("today for 7 days"), "2018-05-18 00:00:00..2018-05-25 00:00:00");
}

#[test]
fn absolute_year_month_day() {
    assert_eq!(only("2024"), DateExpr::In(Period::Absolute(AbsoluteTime::Year(2024))));
    assert_eq!(one("2024"), "2024-01-01 00:00:00..2025-01-01 00:00:00");
    assert_eq!(one("2024-03"), "2024-03-01 00:00:00..2024-04-01 00:00:00");
    assert_eq!(one("2024/03"), one("2024-03"));
    assert_eq!(one("2024-12"), "2024-12-01 00:00:00..2025-01-01 00:00:00");
    assert_eq!(one("2024-03-05"), "2024-03-05 00:00:00..2024-03-06 00:00:00");
    assert_eq!(one("2024/03/05"), one("2024-03-05"));
    assert_eq!(one("2024-02-29"), "2024-02-29 00:00:00..2024-03-01 00:00:00");
}

#[test]
fn absolute_quarter() {
    assert_eq!(one("2018-Q4"), "2018-10-01 00:00:00..2019-01-01 00:00:00");
    assert_eq!(one("2018-q1"), "2018-01-01 00:00:00..2018-04-01 00:00:00");
}

#[test]
fn absolute_datetimes() {
    let at = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
    assert_eq!(only("2024-01-01 12:00:00"), DateExpr::In(Period::Absolute(AbsoluteTime::Second(at))));
    assert_eq!(one("2024-01-01 12:00:00"), "2024-01-01 12:00:00..2024-01-01 12:00:01");
    assert_eq!(one("2024-01-01 12:00"), "2024-01-01 12:00:00..2024-01-01 12:01:00");
    assert_eq!(one("2024-01-01T12:00:00"), one("2024-01-01 12:00:00"));
    assert_eq!(one("2024/01/01   9:05"), "2024-01-01 09:05:00..2024-01-01 09:06:00");
}

#[test]
fn absolute_for() {
    assert_eq!(one("2018/05/10 for 3 days"), "2018-05-10 00:00:00..2018-05-13 00:00:00");
    assert_eq!(one("2018/05 for 2 months"), "2018-05-01 00:00:00..2018-07-01 00:00:00");
    assert_eq!(one("2018/05/10 05:00 for 5 hours"), "2018-05-10 05:00:00..2018-05-10 10:00:00");
    assert_eq!(one("2018/05/10 for 5 months"), "2018-05-10 00:00:00..2018-10-10 00:00:00");
    assert_eq!(one("2018-07-01 for 1 quarter"), "2018-07-01 00:00:00..2018-10-01 00:00:00");
}

#[test]
fn to_range_is_start_inclusive_end_exclusive() {
    assert_eq!(one("2024-01-01 to 2024-02-01"), "2024-01-01 00:00:00..2024-02-01 00:00:00");
    assert_eq!(one("2018-05-18 12:00:00 to 2018-05-18 14:00:00"), "2018-05-18 12:00:00..2018-05-18 14:00:00");
    assert_eq!(one("2024 to 2026"), "2024-01-01 00:00:00..2026-01-01 00:00:00");
    assert_eq!(one("2018-01-01 to today"), "2018-01-01 00:00:00..2018-05-18 00:00:00");
}

#[test]
fn before_is_exclusive() {
    assert_eq!(
        only("before 2024-01-01"),
        DateExpr::Before(Period::Absolute(AbsoluteTime::Day(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())))
    );
    assert_eq!(one("before 2024-01-01"), "*..2024-01-01 00:00:00");
    assert_eq!(one("before 2018-01-01 12:00:00"), "*..2018-01-01 12:00:00");
}

#[test]
fn after_is_inclusive() {
    assert_eq!(one("after 2024-01-01"), "2024-01-01 00:00:00..*");
    assert_eq!(one("AFTER 2018/10/05"), "2018-10-05 00:00:00..*");
}

#[test]
fn before_and_after_relative() {
    assert_eq!(one("before 3 days ago"), "*..2018-05-15 00:00:00");
    assert_eq!(one("before 2 months ago"), "*..2018-03-01 00:00:00");
    assert_eq!(one("before 2 years ago"), "*..2016-01-01 00:00:00");
    assert_eq!(one("before this week"), "*..2018-05-14 00:00:00");
    assert_eq!(one("after this week"), "2018-05-14 00:00:00..*");
    assert_eq!(one("after 3 weeks ago"), "2018-04-23 00:00:00..*");
}

#[test]
fn comma_list_is_any_of() {
    assert_eq!(
        ranges_at("today, 7 days ago", now()),
        vec!["2018-05-18 00:00:00..2018-05-19 00:00:00", "2018-05-11 00:00:00..2018-05-12 00:00:00"]
    );
}

#[test]
fn keywords_are_case_insensitive_and_blanks_flexible() {
    assert_eq!(one("  LAST   7   DAYS "), one("last 7 days"));
    assert_eq!(one("This\tMonth"), one("this month"));
    assert_eq!(one("3 Day Ago"), one("3 days ago"));
}

#[test]
fn weeks_start_on_monday_even_on_sunday_and_monday() {
    let zone = chrono_tz::Europe::Lisbon;
    let sunday = zone.with_ymd_and_hms(2024, 3, 10, 23, 59, 59).unwrap();
    let monday = zone.with_ymd_and_hms(2024, 3, 11, 0, 0, 0).unwrap();
    assert_eq!(ranges_at("this week", sunday), vec!["2024-03-04 00:00:00..2024-03-11 00:00:00"]);
    assert_eq!(ranges_at("this week", monday), vec!["2024-03-11 00:00:00..2024-03-18 00:00:00"]);
}

#[test]
fn resolution_uses_the_zone_of_now() {
    // 02:30 UTC on the 1st is still the previous day (and month) in São Paulo.
    let utc = chrono::Utc.with_ymd_and_hms(2024, 3, 1, 2, 30, 0).unwrap();
    let sao_paulo = utc.with_timezone(&chrono_tz::America::Sao_Paulo);
    assert_eq!(ranges_at("today", sao_paulo), vec!["2024-02-29 00:00:00..2024-03-01 00:00:00"]);
    assert_eq!(ranges_at("this month", sao_paulo), vec!["2024-02-01 00:00:00..2024-03-01 00:00:00"]);
}

#[test]
fn month_arithmetic_across_year_ends() {
    let jan = chrono_tz::UTC.with_ymd_and_hms(2024, 1, 31, 10, 0, 0).unwrap();
    assert_eq!(ranges_at("last month", jan), vec!["2023-12-01 00:00:00..2024-01-01 00:00:00"]);
    assert_eq!(ranges_at("last quarter", jan), vec!["2023-10-01 00:00:00..2024-01-01 00:00:00"]);
    assert_eq!(ranges_at("next month", jan), vec!["2024-02-01 00:00:00..2024-03-01 00:00:00"]);
}

#[test]
fn error_unknown_unit() {
    let e = err("last 2 fortnights");
    assert_eq!(e.offset(), 7);
    assert_eq!(
        e.to_string(),
        "unknown date unit \"fortnights\" in \"last 2 fortnights\"; expected second(s), minute(s), hour(s), \
         day(s), week(s), month(s), quarter(s), year(s)"
    );
    assert!(matches!(err("this fortnight"), FilterError::UnknownUnit { .. }));
    assert!(matches!(err("3 dais ago"), FilterError::UnknownUnit { offset: 2, .. }));
}

#[test]
fn error_missing_unit() {
    assert_eq!(
        err("last 3").to_string(),
        "expected a unit (days, weeks, months, quarters, years, hours, minutes, seconds) at column 7, \
         found the end of the expression in \"last 3\""
    );
    assert_eq!(err("7").offset(), 1);
    assert_eq!(err("this").offset(), 4);
}

#[test]
fn error_this_next_last_take_calendar_units_only() {
    let e = err("this day");
    assert_eq!(e.offset(), 5);
    assert_eq!(e.to_string(), "\"this day\" is not a Looker period in \"this day\"; use today, yesterday or tomorrow");
    assert!(matches!(err("next hour"), FilterError::UnitNotAllowed { .. }));
    assert!(matches!(err("last minute"), FilterError::UnitNotAllowed { .. }));
}

#[test]
fn error_invalid_dates() {
    assert_eq!(
        err("2024-13").to_string(),
        "invalid date \"2024-13\" at column 1 in \"2024-13\": the month must be 01 to 12"
    );
    assert_eq!(
        err("after 2023-02-29").to_string(),
        "invalid date \"2023-02-29\" at column 7 in \"after 2023-02-29\": no such day in the calendar"
    );
    assert!(matches!(err("2016-1"), FilterError::InvalidDate { ref reason, .. } if reason.contains("two digits")));
    assert!(matches!(err("2024-3-5"), FilterError::InvalidDate { .. }));
    assert!(matches!(err("24-03-05"), FilterError::InvalidDate { .. }));
    assert!(matches!(err("2024-Q5"), FilterError::InvalidDate { .. }));
    assert!(matches!(err("2024-03-05-01"), FilterError::InvalidDate { .. }));
}

#[test]
fn error_invalid_times() {
    assert_eq!(
        err("2024-01-01 25:00").to_string(),
        "invalid date \"25:00\" at column 12 in \"2024-01-01 25:00\": expected a time HH:MM or HH:MM:SS (24-hour clock)"
    );
    assert!(matches!(err("2024-01-01 12:0"), FilterError::InvalidDate { offset: 11, .. }));
    assert!(matches!(err("2024-01 12:00"), FilterError::InvalidDate { offset: 0, .. }));
}

#[test]
fn error_counts_out_of_range() {
    assert_eq!(
        err("last 0 days").to_string(),
        "count 0 at column 6 in \"last 0 days\" is out of range: it must be at least 1"
    );
    assert!(matches!(err("0 days"), FilterError::CountOutOfRange { .. }));
    assert!(matches!(err("7 days ago for 0 days"), FilterError::CountOutOfRange { offset: 15, .. }));
    assert!(matches!(err("10001 years ago"), FilterError::CountOutOfRange { .. }));
    assert!(matches!(err("99999999999999999999999 days"), FilterError::CountOutOfRange { .. }));
    assert_eq!(one("10000 years ago"), "-7982-01-01 00:00:00..-7981-01-01 00:00:00");
}

#[test]
fn error_backwards_absolute_range() {
    assert_eq!(
        err("2024-02-01 to 2024-01-01").to_string(),
        "empty range \"2024-02-01 to 2024-01-01\" at column 1 in \"2024-02-01 to 2024-01-01\": \
         the range ends where or before it starts (the end is excluded)"
    );
    assert!(matches!(err("2024 to 2024"), FilterError::EmptyRange { .. }));
}

#[test]
fn error_trailing_junk() {
    assert_eq!(
        err("today please").to_string(),
        "expected \"to\", \"for\", \",\" or the end of the expression at column 7, found \"please\" in \"today please\""
    );
    assert_eq!(err("last 3 days ago").offset(), 12);
}

#[test]
fn error_dangling_keywords() {
    assert_eq!(err("before").offset(), 6);
    assert_eq!(err("2024-01-01 to").offset(), 13);
    assert!(err("after ,today").to_string().contains("found \",\""));
    assert_eq!(err("today,").offset(), 6);
    assert_eq!(err("blah").offset(), 0);
}

#[test]
fn error_null_in_a_list() {
    assert_eq!(
        err("today, NULL").to_string(),
        "\"NULL\" at column 8 must be the whole filter, not one item of a list, in \"today, NULL\""
    );
    assert!(matches!(err("NOT NULL,today"), FilterError::NullInList { offset: 0, .. }));
}
