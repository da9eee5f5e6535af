//! Looker filter expressions ("matches (advanced)"), parsed into typed ASTs.
//!
//! The caller knows the field's type, so each type has its own entry point:
//! [`parse_string`], [`parse_number`], [`parse_date`] (date and time fields) and
//! [`parse_yesno`]. The ASTs are plain enums meant to be matched on by the SQL
//! compiler, which binds every value as a parameter; nothing here produces SQL
//! text. Date filters stay symbolic ("3 days ago") until [`resolve`] turns them
//! into half-open intervals of local wall-clock time for a given "now".
//!
//! An empty (or all-blank) expression means "is any value" for every type, as
//! in Looker, and parses to the type's `Any` variant rather than an error.
//!
//! Semantics follow Looker's documentation,
//! <https://cloud.google.com/looker/docs/filter-expressions>; where that page is
//! silent, the choice made is documented on the item concerned.
//!
//! ```
//! use ponte_semantic::filter_expr::{parse_number, NumberFilter};
//!
//! let filter = parse_number(">=5 AND <=10, 20").unwrap();
//! let NumberFilter::Match { any_of, none_of } = filter else { panic!() };
//! assert_eq!(any_of.len(), 2);
//! assert!(none_of.is_empty());
//! ```

mod date;
mod date_parse;
mod date_resolve;
mod number;
mod string;
#[cfg(test)]
mod tests;

pub use date::{AbsoluteTime, DateExpr, DateFilter, DateUnit, Period};
pub use date_parse::parse_date;
pub use date_resolve::{DateRange, ResolvedDateFilter, resolve};
pub use number::{Number, NumberFilter, NumberRange, NumberTerm, RangeBound, parse_number};
pub use string::{LikeToken, StringFilter, StringPattern, parse_string};

/// A filter on a yes/no (boolean) field.
///
/// Looker's yes/no filters take only `Yes` or `No`; the empty expression is
/// "any value" like every other type, which is why this is not a plain `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNoFilter {
    /// No filter: the empty expression.
    Any,
    /// The field must equal this value (`Yes` is `true`).
    Is(bool),
}

/// Parses a yes/no filter: `Yes` or `No`, case-insensitive, surrounding blanks
/// ignored; the empty expression is [`YesNoFilter::Any`].
pub fn parse_yesno(expr: &str) -> Result<YesNoFilter, FilterError> {
    let trimmed = expr.trim();
    if trimmed.is_empty() {
        return Ok(YesNoFilter::Any);
    }
    if trimmed.eq_ignore_ascii_case("yes") {
        Ok(YesNoFilter::Is(true))
    } else if trimmed.eq_ignore_ascii_case("no") {
        Ok(YesNoFilter::Is(false))
    } else {
        let offset = expr.len() - expr.trim_start().len();
        Err(FilterError::unexpected(expr, offset, "\"Yes\" or \"No\"", Some(trimmed)))
    }
}

