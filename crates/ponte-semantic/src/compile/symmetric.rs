//! Symmetric aggregates: a measure whose rows a join repeats (a unit's
//! contracted demand summed over its invoices) computed over each row of
//! its view once, as Looker does, instead of once per joined row.
//!
//! Looker writes `SUM(DISTINCT hash(key) + value) - SUM(DISTINCT
//! hash(key))`; that needs a numeric hash both dialects share. ponte writes
//! two levels instead, exact in both dialects: the inner query selects the
//! grouped dimensions, each measure's argument and, per repeated view, its
//! key's `ROW_NUMBER()` within the group; the outer query aggregates only
//! the rows numbered 1 of a repeated view's measures:
//!
//! ```sql
//! SELECT "d", SUM(CASE WHEN "__rn_0" = 1 THEN "__arg_0" END) AS "m"
//! FROM (SELECT <d> AS "d", <value> AS "__arg_0",
//!              ROW_NUMBER() OVER (PARTITION BY <d>, <key>) AS "__rn_0"
//!       FROM … JOIN … WHERE …) AS "rows"
//! GROUP BY "d" HAVING … ORDER BY … LIMIT …
//! ```

use super::dialect::SqlWriter;
use super::expr_sql;
use super::filter_sql::condition;
use super::resolve::{Plan, Planned};
use super::select::{field_sql, from_and_where, output_column, unique_alias};
use super::{CompiledQuery, Dialect, QueryError};
use crate::model::{Aggregate, FieldRef, Measure, MeasureKind, View};

/// The inner query's extra columns, written as measures need them.
struct Inner {
    /// `(alias, SQL)` of each measure argument.
    args: Vec<(String, String)>,
}

impl Inner {
    fn arg(&mut self, w: &SqlWriter, sql: String) -> String {
        if let Some((alias, _)) = self.args.iter().find(|(_, s)| *s == sql) {
            return w.ident(alias);
        }
        let alias = format!("__arg_{}", self.args.len());
        self.args.push((alias.clone(), sql));
        w.ident(&alias)
    }
}

pub(crate) fn render(plan: &Plan<'_>, dialect: Dialect) -> Result<CompiledQuery, QueryError> {
    let mut w = SqlWriter::new(dialect, plan.time_zone);
    let mut columns = Vec::new();
    let mut dims: Vec<(String, String)> = Vec::new();
    for p in plan.fields.iter().filter(|p| !p.field.is_measure()) {
        let expr = field_sql(&mut w, plan, p)?;
        let alias = unique_alias(&columns, p);
        dims.push((alias.clone(), expr));
        columns.push(output_column(p, alias));
    }
    let mut inner = Inner { args: Vec::new() };
    let mut outer_measures = Vec::new();
    for p in plan.fields.iter().filter(|p| p.field.is_measure()) {
        let FieldRef::Measure(m) = p.field.field else { continue };
        let expr = measure(&mut w, plan, &mut inner, p.field.view, m, 0)?;
        let alias = unique_alias(&columns, p);
        outer_measures.push((alias.clone(), expr));
        columns.push(output_column(p, alias));
    }
    let mut having = Vec::new();
    for (p, filter) in &plan.having_filters {
        let FieldRef::Measure(m) = p.field.field else { continue };
        let expr = measure(&mut w, plan, &mut inner, p.field.view, m, 0)?;
        having.extend(condition(&mut w, &expr, filter, None, plan.now));
    }

    // The inner rows: dimensions, measure arguments, row numbers.
    let mut select: Vec<String> = dims.iter().map(|(alias, expr)| format!("  {expr} AS {}", w.ident(alias))).collect();
    select.extend(inner.args.iter().map(|(alias, sql)| format!("  {sql} AS {}", w.ident(alias))));
    for (i, view) in plan.symmetric.iter().enumerate() {
        // BigQuery partitions by groupable types only (not FLOAT64): its
        // dimensions are partitioned by their JSON text, which any type has.
        let partition_by = |expr: &String| match dialect {
            Dialect::DataFusion => expr.clone(),
            Dialect::BigQuery => format!("TO_JSON_STRING({expr})"),
        };
        let mut partition: Vec<String> = dims.iter().map(|(_, expr)| partition_by(expr)).collect();
        partition.push(key_sql(&w, plan, view));
        select.push(format!("  ROW_NUMBER() OVER (PARTITION BY {}) AS {}", partition.join(", "), w.ident(&rn(i))));
    }
    let rows = format!("SELECT\n{}\n{}", select.join(",\n"), from_and_where(&mut w, plan));

    let mut outer: Vec<String> = dims.iter().map(|(alias, _)| format!("  {}", w.ident(alias))).collect();
    outer.extend(outer_measures.iter().map(|(alias, expr)| format!("  {expr} AS {}", w.ident(alias))));
    let mut sql = format!("SELECT\n{}\nFROM (\n{rows}\n) AS {}", outer.join(",\n"), w.ident("rows"));
    if !dims.is_empty() {
        let group: Vec<String> = dims.iter().map(|(alias, _)| w.ident(alias)).collect();
        sql.push_str(&format!("\nGROUP BY {}", group.join(", ")));
    }
    if !having.is_empty() {
        sql.push_str(&format!("\nHAVING {}", having.join("\n  AND ")));
    }
    // Columns come in dimension-then-measure order here; the request's
    // order is restored for the output and the sorts.
    let order_of = |p: &Planned<'_>| columns.iter().position(|c| c.name == p.field.name());
    let ordered: Vec<_> = plan.fields.iter().filter_map(|p| order_of(p).map(|i| columns[i].clone())).collect();
    Ok(super::select::finish(w, plan, ordered, sql))
}

