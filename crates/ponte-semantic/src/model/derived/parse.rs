//! A derived table's SQL text → [`DerivedQuery`]: tokenized and parsed by
//! `sqlparser`, then converted clause by clause. Whatever is not converted
//! is refused with the reason, never dropped, so the query ponte writes
//! means what the model says.

use sqlparser::ast::{self, JoinConstraint, JoinOperator, SetExpr, Statement, TableFactor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{DerivedQuery, Join, JoinKind, Select, SelectItem, TableRef};
use crate::model::sql_expr::Expr;
use crate::model::sql_expr::parse::{MAX_EXPR_DEPTH, bare_name, derived_expr, refuse_separators};

/// The longest derived-table `sql` taken.
pub const MAX_DERIVED_SQL_CHARS: usize = 16_384;
/// The most `WITH` tables.
const MAX_CTES: usize = 8;
/// The most joins in one SELECT.
const MAX_JOINS: usize = 8;
/// The most output columns of one SELECT.
const MAX_ITEMS: usize = 256;
/// The most expression nodes in the whole query.
const MAX_NODES: usize = 5_000;

/// Parses a view's `derived_table.sql`. The error says what was refused.
pub fn parse_derived_sql(text: &str) -> Result<DerivedQuery, String> {
    if text.chars().count() > MAX_DERIVED_SQL_CHARS {
        return Err(format!("the derived table's `sql` is over {MAX_DERIVED_SQL_CHARS} characters"));
    }
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, text).tokenize().map_err(|e| format!("cannot read `sql`: {e}"))?;
    refuse_separators(&tokens, "a derived table is one SELECT")?;
    if tokens.iter().any(|t| matches!(t, Token::Placeholder(_))) {
        return Err("placeholders (`$1`, `?`) are not allowed in a derived table".to_owned());
    }
    let mut parser = Parser::new(&dialect).with_recursion_limit(MAX_EXPR_DEPTH).with_tokens(tokens);
    let statement = parser.parse_statement().map_err(|e| format!("cannot read `sql`: {e}"))?;
    let next = parser.peek_token().token;
    if next != Token::EOF {
        return Err(format!("a derived table is one SELECT; it goes on at `{next}`"));
    }
    let Statement::Query(query) = statement else {
        let word = text.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        return Err(format!("a derived table is one SELECT; `{word}` is not allowed"));
    };
    let mut ctes: Vec<(String, Select)> = Vec::new();
    if let Some(with) = &query.with {
        if with.recursive {
            return Err("`WITH RECURSIVE` is not allowed".to_owned());
        }
        if with.cte_tables.len() > MAX_CTES {
            return Err(format!("a derived table takes at most {MAX_CTES} `WITH` tables"));
        }
        for cte in &with.cte_tables {
            if !cte.alias.columns.is_empty() || cte.from.is_some() || cte.materialized.is_some() {
                return Err(format!("write `WITH {} AS (SELECT …)` plainly", cte.alias.name));
            }
            let name = bare_name(&cte.alias.name)?;
            if ctes.iter().any(|(n, _)| *n == name) {
                return Err(format!("`WITH` table `{name}` is named twice"));
            }
            if cte.query.with.is_some() {
                return Err(format!("`WITH` inside `WITH` table `{name}` is not allowed"));
            }
            let select = query_select(&cte.query, &ctes).map_err(|e| format!("in `WITH` table `{name}`: {e}"))?;
            ctes.push((name, select));
        }
    }
    let body = query_select(&query, &ctes)?;
    let derived = DerivedQuery { ctes, body };
    let mut nodes = 0usize;
    for_each_expr(&derived, &mut |e| e.visit(&mut |_| nodes += 1));
    if nodes > MAX_NODES {
        return Err(format!("the derived table's `sql` has over {MAX_NODES} terms"));
    }
    Ok(derived)
}

