//! Persisted derived tables (`derived_table = { sql = …, persist = true }`):
//! after a load of any of its source tables, the derived view's SELECT is
//! run and its rows written as a table named after the view, the way a
//! load writes a table (one atomic table update), and queries read that
//! table instead of the SELECT.
//!
//! Plan, then act: [`plan_after_load`] says which views to rebuild and
//! with what SQL and schema (a plain value); [`rebuild`] runs one. A failed
//! rebuild writes nothing: the query's rows stream into
//! [`Warehouse::write_table`], which commits only when the stream ends
//! without error, so the previous table stays as it was.

use arrow_array::RecordBatch;
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::SchemaRef;
use futures::StreamExt;
use ponte_config::{FieldMode, FieldSchema, FieldType, TableSchema};
use ponte_semantic::compile::{Dialect, WarehouseColumns, derived_table_sql};
use ponte_semantic::model::{ColumnKind, Model};
use ponte_warehouse::{Commit, Warehouse, WarehouseError, WarehouseExt};

/// One persisted derived table to rebuild.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebuild {
    /// The derived view.
    pub view: String,
    /// The table it is kept as (the view's name).
    pub table: String,
    /// Its SELECT, written for the warehouse's dialect.
    pub sql: String,
    /// The table's schema, from the SELECT's output columns.
    pub schema: TableSchema,
}

/// Why a persisted derived table was not rebuilt; the previous table, if
/// any, is untouched.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// An output column's type is not known from the schema files.
    #[error("derived view `{view}`: column `{column}` has no type ponte can keep as a table column")]
    UnknownType {
        /// The view.
        view: String,
        /// The column.
        column: String,
    },
    /// The SELECT failed, or the write of its rows did.
    #[error("derived view `{view}`: rebuilding table `{table}` failed; the previous table is kept: {source}")]
    Warehouse {
        /// The view.
        view: String,
        /// Its table.
        table: String,
        /// What the warehouse said (boxed: the error is large and rare).
        source: Box<WarehouseError>,
    },
}

/// The persisted derived views of `models` that read `loaded` (a table
/// just loaded), each with its SQL and schema. `columns` must hold the
/// derived views' columns ([`ponte_semantic::model::derived::with_derived_columns`]).
pub fn plan_after_load(
    models: &[Model],
    columns: &WarehouseColumns,
    dialect: Dialect,
    loaded: &str,
) -> Vec<Result<Rebuild, PersistError>> {
    plan(models, columns, dialect, &|sources| sources.contains(&loaded))
}

/// Every persisted derived view of `models`: what a server starting over
/// a warehouse without their tables builds first.
pub fn plan_all(models: &[Model], columns: &WarehouseColumns, dialect: Dialect) -> Vec<Result<Rebuild, PersistError>> {
    plan(models, columns, dialect, &|_| true)
}

fn plan(
    models: &[Model],
    columns: &WarehouseColumns,
    dialect: Dialect,
    wanted: &dyn Fn(&[&str]) -> bool,
) -> Vec<Result<Rebuild, PersistError>> {
    let mut out = Vec::new();
    for view in models.iter().flat_map(|m| m.views.iter()) {
        let Some(derived) = view.derived.as_ref().filter(|d| d.persist) else { continue };
        if !wanted(&derived.query.sources()) {
            continue;
        }
        let Some(sql) = derived_table_sql(view, dialect) else { continue };
        let kinds = columns.get(&view.table.name);
        let schema = derived.query.columns().into_iter().map(|c| {
            let kind = kinds.and_then(|k| k.get(c)).copied();
            field_type(kind)
                .map(|t| field(c, t))
                .ok_or_else(|| PersistError::UnknownType { view: view.name.clone(), column: c.to_owned() })
        });
        out.push(schema.collect::<Result<Vec<_>, _>>().map(|fields| Rebuild {
            view: view.name.clone(),
            table: view.table.name.clone(),
            sql,
            schema: TableSchema { fields },
        }));
    }
    out
}

/// Runs the SELECT and replaces the table with its rows, in one table
/// update (by the warehouse itself where it can: a BigQuery query job with
/// a destination table); on any error the table is left as it was.
pub async fn rebuild(plan: &Rebuild, warehouse: &dyn Warehouse) -> Result<Commit, PersistError> {
    let failed = |source| PersistError::Warehouse {
        view: plan.view.clone(),
        table: plan.table.clone(),
        source: Box::new(source),
    };
    if let Some(commit) = warehouse.replace_with_query(&plan.table, &plan.sql).await.map_err(failed)? {
        return Ok(commit);
    }
    let target: SchemaRef = std::sync::Arc::new(ponte_warehouse::arrow_schema(&plan.schema));
    let rows = warehouse.query_stream(&plan.sql, &[]).await.map_err(failed)?;
    let batches = rows.map(move |batch| batch.and_then(|b| cast_batch(&b, &target))).boxed();
    warehouse.replace_table(&plan.table, &plan.schema, batches).await.map_err(failed)
}

/// A result batch as a batch of the table's schema, column by column in
/// order (the SELECT's columns are the table's): DataFusion's `RANK()` is
/// unsigned, BigQuery's integers are INT64; values that do not fit fail.
fn cast_batch(batch: &RecordBatch, target: &SchemaRef) -> Result<RecordBatch, WarehouseError> {
    let options = CastOptions { safe: false, ..Default::default() };
    let bad = |e: arrow_schema::ArrowError| WarehouseError::Source(format!("derived table rows: {e}"));
    if batch.num_columns() != target.fields().len() {
        return Err(WarehouseError::Source(format!(
            "derived table rows have {} columns, the table {}",
            batch.num_columns(),
            target.fields().len()
        )));
    }
    let arrays = batch
        .columns()
        .iter()
        .zip(target.fields())
        .map(|(column, field)| cast_with_options(column, field.data_type(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    RecordBatch::try_new(target.clone(), arrays).map_err(bad)
}

fn field_type(kind: Option<ColumnKind>) -> Option<FieldType> {
    Some(match kind? {
        ColumnKind::String => FieldType::String,
        ColumnKind::Integer => FieldType::Int64,
        ColumnKind::Float => FieldType::Float64,
        ColumnKind::Numeric => FieldType::Numeric,
        ColumnKind::Boolean => FieldType::Bool,
        ColumnKind::Date => FieldType::Date,
        ColumnKind::Timestamp => FieldType::Timestamp,
        ColumnKind::Other => return None,
    })
}

fn field(name: &str, field_type: FieldType) -> FieldSchema {
    FieldSchema {
        name: name.to_owned(),
        field_type,
        mode: FieldMode::Nullable,
        fields: Vec::new(),
        description: None,
        max_length: None,
        precision: None,
        scale: None,
        range_element_type: None,
    }
}
