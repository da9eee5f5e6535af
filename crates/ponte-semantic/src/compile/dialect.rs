//! What differs between the SQL flavours: identifier quoting, the time zone
//! conversion and truncation of timeframes, division, and LIKE escapes;
//! plus the parameter list every value goes into.

use chrono_tz::Tz;

use super::{Dialect, QueryParam};
use crate::model::Timeframe;

/// Whether a time column holds calendar dates or instants: decides the
/// timeframe SQL and the type of filter bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeKind {
    /// A DATE column: no time zone conversion, bounds bound as dates.
    Date,
    /// A TIMESTAMP column: seen in the query's zone, bounds bound as instants.
    Timestamp,
}

/// The character that escapes `%`, `_` and itself in bound LIKE patterns:
/// BigQuery's only LIKE escape (it has no `ESCAPE` clause), so DataFusion
/// is told to use the same one.
pub(crate) const LIKE_ESCAPE: char = '\\';

/// SQL being written: the dialect, the query's zone and the values bound
/// so far (placeholder `$n` is `params[n - 1]`).
pub(crate) struct SqlWriter {
    pub(crate) dialect: Dialect,
    pub(crate) params: Vec<QueryParam>,
    time_zone: Tz,
    /// BigQuery binds the zone once and reuses the placeholder, so a
    /// timeframe's text in SELECT and GROUP BY is identical (BigQuery
    /// matches grouped expressions by text, parameters included).
    zone_placeholder: Option<String>,
}

impl SqlWriter {
    pub(crate) fn new(dialect: Dialect, time_zone: Tz) -> Self {
        SqlWriter { dialect, params: Vec::new(), time_zone, zone_placeholder: None }
    }

    /// Adds a value and returns its placeholder.
    pub(crate) fn bind(&mut self, value: QueryParam) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// A quoted identifier. Model names are already checked to be bare
    /// identifiers; the quote character is still escaped so that this
    /// function is safe on its own.
    pub(crate) fn ident(&self, name: &str) -> String {
        match self.dialect {
            Dialect::DataFusion => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::BigQuery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
        }
    }

    /// `alias.column`, both quoted.
    pub(crate) fn column(&self, table_alias: &str, column: &str) -> String {
        format!("{}.{}", self.ident(table_alias), self.ident(column))
    }

    /// The SQL of a timeframe of a time column, as a DATE.
    ///
    /// Weeks start on Monday (Looker's default): DataFusion's `date_trunc`
    /// weeks do; BigQuery's `WEEK` starts on Sunday, so `ISOWEEK` is used.
    pub(crate) fn timeframe(&mut self, column: &str, kind: TimeKind, timeframe: Timeframe) -> String {
        match self.dialect {
            Dialect::DataFusion => {
                let local = match kind {
                    TimeKind::Date => column.to_owned(),
                    TimeKind::Timestamp => format!("to_local_time({column} AT TIME ZONE {})", self.zone_literal()),
                };
                match timeframe {
                    Timeframe::Date => format!("CAST({local} AS DATE)"),
                    t => format!("CAST(date_trunc('{}', {local}) AS DATE)", t.as_str()),
                }
            }
            Dialect::BigQuery => {
                let local = match kind {
                    TimeKind::Date => column.to_owned(),
                    TimeKind::Timestamp => format!("DATE({column}, {})", self.zone_param()),
                };
                let part = match timeframe {
                    Timeframe::Date => return local,
                    Timeframe::Week => "ISOWEEK",
                    Timeframe::Month => "MONTH",
                    Timeframe::Quarter => "QUARTER",
                    Timeframe::Year => "YEAR",
                };
                format!("DATE_TRUNC({local}, {part})")
            }
        }
    }

    /// DataFusion's `AT TIME ZONE` takes only a literal, so the zone is
    /// written out. It is the name of a `chrono_tz::Tz` (either the model's
    /// or a request's zone that parsed as one), never the request's text,
    /// and IANA names are letters, digits and `/_+-` only; anything else
    /// falls back to UTC rather than reach SQL.
    fn zone_literal(&self) -> String {
        let name = self.time_zone.name();
        let safe = name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        format!("'{}'", if safe { name } else { "UTC" })
    }

