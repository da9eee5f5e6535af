//! Model text → [`Expr`]: `${…}` references taken out, the rest tokenized
//! and parsed by `sqlparser`, and its tree turned into ours node by node,
//! refusing whatever is not on the list.

use sqlparser::ast::{self, BinaryOperator, UnaryOperator, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use super::{AggregateFunction, BinaryOp, CastType, DatePart, Expr, Function, SqlExpr, WindowFunction};

/// The longest `sql` taken.
pub const MAX_SQL_CHARS: usize = 4096;
/// The deepest nesting taken (parentheses, `CASE` in `CASE`, …).
const MAX_DEPTH: usize = 48;
/// The most `${…}` references one expression makes.
const MAX_REFERENCES: usize = 64;
/// What a `${…}` reference becomes for the parser: an identifier no model
/// column may have (checked), numbered.
const REFERENCE: &str = "__ponte_ref_";

/// Parses a field's `sql`. The error says what is wrong, in the model's
/// words (`function \`SLEEP\` is not allowed; allowed: …`).
pub fn parse_sql_expr(text: &str) -> Result<SqlExpr, String> {
    let (parsed, references) = parse_with_references(text)?;
    let expr = Convert { references: &references, derived: false }.expr(&parsed, 0)?;
    Ok(SqlExpr { expr, text: text.to_owned() })
}

/// `sqlparser`'s tree of one expression with `${…}` references, and what
/// each reference (the identifier `__ponte_ref_<n>` in the tree) names:
/// the reading shared by model expressions and table calculations, with
/// the same bounds (size, nesting, no `;`, no comments).
pub(crate) fn parse_with_references(text: &str) -> Result<(ast::Expr, Vec<String>), String> {
    if text.chars().count() > MAX_SQL_CHARS {
        return Err(format!("the expression is over {MAX_SQL_CHARS} characters"));
    }
    let (replaced, references) = take_references(text)?;
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, &replaced).tokenize().map_err(|e| format!("cannot read `sql`: {e}"))?;
    refuse_separators(&tokens, "`sql` is one expression")?;
    let mut parser = Parser::new(&dialect).with_recursion_limit(MAX_DEPTH).with_tokens(tokens);
    let parsed = parser.parse_expr().map_err(|e| format!("cannot read `sql`: {e}"))?;
    let next = parser.peek_token().token;
    if next != Token::EOF {
        return Err(format!("`sql` is one expression; it goes on at `{next}`"));
    }
    Ok((parsed, references))
}

/// Refuses a `;` (a second statement) and comments (text that one reader
/// skips and another might not) anywhere in `tokens`; `what` starts the
/// message about `;`.
pub(crate) fn refuse_separators(tokens: &[Token], what: &str) -> Result<(), String> {
    for token in tokens {
        match token {
            Token::SemiColon => return Err(format!("{what}; `;` is not allowed")),
            Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)) => {
                return Err("comments are not allowed in `sql`".to_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

/// One expression of a derived table's SELECT as ponte's tree: a field's
/// grammar plus `table.column`, aggregates and window functions.
pub(crate) fn derived_expr(e: &ast::Expr, depth: usize) -> Result<Expr, String> {
    Convert { references: &[], derived: true }.expr(e, depth)
}

/// The deepest nesting taken, for derived-table SQL's own bound.
pub(crate) const MAX_EXPR_DEPTH: usize = MAX_DEPTH;

/// The reference an identifier of the parsed tree stands for, if it is one.
pub(crate) fn reference<'r>(ident: &ast::Ident, references: &'r [String]) -> Option<&'r str> {
    let n = ident.value.strip_prefix(REFERENCE)?.parse::<usize>().ok()?;
    if ident.quote_style.is_some() {
        return None;
    }
    references.get(n).map(String::as_str)
}

/// `text` with each `${…}` replaced by a numbered identifier, and what
/// each one named. `${TABLE}.col` is the column `col` itself.
fn take_references(text: &str) -> Result<(String, Vec<String>), String> {
    if text.to_ascii_lowercase().contains(REFERENCE) {
        return Err(format!("`{REFERENCE}…` is a name ponte keeps for itself"));
    }
    // A `${` inside a string literal would be rewritten like a reference.
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '$' if quoted && text[i..].starts_with("${") => {
                return Err("`${…}` inside a string literal is not a reference; write it outside the quotes".to_owned());
            }
            _ => {}
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut references = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("a `${` is not closed with `}`")?;
        let name = after[..end].trim();
        rest = &after[end + 1..];
        if name.eq_ignore_ascii_case("TABLE") {
            // `${TABLE}.col` → `col`; a bare `${TABLE}` is no value.
            rest = rest.strip_prefix('.').ok_or("`${TABLE}` must be followed by `.column`")?;
            continue;
        }
        let valid = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| valid(p)) {
            return Err(format!("`${{{name}}}` is not `${{field}}` or `${{view.field}}`"));
        }
        if references.len() == MAX_REFERENCES {
            return Err(format!("`sql` makes over {MAX_REFERENCES} references"));
        }
        out.push_str(&format!(" {REFERENCE}{} ", references.len()));
        references.push(name.to_owned());
    }
    out.push_str(rest);
    Ok((out, references))
}

