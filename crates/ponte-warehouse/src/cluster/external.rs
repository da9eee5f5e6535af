//! The fallback for a share of a clustered write that splitting could not
//! bring within the memory budget: DataFusion's external sort. Rows are
//! buffered up to the budget, sorted and spilled as LZ4-compressed Arrow IPC
//! runs, which are merged at the end. Slower than the split (its merge runs
//! on one core and re-spills), but bounded whatever the keys.

use std::path::Path;
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

use crate::{BatchStream, WarehouseError};

/// `batches`, sorted by `columns` (ascending, NULLs first), spilling into
/// `spill_dir`.
///
/// Nothing is read until the returned stream is polled. An error from
/// `batches` ends the sorted stream with that error; so does a failed
/// spill (a full disk), naming the folder.
pub(super) fn sorted(
    batches: BatchStream,
    schema: SchemaRef,
    columns: &[String],
    memory_bytes: usize,
    spill_dir: &Path,
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
    let task = task_context(memory_bytes, spill_dir)?;
    let input = Arc::new(OnceStream::new(schema.clone(), batches));
    let source = StreamingTableExec::try_new(schema.clone(), vec![input], None, [], false, None)
        .map_err(|e| WarehouseError::Sort(format!("cannot set it up: {e}")))?;
    let sort = SortExec::new(ordering, Arc::new(source));
    let output = sort.execute(0, task).map_err(|e| WarehouseError::Sort(format!("cannot start it: {e}")))?;
    let spill_dir = spill_dir.to_path_buf();
    Ok(output.map_err(move |e| from_datafusion(e, &spill_dir)).boxed())
}

/// A task context whose runtime holds `memory_bytes` and spills,
/// LZ4-compressed, into `spill_dir`.
fn task_context(memory_bytes: usize, spill_dir: &Path) -> Result<Arc<TaskContext>, WarehouseError> {
    let mode = DiskManagerMode::Directories(vec![spill_dir.to_path_buf()]);
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
fn from_datafusion(e: DataFusionError, spill_dir: &Path) -> WarehouseError {
    match e.find_root() {
        DataFusionError::External(inner) => match inner.downcast_ref::<InputError>() {
            Some(InputError(message)) => WarehouseError::Source(message.clone()),
            None => WarehouseError::Source(inner.to_string()),
        },
        DataFusionError::ResourcesExhausted(message) => {
            WarehouseError::Sort(format!("ran out of its memory budget: {message}"))
        }
        other => WarehouseError::Sort(format!("failed (spilling to {}): {other}", spill_dir.display())),
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
