//! SQL expressions in a field's `sql` (LookML's `${TABLE}.valor * 1.1`,
//! `CASE WHEN …`, `COALESCE(…)`), parsed and checked, never spliced.
//!
//! A model's `sql` may be a plain column (`valor_total`) or an expression
//! over its view's columns (`${TABLE}.col` or a bare `col`), other
//! dimensions (`${field}` of the same view, `${view.field}` of another),
//! and literals, with arithmetic, comparisons, `AND`/`OR`/`NOT`, `CASE`,
//! `IS [NOT] NULL`, `[NOT] BETWEEN`, `[NOT] IN (…)`, `CAST`, `EXTRACT` and
//! an allowlist of functions ([`Function`]). The text is parsed by
//! `sqlparser` (the parser DataFusion uses) into its tree, which is turned
//! into [`Expr`] here: anything else (a subquery, a window, an unknown
//! function, a second statement, a comment) is refused with the reason.
//! The compiler writes SQL for each dialect from [`Expr`], never from the
//! text, with string literals escaped for the dialect.

pub(crate) mod parse;
mod types;

pub use parse::{MAX_SQL_CHARS, parse_sql_expr};
pub(crate) use parse::{parse_with_references, reference};
pub use types::{ExprType, Typing, infer};

/// A parsed expression and the text it was written as (for messages).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlExpr {
    /// The tree.
    pub expr: Expr,
    /// The model's text.
    pub text: String,
}

impl SqlExpr {
    /// The columns of the view's table it reads, each once, in order.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.expr.visit(&mut |e| {
            if let Expr::Column(c) = e
                && !out.contains(&c.as_str())
            {
                out.push(c.as_str());
            }
        });
        out
    }

    /// The fields it refers to (`${…}` as written: `field` or `view.field`).
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.expr.visit(&mut |e| {
            if let Expr::Field(f) = e
                && !out.contains(&f.as_str())
            {
                out.push(f.as_str());
            }
        });
        out
    }
}

