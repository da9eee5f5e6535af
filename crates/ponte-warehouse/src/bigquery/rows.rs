//! Query results as Arrow: BigQuery's JSON rows (`{"f": [{"v": …}]}`,
//! scalars as strings, timestamps as int64 microseconds) turned into
//! columns of the types [`crate::arrow_schema`] gives the result's schema.
//!
//! RECORD and REPEATED columns come back as their JSON text (a Utf8
//! column): dashboards and the JSON API show them as text anyway.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use base64::Engine;
use ponte_config::{FieldMode, FieldSchema, FieldType, TableSchema};
use serde_json::Value;

use crate::WarehouseError;

/// The Arrow schema of a result with this BigQuery schema.
pub(crate) fn result_schema(schema: &TableSchema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields
        .iter()
        .map(|f| {
            if as_json_text(f) {
                Field::new(&f.name, DataType::Utf8, true)
            } else {
                crate::arrow_schema(&TableSchema { fields: vec![f.clone()] }).field(0).clone().with_nullable(true)
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn as_json_text(f: &FieldSchema) -> bool {
    f.mode == FieldMode::Repeated || f.field_type == FieldType::Record
}

fn bad(column: &str, e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Query(format!("result column `{column}`: {e}"))
}

/// One page of rows as a batch of `schema` (made by [`result_schema`]).
pub(crate) fn rows_to_batch(
    table: &TableSchema,
    schema: &SchemaRef,
    rows: &[Value],
) -> Result<RecordBatch, WarehouseError> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(table.fields.len());
    for (i, (f, arrow_field)) in table.fields.iter().zip(schema.fields()).enumerate() {
        let cell = |row: &Value| -> Value { row["f"][i]["v"].clone() };
        let text = |row: &Value| -> Result<Option<String>, WarehouseError> {
            match cell(row) {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s)),
                other if as_json_text(f) => Ok(Some(plain_json(&other).to_string())),
                other => Err(bad(&f.name, format!("expected a string, found {other}"))),
            }
        };
        let array: ArrayRef = if as_json_text(f) {
            let mut b = StringBuilder::new();
            for row in rows {
                b.append_option(text(row)?);
            }
            Arc::new(b.finish())
        } else {
            match f.field_type {
                FieldType::Float64 => {
                    let mut b = Float64Builder::with_capacity(rows.len());
                    for row in rows {
                        b.append_option(text(row)?.map(|s| parse_float(&s)).transpose().map_err(|e| bad(&f.name, e))?);
                    }
                    Arc::new(b.finish())
                }
                FieldType::Bytes => {
                    let mut b = BinaryBuilder::new();
                    for row in rows {
                        let value = text(row)?
                            .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
                            .transpose()
                            .map_err(|e| bad(&f.name, e))?;
                        b.append_option(value);
                    }
                    Arc::new(b.finish())
                }
                FieldType::Timestamp => {
                    // int64 microseconds (formatOptions.useInt64Timestamp).
                    let micros = rows
                        .iter()
                        .map(|row| text(row)?.map(|s| s.parse::<i64>()).transpose().map_err(|e| bad(&f.name, e)))
                        .collect::<Result<Int64Array, _>>()?;
                    cast_to(&f.name, Arc::new(micros), arrow_field.data_type())?
                }
                _ => {
                    let mut b = StringBuilder::new();
                    for row in rows {
                        b.append_option(text(row)?);
                    }
                    cast_to(&f.name, Arc::new(b.finish()), arrow_field.data_type())?
                }
            }
        };
        columns.push(array);
    }
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
    RecordBatch::try_new_with_options(schema.clone(), columns, &options).map_err(|e| bad("*", e))
}

fn cast_to(column: &str, array: ArrayRef, to: &DataType) -> Result<ArrayRef, WarehouseError> {
    if array.data_type() == to {
        return Ok(array);
    }
    cast_with_options(&array, to, &CastOptions { safe: false, ..Default::default() }).map_err(|e| bad(column, e))
}

/// FLOAT64 values: numbers, `NaN`, `Infinity`, `-Infinity`.
fn parse_float(s: &str) -> Result<f64, std::num::ParseFloatError> {
    s.parse()
}

/// A nested cell (`{"f": [{"v": …}]}` records, `[{"v": …}]` arrays) as
/// plain JSON: records as arrays of their values, arrays of values.
fn plain_json(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("f") => Value::Array(
            o["f"].as_array().map(|cells| cells.iter().map(|c| plain_json(&c["v"])).collect()).unwrap_or_default(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|c| plain_json(&c["v"])).collect()),
        other => other.clone(),
    }
}