/// Calls `f` on every top-level expression of the query.
pub(crate) fn for_each_expr<'q>(q: &'q DerivedQuery, f: &mut dyn FnMut(&'q Expr)) {
    for select in q.ctes.iter().map(|(_, s)| s).chain(std::iter::once(&q.body)) {
        select.items.iter().for_each(|i| f(&i.expr));
        select.joins.iter().for_each(|j| f(&j.on));
        select.filter.iter().chain(select.having.iter()).chain(select.group_by.iter()).for_each(&mut *f);
    }
}

/// A query that is a plain SELECT: no ORDER BY, LIMIT or set operation
/// (`WITH` is taken by the caller).
fn query_select(query: &ast::Query, ctes: &[(String, Select)]) -> Result<Select, String> {
    if query.order_by.is_some() {
        return Err("`ORDER BY` is not allowed: a derived table's rows have no order; sort in the query".to_owned());
    }
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return Err("`LIMIT`/`FETCH` is not allowed in a derived table".to_owned());
    }
    if !query.locks.is_empty()
        || query.for_clause.is_some()
        || query.settings.is_some()
        || query.format_clause.is_some()
        || !query.pipe_operators.is_empty()
    {
        return Err("only `SELECT … FROM … [WHERE] [GROUP BY] [HAVING]` is allowed".to_owned());
    }
    match query.body.as_ref() {
        SetExpr::Select(select) => select_of(select, ctes),
        SetExpr::SetOperation { op, .. } => Err(format!("`{op}` is not allowed; a derived table is one SELECT")),
        SetExpr::Query(_) => Err("a parenthesised query is not allowed; write the SELECT plainly".to_owned()),
        other => Err(format!("`{}` is not allowed; a derived table is one SELECT", first_word(&other.to_string()))),
    }
}

fn first_word(text: &str) -> String {
    text.split_whitespace().next().unwrap_or_default().to_ascii_uppercase()
}

fn select_of(s: &ast::Select, ctes: &[(String, Select)]) -> Result<Select, String> {
    let ast::Select {
        select_token: _,
        optimizer_hints,
        distinct,
        select_modifiers,
        top,
        top_before_distinct: _,
        projection,
        exclude,
        into,
        from,
        lateral_views,
        prewhere,
        selection,
        connect_by,
        group_by,
        cluster_by,
        distribute_by,
        sort_by,
        having,
        named_window,
        qualify,
        window_before_qualify: _,
        value_table_mode,
        flavor,
    } = s;
    let unsupported = !optimizer_hints.is_empty()
        || select_modifiers.is_some()
        || top.is_some()
        || exclude.is_some()
        || !lateral_views.is_empty()
        || prewhere.is_some()
        || !connect_by.is_empty()
        || !cluster_by.is_empty()
        || !distribute_by.is_empty()
        || !sort_by.is_empty()
        || value_table_mode.is_some()
        || !matches!(flavor, ast::SelectFlavor::Standard);
    if unsupported {
        return Err("only `SELECT … FROM … [WHERE] [GROUP BY] [HAVING]` is allowed".to_owned());
    }
    if into.is_some() {
        return Err("`SELECT … INTO` is not allowed".to_owned());
    }
    if qualify.is_some() || !named_window.is_empty() {
        return Err("`QUALIFY` and `WINDOW` are not allowed; write `OVER (…)` in full".to_owned());
    }
    let distinct = match distinct {
        None | Some(ast::Distinct::All) => false,
        Some(ast::Distinct::Distinct) => true,
        Some(ast::Distinct::On(_)) => return Err("`DISTINCT ON` is not allowed".to_owned()),
    };
    let [table] = from.as_slice() else {
        return Err(match from.len() {
            0 => "a derived table reads `FROM` a table".to_owned(),
            _ => "write `JOIN … ON …` rather than tables separated by commas".to_owned(),
        });
    };
    if table.joins.len() > MAX_JOINS {
        return Err(format!("a SELECT of a derived table takes at most {MAX_JOINS} joins"));
    }
    let from = table_ref(&table.relation, ctes)?;
    let joins = table.joins.iter().map(|j| join(j, ctes)).collect::<Result<Vec<_>, _>>()?;

    if projection.len() > MAX_ITEMS {
        return Err(format!("a SELECT of a derived table takes at most {MAX_ITEMS} columns"));
    }
    let mut items: Vec<SelectItem> = Vec::new();
    for item in projection {
        let (expr, alias) = match item {
            ast::SelectItem::ExprWithAlias { expr, alias } => (derived_expr(expr, 0)?, bare_name(alias)?),
            ast::SelectItem::UnnamedExpr(expr) => {
                let e = derived_expr(expr, 0)?;
                let alias = match &e {
                    Expr::Column(c) | Expr::Qualified { column: c, .. } => c.clone(),
                    _ => return Err(format!("name the column `{expr}` with `AS name`")),
                };
                (e, alias)
            }
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                return Err("`*` is not allowed; list the columns (their names are the view's columns)".to_owned());
            }
            ast::SelectItem::ExprWithAliases { .. } => return Err(format!("`{item}` is not allowed")),
        };
        if items.iter().any(|i| i.alias.eq_ignore_ascii_case(&alias)) {
            return Err(format!("column `{alias}` is named twice; give one another name with `AS`"));
        }
        items.push(SelectItem { expr, alias });
    }
    if items.is_empty() {
        return Err("a derived table selects at least one column".to_owned());
    }
    let filter = selection.as_ref().map(|e| derived_expr(e, 0)).transpose()?;
    let group_by = match group_by {
        ast::GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => {
            exprs.iter().map(|e| derived_expr(e, 0)).collect::<Result<Vec<_>, _>>()?
        }
        _ => return Err("write `GROUP BY` with its expressions (no `ALL`, `ROLLUP`, `CUBE`)".to_owned()),
    };
    let having = having.as_ref().map(|e| derived_expr(e, 0)).transpose()?;
    let select = Select { distinct, items, from, joins, filter, group_by, having };
    check_clauses(&select)?;
    Ok(select)
}

