//! Carrying a job out: list → plan → copy → delete → report, each step a
//! function of its own, inside the run lifecycle every kind of run shares
//! ([`StateDb::run_recorded`]: the job's lock and its history).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use object_store::ObjectStore;
use ponte_config::{StoreUrl, TransferJob};
use ponte_state::{RunEnd, RunKind, Started, StateDb};
use ponte_store::Capabilities;

use crate::copies::copy_planned;
use crate::deletes::delete_planned;
use crate::listing::{ObjectInfo, list_side};
use crate::plan::{Action, Plan, PlanSettings, Reason, check_deletes, plan};
use crate::report::{Counters, Errors, Outcome, TransferReport};
use crate::scope::Scope;
use crate::{Observer, SyncOptions, TransferError};

/// One run of a job: what it runs against.
pub(crate) struct Run<'a> {
    pub job: &'a TransferJob,
    pub source: Arc<dyn ObjectStore>,
    pub sink: Arc<dyn ObjectStore>,
    pub state: &'a StateDb,
    pub options: &'a SyncOptions,
    pub observer: Arc<dyn Observer>,
}

impl Run<'_> {
    pub(crate) fn state_err(&self) -> impl Fn(ponte_state::StateError) -> TransferError + use<> {
        let job = self.job.name.clone();
        move |source| TransferError::State { job: job.clone(), source }
    }
}

/// What the copy and delete steps count and the errors they meet, for
/// the report.
#[derive(Default)]
pub(crate) struct Tally {
    pub counters: Counters,
    pub errors: Errors,
}

pub(crate) async fn run(r: Run<'_>) -> Result<TransferReport, TransferError> {
    // A dry run changes nothing, so it neither takes the lock nor writes history.
    if r.options.dry_run {
        return carry_out(r).await;
    }
    let (job, options, state_err) = (r.job, r.options, r.state_err());
    let started = r
        .state
        .run_recorded(
            RunKind::Transfer,
            &job.name,
            &options.trigger,
            |_| async move {
                sweep_staging(job);
                carry_out(r).await
            },
            history_entry,
        )
        .await
        .map_err(state_err)?;
    match started {
        Started::Ran(result) => result,
        Started::AlreadyRunning(already) => Err(TransferError::AlreadyRunning(already)),
    }
}

/// Removes what a killed run's writes left in the sink, within this job's
/// scope (we hold its lock), where the sink's writes can leave any.
fn sweep_staging(job: &TransferJob) {
    let Some(folder) = Capabilities::of(&job.sink.store).local_folder else { return };
    let root = if job.sink.path.is_empty() { folder } else { folder.join(&job.sink.path) };
    let scope = Scope { include: job.source.include_prefixes.clone(), exclude: Vec::new() };
    for folder in scope.folders_to_list() {
        let dir = if folder.is_empty() { root.clone() } else { root.join(&folder) };
        match ponte_store::remove_staging_files(&dir) {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(job = %job.name, folder = %dir.display(), removed = n, "removed files of interrupted writes")
            }
            Err(e) => {
                tracing::warn!(job = %job.name, folder = %dir.display(), error = %e, "cannot clean up interrupted writes")
            }
        }
    }
}

/// How a run's result goes into the history: a report with failed objects
/// is a failed run, with the report kept.
fn history_entry(result: &Result<TransferReport, TransferError>) -> RunEnd {
    match result {
        Ok(report) => {
            let counters = serde_json::to_value(report).ok();
            match report.outcome {
                Outcome::Failed => RunEnd::failed(
                    counters,
                    format!(
                        "{} object(s) failed to copy",
                        report.counters.objects_from_source_failed + report.counters.objects_failed_to_delete_from_sink
                    ),
                ),
                _ => RunEnd::succeeded(counters),
            }
        }
        Err(e) => RunEnd::failed(None, error_chain(e)),
    }
}

/// An error and its causes on one line, for logs and the history.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The run itself, under the lock when it changes anything.
async fn carry_out(r: Run<'_>) -> Result<TransferReport, TransferError> {
    let started = Instant::now();
    let start_time = Utc::now();
    let (source_list, sink_list) = match &r.options.keys {
        Some(keys) => look_up_both(&r, keys).await?,
        None => list_both(&r).await?,
    };
    let plan = plan_run(&r, &source_list, &sink_list, start_time)?;
    let mut tally = Tally { counters: counters_of(&plan), errors: Errors::default() };
    let report = |outcome, tally: Tally, deletes_skipped, items| TransferReport {
        job: r.job.name.clone(),
        outcome,
        start_time: start_time.to_rfc3339(),
        duration_seconds: started.elapsed().as_secs_f64(),
        counters: tally.counters,
        error_breakdowns: tally.errors.into_summaries(),
        deletes_skipped,
        plan: items,
    };
    if r.options.dry_run {
        let items = plan.items.iter().filter(|i| i.action != Action::Skip).cloned().collect();
        return Ok(report(Outcome::DryRun, tally, None, Some(items)));
    }
    if !r.options.force
        && r.options.keys.is_none()
        && let Err(refusal) = check_deletes(&plan, r.job.max_delete)
    {
        return Err(TransferError::Refused { job: r.job.name.clone(), refusal });
    }
    copy_planned(&r, &plan, &source_list, &mut tally).await?;
    let deletes_skipped = delete_planned(&r, &plan, &mut tally).await?;
    let c = &tally.counters;
    let failed = c.objects_from_source_failed > 0 || c.objects_failed_to_delete_from_sink > 0;
    Ok(report(if failed { Outcome::Failed } else { Outcome::Succeeded }, tally, deletes_skipped, None))
}

