//! The delete step: removing sink objects the source no longer has, and
//! only once every copy succeeded.

use futures::StreamExt;
use object_store::ObjectStoreExt;

use crate::TransferError;
use crate::execute::{Run, Tally, object_url};
use crate::listing::path_of;
use crate::plan::{Action, Plan};
use crate::report::ErrorCode;

/// Carries out the plan's deletes, counting them in `tally`, and forgets
/// the fingerprints of what is gone. Returns why the deletes were not
/// carried out, when they were not: a sink whose copies failed keeps what
/// it has, so a failed run never leaves it with less than before.
pub(crate) async fn delete_planned(
    r: &Run<'_>,
    plan: &Plan,
    tally: &mut Tally,
) -> Result<Option<String>, TransferError> {
    let job = r.job;
    let deletes: Vec<_> = plan.with(Action::Delete).collect();
    let failed_copies = tally.counters.objects_from_source_failed;
    if deletes.is_empty() {
        return Ok(None);
    }
    if failed_copies > 0 {
        return Ok(Some(format!(
            "{} planned delete(s) not carried out: {failed_copies} object(s) failed to copy, and deletes wait until every copy succeeds",
            deletes.len(),
        )));
    }
    let root = job.sink.path.clone();
    let delete_futures: Vec<_> = deletes
        .iter()
        .map(|d| {
            let sink = r.sink.clone();
            let path = path_of(&root, &d.key);
            async move { (*d, sink.delete(&path).await) }
        })
        .collect();
    let mut results = futures::stream::iter(delete_futures).buffer_unordered(job.concurrency);
    let mut deleted = Vec::new();
    let counters = &mut tally.counters;
    while let Some((item, result)) = results.next().await {
        match result {
            // Already gone is what we wanted.
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                counters.objects_deleted_from_sink += 1;
                counters.bytes_deleted_from_sink += item.size;
                deleted.push(item.key.clone());
            }
            Err(e) => {
                counters.objects_failed_to_delete_from_sink += 1;
                counters.bytes_failed_to_delete_from_sink += item.size;
                tally.errors.add(
                    ErrorCode::of(&e),
                    object_url(&job.sink.store.url, &root, &item.key),
                    format!("deleting: {e}"),
                );
            }
        }
    }
    drop(results);
    r.state.forget_fingerprints(&job.name, &deleted).map_err(r.state_err())?;
    Ok(None)
}
