//! The type of an expression, from its columns' kinds in the schema files
//! and its referenced dimensions' declared types: what `ponte validate`
//! checks an expression with (`UPPER(valor_total)` is a string function
//! over a number; a `number` dimension whose `CASE` gives text).

use super::{AggregateFunction, BinaryOp, CastType, Expr, Function, WindowFunction};
use crate::model::ColumnKind;

/// What an expression gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprType {
    /// Any number.
    Number,
    /// Text.
    String,
    /// `TRUE`/`FALSE`.
    Boolean,
    /// A calendar date.
    Date,
    /// A point in time.
    Timestamp,
    /// `NULL`: fits anything.
    Null,
    /// Not known (a column of another kind, or not in the schema files):
    /// fits anything, so only what is known is checked.
    Unknown,
}

impl ExprType {
    /// The type of a column of `kind`.
    pub fn of_column(kind: ColumnKind) -> ExprType {
        match kind {
            ColumnKind::Integer | ColumnKind::Float | ColumnKind::Numeric => ExprType::Number,
            ColumnKind::String => ExprType::String,
            ColumnKind::Boolean => ExprType::Boolean,
            ColumnKind::Date => ExprType::Date,
            ColumnKind::Timestamp => ExprType::Timestamp,
            ColumnKind::Other => ExprType::Unknown,
        }
    }

    /// Its name in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ExprType::Number => "a number",
            ExprType::String => "a string",
            ExprType::Boolean => "a boolean",
            ExprType::Date => "a date",
            ExprType::Timestamp => "a timestamp",
            ExprType::Null => "NULL",
            ExprType::Unknown => "of unknown type",
        }
    }

    /// Whether a value of this type can stand where `wanted` is asked.
    pub fn fits(self, wanted: ExprType) -> bool {
        self == wanted
            || matches!(self, ExprType::Null | ExprType::Unknown)
            || matches!(wanted, ExprType::Unknown)
            || matches!((self, wanted), (ExprType::Date, ExprType::Timestamp) | (ExprType::Timestamp, ExprType::Date))
            // `${TABLE}.day >= '2024-01-01'`: both dialects read the text as a date.
            || matches!((self, wanted), (ExprType::String, ExprType::Date | ExprType::Timestamp))
    }
}

/// How an expression's names are typed.
pub struct Typing<'t> {
    /// A column's kind in the schema files, if it is there; a derived
    /// table's `t.column` is asked as `"t.column"`.
    pub column: &'t dyn Fn(&str) -> Option<ColumnKind>,
    /// A referenced dimension's type.
    pub field: &'t dyn Fn(&str) -> Option<ExprType>,
}