    fn zone_param(&mut self) -> String {
        if let Some(p) = &self.zone_placeholder {
            return p.clone();
        }
        let p = self.bind(QueryParam::String(self.time_zone.name().to_owned()));
        self.zone_placeholder = Some(p.clone());
        p
    }

    /// `expr` compared as a float. BigQuery compares NUMERIC with FLOAT64
    /// as floats by itself; DataFusion needs the cast.
    pub(crate) fn as_float(&self, expr: &str) -> String {
        match self.dialect {
            Dialect::DataFusion => format!("CAST({expr} AS DOUBLE)"),
            Dialect::BigQuery => expr.to_owned(),
        }
    }

    /// `left / right`, NULL rather than an error when `right` is zero, and
    /// not an integer division on DataFusion (BigQuery's `/` never is).
    pub(crate) fn divide(&self, left: &str, right: &str) -> String {
        match self.dialect {
            Dialect::DataFusion => format!("(CAST({left} AS DOUBLE) / NULLIF({right}, 0))"),
            Dialect::BigQuery => format!("({left} / NULLIF({right}, 0))"),
        }
    }

    /// `expr LIKE $n` (or `NOT LIKE`) with the pattern bound; see [`LIKE_ESCAPE`].
    pub(crate) fn like(&mut self, expr: &str, pattern: String, negated: bool) -> String {
        let p = self.bind(QueryParam::String(pattern));
        let not = if negated { "NOT " } else { "" };
        match self.dialect {
            Dialect::DataFusion => format!("{expr} {not}LIKE {p} ESCAPE '{LIKE_ESCAPE}'"),
            Dialect::BigQuery => format!("{expr} {not}LIKE {p}"),
        }
    }
}

/// How many conditions one `AND`/`OR` group joins before the groups are
/// nested. SQL engines parse `a OR b OR c …` into a tree as deep as the list
/// is long and then walk it recursively: a long filter list (a thousand
/// comma-separated ranges) overflowed a worker thread's stack and aborted the
/// whole server. Grouped eight at a time, ten thousand conditions nest five
/// levels deep, and a list of up to eight reads as before.
const GROUP: usize = 8;

/// `a OR b OR …`, parenthesised when there are several; long lists are
/// nested in groups (see [`GROUP`]) so the expression stays shallow.
pub(crate) fn any_of(parts: Vec<String>) -> Option<String> {
    joined(parts, " OR ")
}

/// `a AND b AND …`, parenthesised when there are several; long lists are
/// nested in groups like [`any_of`]'s.
pub(crate) fn all_of(parts: Vec<String>) -> Option<String> {
    joined(parts, " AND ")
}

fn joined(mut parts: Vec<String>, op: &str) -> Option<String> {
    while parts.len() > GROUP {
        parts = parts.chunks(GROUP).map(|group| group_of(group, op)).collect();
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(group_of(&parts, op)),
    }
}

fn group_of(parts: &[String], op: &str) -> String {
    match parts {
        [one] => one.clone(),
        many => format!("({})", many.join(op)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How deeply `sql`'s parentheses nest.
    fn nesting(sql: &str) -> usize {
        let mut depth = 0usize;
        let mut deepest = 0;
        for c in sql.chars() {
            match c {
                '(' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        deepest
    }

    #[test]
    fn short_lists_read_as_written_and_long_ones_stay_shallow() {
        let parts = |n: usize| (0..n).map(|i| format!("x = {i}")).collect::<Vec<_>>();
        assert_eq!(any_of(parts(0)), None);
        assert_eq!(any_of(parts(1)).unwrap(), "x = 0");
        assert_eq!(all_of(parts(3)).unwrap(), "(x = 0 AND x = 1 AND x = 2)");
        assert_eq!(any_of(parts(8)).unwrap().matches(" OR ").count(), 7);
        for n in [9, 64, 1_000, 50_000] {
            let sql = any_of(parts(n)).unwrap();
            assert_eq!(sql.matches(" OR ").count(), n - 1, "every condition is kept once");
            assert_eq!(sql.matches("x = ").count(), n);
            let levels = (n as f64).log(GROUP as f64).ceil() as usize;
            assert_eq!(nesting(&sql), levels, "{n} conditions");
            // No group joins more than GROUP conditions.
            assert!(sql.split(['(', ')']).all(|run| run.matches(" OR ").count() < GROUP));
        }
    }
}