struct Convert<'r> {
    references: &'r [String],
    /// Reading a derived table's SQL: `table.column`, aggregates and
    /// windows are allowed too.
    derived: bool,
}

impl Convert<'_> {
    fn expr(&self, e: &ast::Expr, depth: usize) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err(format!("`sql` nests deeper than {MAX_DEPTH} levels"));
        }
        let sub = |e: &ast::Expr| self.expr(e, depth + 1).map(Box::new);
        Ok(match e {
            ast::Expr::Identifier(ident) => self.identifier(ident)?,
            ast::Expr::CompoundIdentifier(parts) if self.derived => match parts.as_slice() {
                [table, column] => {
                    let (table, column) = (bare_name(table)?, bare_name(column)?);
                    Expr::Qualified { table, column }
                }
                _ => {
                    let names: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
                    return Err(format!("`{}` is not `table.column`", names.join(".")));
                }
            },
            ast::Expr::CompoundIdentifier(parts) => {
                let names: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
                return Err(format!(
                    "`{}` names another table; write `${{TABLE}}.column` for this view's columns or `${{view.field}}` for a field",
                    names.join(".")
                ));
            }
            ast::Expr::Value(v) => literal(&v.value)?,
            ast::Expr::Nested(inner) => self.expr(inner, depth + 1)?,
            ast::Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => Expr::Not(sub(expr)?),
                UnaryOperator::Minus => Expr::Negate(sub(expr)?),
                UnaryOperator::Plus => self.expr(expr, depth + 1)?,
                other => return Err(format!("operator `{other}` is not allowed")),
            },
            ast::Expr::BinaryOp { left, op, right } => {
                Expr::Binary { op: binary(op)?, left: sub(left)?, right: sub(right)? }
            }
            ast::Expr::IsNull(e) => Expr::IsNull { expr: sub(e)?, negated: false },
            ast::Expr::IsNotNull(e) => Expr::IsNull { expr: sub(e)?, negated: true },
            ast::Expr::Between { expr, negated, low, high } => {
                Expr::Between { expr: sub(expr)?, low: sub(low)?, high: sub(high)?, negated: *negated }
            }
            ast::Expr::InList { expr, list, negated } => Expr::InList {
                expr: sub(expr)?,
                list: list.iter().map(|x| self.expr(x, depth + 1)).collect::<Result<_, _>>()?,
                negated: *negated,
            },
            ast::Expr::Case { operand, conditions, else_result, .. } => Expr::Case {
                operand: operand.as_deref().map(sub).transpose()?,
                whens: conditions
                    .iter()
                    .map(|w| Ok((self.expr(&w.condition, depth + 1)?, self.expr(&w.result, depth + 1)?)))
                    .collect::<Result<_, String>>()?,
                otherwise: else_result.as_deref().map(sub).transpose()?,
            },
            ast::Expr::Cast { kind, expr, data_type, format, array, .. } => {
                if *kind != ast::CastKind::Cast || format.is_some() || *array {
                    return Err("only `CAST(value AS type)` is allowed".to_owned());
                }
                Expr::Cast { expr: sub(expr)?, to: cast_type(data_type)? }
            }
            ast::Expr::Extract { field, expr, .. } => Expr::Extract { part: date_part(field)?, expr: sub(expr)? },
            ast::Expr::Ceil { expr, field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) } => {
                Expr::Call { function: Function::Ceil, args: vec![self.expr(expr, depth + 1)?] }
            }
            ast::Expr::Floor { expr, field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) } => {
                Expr::Call { function: Function::Floor, args: vec![self.expr(expr, depth + 1)?] }
            }
            ast::Expr::Trim { expr, trim_where: None, trim_what: None, trim_characters: None } => {
                Expr::Call { function: Function::Trim, args: vec![self.expr(expr, depth + 1)?] }
            }
            ast::Expr::Substring { expr, substring_from: Some(from), substring_for, .. } => {
                let mut args = vec![self.expr(expr, depth + 1)?, self.expr(from, depth + 1)?];
                if let Some(len) = substring_for {
                    args.push(self.expr(len, depth + 1)?);
                }
                Expr::Call { function: Function::Substr, args }
            }
            ast::Expr::Function(f) => self.function(f, depth)?,
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                return Err("subqueries are not allowed in `sql`".to_owned());
            }
            other => return Err(format!("`{other}` is not allowed in `sql`")),
        })
    }

    fn identifier(&self, ident: &ast::Ident) -> Result<Expr, String> {
        if let Some(reference) = reference(ident, self.references) {
            return Ok(Expr::Field(reference.to_owned()));
        }
        Ok(Expr::Column(bare_name(ident)?))
    }

    fn function(&self, f: &ast::Function, depth: usize) -> Result<Expr, String> {
        let name = f.name.to_string().to_ascii_uppercase();
        if self.derived
            && let Some(e) = self.derived_function(f, &name, depth)?
        {
            return Ok(e);
        }
        let Some(&(function, _, min, max)) = Function::ALL.iter().find(|(_, n, ..)| *n == name) else {
            let allowed: Vec<&str> = Function::ALL.iter().map(|(_, n, ..)| *n).collect();
            return Err(format!("function `{name}` is not allowed; allowed: {}", allowed.join(", ")));
        };
        if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() || f.null_treatment.is_some() {
            return Err(format!("`{name}` takes no window, FILTER or WITHIN GROUP"));
        }
        if !matches!(f.parameters, ast::FunctionArguments::None) {
            return Err(format!("`{name}` takes one argument list"));
        }
        let args = match &f.args {
            ast::FunctionArguments::List(list) if list.duplicate_treatment.is_none() && list.clauses.is_empty() => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => self.expr(e, depth + 1),
                    other => Err(format!("argument `{other}` of `{name}` is not allowed")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            ast::FunctionArguments::List(_) => return Err(format!("`{name}` takes plain arguments")),
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::Subquery(_) => return Err("subqueries are not allowed in `sql`".to_owned()),
        };
        if args.len() < min || args.len() > max {
            let wanted = if min == max { min.to_string() } else { format!("{min} to {max}") };
            return Err(format!("`{name}` takes {wanted} arguments, not {}", args.len()));
        }
        Ok(Expr::Call { function, args })
    }
}

