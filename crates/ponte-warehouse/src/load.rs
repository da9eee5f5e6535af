//! Loading: every parquet file of a folder replaces a table, checked before
//! any data moves, streamed in bounded memory, committed once.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, RecordBatch, new_null_array};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Schema, SchemaRef};
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::path::Path;
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
// parquet 59 deprecates this adapter in favour of implementing
// `AsyncFileReader` ourselves; it still works and is what DataFusion 55 uses.
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use ponte_config::LoadSpec;
use serde::Serialize;

use crate::types::{arrow_schema, describe, loads_into, stored_decimal};
use crate::{Commit, SourceObjects, TableWrite, Warehouse, WarehouseError};

/// Rows per batch read from a file.
const BATCH_ROWS: usize = 8192;
/// Batches queued between the reader and the writer.
const QUEUE: usize = 4;
/// Footers read at once while a load is planned.
const FOOTERS_AT_ONCE: usize = 16;

/// A file that was loaded.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedFile {
    /// Its key in the source store.
    pub key: String,
    /// Rows read.
    pub rows: u64,
    /// Bytes of parquet.
    pub bytes: u64,
}

/// An object under the prefix that is not loaded, and why.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoredObject {
    /// Its key.
    pub key: String,
    /// Why it was skipped.
    pub reason: &'static str,
}

/// What a load did.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The table.
    pub table: String,
    /// Files loaded, in key order.
    pub files: Vec<LoadedFile>,
    /// Objects skipped.
    pub ignored: Vec<IgnoredObject>,
    /// Rows loaded.
    pub rows: u64,
    /// Bytes of parquet read through ponte (0 when the warehouse read the
    /// files itself).
    pub bytes_read: u64,
    /// Bytes of the new snapshot.
    pub bytes_written: u64,
    /// Seconds taken.
    pub duration_seconds: f64,
    /// Table updates made: always 1 (BigQuery allows 5 per table per 10 s).
    pub table_updates: u32,
    /// What identifies the write: the embedded snapshot, or the BigQuery job.
    pub snapshot: String,
}

/// Why a load failed. In every case the table is as it was before.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The source could not be listed.
    #[error("cannot list {location}")]
    List {
        /// The prefix that was listed.
        location: String,
        /// The store's error.
        #[source]
        source: Box<object_store::Error>,
    },
    /// No parquet file under the prefix, and `allow_empty` is off.
    #[error(
        "no parquet files under {location} (ignored: {ignored}); the table was left as it was. Set allow_empty = true to load an empty table"
    )]
    Empty {
        /// The prefix that holds no parquet file.
        location: String,
        /// How many other objects were there.
        ignored: usize,
    },
    /// One or more files do not fit the schema; nothing was loaded.
    #[error("{} problem(s) with the files for table `{table}`; nothing was loaded:\n  {}", problems.len(), problems.join("\n  "))]
    Schema {
        /// The table.
        table: String,
        /// One line per problem, naming file and column.
        problems: Vec<String>,
    },
    /// A file failed while its rows were read; nothing was committed.
    #[error("{key}: {message}; the table was left as it was")]
    Data {
        /// The file.
        key: String,
        /// What went wrong, with column and row group where known.
        message: String,
    },
    /// The warehouse failed; nothing was committed.
    #[error("table `{table}`")]
    Warehouse {
        /// The table.
        table: String,
        /// The warehouse's error.
        #[source]
        source: WarehouseError,
    },
}

/// One file's plan: its footer, and for each target column, the file
/// column it comes from (or none: filled with nulls).
struct FilePlan {
    key: String,
    size: u64,
    metadata: ArrowReaderMetadata,
    columns: Vec<Option<usize>>,
}

/// How a load runs.
#[derive(Clone, Default)]
pub struct LoadOptions {
    /// Names this run across retries of the same trigger (a message id):
    /// a warehouse that keeps a record of writes finds the write already
    /// done instead of loading twice. `None`: a fresh run.
    pub run_key: Option<String>,
    /// Told of progress (a progress bar).
    pub observer: Option<Arc<dyn LoadObserver>>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions").field("run_key", &self.run_key).finish_non_exhaustive()
    }
}

/// Hears how a load progresses; every method has a do-nothing default.
pub trait LoadObserver: Send + Sync {
    /// The files were checked: this many, this many bytes of parquet.
    fn planned(&self, _files: usize, _bytes: u64) {}
    /// A row group was read: its rows and compressed bytes.
    fn read(&self, _rows: u64, _bytes: u64) {}
    /// A file was read whole.
    fn file_done(&self) {}
}

