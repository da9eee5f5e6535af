//! Plan → SQL text: the SELECT list, FROM and JOINs, WHERE (access filters
//! first), GROUP BY, HAVING, ORDER BY and LIMIT. Every identifier written
//! here comes from the model, every value goes through [`SqlWriter::bind`].

use super::derived_sql::relation;
use super::dialect::{SqlWriter, all_of};
use super::expr_sql;
use super::filter_sql::condition;
use super::resolve::{Plan, Planned, time_kind};
use super::{CompiledQuery, Dialect, FieldKind, OutputColumn, QueryError};
use crate::model::{Aggregate, BinaryOp, FieldRef, JoinType, Measure, MeasureKind, NumberExpr, Relationship, View};

pub(crate) fn render(plan: &Plan<'_>, dialect: Dialect) -> Result<CompiledQuery, QueryError> {
    if !plan.symmetric.is_empty() {
        return super::symmetric::render(plan, dialect);
    }
    let mut w = SqlWriter::new(dialect, plan.time_zone);

    let mut columns = Vec::new();
    let mut select = Vec::new();
    let mut group_by = Vec::new();
    for p in &plan.fields {
        let expr = field_sql(&mut w, plan, p)?;
        let alias = unique_alias(&columns, p);
        if !p.field.is_measure() {
            group_by.push(expr.clone());
        }
        select.push(format!("  {expr} AS {}", w.ident(&alias)));
        columns.push(output_column(p, alias));
    }

    let mut sql = format!("SELECT\n{}\n{}", select.join(",\n"), from_and_where(&mut w, plan));
    if !group_by.is_empty() {
        sql.push_str(&format!("\nGROUP BY {}", group_by.join(", ")));
    }

    let mut having = Vec::new();
    for (p, filter) in &plan.having_filters {
        let expr = field_sql(&mut w, plan, p)?;
        having.extend(condition(&mut w, &expr, filter, None, plan.now));
    }
    if !having.is_empty() {
        sql.push_str(&format!("\nHAVING {}", having.join("\n  AND ")));
    }

    Ok(finish(w, plan, columns, sql))
}

/// The compiled query of a grouped `body` with output `columns` (in the
/// plan's field order): ordered and limited, or ranked into pivot columns
/// ([`super::pivot`]). The tail of a plain and a symmetric query.
pub(crate) fn finish(w: SqlWriter, plan: &Plan<'_>, columns: Vec<OutputColumn>, body: String) -> CompiledQuery {
    let sql = if plan.pivots.is_empty() {
        let order: Vec<String> = plan
            .sorts
            .iter()
            .map(|(i, desc)| format!("{}{}", w.ident(&columns[*i].alias), if *desc { " DESC" } else { "" }))
            .collect();
        format!("{body}\nORDER BY {}\nLIMIT {}", order.join(", "), plan.limit)
    } else {
        super::pivot::wrap(&w, plan, &columns, &body)
    };
    CompiledQuery {
        sql,
        params: w.params,
        pivot: super::pivot::layout(plan, &columns),
        columns,
        limit: plan.limit,
        table_calculations: Vec::new(),
        sorts_after: Vec::new(),
    }
}

/// `FROM` the explore's base view, its joins, and `WHERE` the access
/// filters (first) and the dimension filters: the rows a query groups,
/// the same for a plain and a symmetric query.
pub(crate) fn from_and_where(w: &mut SqlWriter, plan: &Plan<'_>) -> String {
    let base = &plan.explore.base;
    let mut sql = format!("FROM {} AS {}", relation(w, base), w.ident(&base.name));
    for j in &plan.joins {
        let kind = match j.join_type {
            JoinType::LeftOuter => "LEFT JOIN",
            JoinType::Inner => "INNER JOIN",
        };
        let on: Vec<String> =
            j.on.iter().map(|(a, b)| format!("{} = {}", join_side(w, plan, a), join_side(w, plan, b))).collect();
        sql.push_str(&format!(
            "\n{kind} {} AS {} ON {}",
            relation(w, &j.view),
            w.ident(&j.view.name),
            on.join(" AND ")
        ));
    }
    let mut conditions = Vec::new();
    for a in &plan.access {
        let column = plain_sql(w, plan, &a.field);
        let placeholders: Vec<String> = a.values.iter().map(|v| w.bind(v.clone())).collect();
        conditions.push(match placeholders.as_slice() {
            [one] => format!("{column} = {one}"),
            many => format!("{column} IN ({})", many.join(", ")),
        });
    }
    for (p, filter) in &plan.where_filters {
        let column = plain_sql(w, plan, &p.field);
        conditions.extend(condition(w, &column, filter, p.time, plan.now));
    }
    if !conditions.is_empty() {
        sql.push_str(&format!("\nWHERE {}", conditions.join("\n  AND ")));
    }
    sql
}

