//! The run history: one row per sync, load or function run.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::db::{StateDb, StateError};
use crate::job::{RunKind, Trigger};

/// A run's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunId(pub i64);

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going, as far as the database knows.
    Running,
    /// Everything asked for was done.
    Succeeded,
    /// Something failed; the error says what.
    Failed,
    /// Not run: another run of the same job held the lock.
    Skipped,
    /// Its process died before finishing.
    Interrupted,
    /// A message whose every delivery attempt failed: kept, with its last
    /// error, and not tried again.
    DeadLettered,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Interrupted => "interrupted",
            Self::DeadLettered => "dead_lettered",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Running, Self::Succeeded, Self::Failed, Self::Skipped, Self::Interrupted, Self::DeadLettered]
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Row id.
    pub id: RunId,
    /// What sort of job.
    pub kind: RunKind,
    /// The job's name.
    pub name: String,
    /// What started it, as the [`Trigger`]'s text was when the row was
    /// written: for people; code matches [`RunRecord::message_id`].
    pub trigger: String,
    /// The queued message the run was for, if it was for one.
    pub message_id: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339, when finished.
    pub finished_at: Option<String>,
    /// How it ended.
    pub status: RunStatus,
    /// The run's report counters, as JSON.
    pub counters: Option<serde_json::Value>,
    /// The error, when it failed.
    pub error: Option<String>,
}

impl StateDb {
    /// Records the start of a run. The caller holds the job's [`crate::RunLock`],
    /// so any earlier `running` row of the same job belongs to a process that
    /// died: those are marked `interrupted`.
    pub fn start_run(&self, kind: RunKind, name: &str, trigger: &Trigger) -> Result<RunId, StateError> {
        let conn = self.conn();
        let now = chrono::Utc::now().to_rfc3339();
        conn.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ?3
             WHERE kind = ?1 AND name = ?2 AND status = 'running'",
            params![kind.as_str(), name, now],
        )
        .map_err(|e| self.err(e))?;
        conn.execute(
            "INSERT INTO runs (kind, name, trigger, message_id, started_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![kind.as_str(), name, trigger.to_string(), trigger.message_id(), now],
        )
        .map_err(|e| self.err(e))?;
        Ok(RunId(conn.last_insert_rowid()))
    }

    /// Records how a run ended.
    pub fn finish_run(
        &self,
        id: RunId,
        status: RunStatus,
        counters: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, counters = ?4, error = ?5 WHERE id = ?1",
            params![id.0, status.as_str(), chrono::Utc::now().to_rfc3339(), counters.map(|c| c.to_string()), error],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The run of `kind`/`name` for message `message_id` that succeeded,
    /// if one did. The daemon asks before running a redelivered message: a
    /// process killed after the run's success was recorded but before the
    /// message was acknowledged must not run it to success twice.
    pub fn succeeded_run_for_message(
        &self,
        kind: RunKind,
        name: &str,
        message_id: &str,
    ) -> Result<Option<RunId>, StateError> {
        self.conn()
            .query_row(
                "SELECT id FROM runs
                 WHERE kind = ?1 AND name = ?2 AND message_id = ?3 AND status = 'succeeded'
                 ORDER BY id DESC LIMIT 1",
                params![kind.as_str(), name, message_id],
                |r| r.get(0),
            )
            .optional()
            .map(|id| id.map(RunId))
            .map_err(|e| self.err(e))
    }

    /// Records a run that did not start because another held the lock.
    pub fn record_skipped_run(
        &self,
        kind: RunKind,
        name: &str,
        trigger: &Trigger,
        reason: &str,
    ) -> Result<RunId, StateError> {
        self.record_event(kind, name, trigger, RunStatus::Skipped, None, Some(reason))
    }

    /// Records an event that is not a run of its own but belongs in the
    /// history: a message dead-lettered, fires missed while the daemon was
    /// down.
    pub fn record_event(
        &self,
        kind: RunKind,
        name: &str,
        trigger: &Trigger,
        status: RunStatus,
        detail: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<RunId, StateError> {
        let conn = self.conn();
        let now = chrono::Utc::now().to_rfc3339();
        conn.execute(
            "INSERT INTO runs (kind, name, trigger, message_id, started_at, finished_at, status, counters, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
            params![
                kind.as_str(),
                name,
                trigger.to_string(),
                trigger.message_id(),
                now,
                status.as_str(),
                detail.map(|d| d.to_string()),
                error
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(RunId(conn.last_insert_rowid()))
    }

    /// The most recent runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StateError> {
        self.select_runs("ORDER BY id DESC LIMIT ?1", limit as i64)
    }

    /// One run by id.
    pub fn run(&self, id: RunId) -> Result<Option<RunRecord>, StateError> {
        Ok(self.select_runs("WHERE id = ?1", id.0)?.pop())
    }

    fn select_runs(&self, tail: &str, arg: i64) -> Result<Vec<RunRecord>, StateError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT id, kind, name, trigger, message_id, started_at, finished_at, status, counters, error FROM runs {tail}"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![arg], |r| {
                Ok(StoredRun {
                    id: RunId(r.get(0)?),
                    kind: r.get(1)?,
                    name: r.get(2)?,
                    trigger: r.get(3)?,
                    message_id: r.get(4)?,
                    started_at: r.get(5)?,
                    finished_at: r.get(6)?,
                    status: r.get(7)?,
                    counters: r.get(8)?,
                    error: r.get(9)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let rows: Vec<StoredRun> = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        rows.into_iter().map(StoredRun::parse).collect()
    }

    /// Totals over the whole run history, for metrics: a scrape reads
    /// them from the database, so runs of every process sharing the state
    /// folder (the daemon, `ponte sync` from a shell) are counted once.
    pub fn run_totals(&self) -> Result<RunTotals, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT kind, status, COUNT(*) FROM runs GROUP BY kind, status ORDER BY kind, status")
            .map_err(|e| self.err(e))?;
        let runs = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?.max(0) as u64)))
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        // Reports are JSON; a row whose report does not parse counts as 0.
        let sum = |kind: RunKind, path: &str| -> Result<u64, StateError> {
            let sql = format!(
                "SELECT COALESCE(SUM(CASE WHEN json_valid(counters) THEN json_extract(counters, '{path}') END), 0) \
                 FROM runs WHERE kind = ?1"
            );
            let total: f64 = conn.query_row(&sql, [kind.as_str()], |r| r.get(0)).map_err(|e| self.err(e))?;
            Ok(total.max(0.0) as u64)
        };
        Ok(RunTotals {
            runs,
            objects_copied: sum(RunKind::Transfer, "$.counters.objectsCopiedToSink")?,
            bytes_copied: sum(RunKind::Transfer, "$.counters.bytesCopiedToSink")?,
            objects_deleted: sum(RunKind::Transfer, "$.counters.objectsDeletedFromSink")?,
            rows_loaded: sum(RunKind::Load, "$.rows")?,
        })
    }
}