/// An expression node; each is written out for a dialect by the compiler.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column of the view's table (`${TABLE}.col` or `col`).
    Column(String),
    /// Another dimension (`${field}` or `${view.field}`), inlined when written.
    Field(String),
    /// A number literal, as written (digits, a point, an exponent).
    Number(String),
    /// A string literal (escaped for the dialect when written).
    Text(String),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// `NULL`.
    Null,
    /// `NOT e`.
    Not(Box<Expr>),
    /// `-e`.
    Negate(Box<Expr>),
    /// `l op r`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Its left side.
        left: Box<Expr>,
        /// Its right side.
        right: Box<Expr>,
    },
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    Case {
        /// The value compared with each `WHEN` (a simple `CASE`).
        operand: Option<Box<Expr>>,
        /// Each `WHEN` and its `THEN`.
        whens: Vec<(Expr, Expr)>,
        /// The `ELSE`.
        otherwise: Option<Box<Expr>>,
    },
    /// A function of the allowlist.
    Call {
        /// Which.
        function: Function,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `CAST(e AS type)`.
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The type.
        to: CastType,
    },
    /// `e IS [NOT] NULL`.
    IsNull {
        /// The value.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `e [NOT] BETWEEN low AND high`.
    Between {
        /// The value.
        expr: Box<Expr>,
        /// The low end, included.
        low: Box<Expr>,
        /// The high end, included.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `e [NOT] IN (a, b, …)`.
    InList {
        /// The value.
        expr: Box<Expr>,
        /// The values it is looked for in.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `EXTRACT(part FROM e)`.
    Extract {
        /// The part.
        part: DatePart,
        /// The date or timestamp.
        expr: Box<Expr>,
    },
    /// `table.column` of a derived table's `FROM` (derived-table SQL only:
    /// a field's expression reads its own view's columns).
    Qualified {
        /// The table or its alias in `FROM`/`JOIN`.
        table: String,
        /// The column.
        column: String,
    },
    /// An aggregate (derived-table SQL only: a field aggregates through
    /// its measure's `type`).
    Aggregate {
        /// Which.
        function: AggregateFunction,
        /// `COUNT(DISTINCT …)` and the like.
        distinct: bool,
        /// The value; `None` is `COUNT(*)`.
        arg: Option<Box<Expr>>,
    },
    /// A window function call (derived-table SQL only).
    Window {
        /// Which.
        function: WindowFunction,
        /// Its arguments.
        args: Vec<Expr>,
        /// `PARTITION BY`.
        partition_by: Vec<Expr>,
        /// `ORDER BY`, each with `true` for descending.
        order_by: Vec<(Expr, bool)>,
    },
}

impl Expr {
    /// Calls `f` on this node and every node below it.
    pub fn visit<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        f(self);
        self.children(&mut |c| c.visit(f));
    }

    /// Calls `f` on every `${…}` reference below (and at) this node, which
    /// may rewrite it (the model rewrites `${view.field}` of its own view
    /// to `field`).
    pub fn rewrite_fields(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Expr::Field(name) => f(name),
            Expr::Column(_) | Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Null => {}
            Expr::Not(e) | Expr::Negate(e) | Expr::Cast { expr: e, .. } | Expr::IsNull { expr: e, .. } => {
                e.rewrite_fields(f)
            }
            Expr::Extract { expr, .. } => expr.rewrite_fields(f),
            Expr::Qualified { .. } => {}
            Expr::Aggregate { arg, .. } => arg.iter_mut().for_each(|a| a.rewrite_fields(f)),
            Expr::Window { args, partition_by, order_by, .. } => {
                args.iter_mut().chain(partition_by.iter_mut()).for_each(|a| a.rewrite_fields(f));
                order_by.iter_mut().for_each(|(a, _)| a.rewrite_fields(f));
            }
            Expr::Binary { left, right, .. } => {
                left.rewrite_fields(f);
                right.rewrite_fields(f);
            }
            Expr::Case { operand, whens, otherwise } => {
                for e in operand.iter_mut().chain(otherwise.iter_mut()) {
                    e.rewrite_fields(f);
                }
                for (w, t) in whens {
                    w.rewrite_fields(f);
                    t.rewrite_fields(f);
                }
            }
            Expr::Call { args, .. } => args.iter_mut().for_each(|a| a.rewrite_fields(f)),
            Expr::Between { expr, low, high, .. } => {
                for e in [expr, low, high] {
                    e.rewrite_fields(f);
                }
            }
            Expr::InList { expr, list, .. } => {
                expr.rewrite_fields(f);
                list.iter_mut().for_each(|a| a.rewrite_fields(f));
            }
        }
    }

    /// Calls `f` on each node directly below this one.
    pub fn children<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        match self {
            Expr::Column(_) | Expr::Field(_) | Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Null => {}
            Expr::Not(e) | Expr::Negate(e) | Expr::Cast { expr: e, .. } | Expr::IsNull { expr: e, .. } => f(e),
            Expr::Extract { expr, .. } => f(expr),
            Expr::Qualified { .. } => {}
            Expr::Aggregate { arg, .. } => {
                if let Some(a) = arg {
                    f(a);
                }
            }
            Expr::Window { args, partition_by, order_by, .. } => {
                args.iter().chain(partition_by.iter()).for_each(&mut *f);
                order_by.iter().for_each(|(a, _)| f(a));
            }
            Expr::Binary { left, right, .. } => {
                f(left);
                f(right);
            }
            Expr::Case { operand, whens, otherwise } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (w, t) in whens {
                    f(w);
                    f(t);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Expr::Call { args, .. } => args.iter().for_each(f),
            Expr::Between { expr, low, high, .. } => {
                f(expr);
                f(low);
                f(high);
            }
            Expr::InList { expr, list, .. } => {
                f(expr);
                list.iter().for_each(f);
            }
        }
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`, written NULL-safe: a zero divisor gives NULL, not an error.
    Divide,
    /// `%`
    Modulo,
    /// `=`
    Eq,
    /// `<>` or `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `||`
    Concat,
}

/// The functions an expression may call, the same in both dialects (or
/// written for each by the compiler).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `COALESCE(a, b, …)`
    Coalesce,
    /// `NULLIF(a, b)`
    Nullif,
    /// `ABS(x)`
    Abs,
    /// `ROUND(x[, digits])`
    Round,
    /// `FLOOR(x)`
    Floor,
    /// `CEIL(x)`
    Ceil,
    /// `LOWER(s)`
    Lower,
    /// `UPPER(s)`
    Upper,
    /// `TRIM(s)`
    Trim,
    /// `LENGTH(s)`
    Length,
    /// `SUBSTR(s, start[, length])`
    Substr,
    /// `CONCAT(a, b, …)`
    Concat,
    /// `GREATEST(a, b, …)`
    Greatest,
    /// `LEAST(a, b, …)`
    Least,
}

