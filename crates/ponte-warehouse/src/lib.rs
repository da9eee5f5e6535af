//! Tables: the [`Warehouse`] trait, its embedded backend, and the parquet
//! loader that replaces a table with every parquet file of a folder.
//!
//! The embedded warehouse keeps each table as immutable parquet snapshots
//! plus a small manifest naming the current one ([`embedded`]). A load writes
//! a new snapshot beside the old and switches the manifest in one atomic
//! put: readers see the old table or the new one, never part of either, and
//! any parquet reader (pyarrow, DuckDB, Spark) can read a snapshot directly.
//!
//! The loader ([`load`]) checks every file's schema against the table's
//! BigQuery schema before any data moves, coerces types as BigQuery does,
//! streams row groups in bounded memory, and commits once.
//!
//! ```no_run
//! # async fn f(config: &ponte_config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! let function = config.function("cf_carrega_tabela_dados_infomerc").unwrap();
//! let ponte_config::Warehouse::Embedded(embedded) = &config.warehouse else { return Ok(()) };
//! let warehouse = ponte_warehouse::EmbeddedWarehouse::open(embedded)?;
//! let source = ponte_store::open(&function.load.store, ponte_store::Access::ReadOnly)?;
//! let report = ponte_warehouse::load(&function.load, source, &warehouse).await?;
//! println!("{} rows in {} table update(s)", report.rows, report.table_updates);
//! # Ok(()) }
//! ```
//!
//! Queries run through DataFusion over each table's current snapshot
//! ([`Warehouse::query`]). The BigQuery backend ([`bigquery`]) does the same
//! over BigQuery's REST API: load jobs, resumable uploads, jobs.query.

pub mod bigquery;
mod cluster;
pub mod embedded;
mod error;
mod large_limits;
mod load;
mod parquet_writer;
mod proven_filters;
mod query;
mod result_cache;
mod row_group_stats;
mod row_shares;
mod snapshot_table;
mod spill_dir;
mod truncate_dates;
mod types;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use async_trait::async_trait;
use futures::stream::BoxStream;

pub use bigquery::{BigQueryWarehouse, Credentials, Location};
pub use embedded::EmbeddedWarehouse;
pub use error::WarehouseError;
pub use load::{IgnoredObject, LoadError, LoadObserver, LoadOptions, LoadReport, LoadedFile, load, load_with};
pub use ponte_config::{TableSchema, WriteMode};
pub use query::{QueryOptions, QueryParam, QueryResult};
pub use types::{arrow_schema, loads_into};

/// Batches on their way into a table; an `Err` aborts the write.
pub type BatchStream = BoxStream<'static, Result<RecordBatch, WarehouseError>>;

/// What a committed write produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// The table.
    pub table: String,
    /// What identifies the write: the embedded snapshot id, or the BigQuery
    /// job id.
    pub snapshot: String,
    /// Rows written by this write (not the table's total after an append).
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// One write into a table.
#[derive(Debug, Clone, Copy)]
pub struct TableWrite<'a> {
    /// The table.
    pub table: &'a str,
    /// Its schema.
    pub schema: &'a TableSchema,
    /// Replace its rows or add to them.
    pub mode: WriteMode,
    /// Names this write across retries: a backend that keeps a record of
    /// writes (BigQuery's job ids) finds a write with the same key already
    /// done and reports it instead of writing twice. `None`: a fresh write.
    pub idempotency_key: Option<&'a str>,
    /// Columns to cluster the table by (see [`ponte_config::LoadSpec::cluster_by`]);
    /// empty: rows stay in the order they come.
    pub cluster_by: &'a [String],
}

impl<'a> TableWrite<'a> {
    /// A write with no idempotency key.
    pub fn new(table: &'a str, schema: &'a TableSchema, mode: WriteMode) -> Self {
        Self { table, schema, mode, idempotency_key: None, cluster_by: &[] }
    }
}

/// Parquet objects a backend may be able to read by itself.
#[derive(Debug, Clone, Copy)]
pub struct SourceObjects<'a> {
    /// The store holding them.
    pub store: &'a ponte_config::Store,
    /// Their keys in that store, in load order.
    pub keys: &'a [String],
}