type Listing = BTreeMap<String, ObjectInfo>;

/// Both sides, listed at once within the job's scope. A failed listing
/// ends the run before anything is planned.
async fn list_both(r: &Run<'_>) -> Result<(Listing, Listing), TransferError> {
    let job = r.job;
    let scope = Scope { include: job.source.include_prefixes.clone(), exclude: job.source.exclude_prefixes.clone() };
    let list_err = |side: &'static str, url: String| {
        let job = job.name.clone();
        move |source| TransferError::List { job, side, url, source: Box::new(source) }
    };
    futures::try_join!(
        async {
            list_side(&r.source, &job.source.path, &scope)
                .await
                .map_err(list_err("source", location(&job.source.store.url, &job.source.path)))
        },
        async {
            list_side(&r.sink, &job.sink.path, &scope)
                .await
                .map_err(list_err("sink", location(&job.sink.store.url, &job.sink.path)))
        },
    )
}

/// `keys` (those in the job's scope) looked up on both sides, as listings
/// of what each side has of them. A lookup that fails ends the run before
/// anything is planned: a key is never taken for missing because its
/// lookup failed.
async fn look_up_both(
    r: &Run<'_>,
    keys: &std::collections::BTreeSet<String>,
) -> Result<(Listing, Listing), TransferError> {
    use futures::{StreamExt, TryStreamExt};
    use object_store::ObjectStoreExt;
    let job = r.job;
    let scope = Scope { include: job.source.include_prefixes.clone(), exclude: job.source.exclude_prefixes.clone() };
    let look_up = |store: Arc<dyn ObjectStore>, root: String, side: &'static str, url: String| {
        let keys: Vec<String> = keys.iter().filter(|k| scope.contains(k)).cloned().collect();
        let job = job.name.clone();
        async move {
            let found: Vec<Option<(String, ObjectInfo)>> = futures::stream::iter(keys)
                .map(|key| {
                    let (store, path) = (store.clone(), crate::listing::path_of(&root, &key));
                    async move {
                        match store.head(&path).await {
                            Ok(meta) => Ok(Some((
                                key,
                                ObjectInfo { size: meta.size, e_tag: meta.e_tag, last_modified: meta.last_modified },
                            ))),
                            Err(object_store::Error::NotFound { .. }) => Ok(None),
                            Err(e) => Err(e),
                        }
                    }
                })
                .buffer_unordered(job_concurrency(r.job))
                .try_collect()
                .await
                .map_err(|source| TransferError::List { job, side, url, source: Box::new(source) })?;
            Ok::<Listing, TransferError>(found.into_iter().flatten().collect())
        }
    };
    futures::try_join!(
        look_up(r.source.clone(), job.source.path.clone(), "source", location(&job.source.store.url, &job.source.path)),
        look_up(r.sink.clone(), job.sink.path.clone(), "sink", location(&job.sink.store.url, &job.sink.path)),
    )
}

fn job_concurrency(job: &TransferJob) -> usize {
    job.concurrency.max(1)
}

/// The plan for the listings, with the fingerprints of earlier copies.
fn plan_run(r: &Run<'_>, source: &Listing, sink: &Listing, now: DateTime<Utc>) -> Result<Plan, TransferError> {
    let job = r.job;
    let fingerprints = r.state.fingerprints(&job.name).map_err(r.state_err())?;
    let settings = PlanSettings {
        overwrite_when: job.overwrite_when,
        delete_unique_in_sink: job.delete_unique_in_sink,
        min_age: job.min_age,
        now,
    };
    Ok(plan(source, sink, &fingerprints, &settings))
}

/// The counters a plan fills in before anything moves.
fn counters_of(plan: &Plan) -> Counters {
    let (skipped, skipped_bytes) = plan.count(Action::Skip);
    Counters {
        objects_found_from_source: plan.source_objects,
        bytes_found_from_source: plan.source_bytes,
        objects_found_only_from_sink: plan.sink_only_objects,
        bytes_found_only_from_sink: plan.sink_only_bytes,
        objects_from_source_skipped_by_sync: skipped,
        bytes_from_source_skipped_by_sync: skipped_bytes,
        objects_skipped_by_size_and_mtime: plan
            .with(Action::Skip)
            .filter(|i| i.reason == Reason::SameSizeAndMtimeAsLastCopy)
            .count() as u64,
        ..Counters::default()
    }
}

fn location(url: &StoreUrl, path: &str) -> String {
    let base = url.to_string();
    if path.is_empty() { base } else { format!("{}/{path}", base.trim_end_matches('/')) }
}

/// The URL of one object, for error logs.
pub(crate) fn object_url(url: &StoreUrl, root: &str, key: &str) -> String {
    let base = location(url, root);
    format!("{}/{key}", base.trim_end_matches('/'))
}