impl Function {
    /// Every function with its SQL name and how many arguments it takes
    /// (at least, at most).
    pub const ALL: [(Function, &'static str, usize, usize); 14] = [
        (Function::Coalesce, "COALESCE", 1, 32),
        (Function::Nullif, "NULLIF", 2, 2),
        (Function::Abs, "ABS", 1, 1),
        (Function::Round, "ROUND", 1, 2),
        (Function::Floor, "FLOOR", 1, 1),
        (Function::Ceil, "CEIL", 1, 1),
        (Function::Lower, "LOWER", 1, 1),
        (Function::Upper, "UPPER", 1, 1),
        (Function::Trim, "TRIM", 1, 1),
        (Function::Length, "LENGTH", 1, 1),
        (Function::Substr, "SUBSTR", 2, 3),
        (Function::Concat, "CONCAT", 1, 32),
        (Function::Greatest, "GREATEST", 2, 32),
        (Function::Least, "LEAST", 2, 32),
    ];

    /// Its SQL name.
    pub fn name(self) -> &'static str {
        Function::ALL.iter().find(|(f, ..)| *f == self).map_or("", |(_, n, ..)| n)
    }
}

/// The aggregates a derived table's SQL may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    /// `COUNT(x)`, `COUNT(*)`, `COUNT(DISTINCT x)`
    Count,
    /// `SUM(x)`
    Sum,
    /// `AVG(x)`
    Avg,
    /// `MIN(x)`
    Min,
    /// `MAX(x)`
    Max,
}

impl AggregateFunction {
    /// Every aggregate with its SQL name, the same in both dialects.
    pub const ALL: [(AggregateFunction, &'static str); 5] = [
        (AggregateFunction::Count, "COUNT"),
        (AggregateFunction::Sum, "SUM"),
        (AggregateFunction::Avg, "AVG"),
        (AggregateFunction::Min, "MIN"),
        (AggregateFunction::Max, "MAX"),
    ];

    /// Its SQL name.
    pub fn name(self) -> &'static str {
        AggregateFunction::ALL.iter().find(|(f, _)| *f == self).map_or("", |(_, n)| n)
    }
}

/// The functions a derived table's SQL may call with `OVER (…)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFunction {
    /// `ROW_NUMBER()`
    RowNumber,
    /// `RANK()`
    Rank,
    /// `DENSE_RANK()`
    DenseRank,
    /// `LAG(x[, offset])`
    Lag,
    /// `LEAD(x[, offset])`
    Lead,
    /// An aggregate over the window (`SUM(x) OVER (…)`).
    Aggregate(AggregateFunction),
}

impl WindowFunction {
    /// The ranking and offset functions with their SQL names and how many
    /// arguments they take (at least, at most).
    pub const RANKING: [(WindowFunction, &'static str, usize, usize); 5] = [
        (WindowFunction::RowNumber, "ROW_NUMBER", 0, 0),
        (WindowFunction::Rank, "RANK", 0, 0),
        (WindowFunction::DenseRank, "DENSE_RANK", 0, 0),
        (WindowFunction::Lag, "LAG", 1, 2),
        (WindowFunction::Lead, "LEAD", 1, 2),
    ];

    /// Its SQL name.
    pub fn name(self) -> &'static str {
        match self {
            WindowFunction::Aggregate(a) => a.name(),
            w => WindowFunction::RANKING.iter().find(|(f, ..)| *f == w).map_or("", |(_, n, ..)| n),
        }
    }
}

/// The types a `CAST` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A float.
    Float,
    /// An exact decimal.
    Numeric,
    /// `TRUE`/`FALSE`.
    Boolean,
    /// A calendar date.
    Date,
    /// A point in time.
    Timestamp,
}

/// The parts `EXTRACT` may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// `YEAR`
    Year,
    /// `QUARTER`
    Quarter,
    /// `MONTH`
    Month,
    /// `DAY`
    Day,
    /// `HOUR`
    Hour,
    /// `MINUTE`
    Minute,
    /// `SECOND`
    Second,
}

impl DatePart {
    /// The SQL word, the same in both dialects.
    pub fn as_str(self) -> &'static str {
        match self {
            DatePart::Year => "YEAR",
            DatePart::Quarter => "QUARTER",
            DatePart::Month => "MONTH",
            DatePart::Day => "DAY",
            DatePart::Hour => "HOUR",
            DatePart::Minute => "MINUTE",
            DatePart::Second => "SECOND",
        }
    }
}
