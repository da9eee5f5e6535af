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
/// `batches` ends the sorted stream with that error, as it was (a failed
/// read of the clustered write's own spill file stays a sort error, not
/// one of the load's source); a failed spill of this sort's own (a full
/// disk) ends it naming the folder.
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
    let failure = InputFailure::default();
    let input = Arc::new(OnceStream::new(schema.clone(), batches, failure.clone()));
    let source = StreamingTableExec::try_new(schema.clone(), vec![input], None, [], false, None)
        .map_err(|e| WarehouseError::Sort(format!("cannot set it up: {e}")))?;
    let sort = SortExec::new(ordering, Arc::new(source));
    let output = sort.execute(0, task).map_err(|e| WarehouseError::Sort(format!("cannot start it: {e}")))?;
    let spill_dir = spill_dir.to_path_buf();
    Ok(output.map_err(move |e| failure.take().unwrap_or_else(|| from_datafusion(e, &spill_dir))).boxed())
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

/// The sort's own error as the warehouse's, naming what failed.
fn from_datafusion(e: DataFusionError, spill_dir: &Path) -> WarehouseError {
    match e.find_root() {
        DataFusionError::ResourcesExhausted(message) => {
            WarehouseError::Sort(format!("ran out of its memory budget: {message}"))
        }
        other => WarehouseError::Sort(format!("failed (spilling to {}): {other}", spill_dir.display())),
    }
}

/// The input's error, kept as it was while DataFusion carries its text
/// to the end of the sort.
#[derive(Debug, Default, Clone)]
struct InputFailure(Arc<Mutex<Option<WarehouseError>>>);

impl InputFailure {
    /// Keeps the first error; the text goes on through DataFusion.
    fn keep(&self, e: WarehouseError) -> DataFusionError {
        let message = e.to_string();
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(e);
        DataFusionError::External(message.into())
    }

    fn take(&self) -> Option<WarehouseError> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// The input batches as a partition DataFusion can execute once.
struct OnceStream {
    schema: SchemaRef,
    batches: Mutex<Option<BatchStream>>,
    failure: InputFailure,
}

impl OnceStream {
    fn new(schema: SchemaRef, batches: BatchStream, failure: InputFailure) -> Self {
        Self { schema, batches: Mutex::new(Some(batches)), failure }
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
                let failure = self.failure.clone();
                batches.map_err(move |e| failure.keep(e)).boxed()
            }
            None => futures::stream::once(async {
                Err(DataFusionError::Internal("the load's rows were already read".into()))
            })
            .boxed(),
        };
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_input_error_comes_out_as_it_went_in() {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![3, 1, 2]))]).unwrap();
        let input = futures::stream::iter([
            Ok(batch),
            Err(WarehouseError::Sort("cannot read its spill file /x/split-0.arrow: truncated".into())),
        ])
        .boxed();
        let dir = tempfile::tempdir().unwrap();
        let sorted = sorted(input, schema, &["k".into()], 8 << 20, dir.path()).unwrap();
        let results: Vec<_> = sorted.collect().await;
        let errors: Vec<String> = results
            .into_iter()
            .filter_map(Result::err)
            .map(|e| match e {
                WarehouseError::Sort(message) => message,
                other => panic!("not a sort error: {other:?}"),
            })
            .collect();
        assert_eq!(errors, ["cannot read its spill file /x/split-0.arrow: truncated"]);
    }
}
