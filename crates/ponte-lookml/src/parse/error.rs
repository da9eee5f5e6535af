//! Why a LookML file was refused, with the place.

use std::fmt;
use std::path::PathBuf;

/// What the parser was looking for when the text stopped making sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A key (`dimension:`) or the end of the block.
    KeyOrBlockEnd,
    /// A key or the end of the file (a `}` without its `{`).
    KeyOrEnd,
    /// The `:` after a key.
    Colon,
    /// A value after `key:`: a word, a quoted string, `[` or `{`.
    Value,
    /// The `{` after a block's name.
    BlockStart,
    /// A value or a `key: value` pair in a list.
    ListItem,
    /// `,` or `]` after a list item.
    CommaOrListEnd,
    /// The closing `"` of a string.
    ClosingQuote,
    /// The `;;` that ends a SQL block.
    SqlEnd,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::KeyOrBlockEnd => "a key such as `dimension:` or the `}` that closes the block",
            Expected::KeyOrEnd => "a key such as `view:` (is there a `}` too many?)",
            Expected::Colon => "`:` after the key",
            Expected::Value => "a value after the `:` (a word, a \"string\", `[` or `{`)",
            Expected::BlockStart => "`{` after the block's name",
            Expected::ListItem => "a list item (a word, a \"string\" or `key: value`)",
            Expected::CommaOrListEnd => "`,` or the `]` that closes the list",
            Expected::ClosingQuote => "the closing `\"` of the string",
            Expected::SqlEnd => "`;;` to end the SQL block",
        })
    }
}

/// A file the parser refused.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is bigger than [`super::Limits::max_bytes`].
    #[error("{file}: {size} bytes, over the {limit}-byte limit for one LookML file")]
    TooLarge {
        /// The file.
        file: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{file}: not UTF-8 text")]
    NotUtf8 {
        /// The file.
        file: PathBuf,
    },
    /// Blocks nest deeper than [`super::Limits::max_depth`].
    #[error("{file}:{line}:{column}: blocks nested more than {limit} deep")]
    TooDeep {
        /// The file.
        file: PathBuf,
        /// Line of the block that went too deep.
        line: u32,
        /// Its column.
        column: u32,
        /// The limit.
        limit: usize,
    },
    /// The text does not follow LookML's syntax.
    #[error("{file}:{line}:{column}: expected {expected}, found {found}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// Line where parsing stopped.
        line: u32,
        /// Its column.
        column: u32,
        /// What would have been accepted there.
        expected: Expected,
        /// A short excerpt of what is there instead.
        found: String,
    },
}