impl Convert<'_> {
    /// An aggregate or window call of a derived table, or `None` for the
    /// scalar functions (read as in a field).
    fn derived_function(&self, f: &ast::Function, name: &str, depth: usize) -> Result<Option<Expr>, String> {
        let aggregate = AggregateFunction::ALL.iter().find(|(_, n)| *n == name).map(|(a, _)| *a);
        let ranking = WindowFunction::RANKING.iter().find(|(_, n, ..)| *n == name).copied();
        if aggregate.is_none() && ranking.is_none() {
            return Ok(None);
        }
        if f.filter.is_some() || !f.within_group.is_empty() || f.null_treatment.is_some() {
            return Err(format!("`{name}` takes no FILTER, WITHIN GROUP or NULLS option"));
        }
        if !matches!(f.parameters, ast::FunctionArguments::None) {
            return Err(format!("`{name}` takes one argument list"));
        }
        let mut distinct = false;
        let mut star = false;
        let args = match &f.args {
            ast::FunctionArguments::List(list) if list.clauses.is_empty() => {
                distinct = matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct));
                let mut args = Vec::new();
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(self.expr(e, depth + 1)?),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) if name == "COUNT" => star = true,
                        other => return Err(format!("argument `{other}` of `{name}` is not allowed")),
                    }
                }
                args
            }
            ast::FunctionArguments::List(_) => return Err(format!("`{name}` takes plain arguments")),
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::Subquery(_) => return Err("subqueries are not allowed in `sql`".to_owned()),
        };
        let window = match &f.over {
            None => None,
            Some(ast::WindowType::NamedWindow(w)) => {
                return Err(format!("named window `{w}` is not allowed; write `OVER (…)` in full"));
            }
            Some(ast::WindowType::WindowSpec(spec)) => Some(self.window(spec, depth)?),
        };
        match (aggregate, ranking, window) {
            (Some(function), _, window) => {
                let arg = match (star, args.as_slice()) {
                    (true, []) if !distinct => None,
                    (false, [one]) => Some(Box::new(one.clone())),
                    _ => return Err(format!("`{name}` takes one argument (or `*` for COUNT)")),
                };
                Ok(Some(match window {
                    None => Expr::Aggregate { function, distinct, arg },
                    Some(_) if distinct => return Err(format!("`{name}(DISTINCT …) OVER (…)` is not allowed")),
                    Some((partition_by, order_by)) => Expr::Window {
                        function: WindowFunction::Aggregate(function),
                        args: arg.map(|a| vec![*a]).unwrap_or_default(),
                        partition_by,
                        order_by,
                    },
                }))
            }
            (None, Some((function, _, min, max)), Some((partition_by, order_by))) => {
                if distinct || args.len() < min || args.len() > max {
                    let wanted = if min == max { min.to_string() } else { format!("{min} to {max}") };
                    return Err(format!("`{name}` takes {wanted} arguments, not {}", args.len()));
                }
                Ok(Some(Expr::Window { function, args, partition_by, order_by }))
            }
            (None, _, None) => Err(format!("`{name}` is a window function; it needs `OVER (…)`")),
            (None, None, Some(_)) => Ok(None),
        }
    }

    /// `OVER (PARTITION BY … ORDER BY …)`; frames and named windows are
    /// refused (the default frame is the same in both dialects).
    #[allow(clippy::type_complexity)]
    fn window(&self, spec: &ast::WindowSpec, depth: usize) -> Result<(Vec<Expr>, Vec<(Expr, bool)>), String> {
        if spec.window_name.is_some() {
            return Err("named windows are not allowed; write `OVER (…)` in full".to_owned());
        }
        if spec.window_frame.is_some() {
            return Err("window frames (`ROWS`/`RANGE …`) are not allowed".to_owned());
        }
        let partition_by = spec.partition_by.iter().map(|e| self.expr(e, depth + 1)).collect::<Result<_, _>>()?;
        let order_by =
            spec.order_by.iter().map(|o| order_key(o, &|e| self.expr(e, depth + 1))).collect::<Result<_, _>>()?;
        Ok((partition_by, order_by))
    }
}

