//! Table calculations applied to a query's rows: the result's columns read
//! as numbers, [`ponte_semantic::calc::evaluate`] over them, and one
//! `Float64` column appended per calculation under its output alias, so
//! every result format renders them like any other column.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_ord::sort::{SortColumn, lexsort_to_indices};
use arrow_schema::{ArrowError, DataType, Field, Schema, SortOptions};
use ponte_semantic::calc::evaluate;
use ponte_semantic::compile::{CompiledQuery, FieldKind};
use ponte_warehouse::QueryResult;

/// `result` with `query`'s table calculations appended (unchanged when it
/// has none). The rows become one batch: column functions see them all.
pub fn apply(query: &CompiledQuery, mut result: QueryResult) -> Result<QueryResult, ArrowError> {
    if query.table_calculations.is_empty() {
        return Ok(result);
    }
    let batch = arrow_select::concat::concat_batches(&result.schema, &result.batches)?;
    let rows = batch.num_rows();
    let mut inputs = BTreeMap::new();
    for column in query.columns.iter().filter(|c| c.kind != FieldKind::TableCalculation) {
        let values = batch.column_by_name(&column.alias).map_or_else(|| vec![None; rows], |a| numbers(a, rows));
        inputs.insert(column.name.clone(), values);
    }
    let computed = evaluate(&query.table_calculations, &inputs, rows);
    let mut fields: Vec<Arc<Field>> = result.schema.fields().iter().cloned().collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (calc, values) in query.table_calculations.iter().zip(computed) {
        let alias = query.columns.iter().find(|c| c.name == calc.name).map_or(calc.name.clone(), |c| c.alias.clone());
        fields.push(Arc::new(Field::new(alias, DataType::Float64, true)));
        columns.push(Arc::new(Float64Array::from(values)));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut batch = RecordBatch::try_new(schema.clone(), columns)?;
    if !query.sorts_after.is_empty() {
        batch = sorted(&batch, &query.sorts_after)?;
    }
    result.schema = schema;
    result.batches = vec![batch];
    Ok(result)
}

/// `batch`'s rows ordered by `keys` (column alias, descending), nulls last
/// as the SQL orders them.
fn sorted(batch: &RecordBatch, keys: &[(String, bool)]) -> Result<RecordBatch, ArrowError> {
    let columns: Vec<SortColumn> = keys
        .iter()
        .filter_map(|(alias, descending)| {
            let values = batch.column_by_name(alias)?.clone();
            Some(SortColumn { values, options: Some(SortOptions { descending: *descending, nulls_first: false }) })
        })
        .collect();
    let indices = lexsort_to_indices(&columns, None)?;
    arrow_select::take::take_record_batch(batch, &indices)
}

/// A column as numbers: numeric types as they are, anything that casts
/// (decimals, booleans, numeric text) cast, the rest null.
fn numbers(array: &ArrayRef, rows: usize) -> Vec<Option<f64>> {
    let options = CastOptions { safe: true, ..CastOptions::default() };
    match cast_with_options(array, &DataType::Float64, &options) {
        Ok(cast) => match cast.as_any().downcast_ref::<Float64Array>() {
            Some(f) => (0..rows).map(|i| f.is_valid(i).then(|| f.value(i)).filter(|v| v.is_finite())).collect(),
            None => vec![None; rows],
        },
        Err(_) => vec![None; rows],
    }
}
