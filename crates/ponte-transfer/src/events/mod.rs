//! Event-driven transfers, as Storage Transfer Service's event-driven mode
//! runs them: the source bucket sends its S3 event notifications to an SQS
//! queue, and [`listen`] (run by `ponte run` for every transfer with an
//! `event_stream`) reads them, runs the job for just the objects they name
//! within seconds, and deletes the messages only once that run succeeded.
//! A crash or a failed copy deletes none: SQS hands them out again after
//! the visibility timeout. The scheduled full run stays the safety net for
//! anything an event never announced.
//!
//! A message that is not an S3 notification of the source's bucket (a
//! poison message) is reported, named, and left in the queue, so that the
//! queue's redrive policy sets it aside in a dead-letter queue; it never
//! holds up the messages beside it.

pub mod notification;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ponte_config::{Backoff, StoreUrl, TransferJob};
use ponte_state::{StateDb, Trigger};
use ponte_store::{SqsClient, SqsMessage};

use crate::execute::error_chain;
use crate::{SyncOptions, TransferError, quiet};
use notification::{Notification, Poison};

/// How long a received message stays hidden from other receivers: longer
/// than a run for ten messages' objects takes, short enough that a crash
/// delays them by minutes, not hours.
const VISIBILITY: Duration = Duration::from_secs(300);
/// SQS's longest wait for messages in one receive.
const LONG_POLL: Duration = Duration::from_secs(20);
/// The waits after failed receives.
const RECEIVE_BACKOFF: Backoff = Backoff { first: Duration::from_secs(1), max: Duration::from_secs(60) };
/// The wait before trying again while the job's full run holds its lock.
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// What one received batch of messages asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Keys (relative to the transfer's source root) to look up and act on.
    pub keys: BTreeSet<String>,
    /// Messages to delete once the run for `keys` succeeded (test events
    /// and events outside the transfer's scope need no run).
    pub settled_by_run: Vec<usize>,
    /// Messages left in the queue, each with why.
    pub poison: Vec<(usize, String)>,
}

impl Batch {
    /// Sorts `bodies` for the transfer reading `bucket` below `root`
    /// (the store's prefix and the job's path, `a/b`, or empty).
    pub fn of<'a>(bodies: impl IntoIterator<Item = &'a str>, bucket: &str, root: &str) -> Self {
        let root = if root.is_empty() { String::new() } else { format!("{root}/") };
        let mut batch = Self::default();
        for (i, body) in bodies.into_iter().enumerate() {
            let objects = match notification::parse(body) {
                Ok(Notification::Test) => Vec::new(),
                Ok(Notification::Objects(objects)) => objects,
                Err(Poison(why)) => {
                    batch.poison.push((i, why));
                    continue;
                }
            };
            if let Some((other, _)) = objects.iter().find(|(b, _)| b != bucket) {
                batch
                    .poison
                    .push((i, format!("it names an object of bucket `{other}`, but the source is bucket `{bucket}`")));
                continue;
            }
            batch.keys.extend(objects.into_iter().filter_map(|(_, key)| key.strip_prefix(&root).map(str::to_owned)));
            batch.settled_by_run.push(i);
        }
        batch
    }
}