/// An `ORDER BY` key as (expression, descending); `NULLS FIRST/LAST` and
/// `WITH FILL` are refused (ponte writes the null order itself, the same in
/// both dialects).
pub(crate) fn order_key(
    o: &ast::OrderByExpr,
    expr: &dyn Fn(&ast::Expr) -> Result<Expr, String>,
) -> Result<(Expr, bool), String> {
    if o.options.nulls_first.is_some() || o.with_fill.is_some() {
        return Err("`NULLS FIRST/LAST` and `WITH FILL` are not allowed in `ORDER BY`".to_owned());
    }
    Ok((expr(&o.expr)?, o.options.asc == Some(false)))
}

/// A bare identifier (letters, digits, `_`; not starting with a digit; at
/// most 128 characters), quoted or not: what ponte writes back quoted for
/// the dialect, so no quote character can ever be in it.
pub(crate) fn bare_name(ident: &ast::Ident) -> Result<String, String> {
    let name = ident.value.as_str();
    let valid = !name.is_empty()
        && name.len() <= 128
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("`{name}` is not a name (letters, digits and `_`)"));
    }
    Ok(name.to_owned())
}

fn literal(v: &Value) -> Result<Expr, String> {
    Ok(match v {
        Value::Number(text, false) => {
            let ok = text.parse::<f64>().is_ok_and(f64::is_finite)
                && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
            if !ok {
                return Err(format!("`{text}` is not a number"));
            }
            Expr::Number(text.clone())
        }
        Value::SingleQuotedString(s) => Expr::Text(s.clone()),
        Value::Boolean(b) => Expr::Bool(*b),
        Value::Null => Expr::Null,
        other => return Err(format!("`{other}` is not a literal ponte takes (numbers, 'text', TRUE, FALSE, NULL)")),
    })
}