/// Loads every parquet file under `spec.prefix` of `source` into
/// `spec.table` (replacing it, or appending, as `spec.write` says).
pub async fn load(
    spec: &LoadSpec,
    source: Arc<dyn ObjectStore>,
    warehouse: &dyn Warehouse,
) -> Result<LoadReport, LoadError> {
    load_with(spec, source, warehouse, &LoadOptions::default()).await
}

/// [`load`] with options.
pub async fn load_with(
    spec: &LoadSpec,
    source: Arc<dyn ObjectStore>,
    warehouse: &dyn Warehouse,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let started = Instant::now();
    let write = TableWrite {
        table: &spec.table,
        schema: &spec.schema,
        mode: spec.write,
        idempotency_key: options.run_key.as_deref(),
        cluster_by: &spec.cluster_by,
    };
    let target: SchemaRef = Arc::new(arrow_schema(&spec.schema));
    let (files, ignored) = list(&source, &spec.prefix).await?;
    if files.is_empty() && !spec.allow_empty {
        return Err(LoadError::Empty {
            location: format!("{}/{}", spec.store.url, spec.prefix),
            ignored: ignored.len(),
        });
    }
    // Every footer is read and checked before any data moves, several at a
    // time: one after another, each waiting on its file's open and reads,
    // the 365 footers of a year of daily files left the cores idle at the
    // start of every load (traced: 0.5 s one by one, under 0.2 s 16 at once).
    let footers = futures::stream::iter(files)
        .map(|(key, size)| {
            #[allow(deprecated)]
            let mut reader = ParquetObjectReader::new(source.clone(), Path::from(key.as_str())).with_file_size(size);
            async move { (key, size, ArrowReaderMetadata::load_async(&mut reader, Default::default()).await) }
        })
        .buffered(FOOTERS_AT_ONCE);
    let footers: Vec<_> = footers.collect().await;
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for (key, size, footer) in footers {
        match footer {
            Err(e) => problems.push(format!("{key}: not a readable parquet file: {e}")),
            Ok(metadata) => match plan_columns(&key, metadata.schema(), &target) {
                Ok(columns) => {
                    let metadata = read_narrow(metadata, &target, &columns, &spec.cluster_by);
                    plans.push(FilePlan { key, size, metadata, columns })
                }
                Err(mut p) => problems.append(&mut p),
            },
        }
    }
    if !problems.is_empty() {
        return Err(LoadError::Schema { table: spec.table.clone(), problems });
    }
    let observer = options.observer.clone();
    if let Some(o) = &observer {
        o.planned(plans.len(), plans.iter().map(|p| p.size).sum());
    }
    let warehouse_error = |source| LoadError::Warehouse { table: spec.table.clone(), source };

    // A warehouse that reads the store itself loads the files directly.
    let keys: Vec<String> = plans.iter().map(|p| p.key.clone()).collect();
    if !keys.is_empty() {
        let objects = SourceObjects { store: &spec.store, keys: &keys };
        if let Some(commit) = warehouse.load_objects(write, objects).await.map_err(warehouse_error)? {
            let files: Vec<LoadedFile> = plans
                .iter()
                .map(|p| LoadedFile {
                    key: p.key.clone(),
                    rows: p.metadata.metadata().file_metadata().num_rows() as u64,
                    bytes: p.size,
                })
                .collect();
            return Ok(LoadReport {
                table: spec.table.clone(),
                bytes_read: 0,
                files,
                ignored,
                rows: commit.rows,
                bytes_written: commit.bytes,
                duration_seconds: started.elapsed().as_secs_f64(),
                table_updates: 1,
                snapshot: commit.snapshot,
            });
        }
    }

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<RecordBatch, WarehouseError>>(QUEUE);
    let reader_target = target.clone();
    let reader_source = source.clone();
    let producer = tokio::spawn(async move {
        let mut loaded = Vec::new();
        for plan in plans {
            match read_file(&reader_source, &plan, &reader_target, &tx, observer.as_deref()).await {
                Ok(rows) => {
                    loaded.push(LoadedFile { key: plan.key.clone(), rows, bytes: plan.size });
                    if let Some(o) = &observer {
                        o.file_done();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(WarehouseError::Source(format!("{}: {}", e.key, e.message)))).await;
                    return Err(e);
                }
            }
        }
        Ok(loaded)
    });
    let batches = futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed();
    let commit = warehouse.write_table(write, batches).await;
    let loaded = producer
        .await
        .map_err(|e| LoadError::Data { key: spec.prefix.clone(), message: format!("reader task failed: {e}") })?;
    // A reader that stopped because the warehouse failed is not the cause:
    // the warehouse's error is.
    let (loaded, commit) = match (loaded, commit) {
        (Err(e), _) if !e.warehouse_gone => return Err(LoadError::Data { key: e.key, message: e.message }),
        (_, Err(e)) => return Err(warehouse_error(e)),
        (Err(e), Ok(_)) => return Err(LoadError::Data { key: e.key, message: e.message }),
        (Ok(loaded), Ok(commit)) => (loaded, commit),
    };
    let Commit { snapshot, rows, bytes, .. } = commit;
    Ok(LoadReport {
        table: spec.table.clone(),
        bytes_read: loaded.iter().map(|f| f.bytes).sum(),
        files: loaded,
        ignored,
        rows,
        bytes_written: bytes,
        duration_seconds: started.elapsed().as_secs_f64(),
        table_updates: 1,
        snapshot,
    })
}

