//! One Arrow value as Looker's unformatted JSON shows it: numbers as
//! numbers, yes/no as `"Yes"`/`"No"`, dates at their timeframe's
//! granularity, times as UTC text.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use ponte_semantic::compile::OutputColumn;
use serde_json::Value;

/// One value as Looker's unformatted JSON shows it.
pub(crate) fn cell(array: &dyn Array, row: usize, column: &OutputColumn) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    let float = |f: f64| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
    match array.data_type() {
        DataType::Boolean => {
            let b = array.as_boolean().value(row);
            if column.field_type == "yesno" { Value::from(if b { "Yes" } else { "No" }) } else { Value::Bool(b) }
        }
        DataType::Int8 => Value::from(array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => Value::from(array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => Value::from(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Value::from(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Value::from(array.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => Value::from(array.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => Value::from(array.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => Value::from(array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float16 => float(array.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => float(f64::from(array.as_primitive::<Float32Type>().value(row))),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(..) => float(decimal_at(array, row)),
        DataType::Utf8 => Value::from(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Value::from(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Value::from(array.as_string_view().value(row)),
        DataType::Date32 | DataType::Date64 => date_value(date_at(array, row), &column.field_type),
        DataType::Timestamp(..) => {
            timestamp_at(array, row).map_or(Value::Null, |t| Value::from(t.format("%Y-%m-%d %H:%M:%S").to_string()))
        }
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            arrow_cast::display::ArrayFormatter::try_new(array, &options)
                .map_or(Value::Null, |f| Value::from(f.value(row).to_string()))
        }
    }
}

/// A Decimal128 array's `row` as a float: JSON has no decimals, and
/// Looker's unformatted JSON shows amounts as numbers.
pub(crate) fn decimal_at(array: &dyn Array, row: usize) -> f64 {
    let DataType::Decimal128(_, scale) = array.data_type() else { return f64::NAN };
    let v = array.as_primitive::<arrow_array::types::Decimal128Type>().value(row);
    v as f64 / 10f64.powi(i32::from(*scale))
}

/// The date in a Date32 or Date64 array's `row`.
fn date_at(array: &dyn Array, row: usize) -> Option<NaiveDate> {
    match array.data_type() {
        DataType::Date32 => NaiveDate::from_epoch_days(array.as_primitive::<Date32Type>().value(row)),
        DataType::Date64 => {
            DateTime::from_timestamp_millis(array.as_primitive::<Date64Type>().value(row)).map(|t| t.date_naive())
        }
        _ => None,
    }
}

/// The time (UTC) in a timestamp array's `row`, whatever its unit.
fn timestamp_at(array: &dyn Array, row: usize) -> Option<NaiveDateTime> {
    let DataType::Timestamp(unit, _) = array.data_type() else { return None };
    let t = match unit {
        TimeUnit::Second => DateTime::from_timestamp(array.as_primitive::<TimestampSecondType>().value(row), 0),
        TimeUnit::Millisecond => {
            DateTime::from_timestamp_millis(array.as_primitive::<TimestampMillisecondType>().value(row))
        }
        TimeUnit::Microsecond => {
            DateTime::from_timestamp_micros(array.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        TimeUnit::Nanosecond => {
            Some(DateTime::from_timestamp_nanos(array.as_primitive::<TimestampNanosecondType>().value(row)))
        }
    };
    t.map(|t| t.naive_utc())
}

/// A date or time as [`cell`] shows it, formatted where it is written
/// (the result writers' fast path: no string per cell). Only years 0 to
/// 9999, which chrono writes as four digits; a year timeframe is a number.
pub(crate) enum CalendarText {
    Day(NaiveDate),
    Month(NaiveDate),
    Quarter(NaiveDate),
    Time(NaiveDateTime),
}

impl CalendarText {
    /// `row` of a date or timestamp `array` as text, or `None` where
    /// [`cell`] gives something else (a null, a year, a year past 9999).
    pub(crate) fn of(array: &dyn Array, row: usize, column: &OutputColumn) -> Option<Self> {
        if array.is_null(row) {
            return None;
        }
        let text = match array.data_type() {
            DataType::Date32 | DataType::Date64 => {
                let d = date_at(array, row)?;
                match column.field_type.as_str() {
                    "date_month" => Self::Month(d),
                    "date_quarter" => Self::Quarter(d),
                    "date_year" => return None,
                    _ => Self::Day(d),
                }
            }
            DataType::Timestamp(..) => Self::Time(timestamp_at(array, row)?),
            _ => return None,
        };
        let year = match &text {
            Self::Day(d) | Self::Month(d) | Self::Quarter(d) => d.year(),
            Self::Time(t) => t.year(),
        };
        (0..=9999).contains(&year).then_some(text)
    }
}

impl std::fmt::Display for CalendarText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Day(d) => write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            Self::Month(d) => write!(f, "{:04}-{:02}", d.year(), d.month()),
            Self::Quarter(d) => write!(f, "{}-Q{}", d.year(), d.month0() / 3 + 1),
            Self::Time(t) => write!(
                f,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
        }
    }
}

/// A date shown at its timeframe's granularity.
fn date_value(date: Option<NaiveDate>, field_type: &str) -> Value {
    let Some(d) = date else { return Value::Null };
    match field_type {
        "date_month" => Value::from(d.format("%Y-%m").to_string()),
        "date_quarter" => Value::from(format!("{}-Q{}", d.year(), d.month0() / 3 + 1)),
        "date_year" => Value::from(d.year()),
        _ => Value::from(d.format("%Y-%m-%d").to_string()),
    }
}