/// The type of `expr`, or what in it does not fit.
pub fn infer(expr: &Expr, typing: &Typing<'_>) -> Result<ExprType, String> {
    let want = |e: &Expr, wanted: ExprType, role: &str| -> Result<ExprType, String> {
        let t = infer(e, typing)?;
        if t.fits(wanted) {
            Ok(t)
        } else {
            Err(format!("{role} takes {}, but {} is {}", wanted.describe(), shown(e), t.describe()))
        }
    };
    Ok(match expr {
        Expr::Column(c) => (typing.column)(c).map_or(ExprType::Unknown, ExprType::of_column),
        Expr::Field(f) => (typing.field)(f).unwrap_or(ExprType::Unknown),
        Expr::Number(_) => ExprType::Number,
        Expr::Text(_) => ExprType::String,
        Expr::Bool(_) => ExprType::Boolean,
        Expr::Null => ExprType::Null,
        Expr::Not(e) => {
            want(e, ExprType::Boolean, "`NOT`")?;
            ExprType::Boolean
        }
        Expr::Negate(e) => {
            want(e, ExprType::Number, "`-`")?;
            ExprType::Number
        }
        Expr::Binary { op, left, right } => match op {
            BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => {
                want(left, ExprType::Number, "arithmetic")?;
                want(right, ExprType::Number, "arithmetic")?;
                ExprType::Number
            }
            BinaryOp::And | BinaryOp::Or => {
                want(left, ExprType::Boolean, "`AND`/`OR`")?;
                want(right, ExprType::Boolean, "`AND`/`OR`")?;
                ExprType::Boolean
            }
            BinaryOp::Concat => {
                want(left, ExprType::String, "`||`")?;
                want(right, ExprType::String, "`||`")?;
                ExprType::String
            }
            _ => {
                let l = infer(left, typing)?;
                want(right, l, "a comparison")?;
                ExprType::Boolean
            }
        },
        Expr::Case { operand, whens, otherwise } => {
            let operand_type = operand.as_deref().map(|o| infer(o, typing)).transpose()?;
            let mut result = ExprType::Null;
            for (when, then) in whens {
                match operand_type {
                    Some(t) => want(when, t, "`CASE`'s `WHEN`")?,
                    None => want(when, ExprType::Boolean, "`WHEN`")?,
                };
                result = common(result, infer(then, typing)?, then, "`CASE`'s results")?;
            }
            if let Some(o) = otherwise {
                result = common(result, infer(o, typing)?, o, "`CASE`'s results")?;
            }
            result
        }
        Expr::Call { function, args } => call(*function, args, typing)?,
        Expr::Cast { expr, to } => {
            infer(expr, typing)?;
            match to {
                CastType::String => ExprType::String,
                CastType::Integer | CastType::Float | CastType::Numeric => ExprType::Number,
                CastType::Boolean => ExprType::Boolean,
                CastType::Date => ExprType::Date,
                CastType::Timestamp => ExprType::Timestamp,
            }
        }
        Expr::IsNull { expr, .. } => {
            infer(expr, typing)?;
            ExprType::Boolean
        }
        Expr::Between { expr, low, high, .. } => {
            let t = infer(expr, typing)?;
            want(low, t, "`BETWEEN`")?;
            want(high, t, "`BETWEEN`")?;
            ExprType::Boolean
        }
        Expr::InList { expr, list, .. } => {
            let t = infer(expr, typing)?;
            for item in list {
                want(item, t, "`IN`")?;
            }
            ExprType::Boolean
        }
        Expr::Extract { expr, .. } => {
            want(expr, ExprType::Timestamp, "`EXTRACT`")?;
            ExprType::Number
        }
        Expr::Qualified { table, column } => {
            (typing.column)(&format!("{table}.{column}")).map_or(ExprType::Unknown, ExprType::of_column)
        }
        Expr::Aggregate { function, arg, .. } => aggregate(*function, arg.as_deref(), typing)?,
        Expr::Window { function, args, partition_by, order_by } => {
            for e in partition_by.iter().chain(order_by.iter().map(|(e, _)| e)) {
                infer(e, typing)?;
            }
            match function {
                WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank => ExprType::Number,
                WindowFunction::Lag | WindowFunction::Lead => {
                    if let Some(offset) = args.get(1) {
                        want(offset, ExprType::Number, "the offset of `LAG`/`LEAD`")?;
                    }
                    args.first().map(|a| infer(a, typing)).transpose()?.unwrap_or(ExprType::Unknown)
                }
                WindowFunction::Aggregate(f) => aggregate(*f, args.first(), typing)?,
            }
        }
    })
}

/// The type of an aggregate of `arg` (`None`: `COUNT(*)`).
fn aggregate(function: AggregateFunction, arg: Option<&Expr>, typing: &Typing<'_>) -> Result<ExprType, String> {
    let t = arg.map(|a| infer(a, typing)).transpose()?.unwrap_or(ExprType::Unknown);
    Ok(match function {
        AggregateFunction::Count => ExprType::Number,
        AggregateFunction::Sum | AggregateFunction::Avg => {
            if !t.fits(ExprType::Number) {
                let shown = arg.map_or_else(|| "`*`".to_owned(), shown);
                return Err(format!("`{}` takes a number, but {shown} is {}", function.name(), t.describe()));
            }
            ExprType::Number
        }
        AggregateFunction::Min | AggregateFunction::Max => t,
    })
}

fn call(function: Function, args: &[Expr], typing: &Typing<'_>) -> Result<ExprType, String> {
    let name = function.name();
    let each = |wanted: ExprType| -> Result<(), String> {
        for a in args {
            let t = infer(a, typing)?;
            if !t.fits(wanted) {
                return Err(format!("`{name}` takes {}, but {} is {}", wanted.describe(), shown(a), t.describe()));
            }
        }
        Ok(())
    };
    Ok(match function {
        Function::Coalesce | Function::Nullif | Function::Greatest | Function::Least => {
            let mut result = ExprType::Null;
            for a in args {
                result = common(result, infer(a, typing)?, a, &format!("`{name}`'s arguments"))?;
            }
            result
        }
        Function::Abs | Function::Round | Function::Floor | Function::Ceil => {
            each(ExprType::Number)?;
            ExprType::Number
        }
        Function::Lower | Function::Upper | Function::Trim | Function::Concat => {
            each(ExprType::String)?;
            ExprType::String
        }
        Function::Length => {
            each(ExprType::String)?;
            ExprType::Number
        }
        Function::Substr => {
            let (text, positions) = args.split_first().ok_or("`SUBSTR` takes a string")?;
            let t = infer(text, typing)?;
            if !t.fits(ExprType::String) {
                return Err(format!("`SUBSTR` takes a string, but {} is {}", shown(text), t.describe()));
            }
            for p in positions {
                let t = infer(p, typing)?;
                if !t.fits(ExprType::Number) {
                    return Err(format!("`SUBSTR` takes number positions, but {} is {}", shown(p), t.describe()));
                }
            }
            ExprType::String
        }
    })
}