/// Parquet files under the prefix in key order, and what else is there.
/// `_`- and `.`-prefixed names (markers such as `_SUCCESS`, temporary files)
/// and non-parquet objects are skipped and reported.
async fn list(
    source: &Arc<dyn ObjectStore>,
    prefix: &str,
) -> Result<(Vec<(String, u64)>, Vec<IgnoredObject>), LoadError> {
    let folder = (!prefix.is_empty()).then(|| Path::from(prefix));
    let metas: Vec<_> = source
        .list(folder.as_ref())
        .try_collect()
        .await
        .map_err(|e| LoadError::List { location: prefix.to_owned(), source: Box::new(e) })?;
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    for m in metas {
        let key = m.location.to_string();
        let name = m.location.filename().unwrap_or_default();
        if name.starts_with('_') || name.starts_with('.') {
            ignored.push(IgnoredObject { key, reason: "name starts with `_` or `.`" });
        } else if !name.to_ascii_lowercase().ends_with(".parquet") {
            ignored.push(IgnoredObject { key, reason: "not a .parquet file" });
        } else {
            files.push((key, m.size));
        }
    }
    files.sort();
    ignored.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((files, ignored))
}

/// Matches a file's columns to the table's by name (ignoring case, as
/// BigQuery does), checking that each type loads.
fn plan_columns(key: &str, file: &Schema, target: &Schema) -> Result<Vec<Option<usize>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    for t in target.fields() {
        match file.fields().iter().position(|f| f.name().eq_ignore_ascii_case(t.name())) {
            Some(i) => {
                let from = file.field(i).data_type();
                if !loads_into(from, t.data_type()) {
                    problems.push(format!(
                        "{key}: column `{}` is {} in the file, which does not load into {} ({})",
                        t.name(),
                        describe(from),
                        describe(t.data_type()),
                        t.data_type()
                    ));
                }
                columns.push(Some(i));
            }
            None if t.is_nullable() => columns.push(None),
            None => problems.push(format!("{key}: REQUIRED column `{}` is missing from the file", t.name())),
        }
    }
    for f in file.fields() {
        let pandas_index = f.name().starts_with("__index_level_") && f.name().ends_with("__");
        if !pandas_index && !target.fields().iter().any(|t| t.name().eq_ignore_ascii_case(f.name())) {
            problems.push(format!("{key}: column `{}` is not in the table's schema", f.name()));
        }
    }
    if problems.is_empty() { Ok(columns) } else { Err(problems) }
}

struct DataError {
    key: String,
    message: String,
    /// The warehouse stopped taking rows (its own error says why).
    warehouse_gone: bool,
}

/// `metadata`, to read decimals of up to 18 digits in the 32 or 64 bits
/// parquet stores them in ([`stored_decimal`]) where the file's column has
/// the table column's precision and scale. parquet's reader then hands the
/// integers on instead of widening each to 16 bytes, and the writer takes
/// them back as they are (a 20M-invoice load cast four such columns twice).
/// Cluster columns stay as they are: their keys are compared in the
/// table's types. Unchanged when nothing narrows or the reader refuses.
fn read_narrow(
    metadata: ArrowReaderMetadata,
    target: &Schema,
    columns: &[Option<usize>],
    cluster_by: &[String],
) -> ArrowReaderMetadata {
    let file = metadata.schema();
    let mut fields: Vec<FieldRef> = file.fields().iter().cloned().collect();
    let mut narrowed = false;
    for (column, source) in target.fields().iter().zip(columns) {
        let Some(i) = *source else { continue };
        let clustered = cluster_by.iter().any(|c| c.eq_ignore_ascii_case(column.name()));
        if let Some(narrow) = stored_decimal(column.data_type()).filter(|_| !clustered)
            && fields[i].data_type() == column.data_type()
        {
            fields[i] = Arc::new(fields[i].as_ref().clone().with_data_type(narrow));
            narrowed = true;
        }
    }
    if !narrowed {
        return metadata;
    }
    let hint = Arc::new(Schema::new_with_metadata(fields, file.metadata().clone()));
    ArrowReaderMetadata::try_new(metadata.metadata().clone(), ArrowReaderOptions::new().with_schema(hint))
        .unwrap_or(metadata)
}

