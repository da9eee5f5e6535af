//! Clustering for the embedded warehouse: a table's rows written sorted by
//! its cluster columns, in bounded memory.
//!
//! Sorted rows give every row group and page of the snapshot a narrow range
//! of the cluster columns in its statistics, so a query filtering on them
//! (an explore's access filter on the customer's id) reads the few row
//! groups and pages that hold its rows and skips the rest. BigQuery does the
//! same with its clustered tables; this is the embedded warehouse's way.
//!
//! The sort is DataFusion's external sort: rows are buffered up to a memory
//! budget, then sorted and spilled to disk as compressed Arrow IPC runs,
//! which are merged at the end. Spill files live in a folder of the write's
//! own that is removed when the sort ends, whether it finished or failed,
//! and by the next write if the process was killed ([`crate::spill_dir`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_schema::{SchemaRef, SortOptions};
use datafusion::common::DataFusionError;
use datafusion::common::config::SpillCompression;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::{StreamExt, TryStreamExt};

use crate::spill_dir::SpillDir;
use crate::{BatchStream, WarehouseError};

/// How a clustered write sorts.
#[derive(Debug, Clone)]
pub(crate) struct SortBudget {
    /// Bytes of rows held in memory before a sorted run is spilled.
    pub memory_bytes: usize,
    /// Where spill files go; `None`: the system's temporary folder.
    pub spill_dir: Option<PathBuf>,
}

/// `batches`, sorted by `columns` (ascending, NULLs first), as a stream.
///
/// Nothing is read until the returned stream is polled. An error from
/// `batches` ends the sorted stream with that error; so does a failed
/// spill (a full disk), naming the folder.
pub(crate) fn sorted(
    batches: BatchStream,
    schema: SchemaRef,
    columns: &[String],
    budget: &SortBudget,
) -> Result<BatchStream, WarehouseError> {
    let ordering = columns
        .iter()
        .map(|c| {
            let expr = col(c, &schema).map_err(|e| WarehouseError::Sort(format!("cannot cluster by `{c}`: {e}")))?;
            Ok(PhysicalSortExpr::new(expr, SortOptions { descending: false, nulls_first: true }))
        })
        .collect::<Result<Vec<_>, WarehouseError>>()?;
    let Some(ordering) = LexOrdering::new(ordering) else {
        return Ok(batches);
    };
    // The write's own folder under the spill root, swept by the next
    // write if this process is killed mid-sort.
    let spill = match &budget.spill_dir {
        Some(root) => Some(SpillDir::create(root).map_err(|e| {
            WarehouseError::Sort(format!("cannot create a spill folder under {}: {e}", root.display()))
        })?),
        None => None,
    };
    let task = task_context(budget.memory_bytes, spill.as_ref().map(SpillDir::path))?;
    let input = Arc::new(OnceStream::new(schema.clone(), batches));
    let source = StreamingTableExec::try_new(schema.clone(), vec![input], None, [], false, None)
        .map_err(|e| WarehouseError::Sort(format!("cannot set it up: {e}")))?;
    let sort = SortExec::new(ordering, Arc::new(source));
    let output = sort.execute(0, task).map_err(|e| WarehouseError::Sort(format!("cannot start it: {e}")))?;
    // The stream owns the folder: it goes when the stream is dropped.
    Ok(output.map_err(move |e| from_datafusion(e, spill.as_ref().map(SpillDir::path))).boxed())
}

/// A task context whose runtime holds `memory_bytes` and spills,
/// LZ4-compressed, into `spill_dir` (the system's temporary folder if none).
fn task_context(memory_bytes: usize, spill_dir: Option<&Path>) -> Result<Arc<TaskContext>, WarehouseError> {
    let mode = match spill_dir {
        Some(dir) => DiskManagerMode::Directories(vec![dir.to_path_buf()]),
        None => DiskManagerMode::OsTmpDirectory,
    };
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(memory_bytes)))
        .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(mode))
        .build_arc()
        .map_err(|e| WarehouseError::Sort(format!("cannot set it up: {e}")))?;
    let mut config = SessionConfig::new();
    let execution = &mut config.options_mut().execution;
    execution.spill_compression = SpillCompression::Lz4Frame;
    // What the merge of spilled runs reserves up front: a tenth of the budget.
    execution.sort_spill_reservation_bytes = memory_bytes / 10;
    Ok(SessionContext::new_with_config_rt(config, runtime).task_ctx())
}

/// The sort's error as the warehouse's: an error the input stream carried
/// comes back as it was; the sort's own names what failed.
fn from_datafusion(e: DataFusionError, spill_dir: Option<&Path>) -> WarehouseError {
    match e.find_root() {
        DataFusionError::External(inner) => match inner.downcast_ref::<InputError>() {
            Some(InputError(message)) => WarehouseError::Source(message.clone()),
            None => WarehouseError::Source(inner.to_string()),
        },
        DataFusionError::ResourcesExhausted(message) => {
            WarehouseError::Sort(format!("ran out of its memory budget: {message}"))
        }
        other => {
            let place =
                spill_dir.map_or_else(|| "the system's temporary folder".to_owned(), |d| d.display().to_string());
            WarehouseError::Sort(format!("failed (spilling to {place}): {other}"))
        }
    }
}

/// An error of the input stream, carried through DataFusion.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InputError(String);

/// The input batches as a partition DataFusion can execute once.
struct OnceStream {
    schema: SchemaRef,
    batches: Mutex<Option<BatchStream>>,
}

impl OnceStream {
    fn new(schema: SchemaRef, batches: BatchStream) -> Self {
        Self { schema, batches: Mutex::new(Some(batches)) }
    }
}

impl std::fmt::Debug for OnceStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnceStream")
    }
}

impl PartitionStream for OnceStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.batches.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let stream = match taken {
            Some(batches) => {
                batches.map_err(|e| DataFusionError::External(Box::new(InputError(e.to_string())))).boxed()
            }
            None => futures::stream::once(async {
                Err(DataFusionError::Internal("the load's rows were already read".into()))
            })
            .boxed(),
        };
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}
