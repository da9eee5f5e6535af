//! The embedded warehouse: tables as parquet snapshots in an object store
//! (a folder by default), each with a manifest that names the current one.
//!
//! ```text
//! <root>/<table>/_manifest.json                 which snapshot is current, its schema and rows
//! <root>/<table>/snapshots/<id>/part-00000.parquet
//! ```
//!
//! A write puts a whole new snapshot folder beside the old, then replaces
//! the manifest with one put, which is atomic on every store (a rename on a
//! folder). A replace names only the new folder's file; an append names the
//! old files plus the new one, so nothing already written is rewritten.
//! Readers that opened an older version finish on it: the files of the last
//! `keep` versions stay for them. A write that dies before its commit
//! leaves an orphan folder that no manifest names: the next commit of the
//! table removes it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_schema::{Schema, SchemaRef};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::parquet_writer::ParallelParquetWriter;
use crate::query::QueryCache;
use crate::{BatchStream, Commit, TableWrite, Warehouse, WarehouseError, WriteMode};

const MANIFEST: &str = "_manifest.json";
/// Rows per row group: readers get row groups they can hold.
const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Bytes of dictionary a column chunk builds before it falls back to plain
/// encoding. parquet's default (1 MiB) lets a column of unique 64-bit values
/// (ids, amounts, timestamps) dictionary-encode a whole row group: every
/// value hashed, for a file larger than plain encoding gives. At 64 KiB such
/// a column gives up after 8,192 values, while a column of a few thousand
/// distinct values (customers, dates, statuses) stays dictionary-encoded.
/// Measured on the demo's invoices at 1M rows: load 2.58 → 1.33 s, snapshot
/// 43 → 28 MB.
const DICTIONARY_PAGE_BYTES: usize = 64 * 1024;

/// A table's manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub format: u32,
    /// The table.
    pub table: String,
    /// The id of the last write (the folder its file went to).
    pub current: String,
    /// The table's files, relative to the table folder.
    pub files: Vec<String>,
    /// Its rows.
    pub rows: u64,
    /// Its Arrow schema.
    pub schema: Schema,
    /// When it was committed (RFC 3339).
    pub committed_at: String,
    /// Earlier versions whose files are kept for readers, newest first.
    pub previous: Vec<Version>,
}

/// An earlier version of a table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "VersionOnDisk")]
pub struct Version {
    /// Its write's id.
    pub snapshot: String,
    /// Its files, relative to the table folder.
    pub files: Vec<String>,
}

/// Format 1 manifests kept only ids (one file per snapshot).
#[derive(Deserialize)]
#[serde(untagged)]
enum VersionOnDisk {
    Id(String),
    Full { snapshot: String, files: Vec<String> },
}

impl From<VersionOnDisk> for Version {
    fn from(v: VersionOnDisk) -> Self {
        match v {
            VersionOnDisk::Id(snapshot) => {
                Self { files: vec![format!("snapshots/{snapshot}/part-00000.parquet")], snapshot }
            }
            VersionOnDisk::Full { snapshot, files } => Self { snapshot, files },
        }
    }
}

/// The snapshot folder a file lies in (`snapshots/<id>/…` → `<id>`).
fn folder_of(file: &str) -> Option<&str> {
    file.strip_prefix("snapshots/")?.split('/').next()
}

/// The embedded warehouse.
#[derive(Debug, Clone)]
pub struct EmbeddedWarehouse {
    store: Arc<dyn ObjectStore>,
    keep: usize,
    /// The folder, when the warehouse is a local one: removing a snapshot
    /// there also removes staging files a killed write left behind.
    local_root: Option<std::path::PathBuf>,
    /// Bytes of query results kept in memory (0: none).
    result_cache_bytes: usize,
    /// Bytes a clustered write may sort in memory before it spills.
    sort_memory_bytes: usize,
    /// What queries share; clones of the warehouse share it too.
    queries: Arc<OnceLock<QueryCache>>,
}

impl EmbeddedWarehouse {
    /// A warehouse in `store`, keeping `keep` old snapshots per table and
    /// the default amount of query results.
    pub fn new(store: Arc<dyn ObjectStore>, keep: usize) -> Self {
        let result_cache_bytes = ponte_config::EmbeddedConfig::DEFAULT_RESULT_CACHE_BYTES as usize;
        Self {
            store,
            keep,
            local_root: None,
            result_cache_bytes,
            sort_memory_bytes: ponte_config::EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES as usize,
            queries: Arc::default(),
        }
    }

    /// Lets a clustered write hold `bytes` of rows in memory while it
    /// splits and sorts them (the default is 64 MiB).
    pub fn with_sort_memory(mut self, bytes: usize) -> Self {
        self.sort_memory_bytes = bytes;
        self
    }

    /// How a clustered write sorts: spilling beside the tables when they
    /// are a local folder (`.spill`, which is not a table name), else into
    /// the system's temporary folder.
    fn sort_budget(&self) -> crate::cluster::SortBudget {
        crate::cluster::SortBudget {
            memory_bytes: self.sort_memory_bytes,
            spill_dir: self.local_root.as_ref().map(|root| root.join(".spill")),
        }
    }