/// The SQL of a selected or filtered field.
pub(crate) fn field_sql(w: &mut SqlWriter, plan: &Plan<'_>, p: &Planned<'_>) -> Result<String, QueryError> {
    let view = p.field.view;
    Ok(match p.field.field {
        FieldRef::Dimension(d) => expr_sql::render(w, plan.explore, view, &d.sql),
        FieldRef::Timeframe(g, t) => {
            let column = w.column(&view.name, &g.column.name);
            let kind = p.time.ok_or_else(|| QueryError::UnknownColumnType {
                field: p.field.name(),
                table: view.table.name.clone(),
                column: g.column.name.clone(),
            })?;
            w.timeframe(&column, kind, t)
        }
        FieldRef::Measure(m) => measure_sql(w, plan, view, m, 0)?,
    })
}

/// A filtered measure's condition (its `filters`, AND-ed), or `None`.
pub(crate) fn measure_filters(
    w: &mut SqlWriter,
    plan: &Plan<'_>,
    view: &View,
    m: &Measure,
) -> Result<Option<String>, QueryError> {
    let mut conditions = Vec::new();
    for ff in &m.filters {
        let field = plan.explore.resolve_field(&ff.field).or_else(|| {
            // The measure's own view, even if the explore reaches it otherwise.
            let (_, name) = ff.field.split_once('.')?;
            view.field(name).map(|field| crate::model::ResolvedField { view, field })
        });
        let Some(field) = field.filter(|f| !f.is_measure()) else { continue };
        let column = plain_sql(w, plan, &field);
        let time = time_kind(&field, plan.columns)?;
        conditions.extend(condition(w, &column, &ff.filter, time, plan.now));
    }
    Ok(all_of(conditions))
}

/// Whether a `count` over `view` counts its distinct primary keys rather
/// than rows. Looker counts keys where the query may repeat the view's
/// rows or add rows of NULLs to it (a joined view; the explore's base
/// under a `one_to_many` or `many_to_many` join) and rows otherwise:
/// `COUNT(*)`, which a portal moved from Looker then gets the same numbers
/// from, and which a warehouse answers without hashing every key.
fn counts_keys(plan: &Plan<'_>, view: &View) -> bool {
    view.name != plan.explore.base.name
        || plan.joins.iter().any(|j| matches!(j.relationship, Relationship::OneToMany | Relationship::ManyToMany))
}

/// A measure as an aggregate. Filtered measures aggregate
/// `CASE WHEN <filters> THEN <column> END`, so rows failing the filters
/// count as NULL, which every aggregate skips.
fn measure_sql(
    w: &mut SqlWriter,
    plan: &Plan<'_>,
    view: &View,
    m: &Measure,
    depth: usize,
) -> Result<String, QueryError> {
    let when = measure_filters(w, plan, view, m)?;
    let key = view
        .dimensions
        .iter()
        .find(|d| d.primary_key)
        .filter(|_| counts_keys(plan, view))
        .map(|d| expr_sql::render(w, plan.explore, view, &d.sql));
    Ok(match &m.kind {
        MeasureKind::Count => match (key, when) {
            (Some(key), Some(when)) => format!("COUNT(DISTINCT CASE WHEN {when} THEN {key} END)"),
            (Some(key), None) => format!("COUNT(DISTINCT {key})"),
            (None, Some(when)) => format!("COUNT(CASE WHEN {when} THEN 1 END)"),
            (None, None) => "COUNT(*)".to_owned(),
        },
        MeasureKind::Aggregate { function, sql } => {
            let column = expr_sql::render(w, plan.explore, view, sql);
            let arg = match when {
                Some(when) => format!("CASE WHEN {when} THEN {column} END"),
                None => column,
            };
            match function {
                Aggregate::CountDistinct => format!("COUNT(DISTINCT {arg})"),
                Aggregate::Sum => format!("SUM({arg})"),
                Aggregate::Average => format!("AVG({arg})"),
                Aggregate::Min => format!("MIN({arg})"),
                Aggregate::Max => format!("MAX({arg})"),
            }
        }
        MeasureKind::Number(expr) => {
            number_sql(w, view, expr, depth, &mut |w, m, depth| measure_sql(w, plan, view, m, depth))?
        }
    })
}