/// Aggregates and windows only where SQL takes them, and `t.col` only of a
/// table of this `FROM`: refused here with the clause, not by the warehouse.
fn check_clauses(s: &Select) -> Result<(), String> {
    let has = |e: &Expr, window_only: bool| {
        let mut found = false;
        e.visit(&mut |n| match n {
            Expr::Window { .. } => found = true,
            Expr::Aggregate { .. } if !window_only => found = true,
            _ => {}
        });
        found
    };
    if s.filter.as_ref().is_some_and(|e| has(e, false)) {
        return Err("aggregates and window functions are not allowed in `WHERE`; use `HAVING`".to_owned());
    }
    if s.joins.iter().any(|j| has(&j.on, false)) {
        return Err("aggregates and window functions are not allowed in `JOIN … ON`".to_owned());
    }
    if s.group_by.iter().any(|e| has(e, false)) {
        return Err("aggregates and window functions are not allowed in `GROUP BY`".to_owned());
    }
    if s.having.as_ref().is_some_and(|e| has(e, true)) {
        return Err("window functions are not allowed in `HAVING`".to_owned());
    }
    let visible: Vec<&str> = s.tables().map(TableRef::visible_name).collect();
    for (i, a) in visible.iter().enumerate() {
        if visible[..i].contains(a) {
            return Err(format!("`{a}` is named twice in `FROM`; give one an alias"));
        }
    }
    let mut unknown = None;
    let all = s.items.iter().map(|i| &i.expr).chain(s.joins.iter().map(|j| &j.on));
    for e in all.chain(s.filter.iter()).chain(s.group_by.iter()).chain(s.having.iter()) {
        e.visit(&mut |n| {
            if let Expr::Qualified { table, column } = n
                && !visible.contains(&table.as_str())
            {
                unknown.get_or_insert_with(|| format!("`{table}.{column}`: `{table}` is not a table of this `FROM`"));
            }
        });
    }
    unknown.map_or(Ok(()), Err)
}

