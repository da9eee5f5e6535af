//! Text → [`Document`](crate::tree::Document), with bounds on what one file
//! may cost.

mod error;
mod grammar;

use std::path::Path;

pub use error::{Expected, ParseError};
pub use grammar::SQL_KEYS;

use crate::tree::Document;
use grammar::{Cx, Fail};

/// What one file may cost. The defaults are far above any real project's
/// files (Looker's own editor refuses files of a few megabytes) and far
/// below what would exhaust memory or the stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_bytes: u64,
    /// Deepest nesting of blocks (`explore { join { … } }` is 2).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 8 * 1024 * 1024, max_depth: 64 }
    }
}

/// Parses LookML text; `file` names it in errors.
///
/// ```
/// use ponte_lookml::parse::{parse_str, Limits};
/// let doc = parse_str("view: orders {\n  dimension: id { primary_key: yes }\n}\n", "orders.view.lkml".as_ref(), Limits::default()).unwrap();
/// let view = doc.pairs[0].value.block().unwrap();
/// assert_eq!(view.name_text(), "orders");
/// assert_eq!(view.pairs[0].pos.line, 2);
/// ```
pub fn parse_str(text: &str, file: &Path, limits: Limits) -> Result<Document, ParseError> {
    if text.len() as u64 > limits.max_bytes {
        return Err(ParseError::TooLarge { file: file.to_owned(), size: text.len() as u64, limit: limits.max_bytes });
    }
    let cx = Cx::new(text, limits.max_depth);
    grammar::document(&cx).map_err(|fail| match fail {
        Fail::TooDeep { offset } => {
            let pos = cx.pos_at(offset);
            ParseError::TooDeep { file: file.to_owned(), line: pos.line, column: pos.column, limit: limits.max_depth }
        }
        Fail::Syntax { offset, expected } => {
            let pos = cx.pos_at(offset);
            ParseError::Syntax {
                file: file.to_owned(),
                line: pos.line,
                column: pos.column,
                expected,
                found: excerpt(&text[offset..]),
            }
        }
    })
}

/// Reads and parses a file, refusing it before reading when it is too big.
pub fn parse_file(path: &Path, limits: Limits) -> Result<Document, ParseError> {
    let read = |source| ParseError::Read { file: path.to_owned(), source };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > limits.max_bytes {
        return Err(ParseError::TooLarge { file: path.to_owned(), size, limit: limits.max_bytes });
    }
    let bytes = std::fs::read(path).map_err(read)?;
    let text = String::from_utf8(bytes).map_err(|_| ParseError::NotUtf8 { file: path.to_owned() })?;
    parse_str(&text, path, limits)
}

/// What the parser found where it stopped, for the message: the rest of the
/// line, shortened.
fn excerpt(rest: &str) -> String {
    let line = rest.lines().next().unwrap_or("");
    if line.is_empty() {
        return if rest.is_empty() { "the end of the file".into() } else { "the end of the line".into() };
    }
    let short: String = line.chars().take(30).collect();
    if short.len() < line.len() { format!("`{short}…`") } else { format!("`{short}`") }
}

#[cfg(test)]
mod tests;
