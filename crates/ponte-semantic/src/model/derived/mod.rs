//! Derived tables (LookML's `derived_table: { sql: … }`): a view defined by
//! a SELECT over the warehouse's tables instead of a table name.
//!
//! The SQL is read with `sqlparser` (the parser DataFusion uses) and turned
//! into the small tree below, clause by clause, refusing whatever is not on
//! the list ([`parse_derived_sql`]): one SELECT (with `WITH` of plain
//! SELECTs), `FROM` and `JOIN … ON` over named tables, `WHERE`,
//! `GROUP BY`, `HAVING`, `DISTINCT`, field expressions plus `table.column`,
//! aggregates and window functions. The compiler writes the SQL for each
//! dialect from the tree ([`crate::compile`]), identifiers quoted, so the
//! model's text never reaches the warehouse.

mod columns;
mod parse;

pub use columns::{DerivedColumnError, derived_columns, with_derived_columns};
pub use parse::{MAX_DERIVED_SQL_CHARS, parse_derived_sql};

use ponte_config::Position;

use super::sql_expr::Expr;

/// A view's `derived_table`: its query and whether ponte keeps it as a
/// table.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedTable {
    /// The parsed query.
    pub query: DerivedQuery,
    /// The model's text, for messages.
    pub text: String,
    /// Rebuilt as a table after any of its source tables loads, and read
    /// from there (`persist = true`).
    pub persist: bool,
    /// Where its `sql` is, for diagnostics.
    pub position: Position,
}

/// `[WITH name AS (SELECT …), …] SELECT …`.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedQuery {
    /// The common table expressions, in order; each may read the ones
    /// before it.
    pub ctes: Vec<(String, Select)>,
    /// The SELECT whose rows the view reads.
    pub body: Select,
}

impl DerivedQuery {
    /// The warehouse tables it reads (CTE names left out), each once.
    pub fn sources(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let selects = self.ctes.iter().map(|(_, s)| s).chain(std::iter::once(&self.body));
        for select in selects {
            for t in select.tables() {
                if !t.cte && !out.contains(&t.name.as_str()) {
                    out.push(t.name.as_str());
                }
            }
        }
        out
    }

    /// The names of its output columns, in order.
    pub fn columns(&self) -> Vec<&str> {
        self.body.items.iter().map(|i| i.alias.as_str()).collect()
    }
}

/// One SELECT of a derived table.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// The output columns, each named.
    pub items: Vec<SelectItem>,
    /// The first table of `FROM`.
    pub from: TableRef,
    /// Its joins, in order.
    pub joins: Vec<Join>,
    /// `WHERE`.
    pub filter: Option<Expr>,
    /// `GROUP BY`.
    pub group_by: Vec<Expr>,
    /// `HAVING`.
    pub having: Option<Expr>,
}

impl Select {
    /// Every table it names, `FROM` first.
    pub fn tables(&self) -> impl Iterator<Item = &TableRef> {
        std::iter::once(&self.from).chain(self.joins.iter().map(|j| &j.table))
    }
}

/// An output column: an expression and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The value.
    pub expr: Expr,
    /// Its name (`AS alias`, or the column's own name for a bare column).
    pub alias: String,
}

/// A table of `FROM` or `JOIN`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    /// A warehouse table or an earlier CTE.
    pub name: String,
    /// `AS alias`.
    pub alias: Option<String>,
    /// Whether `name` is a CTE of the same query (not a warehouse table).
    pub cte: bool,
}

impl TableRef {
    /// The name its columns are qualified with.
    pub fn visible_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// `[INNER|LEFT|RIGHT|FULL] JOIN table ON condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Which rows are kept.
    pub kind: JoinKind,
    /// The table joined.
    pub table: TableRef,
    /// The `ON` condition.
    pub on: Expr,
}

/// The joins a derived table may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `[INNER] JOIN`
    Inner,
    /// `LEFT [OUTER] JOIN`
    Left,
    /// `RIGHT [OUTER] JOIN`
    Right,
    /// `FULL [OUTER] JOIN`
    Full,
}

impl JoinKind {
    /// The SQL words, the same in both dialects.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::Inner => "INNER JOIN",
            JoinKind::Left => "LEFT JOIN",
            JoinKind::Right => "RIGHT JOIN",
            JoinKind::Full => "FULL JOIN",
        }
    }
}
