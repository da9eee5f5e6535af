//! The run history: one row per sync, load or function run.

use rusqlite::params;
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
