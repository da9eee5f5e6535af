//! A LookML project on disk: its files, parsed, and which files each
//! model's `include:` patterns reach.

use std::path::{Component, Path, PathBuf};

use super::ConvertError;
use crate::parse::{Limits, parse_file};
use crate::tree::Document;

/// Most files one project may have; a folder beyond it is not a LookML
/// project (or is one ponte should not be asked to read whole).
const MAX_FILES: usize = 20_000;

/// What a file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `*.model.lkml`.
    Model,
    /// `*.view.lkml`.
    View,
    /// `*.explore.lkml`.
    Explore,
    /// Any other `*.lkml` (a manifest, a refinements file).
    Other,
    /// `*.dashboard.lookml` (YAML).
    Dashboard,
}

impl FileKind {
    fn of(name: &str) -> Option<Self> {
        Some(if name.ends_with(".model.lkml") {
            FileKind::Model
        } else if name.ends_with(".view.lkml") {
            FileKind::View
        } else if name.ends_with(".explore.lkml") {
            FileKind::Explore
        } else if name.ends_with(".dashboard.lookml") {
            FileKind::Dashboard
        } else if name.ends_with(".lkml") {
            FileKind::Other
        } else {
            return None;
        })
    }
}

/// One file of the project.
#[derive(Debug)]
pub struct SourceFile {
    /// Relative to the project folder, with `/` separators.
    pub path: PathBuf,
    /// What it is.
    pub kind: FileKind,
    /// Parsed LookML (`None` for dashboards, which are YAML).
    pub doc: Option<Document>,
    /// The text of a dashboard file.
    pub yaml: Option<String>,
}

/// Every LookML file under a folder, parsed, in path order.
#[derive(Debug)]
pub struct Project {
    /// The files.
    pub files: Vec<SourceFile>,
}

impl Project {
    /// Reads and parses every `.lkml` and `.lookml` file under `root`
    /// (hidden folders such as `.git` are skipped). A file that does not
    /// parse stops the import: converting a project with a broken file
    /// would silently lose everything in it.
    pub fn read(root: &Path, limits: Limits) -> Result<Self, ConvertError> {
        let mut paths = Vec::new();
        walk(root, root, &mut paths)?;
        paths.sort();
        let mut files = Vec::new();
        for rel in paths {
            let name = rel.to_string_lossy().into_owned();
            let Some(kind) = FileKind::of(&name) else { continue };
            let full = root.join(&rel);
            let (doc, yaml) = if kind == FileKind::Dashboard {
                let text = std::fs::read_to_string(&full)
                    .map_err(|source| ConvertError::Read { path: full.clone(), source })?;
                if text.len() as u64 > limits.max_bytes {
                    return Err(ConvertError::Parse(crate::parse::ParseError::TooLarge {
                        file: rel.clone(),
                        size: text.len() as u64,
                        limit: limits.max_bytes,
                    }));
                }
                (None, Some(text))
            } else {
                let doc = parse_file(&full, limits).map_err(|e| ConvertError::Parse(relative(e, root)))?;
                (Some(doc), None)
            };
            files.push(SourceFile { path: rel, kind, doc, yaml });
        }
        Ok(Project { files })
    }

    /// The files a model's include patterns reach, each once, in path order.
    pub fn included(&self, model: &Path, patterns: &[String]) -> (Vec<&SourceFile>, Vec<String>) {
        let mut out: Vec<&SourceFile> = Vec::new();
        let mut unmatched = Vec::new();
        for pattern in patterns {
            let pattern = normalise(model, pattern);
            let mut any = false;
            for file in &self.files {
                if file.path != model && glob(&pattern, &file.path.to_string_lossy()) {
                    any = true;
                    if !out.iter().any(|f| f.path == file.path) {
                        out.push(file);
                    }
                }
            }
            if !any {
                unmatched.push(pattern);
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        (out, unmatched)
    }
}

/// A path error with the path made relative to the project, for messages.
fn relative(e: crate::parse::ParseError, root: &Path) -> crate::parse::ParseError {
    use crate::parse::ParseError as P;
    let strip = |p: PathBuf| p.strip_prefix(root).map(Path::to_owned).unwrap_or(p);
    match e {
        P::Syntax { file, line, column, expected, found } => {
            P::Syntax { file: strip(file), line, column, expected, found }
        }
        P::TooDeep { file, line, column, limit } => P::TooDeep { file: strip(file), line, column, limit },
        P::TooLarge { file, size, limit } => P::TooLarge { file: strip(file), size, limit },
        P::NotUtf8 { file } => P::NotUtf8 { file: strip(file) },
        P::Read { file, source } => P::Read { file: strip(file), source },
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ConvertError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ConvertError::Read { path: dir.to_owned(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| ConvertError::Read { path: dir.to_owned(), source })?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| ConvertError::Read { path: path.clone(), source })?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            out.push(path.strip_prefix(root).expect("under the root").to_owned());
            if out.len() > MAX_FILES {
                return Err(ConvertError::TooManyFiles { limit: MAX_FILES });
            }
        }
    }
    Ok(())
}

/// An include pattern as a path from the project root: `/views/*.view`
/// is `views/*.view.lkml`; a pattern without a leading `/` is relative to
/// the model's folder; Looker's short suffixes get their extension.
fn normalise(model: &Path, pattern: &str) -> String {
    let mut p = pattern.trim().to_owned();
    for (short, long) in [(".view", ".view.lkml"), (".explore", ".explore.lkml"), (".model", ".model.lkml")] {
        if p.ends_with(short) {
            p.push_str(&long[short.len()..]);
        }
    }
    if p.ends_with(".dashboard") {
        p.push_str(".lookml");
    }
    if !p.ends_with(".lkml") && !p.ends_with(".lookml") && p.ends_with('*') {
        p.push_str(".lkml");
    }
    let joined = match p.strip_prefix('/') {
        Some(abs) => PathBuf::from(abs),
        None => model.parent().unwrap_or(Path::new("")).join(&p),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// `*` matches within one path segment, `**` any number of segments.
fn glob(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments(&pattern, &path)
}

/// Recursion is bounded by the number of segments (a path's depth).
fn segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| segments(rest, &path[skip..])),
        Some((first, rest)) => path.split_first().is_some_and(|(p, tail)| segment(first, p) && segments(rest, tail)),
    }
}

/// One segment against a pattern with `*` wildcards (no `/` inside).
fn segment(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_patterns_match_as_looker_reads_them() {
        let model = Path::new("models/shop.model.lkml");
        assert_eq!(normalise(model, "/views/*.view"), "views/*.view.lkml");
        assert_eq!(normalise(model, "*.explore.lkml"), "models/*.explore.lkml");
        assert_eq!(normalise(model, "../views/orders.view"), "views/orders.view.lkml");
        assert_eq!(normalise(model, "/**/*.dashboard"), "**/*.dashboard.lookml");
        assert!(glob("views/*.view.lkml", "views/orders.view.lkml"));
        assert!(!glob("views/*.view.lkml", "views/sub/orders.view.lkml"));
        assert!(glob("**/*.view.lkml", "views/sub/orders.view.lkml"));
        assert!(glob("**/*.view.lkml", "orders.view.lkml"));
        assert!(glob("views/**/*.view.lkml", "views/a/b/orders.view.lkml"));
        assert!(!glob("views/*.view.lkml", "views/orders.explore.lkml"));
        assert!(glob("views/orders.view.lkml", "views/orders.view.lkml"));
    }
}