/// Why a filter expression was rejected.
///
/// Every variant carries the whole expression (`input`) and the byte offset of
/// the offending part (`offset`), so a caller can point at it; the message
/// repeats both, with a 1-based character column, so it reads well on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A token that does not fit where it stands (or the end came too soon).
    #[error("expected {expected} at column {column}, found {found} in \"{input}\"")]
    Unexpected {
        /// What would have been accepted there, in words.
        expected: String,
        /// The offending token, quoted, or `the end of the expression`.
        found: String,
        /// Byte offset of the offending token.
        offset: usize,
        /// 1-based character column of the offending token.
        column: usize,
        /// The whole expression.
        input: String,
    },
    /// A numeric interval opened with `[` or `(` that never closes.
    #[error("unclosed interval \"{interval}\" (expected \"]\" or \")\") at column {column} in \"{input}\"")]
    UnclosedInterval {
        /// The interval as written, from its opening bracket.
        interval: String,
        /// Byte offset of the opening bracket.
        offset: usize,
        /// 1-based character column of the opening bracket.
        column: usize,
        /// The whole expression.
        input: String,
    },
    /// A range whose low end is above its high end, which could match nothing.
    #[error("empty range \"{range}\" at column {column} in \"{input}\": {reason}")]
    EmptyRange {
        /// The range as written.
        range: String,
        /// Why it is empty.
        reason: String,
        /// Byte offset of the range.
        offset: usize,
        /// 1-based character column of the range.
        column: usize,
        /// The whole expression.
        input: String,
    },
    /// A word where a unit of time was expected.
    #[error(
        "unknown date unit \"{unit}\" in \"{input}\"; expected second(s), minute(s), hour(s), day(s), \
         week(s), month(s), quarter(s), year(s)"
    )]
    UnknownUnit {
        /// The word as written.
        unit: String,
        /// Byte offset of the word.
        offset: usize,
        /// The whole expression.
        input: String,
    },
    /// A known unit that the keyword before it does not take (`this day`).
    #[error("\"{keyword} {unit}\" is not a Looker period in \"{input}\"; {hint}")]
    UnitNotAllowed {
        /// `this`, `last` or `next`.
        keyword: String,
        /// The unit as written.
        unit: String,
        /// What to write instead.
        hint: String,
        /// Byte offset of the unit.
        offset: usize,
        /// The whole expression.
        input: String,
    },
    /// A date or time that is malformed or does not exist (`2024-02-30`).
    #[error("invalid date \"{text}\" at column {column} in \"{input}\": {reason}")]
    InvalidDate {
        /// The date or time as written.
        text: String,
        /// What is wrong with it.
        reason: String,
        /// Byte offset of the date.
        offset: usize,
        /// 1-based character column of the date.
        column: usize,
        /// The whole expression.
        input: String,
    },
    /// A count of units that is zero where at least one is needed, or so large
    /// the date arithmetic would leave the calendar.
    #[error("count {count} at column {column} in \"{input}\" is out of range: {reason}")]
    CountOutOfRange {
        /// The count as written.
        count: String,
        /// The accepted range.
        reason: String,
        /// Byte offset of the count.
        offset: usize,
        /// 1-based character column of the count.
        column: usize,
        /// The whole expression.
        input: String,
    },
    /// `NULL` or `NOT NULL` given together with other values in a date filter.
    #[error("\"{keyword}\" at column {column} must be the whole filter, not one item of a list, in \"{input}\"")]
    NullInList {
        /// `NULL` or `NOT NULL` as written.
        keyword: String,
        /// Byte offset of the keyword.
        offset: usize,
        /// 1-based character column of the keyword.
        column: usize,
        /// The whole expression.
        input: String,
    },
}

impl FilterError {
    /// Byte offset in the expression of the part the error is about.
    pub fn offset(&self) -> usize {
        match self {
            FilterError::Unexpected { offset, .. }
            | FilterError::UnclosedInterval { offset, .. }
            | FilterError::EmptyRange { offset, .. }
            | FilterError::UnknownUnit { offset, .. }
            | FilterError::UnitNotAllowed { offset, .. }
            | FilterError::InvalidDate { offset, .. }
            | FilterError::CountOutOfRange { offset, .. }
            | FilterError::NullInList { offset, .. } => *offset,
        }
    }

    /// `found` is the offending token, or `None` at the end of the expression.
    pub(crate) fn unexpected(input: &str, offset: usize, expected: &str, found: Option<&str>) -> Self {
        FilterError::Unexpected {
            expected: expected.to_owned(),
            found: match found {
                Some(token) => format!("\"{token}\""),
                None => "the end of the expression".to_owned(),
            },
            offset,
            column: column(input, offset),
            input: input.to_owned(),
        }
    }
}

/// 1-based character column of a byte offset (columns count characters, so a
/// message stays right for non-ASCII values).
pub(crate) fn column(input: &str, offset: usize) -> usize {
    input.get(..offset).map_or(offset, |before| before.chars().count()) + 1
}

/// Splits an expression on top-level commas: `(start_offset, item)` pairs, each
/// item untrimmed. Used by numbers and dates, whose values never contain a
/// comma except inside an interval's brackets.
pub(crate) fn split_top_level(expr: &str) -> Vec<(usize, &str)> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in expr.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push((start, &expr[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, &expr[start..]));
    items
}
