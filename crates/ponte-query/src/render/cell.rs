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
use chrono::{DateTime, Datelike, NaiveDate};
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
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<arrow_array::types::Decimal128Type>().value(row);
            float(v as f64 / 10f64.powi(i32::from(*scale)))
        }
        DataType::Utf8 => Value::from(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Value::from(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Value::from(array.as_string_view().value(row)),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            date_value(NaiveDate::from_epoch_days(days), &column.field_type)
        }
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(row);
            date_value(DateTime::from_timestamp_millis(ms).map(|t| t.date_naive()), &column.field_type)
        }
        DataType::Timestamp(unit, _) => {
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
            t.map_or(Value::Null, |t| Value::from(t.format("%Y-%m-%d %H:%M:%S").to_string()))
        }
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            arrow_cast::display::ArrayFormatter::try_new(array, &options)
                .map_or(Value::Null, |f| Value::from(f.value(row).to_string()))
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
