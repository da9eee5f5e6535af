//! Turning byte spans of the model text into `line:column` diagnostics.

use std::ops::Range;
use std::path::Path;

use ponte_config::{Diagnostic, Position};

/// The text of a model file plus its name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl SourceText<'_> {
    /// The 1-based position of a byte offset (clamped to the text; columns
    /// count characters, as `ponte-config` does).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }

    pub fn diagnostic(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.path.to_path_buf(),
            position: span.map(|s| self.position(s.start)),
            message: message.into(),
        }
    }
}
