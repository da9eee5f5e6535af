//! Problems found in a config, each tied to a place in a file.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem, located: `file:line:column: message`.
///
/// Validation collects every problem it finds rather than stopping at the
/// first, so a user fixes a broken config in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file at fault (the config itself, or a file it points to).
    pub file: PathBuf,
    /// 1-based line and column, when the place is known.
    pub position: Option<Position>,
    /// What is wrong, and what was expected.
    pub message: String,
}

/// A 1-based line and column in a text file (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file.display(), p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// The text of a file plus its name, to turn byte spans into positions;
/// shared by every file format ponte reports problems in.
#[derive(Debug, Clone, Copy)]
pub struct SourceText<'a> {
    /// The file.
    pub path: &'a Path,
    /// Its text.
    pub text: &'a str,
}

impl SourceText<'_> {
    /// The 1-based position of a byte offset (clamped to the text; columns
    /// count characters).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }

    /// A diagnostic at the start of `span` (or for the whole file).
    pub fn diagnostic(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.path.to_path_buf(),
            position: span.map(|s| self.position(s.start)),
            message: message.into(),
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let src = SourceText { path: Path::new("x.toml"), text: "a = 1\nção = 2\n" };
        assert_eq!(src.position(0), Position { line: 1, column: 1 });
        assert_eq!(src.position(6), Position { line: 2, column: 1 });
        // "ção" is 5 bytes, 3 characters: " = 2" starts at column 4.
        assert_eq!(src.position(11), Position { line: 2, column: 4 });
        assert_eq!(src.position(999), Position { line: 3, column: 1 });
    }
}
