//! One run per job at a time, across processes.

use std::fs::{File, OpenOptions, TryLockError};

use crate::db::{StateDb, StateError};
use crate::job::RunKind;

/// Held while a job runs; released on drop or when the process dies.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl StateDb {
    /// Takes the lock of `kind`/`name`, or returns `None` when another run
    /// (in this process or another) holds it.
    pub fn try_lock_run(&self, kind: RunKind, name: &str) -> Result<Option<RunLock>, StateError> {
        self.try_lock(kind.as_str(), name)
    }

    /// Takes the lock that says a daemon runs on this state folder, or
    /// returns `None` when one does.
    pub fn try_lock_daemon(&self) -> Result<Option<RunLock>, StateError> {
        self.try_lock("daemon", "daemon")
    }

    /// Lock files are `locks/<kind>-<name>.lock`; the names are fixed
    /// because processes of different versions may share a state folder.
    fn try_lock(&self, kind: &str, name: &str) -> Result<Option<RunLock>, StateError> {
        let dir = self.dir.join("locks");
        std::fs::create_dir_all(&dir).map_err(|source| StateError::Folder { path: dir.clone(), source })?;
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        let path = dir.join(format!("{kind}-{safe}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StateError::Lock { path: path.clone(), source })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(RunLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(StateError::Lock { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_turns_the_second_run_away_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let held = db.try_lock_run(RunKind::Transfer, "job a").unwrap().expect("free");
        assert!(db.try_lock_run(RunKind::Transfer, "job a").unwrap().is_none());
        assert!(db.try_lock_run(RunKind::Transfer, "job b").unwrap().is_some());
        assert!(db.try_lock_run(RunKind::Load, "job a").unwrap().is_some(), "kinds have locks of their own");
        drop(held);
        assert!(db.try_lock_run(RunKind::Transfer, "job a").unwrap().is_some());
        let daemon = db.try_lock_daemon().unwrap().expect("free");
        assert!(db.try_lock_daemon().unwrap().is_none());
        drop(daemon);
    }
}