/// A `number` measure's arithmetic, every operation parenthesised and every
/// divisor guarded against zero; `measure` writes each measure it names
/// (as a plain or a symmetric query aggregates it).
pub(crate) fn number_sql(
    w: &mut SqlWriter,
    view: &View,
    expr: &NumberExpr,
    depth: usize,
    measure: &mut dyn FnMut(&mut SqlWriter, &Measure, usize) -> Result<String, QueryError>,
) -> Result<String, QueryError> {
    Ok(match expr {
        NumberExpr::Measure(name) => match view.measure(name).filter(|_| depth < 32) {
            Some(m) => measure(w, m, depth + 1)?,
            // The model checks references; a dangling one cannot happen.
            None => "NULL".to_owned(),
        },
        NumberExpr::Literal(v) => literal(*v),
        NumberExpr::Negate(e) => format!("(-{})", number_sql(w, view, e, depth, measure)?),
        NumberExpr::Binary { op, left, right } => {
            let l = number_sql(w, view, left, depth, measure)?;
            let r = number_sql(w, view, right, depth, measure)?;
            match op {
                BinaryOp::Add => format!("({l} + {r})"),
                BinaryOp::Subtract => format!("({l} - {r})"),
                BinaryOp::Multiply => format!("({l} * {r})"),
                BinaryOp::Divide => w.divide(&l, &r),
            }
        }
    })
}

/// A model literal (a checked `f64`, not request text) as SQL.
pub(crate) fn literal(v: f64) -> String {
    if v.is_finite() { format!("{v:?}") } else { "NULL".to_owned() }
}

/// `view.field` of a join condition as SQL.
fn join_side(w: &SqlWriter, plan: &Plan<'_>, name: &str) -> String {
    match plan.explore.resolve_field(name).filter(|f| !f.is_measure()) {
        Some(field) => plain_sql(w, plan, &field),
        // The model checks join fields; a missing one fails the join.
        None => "NULL".to_owned(),
    }
}

/// A dimension's SQL as a filter or join compares it: its column or
/// expression; a timeframe's group column (filters compare the column,
/// not the truncated date).
pub(crate) fn plain_sql(w: &SqlWriter, plan: &Plan<'_>, field: &crate::model::ResolvedField<'_>) -> String {
    match field.field {
        FieldRef::Dimension(d) => expr_sql::render(w, plan.explore, field.view, &d.sql),
        FieldRef::Timeframe(g, _) => w.column(&field.view.name, &g.column.name),
        // Not asked for measures; a measure is no column.
        FieldRef::Measure(_) => "NULL".to_owned(),
    }
}

/// `view__field`, made unique if two names happen to collide.
pub(crate) fn unique_alias(taken: &[OutputColumn], p: &Planned<'_>) -> String {
    let base = format!("{}__{}", p.field.view.name, p.field.field_name());
    let mut alias = base.clone();
    let mut n = 1;
    while taken.iter().any(|c| c.alias == alias) {
        n += 1;
        alias = format!("{base}_{n}");
    }
    alias
}

pub(crate) fn output_column(p: &Planned<'_>, alias: String) -> OutputColumn {
    let (kind, value_format) = match p.field.field {
        FieldRef::Dimension(d) => (FieldKind::Dimension, d.value_format.clone()),
        FieldRef::Timeframe(..) => (FieldKind::Dimension, None),
        FieldRef::Measure(m) => (FieldKind::Measure, m.value_format.clone()),
    };
    let field_type = p.field.result_type();
    OutputColumn { name: p.field.name(), label: p.field.label(), kind, field_type, value_format, alias }
}