fn binary(op: &BinaryOperator) -> Result<BinaryOp, String> {
    Ok(match op {
        BinaryOperator::Plus => BinaryOp::Add,
        BinaryOperator::Minus => BinaryOp::Subtract,
        BinaryOperator::Multiply => BinaryOp::Multiply,
        BinaryOperator::Divide => BinaryOp::Divide,
        BinaryOperator::Modulo => BinaryOp::Modulo,
        BinaryOperator::Eq => BinaryOp::Eq,
        BinaryOperator::NotEq => BinaryOp::NotEq,
        BinaryOperator::Lt => BinaryOp::Lt,
        BinaryOperator::LtEq => BinaryOp::LtEq,
        BinaryOperator::Gt => BinaryOp::Gt,
        BinaryOperator::GtEq => BinaryOp::GtEq,
        BinaryOperator::And => BinaryOp::And,
        BinaryOperator::Or => BinaryOp::Or,
        BinaryOperator::StringConcat => BinaryOp::Concat,
        other => return Err(format!("operator `{other}` is not allowed")),
    })
}

fn cast_type(t: &ast::DataType) -> Result<CastType, String> {
    let text = t.to_string().to_ascii_uppercase();
    let name = text.split(['(', ' ']).next().unwrap_or_default();
    Ok(match name {
        "STRING" | "TEXT" | "VARCHAR" | "CHAR" => CastType::String,
        "INT" | "INTEGER" | "BIGINT" | "INT64" | "SMALLINT" => CastType::Integer,
        "FLOAT" | "FLOAT64" | "DOUBLE" | "REAL" => CastType::Float,
        "NUMERIC" | "DECIMAL" => CastType::Numeric,
        "BOOL" | "BOOLEAN" => CastType::Boolean,
        "DATE" => CastType::Date,
        "TIMESTAMP" | "DATETIME" => CastType::Timestamp,
        _ => {
            return Err(format!(
                "`CAST` to `{text}` is not allowed; cast to STRING, INTEGER, FLOAT, NUMERIC, BOOLEAN, DATE or TIMESTAMP"
            ));
        }
    })
}

