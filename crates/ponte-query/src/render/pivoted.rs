//! A pivoted query's result as the table people see: one row per
//! combination of the dimensions that are not pivoted, and each measure
//! (and each table calculation over one) once per pivot value.
//!
//! The warehouse returns ranked cells ([`ponte_semantic::compile::pivot`]);
//! they are spread here, the table calculations evaluated per pivot column
//! ([`ponte_semantic::calc::evaluate_pivoted`]), and the table written in
//! Looker's formats:
//!
//! - `json`: a pivoted field's value is an object keyed by pivot value
//!   (`{"faturas.custo_total": {"Pago": 10.5, "Em aberto": 3.0}}`), as in
//!   Looker's `json_detail` rows without the `{value: …}` wrapping;
//! - `json_bi`: flat rows keyed `field|FIELD|pivot value`, with the pivot
//!   fields and pivot values in `metadata`;
//! - `csv`: a header line per pivot field giving the pivot values over
//!   their columns, then the fields' labels.
//!
//! Several pivot fields make one key of their values joined by `|FIELD|`,
//! Looker's separator; a null pivot value is `∅`, as Looker shows it.

use std::collections::BTreeMap;

use arrow_array::{Array, Int64Array, RecordBatch};
use arrow_cast::cast;
use arrow_schema::DataType;
use ponte_semantic::calc::{Input, evaluate_pivoted};
use ponte_semantic::compile::pivot::{PIVOT_COLUMN_COUNT, PIVOT_COLUMN_RANK, PIVOT_ROW_RANK};
use ponte_semantic::compile::{CompiledQuery, FieldKind, OutputColumn};
use serde_json::{Map, Value};

use super::cell::cell;

/// Joins the values of several pivot fields into one pivot key.
pub const PIVOT_KEY_SEPARATOR: &str = "|FIELD|";
/// The key of a null pivot value.
pub const NULL_PIVOT_KEY: &str = "∅";

/// A pivoted result, spread.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotTable {
    /// The pivoted fields, in pivot order.
    pub pivot_fields: Vec<OutputColumn>,
    /// The pivot values, left to right.
    pub pivots: Vec<PivotColumn>,
    /// Every other column of the query, in the query's order: its values.
    pub columns: Vec<(OutputColumn, Cells)>,
    /// How many rows the table has.
    pub rows: usize,
    /// Whether `column_limit` left out pivot values.
    pub columns_truncated: bool,
}

/// One pivot value: a column header of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotColumn {
    /// The pivot fields' values joined (see [`PIVOT_KEY_SEPARATOR`]).
    pub key: String,
    /// Each pivot field's value, in pivot order.
    pub values: Vec<Value>,
}

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    /// One per row (a dimension, or a calculation over dimensions only).
    Plain(Vec<Value>),
    /// One per row and pivot value: `[row][pivot]`.
    Pivoted(Vec<Vec<Value>>),
}

