//! Rows as a text table for people (`ponte query`): columns headed
//! `view.field`, each value as `json` and `csv` show it (a month is
//! `2024-03`, not the first day of it).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use ponte_semantic::compile::CompiledQuery;
use serde_json::Value;

use super::json_rows;

/// The rows of `batches` as a bordered text table; NULL is an empty cell.
pub fn table(query: &CompiledQuery, batches: &[RecordBatch]) -> Result<String, ArrowError> {
    let rows = json_rows(query, batches);
    let columns: Vec<ArrayRef> = query
        .columns
        .iter()
        .map(|c| {
            let cells = rows.iter().map(|row| match row.get(&c.name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            });
            Arc::new(cells.collect::<StringArray>()) as ArrayRef
        })
        .collect();
    let fields: Vec<Field> = query.columns.iter().map(|c| Field::new(&c.name, DataType::Utf8, true)).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    Ok(arrow_cast::pretty::pretty_format_batches(&[batch])?.to_string())
}
