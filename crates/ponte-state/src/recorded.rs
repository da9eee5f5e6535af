//! The one lifecycle of every run, whatever it runs: take the job's lock,
//! record the start, run, record how it ended. A sync and a load started
//! from a shell, by the daemon or by `ponte trigger` all go through
//! [`StateDb::run_recorded`], so their history and their one-at-a-time
//! rule cannot drift apart.

use std::future::Future;

use crate::db::{StateDb, StateError};
use crate::job::{RunKind, Trigger};
use crate::runs::{RunId, RunStatus};

/// How a finished run goes into the history.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    /// `Succeeded` or `Failed`.
    pub status: RunStatus,
    /// The run's report, as JSON.
    pub report: Option<serde_json::Value>,
    /// What failed, for a run that did.
    pub error: Option<String>,
}

impl RunEnd {
    /// A run that did everything asked of it.
    pub fn succeeded(report: Option<serde_json::Value>) -> Self {
        Self { status: RunStatus::Succeeded, report, error: None }
    }

    /// A run that failed, with whatever report it has.
    pub fn failed(report: Option<serde_json::Value>, error: String) -> Self {
        Self { status: RunStatus::Failed, report, error: Some(error) }
    }
}

/// Another run of the same job held its lock, so this one did not start;
/// the start was recorded as skipped. The daemon counts it as handled, as
/// a Storage Transfer Service start that finds its job running does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} `{name}` is already running; this start was recorded as skipped", kind.job_noun())]
pub struct AlreadyRunning {
    /// The job's kind.
    pub kind: RunKind,
    /// The job.
    pub name: String,
}

/// Whether a run started.
#[derive(Debug)]
#[must_use]
pub enum Started<T> {
    /// It ran; what it returned.
    Ran(T),
    /// It did not: another run of the job was in progress.
    AlreadyRunning(AlreadyRunning),
}

impl<T, E> Started<Result<T, E>> {
    /// A run that returns a `Result`, with its error moved out front:
    /// `Err` when it ran and failed.
    pub fn transpose(self) -> Result<Started<T>, E> {
        match self {
            Self::Ran(result) => result.map(Started::Ran),
            Self::AlreadyRunning(a) => Ok(Started::AlreadyRunning(a)),
        }
    }
}

impl StateDb {
    /// Runs a job once under its lock, in the history.
    ///
    /// When another run of `kind`/`name` (in any process) holds the lock,
    /// records a skipped start and returns [`Started::AlreadyRunning`]
    /// without calling `run`. Otherwise records the start (marking a
    /// `running` row left by a dead process `interrupted`), calls `run`
    /// with the new row's id, and records what `end` makes of its result.
    /// The lock is held until the result is recorded.
    ///
    /// An error recording the end is returned in place of the run's
    /// result: a run whose history cannot be written is not reported done.
    pub async fn run_recorded<T, Fut>(
        &self,
        kind: RunKind,
        name: &str,
        trigger: &Trigger,
        run: impl FnOnce(RunId) -> Fut,
        end: impl FnOnce(&T) -> RunEnd,
    ) -> Result<Started<T>, StateError>
    where
        Fut: Future<Output = T>,
    {
        let Some(_lock) = self.try_lock_run(kind, name)? else {
            let reason = format!("another run of this {} was in progress", skip_noun(kind));
            self.record_skipped_run(kind, name, trigger, &reason)?;
            return Ok(Started::AlreadyRunning(AlreadyRunning { kind, name: name.to_owned() }));
        };
        let id = self.start_run(kind, name, trigger)?;
        let result = run(id).await;
        let RunEnd { status, report, error } = end(&result);
        self.finish_run(id, status, report.as_ref(), error.as_deref())?;
        Ok(Started::Ran(result))
    }
}

/// The word earlier versions used in a skipped start's reason (`ponte runs`
/// shows it): a transfer is a "job" there.
fn skip_noun(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Transfer => "job",
        other => other.job_noun(),
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// Runs a future that never waits (those here touch only SQLite).
    fn ready<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the future waited"),
        }
    }

    fn end(result: &Result<u32, String>) -> RunEnd {
        match result {
            Ok(n) => RunEnd::succeeded(Some(serde_json::json!({ "rows": n }))),
            Err(e) => RunEnd::failed(None, e.clone()),
        }
    }

    #[test]
    fn a_run_is_recorded_running_while_it_runs_and_then_as_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let trigger = Trigger::Message { id: "4".into(), origin: "schedule:daily".into() };
        let started = ready(db.run_recorded(
            RunKind::Load,
            "f",
            &trigger,
            |id| {
                let row = db.run(id).unwrap().unwrap();
                assert_eq!((row.status, row.trigger.as_str()), (RunStatus::Running, "message:4 (schedule:daily)"));
                assert!(db.try_lock_run(RunKind::Load, "f").unwrap().is_none(), "the lock is held while it runs");
                async { Ok(42) }
            },
            end,
        ))
        .unwrap();
        assert!(matches!(started, Started::Ran(Ok(42))));
        let row = db.runs(1).unwrap().remove(0);
        assert_eq!((row.kind, row.status, row.message_id.as_deref()), (RunKind::Load, RunStatus::Succeeded, Some("4")));
        assert_eq!(row.counters.unwrap()["rows"], 42);
        assert!(db.try_lock_run(RunKind::Load, "f").unwrap().is_some(), "released after");

        let failed = ready(db.run_recorded(RunKind::Load, "f", &Trigger::Cli, |_| async { Err("boom".into()) }, end));
        assert_eq!(failed.unwrap().transpose().unwrap_err(), "boom");
        let row = db.runs(1).unwrap().remove(0);
        assert_eq!((row.status, row.error.as_deref()), (RunStatus::Failed, Some("boom")));
    }

    #[test]
    fn a_start_while_another_run_holds_the_lock_is_recorded_skipped_and_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let _held = db.try_lock_run(RunKind::Transfer, "j").unwrap().unwrap();
        let started = ready(db.run_recorded(
            RunKind::Transfer,
            "j",
            &Trigger::Cli,
            |_| -> std::future::Ready<Result<u32, String>> { panic!("must not run") },
            end,
        ))
        .unwrap();
        let Started::AlreadyRunning(skip) = started else { panic!("ran") };
        assert_eq!(skip.to_string(), "transfer `j` is already running; this start was recorded as skipped");
        let row = db.runs(1).unwrap().remove(0);
        assert_eq!(row.status, RunStatus::Skipped);
        assert_eq!(row.error.as_deref(), Some("another run of this job was in progress"));
    }
}