/// The schema a file's rows are carried in: the table's, with the decimals
/// the file is read narrow in ([`read_narrow`]) narrow.
fn carried_schema(target: &SchemaRef, columns: &[Option<usize>], file: &Schema) -> SchemaRef {
    let narrow = |(column, source): (&FieldRef, &Option<usize>)| {
        let read = file.field((*source)?).data_type();
        (stored_decimal(column.data_type()).as_ref() == Some(read))
            .then(|| column.as_ref().clone().with_data_type(read.clone()))
    };
    if target.fields().iter().zip(columns).all(|c| narrow(c).is_none()) {
        return target.clone();
    }
    let fields: Vec<Field> =
        target.fields().iter().zip(columns).map(|c| narrow(c).unwrap_or_else(|| c.0.as_ref().clone())).collect();
    Arc::new(Schema::new_with_metadata(fields, target.metadata().clone()))
}

/// Streams a file's rows, a row group at a time, coerced to the target
/// schema (decimals narrow where the file is read so, [`read_narrow`]);
/// returns how many rows it sent.
async fn read_file(
    source: &Arc<dyn ObjectStore>,
    plan: &FilePlan,
    target: &SchemaRef,
    tx: &tokio::sync::mpsc::Sender<Result<RecordBatch, WarehouseError>>,
    observer: Option<&dyn LoadObserver>,
) -> Result<u64, DataError> {
    let err = |message: String| DataError { key: plan.key.clone(), message, warehouse_gone: false };
    let target = &carried_schema(target, &plan.columns, plan.metadata.schema());
    let mut rows = 0;
    for row_group in 0..plan.metadata.metadata().num_row_groups() {
        if let Some(o) = observer {
            let meta = plan.metadata.metadata().row_group(row_group);
            o.read(meta.num_rows() as u64, meta.compressed_size() as u64);
        }
        #[allow(deprecated)]
        let reader = ParquetObjectReader::new(source.clone(), Path::from(plan.key.as_str())).with_file_size(plan.size);
        let mut stream = ParquetRecordBatchStreamBuilder::new_with_metadata(reader, plan.metadata.clone())
            .with_batch_size(BATCH_ROWS)
            .with_row_groups(vec![row_group])
            .build()
            .map_err(|e| err(format!("row group {row_group}: {e}")))?;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| err(format!("row group {row_group}: cannot read: {e}")))?;
            let coerced = coerce(&batch, &plan.columns, target)
                .map_err(|(column, e)| err(format!("row group {row_group}, column `{column}`: {e}")))?;
            rows += coerced.num_rows() as u64;
            if tx.send(Ok(coerced)).await.is_err() {
                // The writer stopped (it failed); it reports why.
                return Err(DataError { warehouse_gone: true, ..err("the warehouse stopped taking rows".into()) });
            }
        }
    }
    Ok(rows)
}

/// A file batch as a batch of the target schema: columns picked by name,
/// cast (failing on overflow rather than turning values into nulls), absent
/// nullable columns filled with nulls, REQUIRED columns checked for nulls.
fn coerce(
    batch: &RecordBatch,
    columns: &[Option<usize>],
    target: &SchemaRef,
) -> Result<RecordBatch, (String, ArrowError)> {
    let options = CastOptions { safe: false, ..Default::default() };
    let mut arrays = Vec::with_capacity(columns.len());
    for (field, source) in target.fields().iter().zip(columns) {
        let name = field.name().clone();
        let array = match source {
            None => new_null_array(field.data_type(), batch.num_rows()),
            Some(i) => {
                let column = batch.column(*i);
                let column = match column.data_type() {
                    DataType::Dictionary(_, value) => {
                        cast_with_options(column, value, &options).map_err(|e| (name.clone(), e))?
                    }
                    _ => column.clone(),
                };
                if column.data_type() == field.data_type() {
                    column
                } else {
                    cast_with_options(&column, field.data_type(), &options).map_err(|e| (name.clone(), e))?
                }
            }
        };
        if !field.is_nullable() && array.null_count() > 0 {
            return Err((
                name,
                ArrowError::InvalidArgumentError(format!("{} null value(s) in a REQUIRED column", array.null_count())),
            ));
        }
        arrays.push(array);
    }
    RecordBatch::try_new(target.clone(), arrays).map_err(|e| (String::new(), e))
}
