//! A field's SQL for a dialect: a column, or a model expression written
//! from its parsed tree ([`crate::model::sql_expr`]). Nothing of the
//! model's text is copied: identifiers are quoted by the writer, numbers
//! were checked when parsed, and strings are written as escaped literals
//! (not parameters, so a grouped expression is the same text in SELECT
//! and GROUP BY).

use super::Dialect;
use super::dialect::SqlWriter;
use crate::model::sql_expr::{BinaryOp, CastType, Expr, Function};
use crate::model::{Explore, FieldRef, FieldSql, View};

/// How deep `${field}` references are inlined (the model refuses loops).
const MAX_INLINE_DEPTH: usize = 16;

/// Where an expression's names point: a field's view in an explore, or
/// the `FROM` of a derived table's SELECT.
#[derive(Clone, Copy)]
enum Scope<'e> {
    /// A field of `view` in `explore`: a bare column is the view's, and
    /// `${…}` inlines another dimension.
    Field(&'e Explore, &'e View),
    /// A derived table's SELECT: a bare column stands as written (the
    /// engine finds it in the `FROM`), `t.col` is qualified.
    Derived,
}

/// The SQL of `sql`, a field of `view` in `explore` (whose other views an
/// expression's `${view.field}` may name; the planner joins them).
pub(crate) fn render(w: &SqlWriter, explore: &Explore, view: &View, sql: &FieldSql) -> String {
    inline(w, explore, view, sql, 0)
}

/// The SQL of an expression of a derived table's SELECT.
pub(crate) fn render_derived(w: &SqlWriter, e: &Expr) -> String {
    expr_sql(w, Scope::Derived, e, 0)
}

fn expr_sql(w: &SqlWriter, scope: Scope<'_>, e: &Expr, depth: usize) -> String {
    let sub = |e: &Expr| expr_sql(w, scope, e, depth);
    let list = |items: &[Expr]| items.iter().map(sub).collect::<Vec<_>>().join(", ");
    match e {
        Expr::Column(c) => match scope {
            Scope::Field(_, view) => w.column(&view.name, c),
            Scope::Derived => w.ident(c),
        },
        Expr::Qualified { table, column } => w.column(table, column),
        Expr::Field(name) => match scope {
            Scope::Field(explore, view) => match referenced(explore, view, name) {
                Some((v, sql)) if depth < MAX_INLINE_DEPTH => format!("({})", inline(w, explore, v, sql, depth + 1)),
                // The model checks references and loops; this cannot happen.
                _ => "NULL".to_owned(),
            },
            // Derived SQL takes no references (refused when read).
            Scope::Derived => "NULL".to_owned(),
        },
        Expr::Aggregate { function, distinct, arg } => match arg {
            None => format!("{}(*)", function.name()),
            Some(a) => format!("{}({}{})", function.name(), if *distinct { "DISTINCT " } else { "" }, sub(a)),
        },
        Expr::Window { function, args, partition_by, order_by } => {
            let mut over = Vec::new();
            if !partition_by.is_empty() {
                over.push(format!("PARTITION BY {}", list(partition_by)));
            }
            if !order_by.is_empty() {
                over.push(format!("ORDER BY {}", order_by_sql(w, order_by)));
            }
            format!("{}({}) OVER ({})", function.name(), list(args), over.join(" "))
        }
        Expr::Number(n) => n.clone(),
        Expr::Text(t) => string_literal(w.dialect, t),
        Expr::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_owned(),
        Expr::Null => "NULL".to_owned(),
        Expr::Not(e) => format!("(NOT {})", sub(e)),
        Expr::Negate(e) => format!("(-{})", sub(e)),
        Expr::Binary { op, left, right } => {
            let (l, r) = (sub(left), sub(right));
            match op {
                BinaryOp::Divide => w.divide(&l, &r),
                BinaryOp::Modulo => match w.dialect {
                    Dialect::DataFusion => format!("({l} % {r})"),
                    Dialect::BigQuery => format!("MOD({l}, {r})"),
                },
                op => format!("({l} {} {r})", binary_word(*op)),
            }
        }
        Expr::Case { operand, whens, otherwise } => {
            let mut out = String::from("CASE");
            if let Some(o) = operand {
                out.push_str(&format!(" {}", sub(o)));
            }
            for (when, then) in whens {
                out.push_str(&format!(" WHEN {} THEN {}", sub(when), sub(then)));
            }
            if let Some(o) = otherwise {
                out.push_str(&format!(" ELSE {}", sub(o)));
            }
            out.push_str(" END");
            out
        }
        Expr::Call { function, args } => match (function, w.dialect) {
            (Function::Length, Dialect::DataFusion) => format!("character_length({})", list(args)),
            // DataFusion's skip NULL arguments; BigQuery's (and Looker's
            // SQL) give NULL: the same model gives the same numbers.
            (Function::Greatest | Function::Least | Function::Concat, Dialect::DataFusion) => {
                let literal = |a: &&Expr| matches!(a, Expr::Number(_) | Expr::Text(_) | Expr::Bool(_));
                let any_null: Vec<String> =
                    args.iter().filter(|a| !literal(a)).map(|a| format!("{} IS NULL", sub(a))).collect();
                if any_null.is_empty() {
                    return format!("{}({})", function.name(), list(args));
                }
                format!("CASE WHEN {} THEN NULL ELSE {}({}) END", any_null.join(" OR "), function.name(), list(args))
            }
            (f, _) => format!("{}({})", f.name(), list(args)),
        },
        Expr::Cast { expr, to } => format!("CAST({} AS {})", sub(expr), cast_word(w.dialect, *to)),
        Expr::IsNull { expr, negated } => format!("({} IS {}NULL)", sub(expr), if *negated { "NOT " } else { "" }),
        Expr::Between { expr, low, high, negated } => {
            format!("({} {}BETWEEN {} AND {})", sub(expr), if *negated { "NOT " } else { "" }, sub(low), sub(high))
        }
        Expr::InList { expr, list: items, negated } => {
            format!("({} {}IN ({}))", sub(expr), if *negated { "NOT " } else { "" }, list(items))
        }
        Expr::Extract { part, expr } => format!("EXTRACT({} FROM {})", part.as_str(), sub(expr)),
    }
}

