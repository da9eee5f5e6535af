//! What the conversion left behind, each with its place and reason: the
//! converter never drops a construct without an entry here, and
//! `--strict` turns any entry into a failure.

use std::fmt;
use std::path::PathBuf;

/// Why a construct was not converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Liquid templating (`{% %}`, `{{ }}`): ponte never renders model
    /// text as a template.
    Liquid,
    /// A key ponte has no equivalent for; the text says what it would
    /// have done.
    NoEquivalent(&'static str),
    /// A key the converter does not know at all.
    UnknownKey,
    /// A `type:` ponte does not have.
    UnsupportedType(String),
    /// SQL that ponte's expression checker refuses, with its reason.
    SqlRefused(String),
    /// A join condition that is not `${a.x} = ${b.y}` equalities.
    JoinCondition,
    /// A native derived table (`explore_source`): a query over an
    /// explore, which ponte's derived tables (SQL) do not express; the view
    /// is left out.
    NativeDerivedTable,
    /// It names something that was itself not converted or does not exist.
    Unresolved(String),
    /// A value ponte reads differently (a name, a table), with the detail.
    Changed(String),
    /// The file could not be read as LookML (or YAML), with the parser's
    /// message.
    Unreadable(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Liquid => f.write_str("Liquid templating is not supported (ponte never renders model text)"),
            Reason::NoEquivalent(what) => write!(f, "ponte has no equivalent: {what}"),
            Reason::UnknownKey => f.write_str("not a key the converter knows"),
            Reason::UnsupportedType(t) => write!(f, "type `{t}` has no ponte equivalent"),
            Reason::SqlRefused(why) => write!(f, "ponte's SQL checker refuses it: {why}"),
            Reason::JoinCondition => f.write_str(
                "only `${a.x} = ${b.y}` equalities joined with AND become a ponte join; the join is left out",
            ),
            Reason::NativeDerivedTable => f.write_str(
                "native derived tables (explore_source) are not converted; write its SELECT as a ponte derived table",
            ),
            Reason::Unresolved(what) => write!(f, "{what}"),
            Reason::Changed(what) => write!(f, "{what}"),
            Reason::Unreadable(why) => write!(f, "{why}"),
        }
    }
}

/// One construct left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file, relative to the project's folder.
    pub file: PathBuf,
    /// Its line (0 when the whole file is meant).
    pub line: u32,
    /// What it was: `dimension orders.status: html`, `explore orders`.
    pub construct: String,
    /// Why it was not converted.
    pub reason: Reason,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file.display(), self.line, self.construct, self.reason)
    }
}

/// Every entry, in file and line order once [`Report::sorted`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The entries.
    pub entries: Vec<Entry>,
}

impl Report {
    pub(crate) fn push(&mut self, file: &std::path::Path, line: u32, construct: impl Into<String>, reason: Reason) {
        self.entries.push(Entry { file: file.to_owned(), line, construct: construct.into(), reason });
    }

    /// The entries in file, then line order.
    pub fn sorted(mut self) -> Self {
        self.entries.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        self
    }

    /// Whether nothing was left behind.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
