//! Which keys a job covers: STS's include and exclude prefixes.
//!
//! STS prefixes are plain string prefixes of the key below the root, not
//! path segments: `dados` covers `dados_infomerc/x`. object_store lists by
//! path segment, so we list the folder each prefix ends in and filter by the
//! string prefix. The same scope applies to both sides: a sink object outside
//! it is never looked at, so never deleted.

/// The keys a transfer covers, relative to its source (or sink) path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Keys must start with one of these (all keys when empty).
    pub include: Vec<String>,
    /// Keys must not start with any of these.
    pub exclude: Vec<String>,
}

impl Scope {
    /// Whether a key (relative to the root) is in scope.
    pub fn contains(&self, key: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| key.starts_with(p.as_str())))
            && !self.exclude.iter().any(|p| key.starts_with(p.as_str()))
    }

    /// The folders (relative to the root, `""` for the root itself) whose
    /// recursive listings together cover every key in scope, none inside
    /// another.
    pub fn folders_to_list(&self) -> Vec<String> {
        if self.include.is_empty() {
            return vec![String::new()];
        }
        let mut folders: Vec<String> =
            self.include.iter().map(|p| p.rsplit_once('/').map_or(String::new(), |(dir, _)| dir.to_owned())).collect();
        folders.sort();
        folders.dedup();
        let mut out: Vec<String> = Vec::new();
        for f in folders {
            let covered = out.iter().any(|o| o.is_empty() || f == *o || f.starts_with(&format!("{o}/")));
            if !covered {
                out.push(f);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(include: &[&str], exclude: &[&str]) -> Scope {
        Scope {
            include: include.iter().map(|s| (*s).to_owned()).collect(),
            exclude: exclude.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn prefixes_are_strings_not_segments() {
        let s = scope(&["dados"], &["dados_old/"]);
        assert!(s.contains("dados_infomerc/2024-01-01.parquet"));
        assert!(s.contains("dados/x"));
        assert!(!s.contains("dados_old/x"));
        assert!(!s.contains("objeto/x"));
        assert!(scope(&[], &[]).contains("anything"));
    }

    #[test]
    fn lists_the_folders_prefixes_end_in() {
        assert_eq!(scope(&["a/b/c", "a/b/", "x"], &[]).folders_to_list(), vec![""]);
        assert_eq!(scope(&["a/b/c", "a/d/", "a/b/e/f"], &[]).folders_to_list(), vec!["a/b", "a/d"]);
        assert_eq!(scope(&["dados_infomerc/"], &[]).folders_to_list(), vec!["dados_infomerc"]);
    }
}