/// A field's SQL at `depth` references deep.
fn inline(w: &SqlWriter, explore: &Explore, view: &View, sql: &FieldSql, depth: usize) -> String {
    match sql {
        FieldSql::Column(c) => w.column(&view.name, &c.name),
        FieldSql::Expression(at) => expr_sql(w, Scope::Field(explore, view), &at.expr.expr, depth),
    }
}

/// `ORDER BY` keys of a window or a derived SELECT, NULLs placed
/// explicitly (last ascending, first descending, as DataFusion does by
/// default; BigQuery's default is the other way round).
pub(crate) fn order_by_sql(w: &SqlWriter, keys: &[(Expr, bool)]) -> String {
    keys.iter()
        .map(|(e, desc)| {
            let e = expr_sql(w, Scope::Derived, e, 0);
            if *desc { format!("{e} DESC NULLS FIRST") } else { format!("{e} ASC NULLS LAST") }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dimension a reference names: a bare name in `view`, or
/// `view.field` of the explore; its view and SQL.
pub(crate) fn referenced<'e>(explore: &'e Explore, view: &'e View, name: &str) -> Option<(&'e View, &'e FieldSql)> {
    match name.split_once('.') {
        None => view.dimensions.iter().find(|d| d.name == name).map(|d| (view, &d.sql)),
        Some(_) => match explore.resolve_field(name)? {
            crate::model::ResolvedField { view, field: FieldRef::Dimension(d) } => Some((view, &d.sql)),
            _ => None,
        },
    }
}

/// The views an expression field reaches through its references (itself
/// included), for the planner to join.
pub(crate) fn reached_views<'e>(explore: &'e Explore, view: &'e View, sql: &'e FieldSql, out: &mut Vec<&'e str>) {
    reach(explore, view, sql, out, 0);
}

fn reach<'e>(explore: &'e Explore, view: &'e View, sql: &'e FieldSql, out: &mut Vec<&'e str>, depth: usize) {
    if !out.contains(&view.name.as_str()) {
        out.push(view.name.as_str());
    }
    let FieldSql::Expression(at) = sql else { return };
    if depth >= MAX_INLINE_DEPTH {
        return;
    }
    for name in at.expr.fields() {
        if let Some((v, next)) = referenced(explore, view, name) {
            reach(explore, v, next, out, depth + 1);
        }
    }
}

fn binary_word(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Subtract => "-",
        BinaryOp::Multiply => "*",
        BinaryOp::Eq => "=",
        BinaryOp::NotEq => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
        BinaryOp::Concat => "||",
        // Written by the caller.
        BinaryOp::Divide => "/",
        BinaryOp::Modulo => "%",
    }
}

fn cast_word(dialect: Dialect, to: CastType) -> &'static str {
    match (dialect, to) {
        (Dialect::DataFusion, CastType::String) => "VARCHAR",
        (Dialect::DataFusion, CastType::Integer) => "BIGINT",
        (Dialect::DataFusion, CastType::Float) => "DOUBLE",
        (Dialect::DataFusion, CastType::Numeric) => "DECIMAL(38, 9)",
        (Dialect::BigQuery, CastType::String) => "STRING",
        (Dialect::BigQuery, CastType::Integer) => "INT64",
        (Dialect::BigQuery, CastType::Float) => "FLOAT64",
        (Dialect::BigQuery, CastType::Numeric) => "NUMERIC",
        (Dialect::DataFusion, CastType::Boolean) => "BOOLEAN",
        (Dialect::BigQuery, CastType::Boolean) => "BOOL",
        (_, CastType::Date) => "DATE",
        (_, CastType::Timestamp) => "TIMESTAMP",
    }
}

/// A string literal: DataFusion doubles quotes; BigQuery escapes quotes
/// and backslashes, and control characters as `\xHH`.
fn string_literal(dialect: Dialect, text: &str) -> String {
    match dialect {
        Dialect::DataFusion => format!("'{}'", text.replace('\'', "''")),
        Dialect::BigQuery => {
            let mut out = String::from("'");
            for c in text.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
    }
}