impl PivotTable {
    /// Spreads the ranked cells of a pivoted query (`query.pivot` set).
    pub fn build(query: &CompiledQuery, batches: &[RecordBatch]) -> PivotTable {
        let layout = query.pivot.as_ref();
        let is_pivot = |c: &OutputColumn| layout.is_some_and(|l| l.fields.contains(&c.name));
        let pivot_fields: Vec<OutputColumn> = match layout {
            Some(l) => l.fields.iter().filter_map(|f| query.columns.iter().find(|c| &c.name == f)).cloned().collect(),
            None => Vec::new(),
        };
        let queried: Vec<&OutputColumn> =
            query.columns.iter().filter(|c| c.kind != FieldKind::TableCalculation && !is_pivot(c)).collect();

        // Table rows and pivot columns in rank order (the SQL orders the
        // cells by row rank, then column rank).
        let row_limit = layout.map_or(i64::MAX, |l| i64::try_from(l.row_limit).unwrap_or(i64::MAX));
        let column_limit = layout.map_or(i64::MAX, |l| i64::try_from(l.column_limit).unwrap_or(i64::MAX));
        let mut row_of: BTreeMap<i64, usize> = BTreeMap::new();
        let mut pivot_of: BTreeMap<i64, PivotColumn> = BTreeMap::new();
        let mut cells: Vec<(usize, i64, Vec<Value>)> = Vec::new();
        let mut total_pivots = 0;
        for batch in batches {
            let (Some(row_rank), Some(col_rank), Some(count)) =
                (ranks(batch, PIVOT_ROW_RANK), ranks(batch, PIVOT_COLUMN_RANK), ranks(batch, PIVOT_COLUMN_COUNT))
            else {
                continue;
            };
            let value = |c: &OutputColumn, i: usize| {
                batch.column_by_name(&c.alias).map_or(Value::Null, |a| cell(a.as_ref(), i, c))
            };
            for i in 0..batch.num_rows() {
                let (r, p) = (row_rank.value(i), col_rank.value(i));
                total_pivots = total_pivots.max(count.value(i));
                // A cell past either limit only names its row or its column.
                if p <= column_limit {
                    pivot_of.entry(p).or_insert_with(|| {
                        let values: Vec<Value> = pivot_fields.iter().map(|c| value(c, i)).collect();
                        PivotColumn { key: pivot_key(&values), values }
                    });
                }
                if r > row_limit {
                    continue;
                }
                let next = row_of.len();
                let row = *row_of.entry(r).or_insert(next);
                let values = queried.iter().map(|c| value(c, i)).collect();
                cells.push((row, p, values));
            }
        }
        let rows = row_of.len();
        let place: BTreeMap<i64, usize> = pivot_of.keys().enumerate().map(|(i, rank)| (*rank, i)).collect();
        let pivots: Vec<PivotColumn> = pivot_of.into_values().collect();

        let mut grid: Vec<Cells> = queried
            .iter()
            .map(|c| match c.kind {
                FieldKind::Measure => Cells::Pivoted(vec![vec![Value::Null; pivots.len()]; rows]),
                _ => Cells::Plain(vec![Value::Null; rows]),
            })
            .collect();
        for (row, rank, values) in cells {
            let at = place.get(&rank).copied();
            for (column, value) in grid.iter_mut().zip(values) {
                match column {
                    Cells::Pivoted(g) => {
                        if let Some(at) = at {
                            g[row][at] = value;
                        }
                    }
                    // Every cell of a row has its dimensions: keep the first.
                    Cells::Plain(v) if v[row].is_null() => v[row] = value,
                    Cells::Plain(_) => {}
                }
            }
        }
        let mut columns: Vec<(OutputColumn, Cells)> =
            queried.into_iter().cloned().zip(grid).collect::<Vec<(OutputColumn, Cells)>>();
        columns.extend(calculations(query, &columns, rows, pivots.len()));
        // The query's column order.
        let order = |c: &OutputColumn| query.columns.iter().position(|q| q.name == c.name);
        columns.sort_by_key(|(c, _)| order(c));
        PivotTable { pivot_fields, pivots, columns, rows, columns_truncated: total_pivots > column_limit }
    }

    /// The rows as Looker's `json` gives them: a pivoted column is an
    /// object keyed by pivot value.
    pub fn json_rows(&self) -> Vec<Value> {
        (0..self.rows)
            .map(|row| {
                let mut object = Map::new();
                for (column, cells) in &self.columns {
                    let value = match cells {
                        Cells::Plain(v) => v[row].clone(),
                        Cells::Pivoted(g) => Value::Object(
                            self.pivots.iter().zip(&g[row]).map(|(p, v)| (p.key.clone(), v.clone())).collect(),
                        ),
                    };
                    object.insert(column.name.clone(), value);
                }
                Value::Object(object)
            })
            .collect()
    }

    /// The rows as Looker's `json_bi` gives them: flat, a pivoted column's
    /// cells keyed `field|FIELD|pivot key`.
    pub fn flat_rows(&self) -> Vec<Value> {
        (0..self.rows)
            .map(|row| {
                let mut object = Map::new();
                for (column, cells) in &self.columns {
                    match cells {
                        Cells::Plain(v) => {
                            object.insert(column.name.clone(), v[row].clone());
                        }
                        Cells::Pivoted(g) => {
                            for (p, v) in self.pivots.iter().zip(&g[row]) {
                                object.insert(flat_key(&column.name, &p.key), v.clone());
                            }
                        }
                    }
                }
                Value::Object(object)
            })
            .collect()
    }