fn date_part(field: &ast::DateTimeField) -> Result<DatePart, String> {
    Ok(match field {
        ast::DateTimeField::Year => DatePart::Year,
        ast::DateTimeField::Quarter => DatePart::Quarter,
        ast::DateTimeField::Month => DatePart::Month,
        ast::DateTimeField::Day => DatePart::Day,
        ast::DateTimeField::Hour => DatePart::Hour,
        ast::DateTimeField::Minute => DatePart::Minute,
        ast::DateTimeField::Second => DatePart::Second,
        other => {
            return Err(format!(
                "`EXTRACT({other} …)` is not allowed; take YEAR, QUARTER, MONTH, DAY, HOUR, MINUTE or SECOND"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Expr {
        parse_sql_expr(text).unwrap_or_else(|e| panic!("{text}: {e}")).expr
    }

    fn err(text: &str) -> String {
        parse_sql_expr(text).expect_err(text)
    }

    #[test]
    fn lookml_expressions_parse_into_the_tree() {
        let e = ok("${TABLE}.valor_total * 1.1");
        assert_eq!(
            e,
            Expr::Binary {
                op: BinaryOp::Multiply,
                left: Box::new(Expr::Column("valor_total".into())),
                right: Box::new(Expr::Number("1.1".into()))
            }
        );
        let case = parse_sql_expr(
            "CASE WHEN ${valor} >= 100000 THEN 'grande' WHEN ${faturas.valor} IS NULL THEN NULL ELSE 'pequena' END",
        )
        .unwrap();
        assert_eq!(case.fields(), ["valor", "faturas.valor"]);
        assert!(matches!(case.expr, Expr::Case { ref whens, .. } if whens.len() == 2));
        let f = parse_sql_expr("coalesce(${TABLE}.a, b, 0) + EXTRACT(YEAR FROM c) + CAST(d AS INT64)").unwrap();
        assert_eq!(f.columns(), ["a", "b", "c", "d"]);
        assert!(matches!(
            ok("UPPER(TRIM(nome)) || '-' || SUBSTR(uf, 1, 2)"),
            Expr::Binary { op: BinaryOp::Concat, .. }
        ));
        assert!(matches!(ok("x NOT IN (1, 2) AND y BETWEEN 1 AND 2"), Expr::Binary { op: BinaryOp::And, .. }));
        assert!(matches!(ok("-(a)"), Expr::Negate(_)));
    }

    #[test]
    fn anything_but_one_allowed_expression_is_refused_with_the_reason() {
        assert!(err("a; DROP TABLE x").contains("`;` is not allowed"));
        assert!(err("a -- hidden").contains("comments are not allowed"));
        assert!(err("a /* x */ + 1").contains("comments are not allowed"));
        assert!(err("(SELECT max(a) FROM t)").contains("subqueries are not allowed"));
        assert!(err("a IN (SELECT b FROM t)").contains("subqueries are not allowed"));
        assert!(err("SLEEP(10)").contains("function `SLEEP` is not allowed; allowed: COALESCE"));
        assert!(err("SUM(a) OVER ()").contains("function `SUM` is not allowed"));
        assert!(err("COALESCE(a) OVER ()").contains("takes no window"));
        assert!(err("other.col + 1").contains("names another table"));
        assert!(err("a b").contains("goes on at"));
        assert!(err("${TABLE}").contains("must be followed by `.column`"));
        assert!(err("${a.b.c}").contains("is not `${field}`"));
        assert!(err("${a").contains("not closed"));
        assert!(err("CAST(a AS BYTES)").contains("`CAST` to `BYTES` is not allowed"));
        assert!(err("NULLIF(a)").contains("`NULLIF` takes 2 arguments, not 1"));
        assert!(err("\"__ponte_ref_0\"").contains("keeps for itself"));
        assert!(err("__ponte_ref_0 + 1").contains("keeps for itself"), "not even unquoted");
        assert!(err("'${x}' || a").contains("inside a string literal"));
        assert!(parse_sql_expr("'it''s' || ${x}").is_ok(), "a quote doubled inside a string");
        assert!(err(&"(".repeat(200)).contains("cannot read") || err(&"(".repeat(200)).contains("deeper"));
        let deep = format!("{}a{}", "(".repeat(60), ")".repeat(60));
        assert!(parse_sql_expr(&deep).is_err(), "nesting is bounded");
        assert!(err(&"a + ".repeat(2000)).contains("over 4096 characters"));
        assert!(err("$1 + a").contains("not a literal") || err("$1 + a").contains("not allowed"));
        assert!(err("a LIKE 'x%'").contains("is not allowed"));
    }
}
