//! The `csv` format's lines written straight to text.
//!
//! They used to be made from [`json_rows`](super::json_rows)' values, a
//! `serde_json` object per row with a copy of every key and text value,
//! then a string per cell joined per line: a 1.1 M-row download took
//! longer as CSV than as JSON four times its size. Here each cell is
//! written as it is read; numbers as JSON writes them, text through
//! [`push_csv_text`], dates and times through [`CalendarText`], every
//! other type through [`cell`].

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use ponte_semantic::compile::{CompiledQuery, OutputColumn};
use serde_json::{Number, Value};

use super::cell::{CalendarText, cell, decimal_at};

/// `batch`'s rows as CSV lines, a cell per column of the query. Two
/// columns of one name both show the last one's value, as the `json`
/// format, which keys a row by name, holds it.
pub(super) fn write_rows(query: &CompiledQuery, batch: &RecordBatch, out: &mut String) {
    let cells: Vec<(&OutputColumn, Option<&dyn Array>)> = query
        .columns
        .iter()
        .map(|column| {
            let last = query.columns.iter().rev().find(|c| c.name == column.name).unwrap_or(column);
            (last, batch.column_by_name(&last.alias).map(|a| a.as_ref() as &dyn Array))
        })
        .collect();
    for row in 0..batch.num_rows() {
        for (i, (column, array)) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(array) = array {
                write_cell(out, *array, row, column);
            }
        }
        out.push_str("\r\n");
    }
}

/// One cell: empty for a null (and for a NaN or an infinity, which JSON
/// shows as null), numbers and booleans as JSON writes them (`-5` stays a
/// number in the spreadsheet), text neutralised and quoted.
fn write_cell(out: &mut String, array: &dyn Array, row: usize, column: &OutputColumn) {
    if array.is_null(row) {
        return;
    }
    match array.data_type() {
        DataType::Utf8 => push_csv_text(out, array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => push_csv_text(out, array.as_string::<i64>().value(row)),
        DataType::Utf8View => push_csv_text(out, array.as_string_view().value(row)),
        DataType::Int32 => push_display(out, array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => push_display(out, array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => push_float(out, array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(..) => push_float(out, decimal_at(array, row)),
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => match CalendarText::of(array, row, column) {
            // Starts with a digit; no separator, quote or line break.
            Some(text) => push_display(out, text),
            None => push_csv_value(out, &cell(array, row, column)),
        },
        _ => push_csv_value(out, &cell(array, row, column)),
    }
}

/// A number as JSON writes it; nothing for a NaN or an infinity.
fn push_float(out: &mut String, value: f64) {
    if let Some(n) = Number::from_f64(value) {
        push_display(out, n);
    }
}

fn push_display(out: &mut String, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{value}");
}

/// A JSON value as a CSV cell: nothing for null, text through
/// [`push_csv_text`], anything else as JSON writes it.
pub(super) fn push_csv_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => push_csv_text(out, s),
        other => push_display(out, other),
    }
}

/// A text cell, safe to open in a spreadsheet (see
/// [`csv_text`](super::csv_text)): a leading `'` before what a spreadsheet
/// would run as a formula, and quotes around a cell with a quote,
/// separator or line break, its quotes doubled.
pub(super) fn push_csv_text(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = text.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    if quoted {
        for (i, part) in text.split('"').enumerate() {
            if i > 0 {
                out.push_str("\"\"");
            }
            out.push_str(part);
        }
        out.push('"');
    } else {
        out.push_str(text);
    }
}
