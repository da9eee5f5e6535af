//! Warehouse errors.

/// Why a warehouse operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// The object store failed.
    #[error("warehouse storage at {location}")]
    Store {
        /// The object or prefix being read or written.
        location: String,
        /// The store's error (boxed: it is large and this path is cold).
        #[source]
        source: Box<object_store::Error>,
    },
    /// Writing or reading parquet failed.
    #[error("parquet {what}")]
    Parquet {
        /// What was being done.
        what: String,
        /// The parquet crate's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A manifest could not be read.
    #[error("manifest of table `{table}` is damaged: {message}")]
    Manifest {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
    /// Rows that do not fit the table.
    #[error("table `{table}`: {message}")]
    SchemaMismatch {
        /// The table.
        table: String,
        /// How they differ.
        message: String,
    },
    /// BigQuery's API refused a request.
    #[error("BigQuery {operation}: {message} (reason {reason}, HTTP {status})")]
    Api {
        /// What was asked, e.g. `jobs.insert`.
        operation: String,
        /// The HTTP status.
        status: u16,
        /// BigQuery's error reason (`invalid`, `quotaExceeded`, …).
        reason: String,
        /// BigQuery's message.
        message: String,
    },
    /// A BigQuery job ended with errors; nothing it would have written is
    /// visible.
    #[error("BigQuery job {job_id} failed: {message}")]
    Job {
        /// The job.
        job_id: String,
        /// Its errors, one per line.
        message: String,
    },
    /// A request did not reach BigQuery, or its answer was unreadable.
    #[error("BigQuery {operation}: {message}")]
    Http {
        /// What was asked.
        operation: String,
        /// What went wrong.
        message: String,
    },
    /// No usable credentials.
    #[error("BigQuery credentials: {0}")]
    Auth(String),
    /// A table name that cannot be a folder name.
    #[error("bad table name `{0}`: letters, digits and underscores only")]
    BadTableName(String),
    /// A query was refused or failed.
    #[error("query: {0}")]
    Query(String),
    /// This backend does not do that (yet).
    #[error("{0}")]
    Unsupported(String),
    /// Sorting a clustered write's rows failed (its memory budget, its spill
    /// folder); the write was abandoned.
    #[error("clustering sort: {0}")]
    Sort(String),
    /// The producer of the batches failed; the write was abandoned.
    #[error("{0}")]
    Source(String),
}

impl WarehouseError {
    pub(crate) fn store(location: impl Into<String>, source: object_store::Error) -> Self {
        Self::Store { location: location.into(), source: Box::new(source) }
    }
}