    /// Keeps up to `bytes` of query results in memory; 0 turns the result
    /// cache off. Set before the first query.
    pub fn with_result_cache(mut self, bytes: usize) -> Self {
        self.result_cache_bytes = bytes;
        self
    }

    /// Opens the warehouse an embedded `[warehouse]` describes.
    pub fn open(config: &ponte_config::EmbeddedConfig) -> Result<Self, WarehouseError> {
        let location = &config.location;
        let store =
            ponte_config::Store { name: "warehouse".into(), url: location.clone(), options: config.options.clone() };
        let local_root = ponte_store::Capabilities::of(&store).local_folder;
        let store = ponte_store::open(&store, ponte_store::Access::ReadWrite)
            .map_err(|e| WarehouseError::Unsupported(format!("cannot open the warehouse at {location}: {e}")))?;
        let result_cache_bytes = usize::try_from(config.result_cache_bytes).unwrap_or(usize::MAX);
        let sort_memory_bytes = usize::try_from(config.sort_memory_bytes).unwrap_or(usize::MAX);
        Ok(Self {
            local_root,
            ..Self::new(store, config.snapshots_to_keep)
                .with_result_cache(result_cache_bytes)
                .with_sort_memory(sort_memory_bytes)
        })
    }

    /// The store the tables live in.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// A table's manifest, if the table exists.
    pub async fn manifest(&self, table: &str) -> Result<Option<Manifest>, WarehouseError> {
        let Some(bytes) = self.manifest_bytes(table).await? else { return Ok(None) };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| WarehouseError::Manifest { table: table.to_owned(), message: e.to_string() })
    }

    /// A table's manifest as stored, if the table exists.
    pub(crate) async fn manifest_bytes(&self, table: &str) -> Result<Option<bytes::Bytes>, WarehouseError> {
        check_name(table)?;
        let path = Path::from(format!("{table}/{MANIFEST}"));
        match self.store.get(&path).await {
            Ok(g) => g.bytes().await.map(Some).map_err(|e| WarehouseError::store(path.to_string(), e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(WarehouseError::store(path.to_string(), e)),
        }
    }

    /// What queries share, made on the first query.
    pub(crate) fn query_cache(&self) -> &QueryCache {
        self.queries.get_or_init(|| QueryCache::new(self.store.clone(), self.result_cache_bytes))
    }

    /// Paths of the current snapshot's files, relative to the store root.
    pub async fn current_files(&self, table: &str) -> Result<Vec<Path>, WarehouseError> {
        Ok(self
            .manifest(table)
            .await?
            .map(|m| m.files.iter().map(|f| Path::from(format!("{table}/{f}"))).collect())
            .unwrap_or_default())
    }

    /// Removes snapshots no manifest keeps: orphans of interrupted writes
    /// and snapshots older than the `keep` newest.
    async fn clean_up(&self, table: &str, manifest: &Manifest) -> Result<u64, WarehouseError> {
        let keep: std::collections::HashSet<&str> = std::iter::once(manifest.current.as_str())
            .chain(manifest.files.iter().filter_map(|f| folder_of(f)))
            .chain(manifest.previous.iter().flat_map(|v| v.files.iter().filter_map(|f| folder_of(f))))
            .collect();
        let prefix = Path::from(format!("{table}/snapshots"));
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(|e| WarehouseError::store(prefix.to_string(), e))?;
        let mut removed = 0;
        for dir in listed.common_prefixes {
            let id = dir.filename().unwrap_or_default().to_owned();
            if keep.contains(&id.as_str()) {
                continue;
            }
            let files: Vec<_> = self
                .store
                .list(Some(&dir))
                .map_ok(|m| m.location)
                .try_collect()
                .await
                .map_err(|e| WarehouseError::store(dir.to_string(), e))?;
            for f in files {
                match self.store.delete(&f).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(WarehouseError::store(f.to_string(), e)),
                }
            }
            if let Some(root) = &self.local_root {
                let folder = root.join(dir.as_ref());
                let _ = ponte_store::remove_staging_files(&folder);
                let _ = std::fs::remove_dir(&folder);
            }
            removed += 1;
            tracing::debug!(table, snapshot = %id, "removed snapshot");
        }
        Ok(removed)
    }
}

/// An append must bring the columns the table has, in its order and types.
fn check_same_columns(table: &str, old: &Schema, new: &Schema) -> Result<(), WarehouseError> {
    let describe = |s: &Schema| {
        s.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect::<Vec<_>>().join(", ")
    };
    let same = old.fields().len() == new.fields().len()
        && old.fields().iter().zip(new.fields()).all(|(a, b)| {
            a.name() == b.name() && a.data_type() == b.data_type() && (a.is_nullable() || !b.is_nullable())
        });
    if same {
        Ok(())
    } else {
        Err(WarehouseError::SchemaMismatch {
            table: table.to_owned(),
            message: format!("the table has ({}), the rows to append have ({})", describe(old), describe(new)),
        })
    }
}

