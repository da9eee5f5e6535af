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
/// A pivoted column is headed `view.field [pivot value]`, once per value.
pub fn table(query: &CompiledQuery, batches: &[RecordBatch]) -> Result<String, ArrowError> {
    if query.pivot.is_some() {
        let table = super::pivoted::PivotTable::build(query, batches);
        let layout = table.layout();
        let text = |v: &Value| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        let columns: Vec<ArrayRef> = layout
            .iter()
            .map(|(c, p)| {
                let cells = (0..table.rows).map(|row| text(table.value(c, row, *p)));
                Arc::new(cells.collect::<StringArray>()) as ArrayRef
            })
            .collect();
        let fields: Vec<Field> = layout
            .iter()
            .map(|(c, p)| {
                let name = match p {
                    Some(p) => format!("{} [{}]", c.name, table.pivots[*p].key),
                    None => c.name.clone(),
                };
                Field::new(name, DataType::Utf8, true)
            })
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
        return Ok(arrow_cast::pretty::pretty_format_batches(&[batch])?.to_string());
    }
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
