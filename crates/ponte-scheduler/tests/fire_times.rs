//! Fire times against an independent oracle: Python's zoneinfo (the IANA
//! database as CPython reads it) and a small cron matcher written in Python
//! for the test, applying the rules the README states — a skipped wall-clock
//! time fires at the first valid minute after the gap, a repeated one fires
//! once, at its first occurrence.

use chrono::{DateTime, Utc};
use ponte_config::{CronSchedule, parse_time_zone};
use ponte_scheduler::fire::fire_times;

const ORACLE: &str = r#"
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

expr, zone, start, end = sys.argv[1:5]
tz = ZoneInfo(zone)
start = datetime.fromisoformat(start.replace("Z", "+00:00"))
end = datetime.fromisoformat(end.replace("Z", "+00:00"))

def values(text, lo, hi):
    out = set()
    for item in text.split(","):
        rng, _, step = item.partition("/")
        step = int(step) if step else 1
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            a, b = map(int, rng.split("-"))
        else:
            a = b = int(rng)
        out.update(range(a, b + 1, step))
    return out

mi, ho, dom, mon, dow = expr.split()
minutes, hours = sorted(values(mi, 0, 59)), sorted(values(ho, 0, 23))
days, months, weekdays = values(dom, 1, 31), values(mon, 1, 12), values(dow, 0, 7)
if 7 in weekdays:
    weekdays.add(0)

def day_matches(d):
    if d.month not in months:
        return False
    by_dom, by_dow = d.day in days, (d.isoweekday() % 7) in weekdays
    if dom == "*" or dow == "*":
        return by_dom and by_dow
    return by_dom or by_dow  # both restricted: either one, as cron does

def wall(t):
    return t.astimezone(tz).replace(tzinfo=None)

def instant(naive):
    first = naive.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    if wall(first) == naive or wall(second) == naive:
        return min(t for t in (first, second) if wall(t) == naive)
    probe = naive  # inside a gap: the first valid minute after it
    while True:
        probe += timedelta(minutes=1)
        t = probe.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
        if wall(t) == probe:
            return t

fires = set()
day = wall(start).date() - timedelta(days=1)
while day <= wall(end).date() + timedelta(days=1):
    if day_matches(day):
        for h in hours:
            for m in minutes:
                t = instant(datetime(day.year, day.month, day.day, h, m))
                if start < t <= end:
                    fires.add(t)
    day += timedelta(days=1)
for t in sorted(fires):
    print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
"#;

fn ours(expr: &str, zone: &str, start: &str, end: &str) -> Vec<String> {
    let schedule = CronSchedule::parse(expr, parse_time_zone(zone).unwrap()).unwrap();
    let start: DateTime<Utc> = start.parse().unwrap();
    let end: DateTime<Utc> = end.parse().unwrap();
    fire_times(&schedule, start)
        .map(|t| t.with_timezone(&Utc))
        .take_while(|t| *t <= end)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect()
}

fn check(expr: &str, zone: &str, start: &str, end: &str) {
    let oracle: Vec<String> =
        ponte_testkit::run_python(ORACLE, &[expr, zone, start, end]).lines().map(str::to_owned).collect();
    let ours = ours(expr, zone, start, end);
    assert!(!oracle.is_empty(), "{expr} in {zone}: the oracle found no fires");
    if ours != oracle {
        let first = ours.iter().zip(&oracle).position(|(a, b)| a != b).unwrap_or(ours.len().min(oracle.len()));
        panic!(
            "{expr} in {zone} from {start} to {end}: {} fires here, {} by zoneinfo; first difference at #{first}: ours {:?}, zoneinfo {:?}",
            ours.len(),
            oracle.len(),
            ours.get(first),
            oracle.get(first)
        );
    }
}

#[test]
fn weekday_mornings_in_sao_paulo_for_a_year_with_dst() {
    // 2018: Brazil still had DST (ended 18 Feb, began 4 Nov at midnight).
    check("0 8 * * 1-5", "America/Sao_Paulo", "2018-01-01T00:00:00Z", "2019-01-01T00:00:00Z");
    check("0 8 * * 1-5", "America/Sao_Paulo", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
}

#[test]
fn midnight_in_sao_paulo_when_dst_began_at_midnight() {
    // On 2018-11-04 00:00 did not exist: the fire moves to 01:00.
    check("0 0 * * *", "America/Sao_Paulo", "2018-10-01T00:00:00Z", "2018-12-01T00:00:00Z");
    check("*/20 23,0,1 * * *", "America/Sao_Paulo", "2018-11-01T00:00:00Z", "2018-11-08T00:00:00Z");
}

#[test]
fn around_new_york_dst_changes() {
    for expr in ["30 2 * * *", "*/15 * * * *", "0 1 * * 0", "15 1,2,3 * * *", "0 * * * *"] {
        check(expr, "America/New_York", "2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z");
        check(expr, "America/New_York", "2026-10-30T00:00:00Z", "2026-11-04T00:00:00Z");
    }
}

#[test]
fn around_lisbon_dst_changes() {
    for expr in ["30 1 * * *", "*/30 * * * *", "0 2 * * *", "45 0-3 * * *"] {
        check(expr, "Europe/Lisbon", "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z");
        check(expr, "Europe/Lisbon", "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z");
    }
}

#[test]
fn day_of_month_and_day_of_week_are_either_one() {
    check("0 12 1,15 * 1", "UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    check("0 9 * 2-4 0,7", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
}