    /// The table's columns left to right, as a spreadsheet shows them:
    /// the plain columns of the rows first, then each pivot value's
    /// pivoted columns, then plain calculations. Each is (column, pivot
    /// index when pivoted).
    pub fn layout(&self) -> Vec<(&OutputColumn, Option<usize>)> {
        let plain = |kind_is_dimension: bool| {
            self.columns
                .iter()
                .filter(move |(c, cells)| {
                    matches!(cells, Cells::Plain(_)) && (c.kind == FieldKind::Dimension) == kind_is_dimension
                })
                .map(|(c, _)| (c, None))
        };
        let mut out: Vec<(&OutputColumn, Option<usize>)> = plain(true).collect();
        for p in 0..self.pivots.len() {
            out.extend(
                self.columns.iter().filter(|(_, cells)| matches!(cells, Cells::Pivoted(_))).map(|(c, _)| (c, Some(p))),
            );
        }
        out.extend(plain(false));
        out
    }

    /// A cell of the table: `column`'s value in `row`, under pivot `pivot`
    /// when the column is pivoted.
    pub fn value(&self, column: &OutputColumn, row: usize, pivot: Option<usize>) -> &Value {
        match self.columns.iter().find(|(c, _)| c.name == column.name).map(|(_, cells)| cells) {
            Some(Cells::Plain(v)) => &v[row],
            Some(Cells::Pivoted(g)) => pivot.map_or(&Value::Null, |p| &g[row][p]),
            None => &Value::Null,
        }
    }
}

/// A pivoted cell's key in flat rows (`json_bi`).
pub fn flat_key(field: &str, pivot_key: &str) -> String {
    format!("{field}{PIVOT_KEY_SEPARATOR}{pivot_key}")
}

/// The key of a pivot value: its fields' values as text, joined.
fn pivot_key(values: &[Value]) -> String {
    let text: Vec<String> = values.iter().map(key_text).collect();
    text.join(PIVOT_KEY_SEPARATOR)
}

/// One pivot field's value as key text.
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::Null => NULL_PIVOT_KEY.to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A rank column of the ranked cells, as whole numbers.
fn ranks(batch: &RecordBatch, name: &str) -> Option<Int64Array> {
    let column = batch.column_by_name(name)?;
    cast(column, &DataType::Int64).ok()?.as_any().downcast_ref::<Int64Array>().cloned().filter(|a| a.null_count() == 0)
}

/// The query's table calculations over the spread table: a calculation
/// over a pivoted column is pivoted too.
fn calculations(
    query: &CompiledQuery,
    columns: &[(OutputColumn, Cells)],
    rows: usize,
    pivots: usize,
) -> Vec<(OutputColumn, Cells)> {
    if query.table_calculations.is_empty() {
        return Vec::new();
    }
    let number = |v: &Value| v.as_f64().filter(|f| f.is_finite());
    let inputs: BTreeMap<String, Input> = columns
        .iter()
        .map(|(c, cells)| {
            let input = match cells {
                Cells::Plain(v) => Input::Plain(v.iter().map(number).collect()),
                Cells::Pivoted(g) => {
                    Input::Pivoted((0..pivots).map(|p| g.iter().map(|row| number(&row[p])).collect()).collect())
                }
            };
            (c.name.clone(), input)
        })
        .collect();
    let as_json = |v: &Option<f64>| v.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number);
    let computed = evaluate_pivoted(&query.table_calculations, &inputs, rows, pivots);
    query
        .table_calculations
        .iter()
        .zip(computed)
        .filter_map(|(calc, values)| {
            let column = query.columns.iter().find(|c| c.name == calc.name)?.clone();
            let cells = match values {
                Input::Plain(v) => Cells::Plain(v.iter().map(as_json).collect()),
                Input::Pivoted(by_pivot) => {
                    Cells::Pivoted((0..rows).map(|r| by_pivot.iter().map(|col| as_json(&col[r])).collect()).collect())
                }
            };
            Some((column, cells))
        })
        .collect()
}