/// The type two branches share, or why they do not.
fn common(so_far: ExprType, next: ExprType, at: &Expr, what: &str) -> Result<ExprType, String> {
    match (so_far, next) {
        (ExprType::Null | ExprType::Unknown, t) => Ok(t),
        (t, ExprType::Null | ExprType::Unknown) => Ok(t),
        (a, b) if a.fits(b) => Ok(a),
        (a, b) => Err(format!("{what} mix {} and {} ({})", a.describe(), b.describe(), shown(at))),
    }
}

/// A node as messages name it: a column, a field, a literal, else "a value".
fn shown(e: &Expr) -> String {
    match e {
        Expr::Column(c) => format!("column `{c}`"),
        Expr::Qualified { table, column } => format!("column `{table}.{column}`"),
        Expr::Field(f) => format!("`${{{f}}}`"),
        Expr::Number(n) => format!("`{n}`"),
        Expr::Text(t) => format!("'{t}'"),
        Expr::Call { function, .. } => format!("`{}(…)`", function.name()),
        _ => "an operand".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sql_expr::parse_sql_expr;

    fn typed(text: &str) -> Result<ExprType, String> {
        let expr = parse_sql_expr(text).unwrap().expr;
        let column = |c: &str| match c {
            "valor" => Some(ColumnKind::Numeric),
            "nome" => Some(ColumnKind::String),
            "quando" => Some(ColumnKind::Date),
            "pago" => Some(ColumnKind::Boolean),
            _ => None,
        };
        let field = |f: &str| (f == "faixa").then_some(ExprType::String);
        infer(&expr, &Typing { column: &column, field: &field })
    }

    #[test]
    fn an_expression_has_the_type_its_columns_and_functions_give() {
        assert_eq!(typed("${TABLE}.valor * 1.1"), Ok(ExprType::Number));
        assert_eq!(typed("CASE WHEN valor > 10 THEN 'a' ELSE NULL END"), Ok(ExprType::String));
        assert_eq!(typed("COALESCE(nome, ${faixa}, 'x')"), Ok(ExprType::String));
        assert_eq!(typed("EXTRACT(YEAR FROM quando) + 1"), Ok(ExprType::Number));
        assert_eq!(typed("pago AND valor BETWEEN 1 AND 2"), Ok(ExprType::Boolean));
        assert_eq!(typed("LENGTH(SUBSTR(nome, 1, 3))"), Ok(ExprType::Number));
        assert_eq!(typed("CAST(valor AS STRING) || nome"), Ok(ExprType::String));
        assert_eq!(typed("desconhecida + 1"), Ok(ExprType::Number), "an unknown column fits anything");
    }

    #[test]
    fn what_does_not_fit_is_named() {
        assert_eq!(typed("nome * 2").unwrap_err(), "arithmetic takes a number, but column `nome` is a string");
        assert_eq!(typed("UPPER(valor)").unwrap_err(), "`UPPER` takes a string, but column `valor` is a number");
        assert_eq!(
            typed("CASE WHEN pago THEN 1 ELSE 'x' END").unwrap_err(),
            "`CASE`'s results mix a number and a string ('x')"
        );
        assert_eq!(
            typed("CASE WHEN valor THEN 1 END").unwrap_err(),
            "`WHEN` takes a boolean, but column `valor` is a number"
        );
        assert_eq!(
            typed("EXTRACT(YEAR FROM valor)").unwrap_err(),
            "`EXTRACT` takes a timestamp, but column `valor` is a number"
        );
        assert_eq!(typed("valor = 'x'").unwrap_err(), "a comparison takes a number, but 'x' is a string");
        assert_eq!(typed("quando >= '2024-01-01'"), Ok(ExprType::Boolean), "text reads as a date, as in SQL");
    }
}
