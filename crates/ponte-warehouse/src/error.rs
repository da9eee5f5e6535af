//! Warehouse errors.

/// Why a warehouse operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// The object store failed.
    #[error("warehouse storage at {location}")]
    Store {
        /// Where.
        location: String,
        /// Why.
        #[source]
        source: Box<object_store::Error>,
    },
    /// Writing or reading parquet failed.
    #[error("parquet {what}")]
    Parquet {
        /// What was being done.
        what: String,
        /// Why.
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
    /// A table name that cannot be a folder name.
    #[error("bad table name `{0}`: letters, digits and underscores only")]
    BadTableName(String),
    /// A query was refused or failed.
    #[error("query: {0}")]
    Query(String),
    /// This backend does not do that (yet).
    #[error("{0}")]
    Unsupported(String),
    /// The producer of the batches failed; the write was abandoned.
    #[error("{0}")]
    Source(String),
}

impl WarehouseError {
    pub(crate) fn store(location: impl Into<String>, source: object_store::Error) -> Self {
        Self::Store { location: location.into(), source: Box::new(source) }
    }
}
