//! Writing the datasets as parquet files, one per day, atomically and in
//! bounded memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::datasets::{Ctx, DATASETS, Dataset};
use crate::entropy::Entropy;
use crate::scale::Scale;

/// Rows built and written at a time: bounds memory whatever the file size.
const BATCH_ROWS: u64 = 8192;
/// Rows per row group: what pyarrow and Spark read comfortably.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoDataOptions {
    /// Output folder: files go to `<dir>/<dataset>/<yyyy-mm-dd>.parquet`.
    pub dir: PathBuf,
    /// Invoice rows; the other datasets scale from it.
    pub rows: u64,
    /// Days of daily files, ending 2025-11-21.
    pub days: u32,
    /// Same seed, same bytes.
    pub seed: u64,
    /// Files written at once.
    pub threads: usize,
}

impl DemoDataOptions {
    /// Defaults: 100,000 invoices over 365 days, seed 1, one thread per core.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            rows: 100_000,
            days: 365,
            seed: 1,
            threads: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// One file to write.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// Dataset (and folder) name.
    pub dataset: &'static str,
    /// Relative path: `<dataset>/<yyyy-mm-dd>.parquet`.
    pub key: String,
    /// Rows it will hold.
    pub rows: u64,
    index: usize,
    day: u32,
}

/// A file that was written.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Relative path: `<dataset>/<yyyy-mm-dd>.parquet`.
    pub key: String,
    /// Rows in it.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
}

/// Totals per dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetReport {
    /// Dataset name.
    pub name: &'static str,
    /// Files written.
    pub files: u64,
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct DemoDataReport {
    /// The sizes used.
    pub scale: Scale,
    /// One entry per dataset, in [`DATASETS`] order.
    pub datasets: Vec<DatasetReport>,
    /// Day files of an earlier run that this run's plan no longer has.
    pub removed_stale: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoDataError {
    /// A file or folder could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The path at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The parquet writer failed.
    #[error("cannot write parquet file {}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Building a batch failed (a bug: the schemas are fixed).
    #[error("cannot build rows for {dataset}")]
    Arrow {
        /// The dataset.
        dataset: &'static str,
        /// Arrow's error.
        #[source]
        source: arrow_schema::ArrowError,
    },
}

/// The files a run with these options writes, in dataset then day order.
pub fn plan(options: &DemoDataOptions) -> Vec<PlannedFile> {
    let scale = Scale::new(options.rows, options.days);
    let mut files = Vec::new();
    for (index, dataset) in DATASETS.iter().enumerate() {
        let total = dataset.rows(&scale);
        for day in 0..scale.days {
            let rows = scale.rows_for_day(total, day);
            if rows.is_empty() {
                continue;
            }
            files.push(PlannedFile {
                dataset: dataset.name,
                key: format!("{}/{}.parquet", dataset.name, scale.day(day).format("%Y-%m-%d")),
                rows: rows.end - rows.start,
                index,
                day,
            });
        }
    }
    files
}

/// Writes every planned file; `on_file` is called after each (from worker
/// threads), for progress.
pub fn write_demo_data(
    options: &DemoDataOptions,
    on_file: &(dyn Fn(&WrittenFile) + Sync),
) -> Result<DemoDataReport, DemoDataError> {
    let scale = Scale::new(options.rows, options.days);
    let files = plan(options);
    for dataset in &DATASETS {
        let dir = options.dir.join(dataset.name);
        std::fs::create_dir_all(&dir).map_err(|source| DemoDataError::Io { path: dir, source })?;
    }
    let ctx = Ctx { e: Entropy::new(options.seed), scale: &scale };
    let next = AtomicUsize::new(0);
    let written: Mutex<Vec<WrittenFile>> = Mutex::new(Vec::with_capacity(files.len()));
    let first_error: Mutex<Option<DemoDataError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.threads.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    if first_error.lock().expect("no panics while held").is_some() {
                        break;
                    }
                    match write_file(&options.dir, file, ctx) {
                        Ok(w) => {
                            on_file(&w);
                            written.lock().expect("no panics while held").push(w);
                        }
                        Err(e) => {
                            first_error.lock().expect("no panics while held").get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("no panics while held") {
        return Err(e);
    }
    let written = written.into_inner().expect("no panics while held");
    let removed_stale = remove_stale(&options.dir, &files)?;
    let datasets = DATASETS
        .iter()
        .map(|d| {
            let mine = written.iter().filter(|w| w.key.starts_with(&format!("{}/", d.name)));
            let (files, rows, bytes) = mine.fold((0, 0, 0), |(f, r, b), w| (f + 1, r + w.rows, b + w.bytes));
            DatasetReport { name: d.name, files, rows, bytes }
        })
        .collect();
    Ok(DemoDataReport { scale, datasets, removed_stale })
}

/// Writes one file under a hidden temporary name, then renames it into
/// place, so a reader (or a sync) never sees half a file.
fn write_file(dir: &Path, file: &PlannedFile, ctx: Ctx<'_>) -> Result<WrittenFile, DemoDataError> {
    let dataset: &Dataset = &DATASETS[file.index];
    let path = dir.join(&file.key);
    let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let io = |source| DemoDataError::Io { path: tmp.clone(), source };
    let parquet = |source| DemoDataError::Parquet { path: tmp.clone(), source };
    let out = File::create(&tmp).map_err(io)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let mut writer = ArrowWriter::try_new(BufWriter::new(out), dataset.schema(), Some(props)).map_err(parquet)?;
    let rows = ctx.scale.rows_for_day(dataset.rows(ctx.scale), file.day);
    let day = ctx.scale.day(file.day);
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + BATCH_ROWS).min(rows.end);
        let batch = dataset
            .batch(ctx, start..end, day)
            .map_err(|source| DemoDataError::Arrow { dataset: dataset.name, source })?;
        writer.write(&batch).map_err(parquet)?;
        start = end;
    }
    let inner = writer.into_inner().map_err(parquet)?;
    let out = inner.into_inner().map_err(|e| io(e.into_error()))?;
    out.sync_all().map_err(io)?;
    let bytes = out.metadata().map_err(io)?.len();
    drop(out);
    // Same bytes as the file already there: keep that one, so its mtime
    // stays and a sync of the folder has nothing to do.
    if same_contents(&tmp, &path) {
        std::fs::remove_file(&tmp).map_err(io)?;
    } else {
        std::fs::rename(&tmp, &path).map_err(|source| DemoDataError::Io { path: path.clone(), source })?;
    }
    Ok(WrittenFile { key: file.key.clone(), rows: rows.end - rows.start, bytes })
}

fn same_contents(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else { return false };
    ma.len() == mb.len() && std::fs::read(a).ok() == std::fs::read(b).ok()
}

/// Removes day files (`yyyy-mm-dd.parquet`) in the dataset folders that the
/// plan does not have, left by an earlier run with other `--days` or `--rows`.
/// Nothing else in the folder is touched.
fn remove_stale(dir: &Path, files: &[PlannedFile]) -> Result<u64, DemoDataError> {
    let keep: std::collections::HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let mut removed = 0;
    for dataset in &DATASETS {
        let folder = dir.join(dataset.name);
        let entries =
            std::fs::read_dir(&folder).map_err(|source| DemoDataError::Io { path: folder.clone(), source })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_day_file = name.len() == "yyyy-mm-dd.parquet".len()
                && name.ends_with(".parquet")
                && chrono::NaiveDate::parse_from_str(&name[..10], "%Y-%m-%d").is_ok();
            if is_day_file && !keep.contains(format!("{}/{name}", dataset.name).as_str()) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|source| DemoDataError::Io { path, source })?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