/// Where tables live. Every backend passes the same conformance suite
/// (`tests/conformance`).
///
/// Tables follow a BigQuery schema ([`TableSchema`], what a schema file
/// holds); the batches written must have [`arrow_schema`] of it, except
/// that a `Decimal128` column of up to 18 digits may come as the
/// `Decimal32`/`Decimal64` parquet stores it in (as loads read it).
#[async_trait]
pub trait Warehouse: Send + Sync {
    /// Writes `batches` into `table`, replacing its rows ([`WriteMode::Truncate`])
    /// or adding to them ([`WriteMode::Append`]), creating it if needed. One
    /// table update per call, atomic: until the stream ends without error
    /// and the commit succeeds, readers keep seeing the table as it was.
    async fn write_table(&self, write: TableWrite<'_>, batches: BatchStream) -> Result<Commit, WarehouseError>;

    /// Loads parquet objects the backend reads itself (BigQuery reading a
    /// GCS folder), so that no byte passes through ponte; `Ok(None)` when
    /// this backend cannot read that store, and the caller streams the rows
    /// through [`Warehouse::write_table`] instead. The objects' schemas have
    /// been checked against `schema` by then.
    async fn load_objects(
        &self,
        _write: TableWrite<'_>,
        _objects: SourceObjects<'_>,
    ) -> Result<Option<Commit>, WarehouseError> {
        Ok(None)
    }

    /// Replaces `table` with the rows of `select`, a SELECT the backend
    /// runs and writes itself (BigQuery: a query job with a destination
    /// table), so that no row passes through ponte; `Ok(None)` when this
    /// backend cannot, and the caller streams [`Warehouse::query_stream`]
    /// into [`Warehouse::write_table`] instead. Atomic like a write: on
    /// error the table is as it was.
    async fn replace_with_query(&self, _table: &str, _select: &str) -> Result<Option<Commit>, WarehouseError> {
        Ok(None)
    }

    /// The current schema of `table`, if it exists.
    async fn table_schema(&self, table: &str) -> Result<Option<SchemaRef>, WarehouseError>;

    /// The names of all tables, sorted.
    async fn list_tables(&self) -> Result<Vec<String>, WarehouseError>;

    /// Runs a SELECT; values are bound to `$1`, `$2`, … and never spliced
    /// into the SQL text. Statements other than queries are refused. A
    /// result may come from the backend's cache, never a stale one.
    async fn query(&self, sql: &str, params: &[QueryParam]) -> Result<QueryResult, WarehouseError> {
        self.query_with(sql, params, QueryOptions::default()).await
    }

    /// [`Warehouse::query`] with options: whether a cached result will do.
    async fn query_with(
        &self,
        sql: &str,
        params: &[QueryParam],
        options: QueryOptions,
    ) -> Result<QueryResult, WarehouseError>;

    /// Runs a SELECT like [`Warehouse::query`] and yields its rows batch by
    /// batch as the backend produces them, neither from nor into a result
    /// cache: for results too large to hold at once (a download of every
    /// row). Planning errors come back here; later ones end the stream.
    ///
    /// The default reads the whole result first, for backends that page
    /// results themselves.
    async fn query_stream(&self, sql: &str, params: &[QueryParam]) -> Result<BatchStream, WarehouseError> {
        let result = self.query_with(sql, params, QueryOptions { use_cache: false }).await?;
        Ok(Box::pin(futures::stream::iter(result.batches.into_iter().map(Ok))))
    }
}

/// Shorthands over [`Warehouse::write_table`], for writes without an
/// idempotency key.
#[async_trait]
pub trait WarehouseExt: Warehouse {
    /// Replaces `table` with `batches` (one atomic table update).
    async fn replace_table(
        &self,
        table: &str,
        schema: &TableSchema,
        batches: BatchStream,
    ) -> Result<Commit, WarehouseError> {
        self.write_table(TableWrite::new(table, schema, WriteMode::Truncate), batches).await
    }

    /// Adds `batches` to `table` (one atomic table update).
    async fn append(&self, table: &str, schema: &TableSchema, batches: BatchStream) -> Result<Commit, WarehouseError> {
        self.write_table(TableWrite::new(table, schema, WriteMode::Append), batches).await
    }
}

impl<W: Warehouse + ?Sized> WarehouseExt for W {}

/// Opens the warehouse a config describes.
pub async fn open(config: &ponte_config::Warehouse) -> Result<std::sync::Arc<dyn Warehouse>, WarehouseError> {
    Ok(match config {
        ponte_config::Warehouse::Embedded(embedded) => std::sync::Arc::new(EmbeddedWarehouse::open(embedded)?),
        ponte_config::Warehouse::BigQuery(bigquery) => std::sync::Arc::new(BigQueryWarehouse::open(bigquery).await?),
    })
}
