//! Helpers shared by the fuzz targets: the fixed inputs they check against
//! and the properties that more than one target asserts.

use std::collections::BTreeSet;
use std::path::Path;

use ponte_config::Diagnostic;

pub mod embed;
pub mod sql;

/// Asserts that every diagnostic about `file` points into `text`: a line
/// and column inside it (the line after the last one counts, for "the file
/// ended too soon"). Diagnostics about other files (a schema file the
/// config names) are not checked here.
pub fn assert_located(diagnostics: &[Diagnostic], file: &Path, text: &str) {
    assert!(!diagnostics.is_empty(), "an invalid file comes with at least one diagnostic");
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diagnostics.iter().filter(|d| d.file == file) {
        let p = d.position.unwrap_or_else(|| panic!("diagnostic without a position: {d}"));
        assert!(p.line >= 1 && p.line <= lines.len(), "line out of the text: {d}");
        let line_chars = lines[p.line - 1].chars().count();
        assert!(p.column >= 1 && p.column <= line_chars + 1, "column out of line {}: {d}", p.line);
        assert!(!d.message.trim().is_empty(), "a diagnostic says what is wrong: {d:?}");
    }
}

/// Input bytes as text, or `None` when they are not UTF-8 (every entry
/// point fuzzed here takes `&str`).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Splits off the first line: `(first, rest)`.
pub fn first_line(text: &str) -> (&str, &str) {
    text.split_once('\n').unwrap_or((text, ""))
}

/// Names made unique, for sets of expected tokens.
pub fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}
