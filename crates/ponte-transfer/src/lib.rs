//! Mirroring a source prefix into a sink with Storage Transfer Service's
//! semantics, safer than the tools users fear.
//!
//! A run goes list → [`plan()`] → check → execute → report, each step a
//! function from one plain value to the next:
//!
//! - both sides are listed within the job's scope (STS's string prefixes;
//!   a sink object outside them is never touched);
//! - the plan marks every key copy / update / skip / delete, deciding
//!   "different" by size, by MD5 where both sides expose one, or by the
//!   fingerprint of ponte's last copy (the source's listing then against
//!   its listing now: ETag, size and mtime, or size and mtime where the
//!   listing has no ETag) — never by size alone;
//! - deletes are refused before anything changes when the source side is
//!   empty or they exceed `max_delete` (unless forced), and are carried out
//!   only after every copy succeeded;
//! - copies stream with bounded memory, hash every byte and never leave a
//!   partial object visible;
//! - the report uses STS's counter names and lands in the run history.
//!
//! ```no_run
//! # async fn f(config: &ponte_config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! let state = ponte_state::StateDb::open(&config.project.state_dir)?;
//! let job = config.transfer("sts_dados_infomerc").unwrap();
//! let report = ponte_transfer::sync(job, &state, &ponte_transfer::SyncOptions::default(), ponte_transfer::quiet()).await?;
//! println!("{} copied", report.counters.objects_copied_to_sink);
//! # Ok(()) }
//! ```

mod copies;
mod copy;
mod deletes;
pub mod events;
mod execute;
mod lanes;
mod listing;
mod plan;
mod report;
mod scope;
mod verify;

use std::sync::Arc;

use object_store::ObjectStore;
use ponte_config::TransferJob;
use ponte_state::{StateDb, StateError, Trigger};
use ponte_store::{Access, StoreError};

pub use copy::PART_SIZE;
pub use listing::{ObjectInfo, list_side};
pub use plan::{Action, Plan, PlanItem, PlanSettings, Reason, Refusal, check_deletes, plan};
pub use report::{Counters, ErrorCode, ErrorLogEntry, ErrorSummary, Outcome, TransferReport};
pub use scope::Scope;

/// What a run reports as it goes, for progress bars. Every method has a
/// do-nothing default.
pub trait Observer: Send + Sync {
    /// The copies the run will make: objects and bytes.
    fn planned(&self, _objects: u64, _bytes: u64) {}
    /// Bytes streamed.
    fn bytes(&self, _n: u64) {}
    /// One object finished (copied, vanished or failed).
    fn object_done(&self) {}
}

struct Quiet;
impl Observer for Quiet {}

/// An observer that reports nothing.
pub fn quiet() -> Arc<dyn Observer> {
    Arc::new(Quiet)
}

/// How to run.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Plan and report only; change nothing.
    pub dry_run: bool,
    /// Carry out deletes the safety checks refuse.
    pub force: bool,
    /// What started the run, for the history.
    pub trigger: Trigger,
    /// Bytes of object data held in memory at once, across all copies;
    /// `None` for the default of the source's kind
    /// ([`default_memory_budget`]).
    pub memory_budget: Option<usize>,
    /// Attempts per object before it counts as failed.
    pub attempts: u32,
    /// Only these keys (relative to the source root), each looked up on
    /// both sides instead of listing them: a run for the objects a
    /// transfer's event stream named. A key the source no longer has is
    /// deleted from the sink (with `delete_unique_in_sink`) because the
    /// source said so for that key, so the listing-wide safety rules
    /// (`max_delete`, an empty source) do not apply.
    pub keys: Option<std::collections::BTreeSet<String>>,
}

/// The memory budget of a run's copies when none is given: 64 MiB from a
/// local folder, 128 MiB from a remote store.
///
/// A large file in a folder is read in ranges as its parts are needed,
/// and two such copies at once (32 MiB each) already keep the disk and
/// both cores busy: at 128 MiB 8 × 256 MB took the same 3.1 s, at 199 MB
/// of peak RSS instead of 127. A remote object's first byte comes only
/// after a delay (the round trip, and whatever the server does before it
/// answers: s3s-fs reads the whole object to hash it), which four large
/// objects in flight hide where two did not: 8 × 256 MB from s3s-fs took
/// 10.1-12.9 s against 16.8-17.8 s at 64 MiB, at 124-132 MB of peak RSS.
/// (Three at once, 96 MiB, took 18.1 s and six, 192 MiB, 14.8 s in the
/// same runs: the server hashes every object it is asked for at once.)
pub fn default_memory_budget(source_is_local: bool) -> usize {
    if source_is_local { 64 * 1024 * 1024 } else { 128 * 1024 * 1024 }
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self { dry_run: false, force: false, trigger: Trigger::Cli, memory_budget: None, attempts: 3, keys: None }
    }
}

/// Why a run did not happen or could not finish its plan.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// Another run of the job holds its lock; this start was recorded as skipped.
    #[error(transparent)]
    AlreadyRunning(ponte_state::AlreadyRunning),
    /// A store could not be opened.
    #[error("transfer `{job}`")]
    Store {
        /// The job.
        job: String,
        /// The store's error (naming the store and its URL).
        #[source]
        source: Box<StoreError>,
    },
    /// A listing failed: nothing was planned, nothing changed.
    #[error("transfer `{job}`: cannot list the {side} {url}; nothing was changed")]
    List {
        /// The job.
        job: String,
        /// `source` or `sink`.
        side: &'static str,
        /// The URL that was listed.
        url: String,
        /// The store's error.
        #[source]
        source: Box<object_store::Error>,
    },
    /// The plan's deletes were refused: nothing changed.
    #[error("transfer `{job}`: {refusal}")]
    Refused {
        /// The job.
        job: String,
        /// The safety rule the plan broke.
        refusal: Refusal,
    },
    /// The state database failed.
    #[error("transfer `{job}`: state database")]
    State {
        /// The job.
        job: String,
        /// The state database's error.
        #[source]
        source: StateError,
    },
}

/// Runs a transfer job: opens its stores and syncs.
pub async fn sync(
    job: &TransferJob,
    state: &StateDb,
    options: &SyncOptions,
    observer: Arc<dyn Observer>,
) -> Result<TransferReport, TransferError> {
    let open = |store, access| {
        ponte_store::open(store, access)
            .map_err(|e| TransferError::Store { job: job.name.clone(), source: Box::new(e) })
    };
    let source = open(&job.source.store, Access::ReadOnly)?;
    let sink = open(&job.sink.store, if options.dry_run { Access::ReadOnly } else { Access::ReadWrite })
        .or_else(|e| if options.dry_run { Ok(Arc::new(object_store::memory::InMemory::new()) as _) } else { Err(e) })?;
    sync_stores(job, source, sink, state, options, observer).await
}

/// Runs a transfer job against stores the caller opened (wrapped, in tests).
pub async fn sync_stores(
    job: &TransferJob,
    source: Arc<dyn ObjectStore>,
    sink: Arc<dyn ObjectStore>,
    state: &StateDb,
    options: &SyncOptions,
    observer: Arc<dyn Observer>,
) -> Result<TransferReport, TransferError> {
    execute::run(execute::Run { job, source, sink, state, options, observer }).await
}