/// Reads `job`'s event stream until `shutdown` resolves, running the job
/// for the objects each batch of notifications names. Returns at once for
/// a job without an event stream; an error only when the queue's client
/// cannot be built (a failing queue is retried, and said so in the log).
pub async fn listen(
    job: &TransferJob,
    state: Arc<StateDb>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), TransferError> {
    let Some(stream) = &job.event_stream else { return Ok(()) };
    let StoreUrl::S3 { bucket, prefix } = &job.source.store.url else { return Ok(()) };
    let client = SqsClient::open(&job.source.store, &stream.queue)
        .map_err(|e| TransferError::Store { job: job.name.clone(), source: Box::new(e) })?;
    let root = [prefix.as_str(), job.source.path.as_str()]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    tracing::info!(transfer = %job.name, queue = %stream.queue, "listening for the source bucket's events");
    tokio::pin!(shutdown);
    let mut failures = 0u32;
    loop {
        let received = tokio::select! {
            () = &mut shutdown => return Ok(()),
            r = client.receive(LONG_POLL, VISIBILITY) => r,
        };
        let messages = match received {
            Ok(messages) => {
                failures = 0;
                messages
            }
            Err(e) => {
                failures += 1;
                let wait = RECEIVE_BACKOFF.after(failures);
                tracing::error!(transfer = %job.name, "{}; trying again in {}s", error_chain(&e), wait.as_secs());
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        if messages.is_empty() {
            continue;
        }
        let batch = Batch::of(messages.iter().map(|m| m.body.as_str()), bucket, &root);
        for (i, why) in &batch.poison {
            let m = &messages[*i];
            tracing::error!(
                transfer = %job.name,
                queue = %stream.queue,
                message = %m.id,
                receive_count = m.receive_count,
                "a message of the event stream is not usable: {why}. It is left in the queue; give the queue a \
                 redrive policy (a dead-letter queue) so SQS sets it aside, and point only bucket `{bucket}`'s \
                 event notifications at it"
            );
        }
        let settled: Vec<SqsMessage> = batch.settled_by_run.iter().map(|&i| messages[i].clone()).collect();
        if !batch.keys.is_empty() && !run_for(job, &state, &client, batch.keys, settled.len(), &mut shutdown).await {
            continue;
        }
        if let Err(e) = client.delete(&settled).await {
            tracing::warn!(transfer = %job.name, "{}", error_chain(&e));
        }
    }
}

/// Runs `job` for `keys`, waiting while its full run holds the lock.
/// Whether the run succeeded, so its messages may go.
async fn run_for(
    job: &TransferJob,
    state: &StateDb,
    client: &SqsClient,
    keys: BTreeSet<String>,
    messages: usize,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> bool {
    let options = SyncOptions {
        keys: Some(keys),
        trigger: Trigger::Events { queue: client.queue().to_string(), messages },
        ..SyncOptions::default()
    };
    loop {
        match crate::sync(job, state, &options, quiet()).await {
            Ok(report) if report.succeeded() => {
                let c = &report.counters;
                tracing::info!(
                    transfer = %job.name,
                    copied = c.objects_copied_to_sink,
                    deleted = c.objects_deleted_from_sink,
                    up_to_date = c.objects_from_source_skipped_by_sync,
                    "ran for {messages} event notification(s)"
                );
                return true;
            }
            Ok(report) => {
                tracing::warn!(
                    transfer = %job.name,
                    failed = report.counters.objects_from_source_failed + report.counters.objects_failed_to_delete_from_sink,
                    "the run for {messages} event notification(s) failed (see `ponte runs`); they stay in the queue \
                     and come back within {}s",
                    VISIBILITY.as_secs()
                );
                return false;
            }
            Err(TransferError::AlreadyRunning(_)) => {
                tracing::info!(transfer = %job.name, "a run of the job is in progress; its events wait for it");
                tokio::select! {
                    () = shutdown.as_mut() => return false,
                    () = tokio::time::sleep(BUSY_WAIT) => {}
                }
            }
            Err(e) => {
                tracing::error!(
                    transfer = %job.name,
                    "the run for {messages} event notification(s) did not run: {}; they stay in the queue",
                    error_chain(&e)
                );
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(bucket: &str, key: &str) -> String {
        serde_json::json!({ "Records": [{ "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": { "bucket": { "name": bucket }, "object": { "key": key } } }] })
        .to_string()
    }

    #[test]
    fn a_batch_keeps_the_keys_below_the_root_and_sets_poison_aside() {
        let bodies = [
            created("lake", "raw/dados/a.parquet"),
            created("lake", "other/b.parquet"),
            r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"lake"}"#.to_owned(),
            "garbage".to_owned(),
            created("elsewhere", "raw/c.parquet"),
            created("lake", "raw/dados/a.parquet"),
        ];
        let batch = Batch::of(bodies.iter().map(String::as_str), "lake", "raw");
        assert_eq!(batch.keys, BTreeSet::from(["dados/a.parquet".to_owned()]));
        // Out-of-scope and test events are settled by the run (they need none).
        assert_eq!(batch.settled_by_run, [0, 1, 2, 5]);
        assert_eq!(batch.poison.len(), 2);
        assert_eq!(batch.poison[0].0, 3);
        assert_eq!(
            batch.poison[1],
            (4, "it names an object of bucket `elsewhere`, but the source is bucket `lake`".into())
        );
        // A root of nothing keeps every key.
        let all = Batch::of([created("lake", "x/y").as_str()], "lake", "");
        assert_eq!(all.keys, BTreeSet::from(["x/y".to_owned()]));
    }
}
