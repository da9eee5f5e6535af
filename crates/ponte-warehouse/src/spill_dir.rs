//! Spill folders of clustered writes: one per write, locked while it runs,
//! swept by the next write once its owner is gone.
//!
//! DataFusion removes its spill files when a sort ends, but a process that
//! is killed mid-sort (SIGKILL, the OOM killer, a power cut) leaves them
//! behind, and they can be as large as the table. Each write therefore
//! spills into `<root>/<id>/` while it holds an exclusive lock on
//! `<root>/<id>.lock`; the operating system drops the lock when the process
//! dies, however it dies. Before it starts, a write removes every folder
//! under the root whose lock it can take: their owners are gone. Folders of
//! writes still running (in this process or another) stay.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A write's own spill folder, locked; removed with its lock when dropped.
#[derive(Debug)]
pub(crate) struct SpillDir {
    path: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

impl SpillDir {
    /// Sweeps folders of writes that are gone under `root`, then makes and
    /// locks a new folder there.
    pub(crate) fn create(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        sweep(root);
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let id = format!(
            "{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros()
        );
        let lock_path = root.join(format!("{id}.lock"));
        // The lock comes first: a sweeper that sees the folder finds it locked.
        let lock = open_lock(&lock_path)?;
        lock.try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => std::io::Error::other(format!("{} is locked", lock_path.display())),
            TryLockError::Error(e) => e,
        })?;
        let path = root.join(&id);
        std::fs::create_dir(&path)?;
        Ok(Self { path, lock_path, _lock: lock })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

fn open_lock(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

/// Removes every folder under `root` whose lock is free, and locks whose
/// folder is gone. Best effort: what cannot be removed now is tried again
/// by the next write.
fn sweep(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let (folder, lock_path) = match name.strip_suffix(".lock") {
            Some(id) if !is_dir => (root.join(id), path.clone()),
            _ if is_dir => (path.clone(), root.join(format!("{name}.lock"))),
            _ => continue,
        };
        let Ok(lock) = open_lock(&lock_path) else { continue };
        if lock.try_lock().is_err() {
            continue; // Its write is running.
        }
        match std::fs::remove_dir_all(&folder) {
            Ok(()) => tracing::info!(folder = %folder.display(), "removed the spill files of an interrupted write"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(folder = %folder.display(), error = %e, "cannot remove an interrupted write's spill files");
                continue;
            }
        }
        let _ = std::fs::remove_file(&lock_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_sweeps_folders_of_writes_that_are_gone_and_keeps_running_ones() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        // A killed write of an earlier version: DataFusion's folder, no lock.
        std::fs::create_dir_all(root.join("datafusion-abc")).unwrap();
        std::fs::write(root.join("datafusion-abc/run-1.arrow"), b"spilled").unwrap();
        // A killed write of this version: folder and lock file, lock free.
        std::fs::create_dir_all(root.join("1-0-1")).unwrap();
        std::fs::write(root.join("1-0-1/run.arrow"), b"spilled").unwrap();
        std::fs::write(root.join("1-0-1.lock"), b"").unwrap();
        // A lock file left without its folder.
        std::fs::write(root.join("2-0-2.lock"), b"").unwrap();
        // A write still running: its lock is held.
        let running = SpillDir::create(root).unwrap();
        std::fs::write(running.path().join("run.arrow"), b"spilling").unwrap();

        let second = SpillDir::create(root).unwrap();
        let mut left: Vec<String> =
            std::fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let own = |d: &SpillDir| d.path().file_name().unwrap().to_str().unwrap().to_owned();
        let mut expected =
            vec![own(&running), format!("{}.lock", own(&running)), own(&second), format!("{}.lock", own(&second))];
        expected.sort();
        assert_eq!(left, expected, "only the running writes' folders and locks are left");
        assert!(running.path().join("run.arrow").exists(), "a running write's files are kept");

        drop(running);
        drop(second);
        assert_eq!(std::fs::read_dir(root).unwrap().count(), 0, "a finished write leaves nothing");
    }
}
