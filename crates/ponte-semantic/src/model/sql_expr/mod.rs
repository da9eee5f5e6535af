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

mod parse;
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