/// How table files are written: zstd, row groups readers can hold,
/// dictionaries only where values repeat.
pub(crate) fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_BYTES)
        .build()
}

/// Table names: letters, digits and underscores, valid everywhere (a
/// folder name, a BigQuery table id, an unquoted SQL name).
pub(crate) fn check_name(table: &str) -> Result<(), WarehouseError> {
    if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(WarehouseError::BadTableName(table.to_owned()));
    }
    Ok(())
}

/// A new snapshot id: sortable by time, unique within the process.
fn new_snapshot_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{}-{n}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"), std::process::id())
}

#[async_trait]
impl Warehouse for EmbeddedWarehouse {
    async fn write_table(&self, write: TableWrite<'_>, batches: BatchStream) -> Result<Commit, WarehouseError> {
        let TableWrite { table, mode, cluster_by, .. } = write;
        check_name(table)?;
        let schema: SchemaRef = Arc::new(crate::arrow_schema(write.schema));
        let old = self.manifest(table).await?;
        if let (WriteMode::Append, Some(old)) = (mode, &old) {
            check_same_columns(table, &old.schema, &schema)?;
        }
        // An append sorts only its own rows: the files already written stay.
        let mut batches = if cluster_by.is_empty() {
            batches
        } else {
            crate::cluster::sorted(batches, schema.clone(), cluster_by, &self.sort_budget())?
        };
        let snapshot = new_snapshot_id();
        let file = format!("snapshots/{snapshot}/part-00000.parquet");
        let path = Path::from(format!("{table}/{file}"));
        let props = writer_properties();
        let parquet_err = |what: &str| {
            let what = format!("{what} {path}");
            move |source| WarehouseError::Parquet { what, source }
        };
        let mut writer =
            ParallelParquetWriter::try_new(BufWriter::new(self.store.clone(), path.clone()), schema.clone(), props)
                .map_err(parquet_err("starting"))?;
        let mut rows = 0u64;
        while let Some(batch) = batches.next().await {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    // Dropped unfinished, the file is never completed; at most
                    // an orphan snapshot remains, which no manifest names.
                    drop(writer);
                    return Err(e);
                }
            };
            rows += batch.num_rows() as u64;
            writer.write(&batch).await.map_err(parquet_err("writing"))?;
        }
        writer.finish().await.map_err(parquet_err("finishing"))?;
        let bytes = self.store.head(&path).await.map_err(|e| WarehouseError::store(path.to_string(), e))?.size;

        let mut previous: Vec<Version> = old
            .as_ref()
            .map(|m| {
                std::iter::once(Version { snapshot: m.current.clone(), files: m.files.clone() })
                    .chain(m.previous.clone())
                    .collect()
            })
            .unwrap_or_default();
        previous.truncate(self.keep);
        let (files, total_rows, schema) = match (mode, &old) {
            (WriteMode::Append, Some(old)) => {
                (old.files.iter().cloned().chain([file]).collect(), old.rows + rows, old.schema.clone())
            }
            _ => (vec![file], rows, schema.as_ref().clone()),
        };
        let manifest = Manifest {
            format: 2,
            table: table.to_owned(),
            current: snapshot.clone(),
            files,
            rows: total_rows,
            schema,
            committed_at: chrono::Utc::now().to_rfc3339(),
            previous,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| WarehouseError::Manifest { table: table.to_owned(), message: e.to_string() })?;
        // The switch: one put of the manifest, atomic on every store.
        let manifest_path = Path::from(format!("{table}/{MANIFEST}"));
        self.store
            .put(&manifest_path, PutPayload::from(json))
            .await
            .map_err(|e| WarehouseError::store(manifest_path.to_string(), e))?;
        if let Err(e) = self.clean_up(table, &manifest).await {
            tracing::warn!(table, error = %e, "committed, but old snapshots could not be removed; the next load retries");
        }
        Ok(Commit { table: table.to_owned(), snapshot, rows, bytes })
    }

    async fn table_schema(&self, table: &str) -> Result<Option<SchemaRef>, WarehouseError> {
        Ok(self.manifest(table).await?.map(|m| Arc::new(m.schema)))
    }

    async fn list_tables(&self) -> Result<Vec<String>, WarehouseError> {
        let listed = self.store.list_with_delimiter(None).await.map_err(|e| WarehouseError::store("/", e))?;
        let mut tables = Vec::new();
        for dir in listed.common_prefixes {
            let name = dir.to_string();
            if check_name(&name).is_ok() && self.manifest(&name).await?.is_some() {
                tables.push(name);
            }
        }
        tables.sort();
        Ok(tables)
    }

    async fn query_with(
        &self,
        sql: &str,
        params: &[crate::QueryParam],
        options: crate::QueryOptions,
    ) -> Result<crate::QueryResult, WarehouseError> {
        self.run_query(sql, params, options).await
    }

    async fn query_stream(
        &self,
        sql: &str,
        params: &[crate::QueryParam],
    ) -> Result<crate::BatchStream, WarehouseError> {
        self.stream_query(sql, params).await
    }
}
