//! The run history: one row per sync, load or function run.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::db::{StateDb, StateError};

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

    fn parse(s: &str) -> Self {
        match s {
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            "interrupted" => Self::Interrupted,
            "dead_lettered" => Self::DeadLettered,
            _ => Self::Running,
        }
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
    /// `transfer`, `load`, …
    pub kind: String,
    /// The job's name.
    pub name: String,
    /// What started it: `cli`, `schedule:<name>`, …
    pub trigger: String,
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
    pub fn start_run(&self, kind: &str, name: &str, trigger: &str) -> Result<RunId, StateError> {
        let conn = self.conn();
        let now = chrono::Utc::now().to_rfc3339();
        conn.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ?3
             WHERE kind = ?1 AND name = ?2 AND status = 'running'",
            params![kind, name, now],
        )
        .map_err(|e| self.err(e))?;
        conn.execute(
            "INSERT INTO runs (kind, name, trigger, started_at, status) VALUES (?1, ?2, ?3, ?4, 'running')",
            params![kind, name, trigger, now],
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

    /// The run of `kind`/`name` whose trigger starts with `trigger_prefix`
    /// and that succeeded, if one did. The daemon asks before running a
    /// redelivered message: a process killed after the run's success was
    /// recorded but before the message was acknowledged must not run it to
    /// success twice.
    pub fn succeeded_run(&self, kind: &str, name: &str, trigger_prefix: &str) -> Result<Option<RunId>, StateError> {
        self.conn()
            .query_row(
                "SELECT id FROM runs
                 WHERE kind = ?1 AND name = ?2 AND status = 'succeeded' AND substr(trigger, 1, length(?3)) = ?3
                 ORDER BY id DESC LIMIT 1",
                params![kind, name, trigger_prefix],
                |r| r.get(0),
            )
            .optional()
            .map(|id| id.map(RunId))
            .map_err(|e| self.err(e))
    }

    /// Records a run that did not start because another held the lock.
    pub fn record_skipped_run(&self, kind: &str, name: &str, trigger: &str, reason: &str) -> Result<RunId, StateError> {
        let conn = self.conn();
        let now = chrono::Utc::now().to_rfc3339();
        conn.execute(
            "INSERT INTO runs (kind, name, trigger, started_at, finished_at, status, error)
             VALUES (?1, ?2, ?3, ?4, ?4, 'skipped', ?5)",
            params![kind, name, trigger, now, reason],
        )
        .map_err(|e| self.err(e))?;
        Ok(RunId(conn.last_insert_rowid()))
    }

    /// Records an event that is not a run of its own but belongs in the
    /// history: a message dead-lettered, fires missed while the daemon was
    /// down.
    pub fn record_event(
        &self,
        kind: &str,
        name: &str,
        trigger: &str,
        status: RunStatus,
        detail: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<RunId, StateError> {
        let conn = self.conn();
        let now = chrono::Utc::now().to_rfc3339();
        conn.execute(
            "INSERT INTO runs (kind, name, trigger, started_at, finished_at, status, counters, error)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
            params![kind, name, trigger, now, status.as_str(), detail.map(|d| d.to_string()), error],
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
            "SELECT id, kind, name, trigger, started_at, finished_at, status, counters, error FROM runs {tail}"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![arg], |r| {
                Ok(RunRecord {
                    id: RunId(r.get(0)?),
                    kind: r.get(1)?,
                    name: r.get(2)?,
                    trigger: r.get(3)?,
                    started_at: r.get(4)?,
                    finished_at: r.get(5)?,
                    status: RunStatus::parse(&r.get::<_, String>(6)?),
                    counters: r.get::<_, Option<String>>(7)?.and_then(|c| serde_json::from_str(&c).ok()),
                    error: r.get(8)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
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
        let sum = |kind: &str, path: &str| -> Result<u64, StateError> {
            let sql = format!(
                "SELECT COALESCE(SUM(CASE WHEN json_valid(counters) THEN json_extract(counters, '{path}') END), 0) \
                 FROM runs WHERE kind = ?1"
            );
            let total: f64 = conn.query_row(&sql, [kind], |r| r.get(0)).map_err(|e| self.err(e))?;
            Ok(total.max(0.0) as u64)
        };
        Ok(RunTotals {
            runs,
            objects_copied: sum("transfer", "$.counters.objectsCopiedToSink")?,
            bytes_copied: sum("transfer", "$.counters.bytesCopiedToSink")?,
            objects_deleted: sum("transfer", "$.counters.objectsDeletedFromSink")?,
            rows_loaded: sum("load", "$.rows")?,
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

    #[test]
    fn a_succeeded_run_is_found_by_its_triggers_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let failed = db.start_run("load", "f", "message:7 (schedule s)").unwrap();
        db.finish_run(failed, RunStatus::Failed, None, Some("boom")).unwrap();
        assert_eq!(db.succeeded_run("load", "f", "message:7 (").unwrap(), None);
        let ok = db.start_run("load", "f", "message:7 (schedule s)").unwrap();
        db.finish_run(ok, RunStatus::Succeeded, None, None).unwrap();
        assert_eq!(db.succeeded_run("load", "f", "message:7 (").unwrap(), Some(ok));
        assert_eq!(db.succeeded_run("load", "f", "message:77 (").unwrap(), None, "a prefix, not a pattern");
        assert_eq!(db.succeeded_run("transfer", "f", "message:7 (").unwrap(), None);
        assert_eq!(db.succeeded_run("load", "f%", "message:7 (").unwrap(), None);
    }

    #[test]
    fn runs_are_recorded_and_stale_ones_marked_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let first = db.start_run("transfer", "j", "cli").unwrap();
        // The process "dies"; the next run of the same job finds its row.
        let second = db.start_run("transfer", "j", "cli").unwrap();
        db.finish_run(second, RunStatus::Succeeded, Some(&serde_json::json!({"objectsCopiedToSink": 3})), None)
            .unwrap();
        db.record_skipped_run("transfer", "j", "schedule:x", "another run holds the lock").unwrap();
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
            let run = db.start_run("transfer", "j", "cli").unwrap();
            let report =
                serde_json::json!({"counters": {"objectsCopiedToSink": copied, "bytesCopiedToSink": copied * 100}});
            db.finish_run(run, RunStatus::Succeeded, Some(&report), None).unwrap();
        }
        let load = db.start_run("load", "f", "cli").unwrap();
        db.finish_run(load, RunStatus::Succeeded, Some(&serde_json::json!({"rows": 1000})), None).unwrap();
        let failed = db.start_run("load", "f", "cli").unwrap();
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
