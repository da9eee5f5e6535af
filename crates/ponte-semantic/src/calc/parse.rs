//! A table calculation's text → [`Calc`], through the parser model
//! expressions use.

use sqlparser::ast::{self, BinaryOperator, UnaryOperator, Value};

use super::{Calc, CalcFunction, CalcOp};
use crate::model::sql_expr::{parse_with_references, reference};

/// The deepest nesting taken.
const MAX_DEPTH: usize = 48;

/// Parses a table calculation's `expression`.
pub fn parse_calc(text: &str) -> Result<Calc, String> {
    let (parsed, references) = parse_with_references(text)?;
    convert(&parsed, &references, 0)
}

fn convert(e: &ast::Expr, references: &[String], depth: usize) -> Result<Calc, String> {
    if depth > MAX_DEPTH {
        return Err(format!("the expression nests deeper than {MAX_DEPTH} levels"));
    }
    let sub = |e: &ast::Expr| convert(e, references, depth + 1).map(Box::new);
    Ok(match e {
        ast::Expr::Identifier(ident) => match reference(ident, references) {
            Some(name) => Calc::Field(name.to_owned()),
            None => return Err(format!("`{}` is not a field; write fields as `${{view.field}}`", ident.value)),
        },
        ast::Expr::Value(v) => match &v.value {
            Value::Number(n, false) => {
                Calc::Number(n.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or(format!("`{n}` is not a number"))?)
            }
            Value::Null => Calc::Null,
            Value::Boolean(b) => Calc::Number(if *b { 1.0 } else { 0.0 }),
            other => return Err(format!("`{other}` is not a value table calculations take (numbers, null)")),
        },
        ast::Expr::Nested(inner) => convert(inner, references, depth + 1)?,
        ast::Expr::UnaryOp { op: UnaryOperator::Minus, expr } => Calc::Negate(sub(expr)?),
        ast::Expr::UnaryOp { op: UnaryOperator::Plus, expr } => convert(expr, references, depth + 1)?,
        ast::Expr::UnaryOp { op: UnaryOperator::Not, expr } => Calc::Not(sub(expr)?),
        ast::Expr::BinaryOp { left, op, right } => {
            let op = match op {
                BinaryOperator::Plus => CalcOp::Add,
                BinaryOperator::Minus => CalcOp::Subtract,
                BinaryOperator::Multiply => CalcOp::Multiply,
                BinaryOperator::Divide => CalcOp::Divide,
                BinaryOperator::Eq => CalcOp::Eq,
                BinaryOperator::NotEq => CalcOp::NotEq,
                BinaryOperator::Lt => CalcOp::Lt,
                BinaryOperator::LtEq => CalcOp::LtEq,
                BinaryOperator::Gt => CalcOp::Gt,
                BinaryOperator::GtEq => CalcOp::GtEq,
                BinaryOperator::And => CalcOp::And,
                BinaryOperator::Or => CalcOp::Or,
                other => return Err(format!("operator `{other}` is not a table calculation operator")),
            };
            Calc::Binary { op, left: sub(left)?, right: sub(right)? }
        }
        ast::Expr::IsNull(e) => Calc::Binary { op: CalcOp::Eq, left: sub(e)?, right: Box::new(Calc::Null) },
        ast::Expr::IsNotNull(e) => Calc::Binary { op: CalcOp::NotEq, left: sub(e)?, right: Box::new(Calc::Null) },
        ast::Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            let Some(&(function, _, min, max)) = CalcFunction::ALL.iter().find(|(_, n, ..)| *n == name) else {
                let known: Vec<&str> = CalcFunction::ALL.iter().map(|(_, n, ..)| *n).collect();
                return Err(format!(
                    "`{name}` is not a table calculation function ponte has; it has {}",
                    known.join(", ")
                ));
            };
            if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
                return Err(format!("`{name}` takes plain arguments"));
            }
            let args = match &f.args {
                ast::FunctionArguments::List(list) if list.duplicate_treatment.is_none() && list.clauses.is_empty() => {
                    list.args
                        .iter()
                        .map(|a| match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                                convert(e, references, depth + 1)
                            }
                            other => Err(format!("argument `{other}` of `{name}` is not allowed")),
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
                ast::FunctionArguments::None => Vec::new(),
                _ => return Err(format!("`{name}` takes plain arguments")),
            };
            if args.len() < min || args.len() > max {
                return Err(format!("`{name}` takes {min} to {max} arguments, not {}", args.len()));
            }
            // A pivot column is one per calculation: its place is written as
            // a whole number, so evaluating it never fans out per row.
            if matches!(function, CalcFunction::PivotOffset | CalcFunction::PivotIndex) {
                let whole = match &args[1] {
                    Calc::Number(n) => n.fract() == 0.0,
                    Calc::Negate(inner) => matches!(**inner, Calc::Number(n) if n.fract() == 0.0),
                    _ => false,
                };
                if !whole {
                    return Err(format!("the second argument of `{name}` must be a whole number"));
                }
            }
            Calc::Call { function, args }
        }
        other => return Err(format!("`{other}` is not allowed in a table calculation")),
    })
}
