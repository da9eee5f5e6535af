//! Leftovers of interrupted writes to local folders.
//!
//! object_store's local backend writes `key#N` and renames it to `key` when
//! done, so no reader sees half an object, and its listings skip `#N` files.
//! A process killed mid-write leaves its `#N` file behind, though, where
//! other programs reading the folder would see it. The next writer of that
//! part of the folder removes them.

use std::path::Path;

/// Removes `*#<digits>` staging files below `dir` (recursively); returns
/// how many. The caller must hold the lock of every job that writes there.
pub fn remove_staging_files(dir: &Path) -> std::io::Result<u64> {
    let mut removed = 0;
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            removed += remove_staging_files(&entry.path())?;
        } else if kind.is_file() && is_staging(&entry.file_name().to_string_lossy()) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn is_staging(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(base, n)| !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_staging_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        for f in ["a/x.parquet#1", "a/b/y.parquet#23", "a/x.parquet", "a/#1", "a/tag#v2", "a/z#"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        assert_eq!(remove_staging_files(dir.path()).unwrap(), 2);
        assert!(dir.path().join("a/x.parquet").exists());
        assert!(!dir.path().join("a/b/y.parquet#23").exists());
        assert!(dir.path().join("a/#1").exists() && dir.path().join("a/tag#v2").exists());
        assert_eq!(remove_staging_files(&dir.path().join("missing")).unwrap(), 0);
    }
}