/// The row number column of the `i`th repeated view.
fn rn(i: usize) -> String {
    format!("__rn_{i}")
}

/// A view's primary key (the resolver only dedupes views that have one).
fn key_sql(w: &SqlWriter, plan: &Plan<'_>, view: &View) -> String {
    view.dimensions
        .iter()
        .find(|d| d.primary_key)
        .map_or_else(|| "NULL".to_owned(), |d| expr_sql::render(w, plan.explore, view, &d.sql))
}

/// A measure over the inner rows: its argument becomes an inner column,
/// and a repeated view's sum or average takes only its rows numbered 1.
fn measure(
    w: &mut SqlWriter,
    plan: &Plan<'_>,
    inner: &mut Inner,
    view: &View,
    m: &Measure,
    depth: usize,
) -> Result<String, QueryError> {
    let when = super::select::measure_filters(w, plan, view, m)?;
    let only_when = |value: String| match &when {
        Some(when) => format!("CASE WHEN {when} THEN {value} END"),
        None => value,
    };
    let deduped = plan.symmetric.iter().position(|v| v.name == view.name);
    let key = view.dimensions.iter().find(|d| d.primary_key).map(|_| key_sql(w, plan, view));
    Ok(match &m.kind {
        MeasureKind::Count => match key {
            Some(key) => format!("COUNT(DISTINCT {})", inner.arg(w, only_when(key))),
            None => format!("COUNT({})", inner.arg(w, only_when("1".to_owned()))),
        },
        MeasureKind::Aggregate { function, sql } => {
            let arg = inner.arg(w, only_when(expr_sql::render(w, plan.explore, view, sql)));
            let once = |arg: &str| match deduped {
                Some(i) => format!("CASE WHEN {} = 1 THEN {arg} END", w.ident(&rn(i))),
                None => arg.to_owned(),
            };
            match function {
                Aggregate::CountDistinct => format!("COUNT(DISTINCT {arg})"),
                Aggregate::Sum => format!("SUM({})", once(&arg)),
                Aggregate::Average => format!("AVG({})", once(&arg)),
                Aggregate::Min => format!("MIN({arg})"),
                Aggregate::Max => format!("MAX({arg})"),
            }
        }
        MeasureKind::Number(expr) => {
            super::select::number_sql(w, view, expr, depth, &mut |w, m, depth| measure(w, plan, inner, view, m, depth))?
        }
    })
}
