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
//! let warehouse = ponte_warehouse::EmbeddedWarehouse::open(&config.warehouse)?;
//! let source = ponte_store::open(&function.load.store, ponte_store::Access::ReadOnly)?;
//! let report = ponte_warehouse::load(&function.load, source, &warehouse).await?;
//! println!("{} rows in {} table update(s)", report.rows, report.table_updates);
//! # Ok(()) }
//! ```
//!
//! Queries run through DataFusion over each table's current snapshot
//! ([`Warehouse::query`]). Still to come: appends and the BigQuery backend.

pub mod embedded;
mod error;
mod load;
mod query;
mod types;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use async_trait::async_trait;
use futures::stream::BoxStream;

pub use embedded::EmbeddedWarehouse;
pub use error::WarehouseError;
pub use load::{IgnoredObject, LoadError, LoadReport, LoadedFile, load};
pub use query::{Param, QueryResult};
pub use types::{arrow_schema, loads_into};

/// Batches on their way into a table; an `Err` aborts the write.
pub type BatchStream = BoxStream<'static, Result<RecordBatch, WarehouseError>>;

/// What a committed write produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// The table.
    pub table: String,
    /// The snapshot now current.
    pub snapshot: String,
    /// Rows in it.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Where tables live. Every backend passes the same conformance tests.
#[async_trait]
pub trait Warehouse: Send + Sync {
    /// Replaces `table` with `batches`, atomically: until the stream ends
    /// without error and the commit succeeds, readers keep seeing the table
    /// as it was. One table update per call.
    async fn replace_table(
        &self,
        table: &str,
        schema: SchemaRef,
        batches: BatchStream,
    ) -> Result<Commit, WarehouseError>;

    /// The current schema of `table`, if it exists.
    async fn table_schema(&self, table: &str) -> Result<Option<SchemaRef>, WarehouseError>;

    /// The names of all tables.
    async fn list_tables(&self) -> Result<Vec<String>, WarehouseError>;

    /// Runs a SELECT; values are bound to `$1`, `$2`, … and never spliced
    /// into the SQL text. Statements other than queries are refused.
    async fn query(&self, sql: &str, params: &[Param]) -> Result<QueryResult, WarehouseError>;
}