fn table_ref(t: &TableFactor, ctes: &[(String, Select)]) -> Result<TableRef, String> {
    match t {
        TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_hints,
        } => {
            if args.is_some() {
                return Err(format!("table function `{name}(…)` is not allowed; name a table"));
            }
            if !with_hints.is_empty()
                || version.is_some()
                || *with_ordinality
                || !partitions.is_empty()
                || json_path.is_some()
                || sample.is_some()
                || !index_hints.is_empty()
            {
                return Err(format!("write table `{name}` plainly (no hints, versions, samples)"));
            }
            let ident = match name.0.as_slice() {
                [ast::ObjectNamePart::Identifier(ident)] => ident,
                _ => {
                    return Err(format!(
                        "`{name}` names another dataset or schema; name a table of the warehouse (`sql_table_name` of a view, or a table the config loads)"
                    ));
                }
            };
            let name = bare_name(ident)?;
            let alias = match alias {
                None => None,
                Some(a) if a.columns.is_empty() => Some(bare_name(&a.name)?),
                Some(a) => return Err(format!("write `AS {}` without column names", a.name)),
            };
            let cte = ctes.iter().any(|(n, _)| *n == name);
            Ok(TableRef { name, alias, cte })
        }
        TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => {
            Err("subqueries in `FROM` are not allowed; write them as `WITH name AS (SELECT …)`".to_owned())
        }
        other => Err(format!("`{}` is not allowed in `FROM`; name a table", first_word(&other.to_string()))),
    }
}