/// A row as SQLite holds it, before its kind and status are read.
struct StoredRun {
    id: RunId,
    kind: String,
    name: String,
    trigger: String,
    message_id: Option<String>,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    counters: Option<String>,
    error: Option<String>,
}

impl StoredRun {
    /// A kind or status this version does not know is an error: reading it
    /// as some default (`running`) would show a finished run as going on.
    fn parse(self) -> Result<RunRecord, StateError> {
        let kind = RunKind::parse(&self.kind).ok_or(StateError::UnknownRunKind { run: self.id, kind: self.kind })?;
        let status =
            RunStatus::parse(&self.status).ok_or(StateError::UnknownRunStatus { run: self.id, status: self.status })?;
        Ok(RunRecord {
            id: self.id,
            kind,
            name: self.name,
            trigger: self.trigger,
            message_id: self.message_id,
            started_at: self.started_at,
            finished_at: self.finished_at,
            status,
            // Reports are JSON; one that does not parse is shown as none.
            counters: self.counters.and_then(|c| serde_json::from_str(&c).ok()),
            error: self.error,
        })
    }
}

/// What [`StateDb::run_totals`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Runs by kind and status (`transfer`, `succeeded`, count).
    pub runs: Vec<(String, String, u64)>,
    /// Objects copied to sinks by transfer runs.
    pub objects_copied: u64,
    /// Bytes copied to sinks by transfer runs.
    pub bytes_copied: u64,
    /// Objects deleted from sinks by transfer runs.
    pub objects_deleted: u64,
    /// Rows written by load runs.
    pub rows_loaded: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str) -> Trigger {
        Trigger::Message { id: id.into(), origin: "schedule:s".into() }
    }

    #[test]
    fn a_succeeded_run_is_found_by_its_message_id() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let failed = db.start_run(RunKind::Load, "f", &message("7")).unwrap();
        db.finish_run(failed, RunStatus::Failed, None, Some("boom")).unwrap();
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f", "7").unwrap(), None);
        let ok = db.start_run(RunKind::Load, "f", &message("7")).unwrap();
        db.finish_run(ok, RunStatus::Succeeded, None, None).unwrap();
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f", "7").unwrap(), Some(ok));
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f", "77").unwrap(), None);
        assert_eq!(db.succeeded_run_for_message(RunKind::Transfer, "f", "7").unwrap(), None);
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f%", "7").unwrap(), None);
    }

    /// The trigger text is for people: a later version may word it
    /// differently, and a redelivered message must still be found.
    #[test]
    fn a_run_is_found_by_its_message_id_whatever_its_trigger_text_says() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let ok = db.start_run(RunKind::Load, "f", &message("7")).unwrap();
        db.finish_run(ok, RunStatus::Succeeded, None, None).unwrap();
        db.conn().execute("UPDATE runs SET trigger = 'delivery #7 of schedule s'", []).unwrap();
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f", "7").unwrap(), Some(ok));
        // And text that looks like another message's does not match.
        let other = db.start_run(RunKind::Load, "f", &Trigger::Cli).unwrap();
        db.finish_run(other, RunStatus::Succeeded, None, None).unwrap();
        db.conn().execute("UPDATE runs SET trigger = 'message:8 (x)' WHERE id = ?1", [other.0]).unwrap();
        assert_eq!(db.succeeded_run_for_message(RunKind::Load, "f", "8").unwrap(), None);
    }

    #[test]
    fn an_unknown_status_or_kind_is_an_error_naming_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let run = db.start_run(RunKind::Load, "f", &Trigger::Cli).unwrap();
        db.conn().execute("UPDATE runs SET status = 'paused' WHERE id = ?1", [run.0]).unwrap();
        let err = db.runs(10).unwrap_err();
        assert!(matches!(&err, StateError::UnknownRunStatus { run: r, status } if *r == run && status == "paused"));
        assert_eq!(err.to_string(), format!("run {} has an unknown status `paused`", run.0));
        assert!(matches!(db.run(run), Err(StateError::UnknownRunStatus { .. })));
        db.conn().execute("UPDATE runs SET status = 'running', kind = 'export' WHERE id = ?1", [run.0]).unwrap();
        assert!(matches!(db.runs(10), Err(StateError::UnknownRunKind { kind, .. }) if kind == "export"));
    }

    #[test]
    fn runs_are_recorded_and_stale_ones_marked_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let first = db.start_run(RunKind::Transfer, "j", &Trigger::Cli).unwrap();
        // The process "dies"; the next run of the same job finds its row.
        let second = db.start_run(RunKind::Transfer, "j", &Trigger::Cli).unwrap();
        db.finish_run(second, RunStatus::Succeeded, Some(&serde_json::json!({"objectsCopiedToSink": 3})), None)
            .unwrap();
        db.record_skipped_run(RunKind::Transfer, "j", &message("9"), "another run holds the lock").unwrap();
        let runs = db.runs(10).unwrap();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0].status, RunStatus::Skipped);
        assert_eq!(runs[1].status, RunStatus::Succeeded);
        assert_eq!(runs[1].counters.as_ref().unwrap()["objectsCopiedToSink"], 3);
        assert_eq!(runs[2].status, RunStatus::Interrupted);
        assert_eq!(db.run(first).unwrap().unwrap().status, RunStatus::Interrupted);
    }

    #[test]
    fn totals_sum_the_reports_of_every_run() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.run_totals().unwrap(), RunTotals::default());
        for copied in [3, 4] {
            let run = db.start_run(RunKind::Transfer, "j", &Trigger::Cli).unwrap();
            let report =
                serde_json::json!({"counters": {"objectsCopiedToSink": copied, "bytesCopiedToSink": copied * 100}});
            db.finish_run(run, RunStatus::Succeeded, Some(&report), None).unwrap();
        }
        let load = db.start_run(RunKind::Load, "f", &Trigger::Cli).unwrap();
        db.finish_run(load, RunStatus::Succeeded, Some(&serde_json::json!({"rows": 1000})), None).unwrap();
        let failed = db.start_run(RunKind::Load, "f", &Trigger::Cli).unwrap();
        db.finish_run(failed, RunStatus::Failed, None, Some("boom")).unwrap();
        let totals = db.run_totals().unwrap();
        assert_eq!(
            totals.runs,
            [
                ("load".into(), "failed".into(), 1),
                ("load".into(), "succeeded".into(), 1),
                ("transfer".into(), "succeeded".into(), 2)
            ]
        );
        assert_eq!((totals.objects_copied, totals.bytes_copied, totals.rows_loaded), (7, 700, 1000));
    }
}
