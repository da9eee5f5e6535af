//! Opening the database and keeping its schema current.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use crate::runs::RunId;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state folder could not be created.
    #[error("cannot create state folder {}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("state database {}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A lock file could not be opened.
    #[error("cannot open lock file {}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A history row has a status this version does not know (written by
    /// a newer ponte, or by hand).
    #[error("run {} has an unknown status `{status}`", run.0)]
    UnknownRunStatus {
        /// The row.
        run: RunId,
        /// The status as stored.
        status: String,
    },
    /// A history row has a kind this version does not know.
    #[error("run {} has an unknown kind `{kind}`", run.0)]
    UnknownRunKind {
        /// The row.
        run: RunId,
        /// The kind as stored.
        kind: String,
    },
}

/// Schema changes, applied in order; `PRAGMA user_version` counts them.
pub(crate) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        trigger TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        counters TEXT,
        error TEXT
    );
    CREATE INDEX runs_by_name ON runs (kind, name, id);
    CREATE TABLE transfer_fingerprints (
        job TEXT NOT NULL,
        key TEXT NOT NULL,
        source_etag TEXT,
        source_size INTEGER NOT NULL,
        source_mtime_us INTEGER NOT NULL,
        sink_etag TEXT,
        sink_size INTEGER NOT NULL,
        md5 TEXT NOT NULL,
        crc32c INTEGER NOT NULL,
        copied_at TEXT NOT NULL,
        PRIMARY KEY (job, key)
    ) WITHOUT ROWID;",
    // Facts about this state folder, such as the id that keeps its
    // warehouse job ids apart from another installation's.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
    // The durable queue: messages, one delivery per subscriber, and the
    // last fire of every schedule (so a fire is published exactly once).
    "CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        data BLOB NOT NULL,
        attributes TEXT NOT NULL,
        publish_time TEXT NOT NULL,
        origin TEXT NOT NULL,
        external_id TEXT UNIQUE
    );
    CREATE TABLE deliveries (
        message_id INTEGER NOT NULL REFERENCES messages (id),
        subscriber TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        next_attempt_ms INTEGER NOT NULL,
        leased_at_ms INTEGER,
        last_error TEXT,
        PRIMARY KEY (message_id, subscriber)
    );
    CREATE INDEX deliveries_due ON deliveries (state, next_attempt_ms);
    CREATE TABLE schedule_fires (key TEXT PRIMARY KEY, last_fire_ms INTEGER NOT NULL) WITHOUT ROWID;",
    // Queries API clients saved (`POST /api/4.0/queries`), one row per
    // distinct body, so the same body always gets the same id.
    "CREATE TABLE saved_queries (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL UNIQUE);",
    // Security state that must outlive the process: spent embed nonces and
    // URLs, the URLs ponte signed and for whom, embed sessions (by the
    // SHA-256 of their cookie), logged-out API tokens. Saved queries gain an
    // owner and random ids; the ones saved before had neither, could be read
    // by any client, and are dropped (clients save a query again freely).
    "CREATE TABLE used_embed_urls (digest BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX used_embed_urls_expiry ON used_embed_urls (expires_at);
    CREATE TABLE used_embed_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX used_embed_nonces_expiry ON used_embed_nonces (expires_at);
    CREATE TABLE signed_embed_nonces (
        nonce TEXT PRIMARY KEY,
        signer TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX signed_embed_nonces_expiry ON signed_embed_nonces (expires_at);
    CREATE TABLE embed_sessions (
        id_digest BLOB PRIMARY KEY,
        signer TEXT NOT NULL,
        external_user_id TEXT NOT NULL,
        permissions TEXT NOT NULL,
        models TEXT NOT NULL,
        user_attributes TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX embed_sessions_by_user ON embed_sessions (signer, external_user_id);
    CREATE INDEX embed_sessions_expiry ON embed_sessions (expires_at);
    CREATE TABLE revoked_tokens (mac BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
    DROP TABLE saved_queries;
    CREATE TABLE saved_queries (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (owner, body)
    ) WITHOUT ROWID;",
    // Cookieless embedding: sessions named by the SHA-256 of their
    // reference token, bound to the browser's user agent, and the
    // short-lived tokens (authentication, navigation, API) that reach them.
    "CREATE TABLE cookieless_sessions (
        reference_digest BLOB PRIMARY KEY,
        signer TEXT NOT NULL,
        external_user_id TEXT NOT NULL,
        permissions TEXT NOT NULL,
        models TEXT NOT NULL,
        user_attributes TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX cookieless_sessions_by_user ON cookieless_sessions (signer, external_user_id);
    CREATE INDEX cookieless_sessions_expiry ON cookieless_sessions (expires_at);
    CREATE TABLE cookieless_tokens (
        digest BLOB PRIMARY KEY,
        reference_digest BLOB NOT NULL,
        kind TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX cookieless_tokens_by_session ON cookieless_tokens (reference_digest);
    CREATE INDEX cookieless_tokens_expiry ON cookieless_tokens (expires_at);",
    // Runs name the queued message they were for in a column of their own,
    // so a redelivery is recognised by id, not by the trigger's wording.
    // Earlier rows said it only in the trigger text (`message:<id> (<origin>)`
    // for a run, `message:<id>` for a dead-letter event): it is read from
    // there once, here.
    "ALTER TABLE runs ADD COLUMN message_id TEXT;
    UPDATE runs SET message_id = CASE
            WHEN instr(trigger, ' (') > 0 THEN substr(trigger, 9, instr(trigger, ' (') - 9)
            ELSE substr(trigger, 9)
        END
        WHERE substr(trigger, 1, 8) = 'message:';
    CREATE INDEX runs_by_message ON runs (kind, name, message_id) WHERE message_id IS NOT NULL;",
    // What the source's listing said of an object when it was copied, so
    // the next plan compares a listing with a listing (a GET's ETag and
    // Last-Modified need not match what the same server lists). Rows
    // written before have NULLs here and keep being compared as they were.
    "ALTER TABLE transfer_fingerprints ADD COLUMN listed_size INTEGER;
    ALTER TABLE transfer_fingerprints ADD COLUMN listed_mtime_us INTEGER;
    ALTER TABLE transfer_fingerprints ADD COLUMN listed_etag TEXT;",
];

/// The state database. Cheap to share behind an `Arc`; calls are short and
/// serialised on one connection.
#[derive(Debug)]
pub struct StateDb {
    pub(crate) path: PathBuf,
    pub(crate) dir: PathBuf,
    conn: Mutex<Connection>,
}

impl StateDb {
    /// Opens (creating when needed) `<state_dir>/ponte.db`.
    pub fn open(state_dir: &Path) -> Result<Self, StateError> {
        std::fs::create_dir_all(state_dir)
            .map_err(|source| StateError::Folder { path: state_dir.to_owned(), source })?;
        let path = state_dir.join("ponte.db");
        // Opening is serialised across processes: switching a new database to
        // WAL and migrating it take locks SQLite does not always wait for
        // (a second process opening it meanwhile got "database is locked"
        // at once). The kernel releases this lock if the holder dies.
        let init_path = state_dir.join("ponte.db.open-lock");
        let init = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&init_path)
            .map_err(|source| StateError::Lock { path: init_path.clone(), source })?;
        init.lock().map_err(|source| StateError::Lock { path: init_path.clone(), source })?;
        let err = |source| StateError::Sqlite { path: path.clone(), source };
        let conn = Connection::open(&path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        let db = Self { path: path.clone(), dir: state_dir.to_owned(), conn: Mutex::new(conn) };
        db.migrate()?;
        drop(init);
        Ok(db)
    }

    fn migrate(&self) -> Result<(), StateError> {
        let mut conn = self.conn();
        let err = |source| StateError::Sqlite { path: self.path.clone(), source };
        // Several processes may open a new state folder at once (`ponte
        // trigger` twice, a daemon and a CLI command): each step reads the
        // version under the write lock, so exactly one of them applies it.
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
            if version > i as i64 {
                continue;
            }
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(())
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A transaction that takes the write lock at BEGIN. A deferred one
    /// that reads first and then writes cannot wait for another process's
    /// write (SQLite answers SQLITE_BUSY at once to avoid a deadlock); this
    /// one waits for the lock like every single statement does.
    pub(crate) fn write_transaction<'c>(
        &self,
        conn: &'c mut Connection,
    ) -> Result<rusqlite::Transaction<'c>, StateError> {
        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> StateError {
        StateError::Sqlite { path: self.path.clone(), source }
    }

    /// A random id made when this state folder was created, the same ever
    /// after: names built from run ids (BigQuery job ids) stay unique across
    /// installations that share a project.
    pub fn instance_id(&self) -> Result<String, StateError> {
        use std::hash::{BuildHasher, Hasher};
        let conn = self.conn();
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'instance_id'", [], |r| r.get(0))
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
            .map_err(|e| self.err(e))?;
        if let Some(id) = found {
            return Ok(id);
        }
        // RandomState is seeded from the OS's random source.
        let random = || {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
            );
            h.finish()
        };
        let id = format!("{:016x}{:08x}", random(), random() as u32);
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?1)", [&id])
            .map_err(|e| self.err(e))?;
        conn.query_row("SELECT value FROM meta WHERE key = 'instance_id'", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The state folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_state_folder_opened_by_many_at_once_is_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let opened: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || StateDb::open(&dir).map(|_| ()))
            })
            .collect();
        for t in opened {
            t.join().unwrap().unwrap();
        }
        let db = StateDb::open(dir.path()).unwrap();
        let version: i64 = db.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    /// A state folder written before runs had a `message_id` column: its
    /// message runs keep being found by id after the upgrade.
    #[test]
    fn an_old_state_folder_gets_the_message_ids_of_its_runs_from_their_triggers() {
        let dir = tempfile::tempdir().unwrap();
        let before = MIGRATIONS.iter().position(|m| m.contains("ADD COLUMN message_id")).unwrap();
        {
            let conn = Connection::open(dir.path().join("ponte.db")).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64).unwrap();
            for trigger in ["message:12 (schedule:daily)", "message:7", "cli", "misfire", "message:3 (a (b))"] {
                conn.execute(
                    "INSERT INTO runs (kind, name, trigger, started_at, status) VALUES ('load', 'f', ?1, 'now', 'succeeded')",
                    [trigger],
                )
                .unwrap();
            }
        }
        let db = StateDb::open(dir.path()).unwrap();
        let ids: Vec<Option<String>> = db.runs(10).unwrap().into_iter().rev().map(|r| r.message_id).collect();
        assert_eq!(ids, [Some("12".into()), Some("7".into()), None, None, Some("3".into())]);
        let found = db.succeeded_run_for_message(crate::RunKind::Load, "f", "12").unwrap();
        assert_eq!(found, Some(RunId(1)));
    }
}
