//! Putting converted model files in place so that a failure leaves
//! nothing half-written.
//!
//! Every file is first written into a fresh folder beside the output
//! folder (same filesystem, so renames are atomic). When the output folder
//! does not exist, the staging folder is renamed into it in one step; when
//! it does (an existing `models/` folder), each file is renamed over its
//! namesake, so each file is either the old one or the complete new one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why the files could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct WriteError {
    /// The path being written.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// Writes `files` (name, text) into `out`; returns their paths.
pub fn write_atomically(out: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, WriteError> {
    let err = |path: &Path| {
        let path = path.to_owned();
        move |source| WriteError { path, source }
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(err(&parent))?;
    let stage = tempfile::Builder::new().prefix(".ponte-import-").tempdir_in(&parent).map_err(err(&parent))?;
    for (name, text) in files {
        let path = stage.path().join(name);
        let mut file = std::fs::File::create(&path).map_err(err(&path))?;
        file.write_all(text.as_bytes()).map_err(err(&path))?;
        file.sync_all().map_err(err(&path))?;
    }
    let written = files.iter().map(|(name, _)| out.join(name)).collect();
    if !out.exists() {
        let staged = stage.keep();
        std::fs::rename(&staged, out).map_err(err(out))?;
        return Ok(written);
    }
    for (name, _) in files {
        let target = out.join(name);
        std::fs::rename(stage.path().join(name), &target).map_err(err(&target))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_folder_appears_whole_and_an_existing_one_keeps_its_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("models");
        let files = vec![("a.toml".to_owned(), "x = 1\n".to_owned()), ("b.toml".to_owned(), "y = 2\n".to_owned())];
        write_atomically(&out, &files).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("b.toml")).unwrap(), "y = 2\n");
        std::fs::write(out.join("keep.toml"), "k").unwrap();
        write_atomically(&out, &[("a.toml".to_owned(), "x = 3\n".to_owned())]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.toml")).unwrap(), "x = 3\n");
        assert_eq!(std::fs::read_to_string(out.join("keep.toml")).unwrap(), "k");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["models"], "no staging folder is left behind");
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("models");
        let files = vec![("a.toml".to_owned(), "x".to_owned()), ("no/such/dir.toml".to_owned(), "y".to_owned())];
        write_atomically(&out, &files).unwrap_err();
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the staging folder is removed");
    }
}