fn join(j: &ast::Join, ctes: &[(String, Select)]) -> Result<Join, String> {
    if j.global {
        return Err("`GLOBAL JOIN` is not allowed".to_owned());
    }
    let (kind, constraint) = match &j.join_operator {
        JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, c),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, c),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, c),
        JoinOperator::FullOuter(c) => (JoinKind::Full, c),
        _ => return Err("only `[INNER|LEFT|RIGHT|FULL] JOIN … ON …` is allowed".to_owned()),
    };
    let JoinConstraint::On(on) = constraint else {
        return Err("a join needs `ON condition` (no `USING`, `NATURAL` or cross join)".to_owned());
    };
    Ok(Join { kind, table: table_ref(&j.relation, ctes)?, on: derived_expr(on, 0)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_derived_sql(text).expect_err(text)
    }

    #[test]
    fn a_select_with_aggregates_joins_windows_and_with_is_read() {
        let q = parse_derived_sql(
            "WITH m AS (SELECT f.id_unidade, f.mes_referencia, SUM(f.valor_total) AS valor, COUNT(*) AS n \
             FROM objeto_dados_energia_gestao_faturas_v2 AS f GROUP BY f.id_unidade, f.mes_referencia) \
             SELECT m.id_unidade, u.id_cliente, mes_referencia, valor, n, \
             RANK() OVER (PARTITION BY m.id_unidade ORDER BY valor DESC) AS posicao \
             FROM m LEFT JOIN objeto_unidades_atributos u ON u.id_unidade = m.id_unidade WHERE valor > 0",
        )
        .unwrap();
        assert_eq!(q.sources(), ["objeto_dados_energia_gestao_faturas_v2", "objeto_unidades_atributos"]);
        assert_eq!(q.columns(), ["id_unidade", "id_cliente", "mes_referencia", "valor", "n", "posicao"]);
        assert!(q.body.from.cte);
        assert_eq!(q.body.joins[0].kind, JoinKind::Left);
        assert!(matches!(q.body.items[5].expr, Expr::Window { .. }));
        assert!(matches!(q.ctes[0].1.items[3].expr, Expr::Aggregate { arg: None, .. }));
    }

    #[test]
    fn separators_inside_a_string_are_text() {
        let q = parse_derived_sql("SELECT a FROM t WHERE b <> 'x; DROP TABLE t -- y /* z */'").unwrap();
        let Some(Expr::Binary { right, .. }) = &q.body.filter else { panic!("{q:?}") };
        assert_eq!(**right, Expr::Text("x; DROP TABLE t -- y /* z */".into()));
    }

    #[test]
    fn hostile_sql_is_refused_with_the_reason() {
        let t = "SELECT a FROM t";
        assert!(err(&format!("{t}; DROP TABLE t")).contains("`;` is not allowed"));
        assert!(err(&format!("{t};")).contains("`;` is not allowed"));
        assert!(err(&format!("{t} -- x")).contains("comments are not allowed"));
        assert!(err("SELECT a /* x */ FROM t").contains("comments are not allowed"));
        assert!(err("DROP TABLE t").contains("`DROP` is not allowed"));
        assert!(err("INSERT INTO t VALUES (1)").contains("`INSERT` is not allowed"));
        assert!(err("DELETE FROM t").contains("`DELETE` is not allowed"));
        assert!(err("CREATE TABLE x AS SELECT a FROM t").contains("`CREATE` is not allowed"));
        assert!(err("UPDATE t SET a = 1").contains("`UPDATE` is not allowed"));
        assert!(err("SELECT a FROM read_parquet('/etc/passwd')").contains("table function"));
        assert!(err("SELECT a FROM other.t").contains("names another dataset"));
        assert!(err("SELECT a FROM `p.d.t`").contains("not a name"));
        assert!(err("SELECT a FROM (SELECT a FROM t) s").contains("subqueries in `FROM`"));
        assert!(err("SELECT (SELECT max(a) FROM t) AS m FROM t").contains("subqueries are not allowed"));
        assert!(err("SELECT a FROM t WHERE a IN (SELECT b FROM u)").contains("subqueries are not allowed"));
        assert!(err("SELECT SLEEP(10) AS s FROM t").contains("function `SLEEP` is not allowed"));
        assert!(err("SELECT * FROM t").contains("`*` is not allowed"));
        assert!(err("SELECT a + 1 FROM t").contains("with `AS name`"));
        assert!(err("SELECT a, a FROM t").contains("named twice"));
        assert!(err("SELECT a FROM t UNION ALL SELECT a FROM u").contains("UNION"));
        assert!(err("SELECT a FROM t ORDER BY a").contains("`ORDER BY` is not allowed"));
        assert!(err("SELECT a FROM t LIMIT 1").contains("`LIMIT`"));
        assert!(err("SELECT a FROM t, u").contains("JOIN … ON"));
        assert!(err("SELECT a FROM t JOIN u USING (a)").contains("needs `ON"));
        assert!(err("SELECT a FROM t CROSS JOIN u").contains("only `[INNER|LEFT|RIGHT|FULL] JOIN"));
        assert!(err("SELECT a FROM t WHERE SUM(a) > 1").contains("not allowed in `WHERE`"));
        assert!(err("SELECT x.a FROM t").contains("`x` is not a table of this `FROM`"));
        assert!(err("SELECT a FROM t WHERE a = $1").contains("placeholders"));
        assert!(err("SELECT ROW_NUMBER() AS n FROM t").contains("needs `OVER"));
        assert!(err("SELECT SUM(a) OVER (ROWS 1 PRECEDING) AS s FROM t").contains("window frames"));
        assert!(err("WITH RECURSIVE r AS (SELECT a FROM t) SELECT a FROM r").contains("RECURSIVE"));
        assert!(err("SELECT a INTO x FROM t").contains("INTO"));
        assert!(err("SELECT a FROM t FOR UPDATE").contains("only `SELECT"));
        assert!(err("SELECT \"a\"\"b\" FROM t").contains("not a name"));
        assert!(err(&format!("SELECT {} AS a FROM t", "1 + ".repeat(5000) + "1")).contains("over 16384"));
        let deep = format!("SELECT {}a{} AS b FROM t", "(".repeat(100), ")".repeat(100));
        assert!(parse_derived_sql(&deep).is_err(), "nesting is bounded");
        let wide = format!("SELECT {} FROM t", (0..300).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", "));
        assert!(err(&wide).contains("at most 256 columns"));
    }
}
