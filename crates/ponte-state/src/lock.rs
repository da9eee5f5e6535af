//! One run per job at a time, across processes.

use std::fs::{File, OpenOptions, TryLockError};

use crate::db::{StateDb, StateError};

/// Held while a job runs; released on drop or when the process dies.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl StateDb {
    /// Takes the lock of `kind`/`name`, or returns `None` when another run
    /// (in this process or another) holds it.
    pub fn try_lock_run(&self, kind: &str, name: &str) -> Result<Option<RunLock>, StateError> {
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
        let held = db.try_lock_run("transfer", "job a").unwrap().expect("free");
        assert!(db.try_lock_run("transfer", "job a").unwrap().is_none());
        assert!(db.try_lock_run("transfer", "job b").unwrap().is_some());
        drop(held);
        assert!(db.try_lock_run("transfer", "job a").unwrap().is_some());
    }
}
