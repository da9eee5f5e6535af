//! The copy step: every planned copy and update, retried per object,
//! spread over the cores, with the fingerprints of what was copied
//! written as it goes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ponte_config::Backoff;
use ponte_state::{Fingerprint, StateDb};
use ponte_store::Capabilities;
use tokio::sync::Semaphore;

use crate::TransferError;
use crate::copy::{Copier, CopyFailure, CopyOutcome};
use crate::execute::{Run, Tally, object_url};
use crate::lanes::Lanes;
use crate::listing::ObjectInfo;
use crate::plan::{Action, Plan, PlanItem, Reason};

/// Waits between attempts at one object: a failed read or write of a
/// healthy store usually passes within a second.
const COPY_BACKOFF: Backoff = Backoff { first: Duration::from_millis(200), max: Duration::from_secs(30) };

/// Fingerprints are written in batches of this many, so a killed run keeps
/// most of what it copied and the next run does not copy it again.
const FINGERPRINT_BATCH: usize = 500;

/// Carries out the plan's copies and updates, counting them in `tally`.
/// A failed object is counted and logged, not returned: the run goes on.
/// `source` is the listing the plan was made from: each fingerprint keeps
/// what it said of the object copied.
pub(crate) async fn copy_planned(
    r: &Run<'_>,
    plan: &Plan,
    source: &BTreeMap<String, ObjectInfo>,
    tally: &mut Tally,
) -> Result<(), TransferError> {
    let job = r.job;
    let copies: Vec<&PlanItem> =
        plan.items.iter().filter(|i| matches!(i.action, Action::Copy | Action::Update)).collect();
    r.observer.planned(copies.len() as u64, copies.iter().map(|i| i.size).sum());
    let copier = Arc::new(copier(r)?);
    let attempts = r.options.attempts.max(1);
    // The futures are collected before they are streamed: a closure inside
    // the stream's type defeats the compiler's proof that this future is
    // Send (rust-lang/rust#102211), which the daemon needs to run it.
    let copy_futures: Vec<_> = copies
        .iter()
        .map(|item| {
            let copier = copier.clone();
            let key = item.key.clone();
            // Every copy and update is of a key the source listed.
            let listed = source[item.key.as_str()].clone();
            (item.size, async move {
                let mut attempt = 1;
                let outcome = loop {
                    match copier.copy(&key, &listed).await {
                        Err(f) if attempt < attempts && f.retryable() => {
                            tracing::debug!(key = %key, attempt, error = %f.message, "copy failed; retrying");
                            tokio::time::sleep(COPY_BACKOFF.after(attempt)).await;
                            attempt += 1;
                        }
                        other => break other,
                    }
                };
                (key, outcome)
            })
        })
        .collect();
    let mut lanes = Lanes::start(copy_futures, job.concurrency);
    let by_key: std::collections::HashMap<&str, &PlanItem> = copies.iter().map(|i| (i.key.as_str(), *i)).collect();
    let mut pending: Vec<(String, Fingerprint)> = Vec::new();
    let counters = &mut tally.counters;
    while let Some((key, outcome)) = lanes.results.recv().await {
        r.observer.object_done();
        let item = by_key[key.as_str()];
        match outcome {
            Ok(CopyOutcome::Copied(f, checks)) => {
                counters.objects_copied_to_sink += 1;
                counters.bytes_copied_to_sink += f.sink_size;
                counters.objects_verified_by_md5 += u64::from(checks.md5);
                counters.objects_verified_by_crc32c += u64::from(checks.crc32c);
                counters.objects_verified_by_crc32 += u64::from(checks.crc32);
                counters.objects_verified_by_crc64nvme += u64::from(checks.crc64nvme);
                counters.objects_verified_by_size_only += u64::from(!checks.any());
                if item.reason == Reason::NoComparableHash {
                    counters.objects_copied_without_comparable_hash += 1;
                }
                pending.push((key, f));
                if pending.len() >= FINGERPRINT_BATCH {
                    flush(r.state, &job.name, &mut pending)?;
                }
            }
            Ok(CopyOutcome::Vanished) => {
                counters.objects_vanished_from_source += 1;
                tracing::info!(key = %key, "source object vanished after listing; skipped");
            }
            Err(CopyFailure { code, message }) => {
                counters.objects_from_source_failed += 1;
                counters.bytes_from_source_failed += item.size;
                tally.errors.add(code, object_url(&job.source.store.url, &job.source.path, &key), message);
            }
        }
    }
    lanes.finish().await;
    flush(r.state, &job.name, &mut pending)
}

/// What every copy of the run shares: the stores, what they can do, and
/// the memory budget.
fn copier(r: &Run<'_>) -> Result<Copier, TransferError> {
    let job = r.job;
    let reporter = |store| {
        ponte_store::hash_reporter(store)
            .map_err(|e| TransferError::Store { job: job.name.clone(), source: Box::new(e) })
    };
    let ranged_reads = Capabilities::of(&job.source.store).cheap_ranged_reads;
    let budget = r.options.memory_budget.unwrap_or_else(|| crate::default_memory_budget(ranged_reads));
    Ok(Copier {
        source: r.source.clone(),
        sink: r.sink.clone(),
        source_root: job.source.path.clone(),
        sink_root: job.sink.path.clone(),
        source_etags: Capabilities::of(&job.source.store).etags,
        sink_etags: Capabilities::of(&job.sink.store).etags,
        source_hashes: reporter(&job.source.store)?,
        sink_hashes: reporter(&job.sink.store)?,
        ranged_reads,
        budget: Arc::new(Semaphore::new((budget / 1024).max(crate::PART_SIZE * crate::copy::PARTS_HELD / 1024))),
        observer: r.observer.clone(),
    })
}

fn flush(state: &StateDb, job: &str, pending: &mut Vec<(String, Fingerprint)>) -> Result<(), TransferError> {
    if pending.is_empty() {
        return Ok(());
    }
    state.record_fingerprints(job, pending).map_err(|source| TransferError::State { job: job.to_owned(), source })?;
    pending.clear();
    Ok(())
}
