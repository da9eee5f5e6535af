//! `[[views]]`: dimensions, dimension groups and measures over one table.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Checker, is_identifier};
use crate::model::derived::{DerivedTable, parse_derived_sql};
use crate::model::field::ResolvedField;
use crate::model::filter::FieldFilter;
use crate::model::number_expr::parse_number_expr;
use crate::model::raw::{RawDerivedTable, RawDimension, RawDimensionGroup, RawMeasure, RawView, S};
use crate::model::sql_expr::parse_sql_expr;
use crate::model::{
    Aggregate, Dimension, DimensionGroup, DimensionType, FieldRef, FieldSql, Measure, MeasureKind, SqlExprAt, SqlName,
    Timeframe, TimeframeWords, View,
};

const DIMENSION_TYPES: [(&str, DimensionType); 5] = [
    ("string", DimensionType::String),
    ("number", DimensionType::Number),
    ("yesno", DimensionType::YesNo),
    ("date", DimensionType::Date),
    ("time", DimensionType::Time),
];

/// A measure's `type` before its `sql` is read.
#[derive(Debug, Clone, Copy)]
enum MeasureType {
    Count,
    Aggregate(Aggregate),
    Number,
}

const MEASURE_TYPES: [(&str, MeasureType); 7] = [
    ("count", MeasureType::Count),
    ("count_distinct", MeasureType::Aggregate(Aggregate::CountDistinct)),
    ("sum", MeasureType::Aggregate(Aggregate::Sum)),
    ("average", MeasureType::Aggregate(Aggregate::Average)),
    ("min", MeasureType::Aggregate(Aggregate::Min)),
    ("max", MeasureType::Aggregate(Aggregate::Max)),
    ("number", MeasureType::Number),
];

pub(super) fn validate_views(raw: &[S<RawView>], words: TimeframeWords, checker: &mut Checker<'_>) -> Vec<Arc<View>> {
    let mut seen = BTreeMap::new();
    let mut views = Vec::new();
    for (i, rv) in raw.iter().enumerate() {
        let span = rv.span();
        let owner = format!("views[{i}]");
        let Some(name_value) = checker.required(&rv.get_ref().name, "name", &owner, &span) else { continue };
        let Some(name) = checker.name(name_value, "view name") else { continue };
        if !checker.unique(&mut seen, &name, name_value.span(), "view") {
            continue;
        }
        views.push(Arc::new(view(rv.get_ref(), name, name_value, words, checker)));
    }
    views
}

/// A view's `derived_table`, parsed; errors are located at its `sql`.
fn derived_table(
    raw: &S<RawDerivedTable>,
    rv: &RawView,
    view: &str,
    checker: &mut Checker<'_>,
) -> Option<Arc<DerivedTable>> {
    if let Some(t) = &rv.sql_table_name {
        checker.error(
            t.span(),
            format!("view `{view}` has both `sql_table_name` and `derived_table`; a view reads one or the other"),
        );
        return None;
    }
    let sql = checker.required(&raw.get_ref().sql, "sql", &format!("view `{view}` derived_table"), &raw.span())?;
    match parse_derived_sql(sql.get_ref()) {
        Ok(query) => Some(Arc::new(DerivedTable {
            query,
            text: sql.get_ref().clone(),
            persist: raw.get_ref().persist.as_ref().is_some_and(|p| *p.get_ref()),
            position: checker.position(&sql.span()),
        })),
        Err(e) => {
            checker.error(sql.span(), format!("view `{view}`: derived table refused: {e}"));
            None
        }
    }
}

fn view(rv: &RawView, name: String, name_value: &S<String>, words: TimeframeWords, checker: &mut Checker<'_>) -> View {
    // LookML's default: a view reads the table of its own name.
    let table = match &rv.sql_table_name {
        Some(t) => checker.sql_name(t, "`sql_table_name`"),
        None => checker.sql_name(name_value, "`sql_table_name`"),
    }
    .unwrap_or_else(|| SqlName { name: name.clone(), position: checker.position(&name_value.span()) });
    let derived = rv.derived_table.as_ref().and_then(|d| derived_table(d, rv, &name, checker));
    let mut view = View {
        label: rv.label.as_ref().map_or_else(|| name.clone(), |l| l.get_ref().clone()),
        name,
        table,
        derived,
        dimensions: Vec::new(),
        dimension_groups: Vec::new(),
        measures: Vec::new(),
        drill_fields: Vec::new(),
    };
    let mut fields = BTreeMap::new();
    let mut primary_key_seen = false;
    for rd in &rv.dimensions {
        let Some(d) = dimension(rd, &view.name, checker) else { continue };
        if !checker.unique(&mut fields, &d.name, field_span(rd.get_ref().name.as_ref(), rd), "field") {
            continue;
        }
        if d.primary_key {
            if primary_key_seen {
                let span = rd.get_ref().primary_key.as_ref().map_or(rd.span(), |p| p.span());
                checker.error(span, format!("view `{}` has more than one primary key", view.name));
            }
            primary_key_seen = true;
        }
        view.dimensions.push(d);
    }
    for rg in &rv.dimension_groups {
        let Some(g) = dimension_group(rg, &view.name, words, checker) else { continue };
        let span = field_span(rg.get_ref().name.as_ref(), rg);
        let all_new =
            g.timeframes.iter().all(|t| checker.unique(&mut fields, &g.field_name(*t), span.clone(), "field"));
        if all_new {
            view.dimension_groups.push(g);
        }
    }
    let measures: Vec<(&S<RawMeasure>, Measure)> =
        rv.measures.iter().filter_map(|rm| Some((rm, measure(rm, &view, checker)?))).collect();
    for (rm, m) in measures {
        if checker.unique(&mut fields, &m.name, field_span(rm.get_ref().name.as_ref(), rm), "field") {
            view.measures.push(m);
        }
    }
    check_expression_references(rv, &mut view, checker);
    check_number_measures(rv, &view, checker);
    view.drill_fields = drill_fields(rv.drill_fields.as_deref(), &view, checker);
    let per_measure: Vec<Vec<String>> = view
        .measures
        .iter()
        .map(|m| {
            let raw = rv.measures.iter().find(|rm| rm.get_ref().name.as_ref().is_some_and(|n| *n.get_ref() == m.name));
            drill_fields(raw.and_then(|rm| rm.get_ref().drill_fields.as_deref()), &view, checker)
        })
        .collect();
    for (m, fields) in view.measures.iter_mut().zip(per_measure) {
        m.drill_fields = fields;
    }
    let per_dimension: Vec<Vec<String>> = view
        .dimensions
        .iter()
        .map(|d| {
            let raw =
                rv.dimensions.iter().find(|rd| rd.get_ref().name.as_ref().is_some_and(|n| *n.get_ref() == d.name));
            drill_fields(raw.and_then(|rd| rd.get_ref().drill_fields.as_deref()), &view, checker)
        })
        .collect();
    for (d, fields) in view.dimensions.iter_mut().zip(per_dimension) {
        d.drill_fields = fields;
    }
    view
}

/// The `${…}` references of the view's expressions: one to this view
/// (`${field}` or `${view.field}`) must name a plain dimension of it and
/// is rewritten to the bare field name, which is how the compiler inlines
/// it; one to another view is kept as `view.field` ([`super::expr_refs`]
/// checks it in each explore, with loops and sizes).
fn check_expression_references(rv: &RawView, view: &mut View, checker: &mut Checker<'_>) {
    let view_name = view.name.clone();
    let dimension_names: Vec<String> = view.dimensions.iter().map(|d| d.name.clone()).collect();
    let raw_sql = |name: &str| {
        let found = rv.dimensions.iter().find(|d| d.get_ref().name.as_ref().is_some_and(|n| n.get_ref() == name));
        let found = found.and_then(|d| d.get_ref().sql.as_ref()).map(|s| s.span());
        found.or_else(|| {
            let m = rv.measures.iter().find(|m| m.get_ref().name.as_ref().is_some_and(|n| n.get_ref() == name))?;
            m.get_ref().sql.as_ref().map(|s| s.span())
        })
    };
    let normalise = |owner: &str, sql: &mut FieldSql, checker: &mut Checker<'_>| {
        let FieldSql::Expression(at) = sql else { return };
        let mut problems = Vec::new();
        at.expr.expr.rewrite_fields(&mut |reference: &mut String| {
            let bare = match reference.split_once('.') {
                Some((v, f)) if v == view_name => f.to_owned(),
                // Checked in each explore, where the view is joined (and
                // refused for measures: see check_cross_view_references).
                Some(_) => return,
                None => reference.clone(),
            };
            if !dimension_names.contains(&bare) {
                problems.push(format!("`${{{reference}}}` is not a dimension of view `{view_name}`"));
                return;
            }
            *reference = bare;
        });
        let span = raw_sql(owner).unwrap_or(0..0);
        for p in &problems {
            checker.error(span.clone(), format!("`{owner}`: {p}"));
        }
    };
    for d in &mut view.dimensions {
        let name = d.name.clone();
        normalise(&name, &mut d.sql, checker);
    }
    for m in &mut view.measures {
        let name = m.name.clone();
        if let MeasureKind::Aggregate { sql, .. } = &mut m.kind {
            normalise(&name, sql, checker);
        }
    }
}

/// `drill_fields`, each as `view.field`: a bare name is a field of this
/// view and must exist; a `view.field` of another view is checked where a
/// drill uses it (the explore decides which views are there).
fn drill_fields(list: Option<&[S<String>]>, view: &View, checker: &mut Checker<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for name in list.unwrap_or_default() {
        let text = name.get_ref();
        match text.split_once('.') {
            Some((v, f)) if !v.is_empty() && !f.is_empty() => out.push(text.clone()),
            Some(_) => checker.error(name.span(), format!("drill field `{text}` is neither `field` nor `view.field`")),
            None if view.field(text).is_some() => out.push(format!("{}.{text}", view.name)),
            None => checker.error(name.span(), format!("drill field `{text}` is not a field of view `{}`", view.name)),
        }
    }
    out
}

fn field_span<T>(name: Option<&S<String>>, whole: &S<T>) -> std::ops::Range<usize> {
    name.map_or(whole.span(), |n| n.span())
}

fn field_name(
    name: &Option<S<String>>,
    what: &str,
    span: &std::ops::Range<usize>,
    c: &mut Checker<'_>,
) -> Option<String> {
    let value = c.required(name, "name", what, span)?;
    c.name(value, "field name")
}

fn dimension(rd: &S<RawDimension>, view: &str, checker: &mut Checker<'_>) -> Option<Dimension> {
    let span = rd.span();
    let rd = rd.get_ref();
    let name = field_name(&rd.name, &format!("a dimension of view `{view}`"), &span, checker)?;
    let dimension_type = match &rd.kind {
        Some(t) => checker.choice(t, "dimension type", &DIMENSION_TYPES).unwrap_or(DimensionType::String),
        None => DimensionType::String,
    };
    let sql = match &rd.sql {
        Some(text) => field_sql(text, &format!("dimension `{name}`"), checker)?,
        None => FieldSql::Column(SqlName {
            name: name.clone(),
            position: checker.position(&rd.name.as_ref().map_or(0..0, |n| n.span())),
        }),
    };
    Some(Dimension {
        label: label(&rd.label, &name),
        description: rd.description.as_ref().map(|d| d.get_ref().clone()),
        dimension_type,
        sql,
        value_format: rd.value_format.as_ref().map(|v| v.get_ref().clone()),
        primary_key: rd.primary_key.as_ref().is_some_and(|p| *p.get_ref()),
        hidden: rd.hidden.as_ref().is_some_and(|h| *h.get_ref()),
        drill_fields: Vec::new(),
        name,
    })
}

fn dimension_group(
    rg: &S<RawDimensionGroup>,
    view: &str,
    timeframe_words: TimeframeWords,
    checker: &mut Checker<'_>,
) -> Option<DimensionGroup> {
    let span = rg.span();
    let rg = rg.get_ref();
    let name = field_name(&rg.name, &format!("a dimension group of view `{view}`"), &span, checker)?;
    if let Some(t) = &rg.kind {
        checker.choice(t, "dimension group type", &[("time", ())]);
    }
    let timeframes = match &rg.timeframes {
        None => Timeframe::ALL.to_vec(),
        Some(list) => {
            let options: Vec<(&str, Timeframe)> = Timeframe::ALL.iter().map(|t| (t.as_str(), *t)).collect();
            let mut out = Vec::new();
            for t in list {
                match checker.choice(t, "timeframe", &options) {
                    Some(tf) if out.contains(&tf) => {
                        checker.error(t.span(), format!("timeframe `{}` listed twice", tf.as_str()))
                    }
                    Some(tf) => out.push(tf),
                    None => {}
                }
            }
            if list.is_empty() {
                checker.error(span.clone(), format!("dimension group `{name}` lists no timeframes"));
            }
            out
        }
    };
    Some(DimensionGroup {
        label: label(&rg.label, &name),
        description: rg.description.as_ref().map(|d| d.get_ref().clone()),
        column: group_column(rg.sql.as_ref(), rg.name.as_ref(), &name, checker),
        timeframes,
        hidden: rg.hidden.as_ref().is_some_and(|h| *h.get_ref()),
        timeframe_words,
        name,
    })
}

/// A field's column: its `sql`, or (as LookML's `${TABLE}.name` default) its
/// own name.
/// A dimension group's column: its `sql`, a bare column (its timeframes
/// are written from a column's type), or its name.
fn group_column(
    sql: Option<&S<String>>,
    name_value: Option<&S<String>>,
    name: &str,
    checker: &mut Checker<'_>,
) -> SqlName {
    let fallback = |c: &Checker<'_>| SqlName {
        name: name.to_owned(),
        position: c.position(&name_value.map_or(0..0, |n| n.span())),
    };
    match sql {
        Some(s) => checker.sql_name(s, "a dimension group's `sql`").unwrap_or_else(|| fallback(checker)),
        None => fallback(checker),
    }
}

/// A field's `sql`: a bare column, or an expression parsed and checked
/// ([`crate::model::sql_expr`]); `None` after reporting why not.
fn field_sql(text: &S<String>, what: &str, checker: &mut Checker<'_>) -> Option<FieldSql> {
    let trimmed = text.get_ref().trim();
    if is_identifier(trimmed) {
        return checker.sql_name(text, "`sql`").map(FieldSql::Column);
    }
    match parse_sql_expr(text.get_ref()) {
        Ok(expr) => Some(FieldSql::Expression(Box::new(SqlExprAt { expr, position: checker.position(&text.span()) }))),
        Err(e) => {
            checker.error(text.span(), format!("{what}: {e}"));
            None
        }
    }
}

fn label(label: &Option<S<String>>, name: &str) -> String {
    label.as_ref().map_or_else(|| name.to_owned(), |l| l.get_ref().clone())
}

fn measure(rm: &S<RawMeasure>, view: &View, checker: &mut Checker<'_>) -> Option<Measure> {
    let span = rm.span();
    let rm = rm.get_ref();
    let what = format!("a measure of view `{}`", view.name);
    let name = field_name(&rm.name, &what, &span, checker)?;
    // A broken measure stays in the view with a stand-in kind so references
    // to it are not reported a second time; the model is refused anyway.
    let stand_in = MeasureKind::Count;
    let what = format!("measure `{name}`");
    let measure_type = checker
        .required(&rm.kind, "type", &what, &span)
        .and_then(|k| checker.choice(k, "measure type", &MEASURE_TYPES));
    let kind = match measure_type {
        None => stand_in,
        Some(MeasureType::Count) => {
            if let Some(sql) = &rm.sql {
                checker.error(
                    sql.span(),
                    "a `count` measure takes no `sql`; use `count_distinct` to count a column's values",
                );
            }
            MeasureKind::Count
        }
        Some(MeasureType::Aggregate(function)) => checker
            .required(&rm.sql, "sql", &what, &span)
            .and_then(|sql| field_sql(sql, &what, checker))
            .map_or(stand_in, |sql| MeasureKind::Aggregate { function, sql }),
        Some(MeasureType::Number) => match checker.required(&rm.sql, "sql", &what, &span) {
            None => stand_in,
            Some(sql) => match parse_number_expr(sql.get_ref()) {
                Ok(expr) => MeasureKind::Number(expr),
                Err(e) => {
                    checker.error(checker.inner_span(sql, e.offset), format!("measure `{name}`: {e}"));
                    stand_in
                }
            },
        },
    };
    let mut filters = Vec::new();
    for (field, expr) in checker.pairs(rm.filters.as_ref()) {
        if let Some(f) = measure_filter(view, &field, expr, &name, checker) {
            filters.push(f);
        }
    }
    Some(Measure {
        label: label(&rm.label, &name),
        description: rm.description.as_ref().map(|d| d.get_ref().clone()),
        kind,
        value_format: rm.value_format.as_ref().map(|v| v.get_ref().clone()),
        filters,
        hidden: rm.hidden.as_ref().is_some_and(|h| *h.get_ref()),
        drill_fields: Vec::new(),
        name,
    })
}

/// A measure's filter names a dimension of its own view, written bare
/// (`status`) or qualified (`faturas.status`).
fn measure_filter(
    view: &View,
    field: &S<String>,
    expr: &S<String>,
    measure: &str,
    checker: &mut Checker<'_>,
) -> Option<FieldFilter> {
    let bare = match field.get_ref().split_once('.') {
        Some((v, f)) if v == view.name => f,
        Some(_) => field.get_ref().as_str(),
        None => field.get_ref().as_str(),
    };
    let found = view.field(bare).filter(|f| !matches!(f, FieldRef::Measure(_)));
    let Some(found) = found else {
        let dims = view.field_names();
        let mut message = format!(
            "measure `{measure}`: filter field `{}` is not a dimension of view `{}`",
            field.get_ref(),
            view.name
        );
        if let Some(best) = super::closest(bare, dims.iter().map(String::as_str)) {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        checker.error(field.span(), message);
        return None;
    };
    let resolved = ResolvedField { view, field: found };
    checker.expression(resolved, &resolved.name(), expr, &format!("measure `{measure}`"))
}

/// A `number` measure may reference only measures of its view, and never
/// itself through a cycle.
fn check_number_measures(rv: &RawView, view: &View, checker: &mut Checker<'_>) {
    for m in &view.measures {
        let MeasureKind::Number(expr) = &m.kind else { continue };
        let raw = rv.measures.iter().find(|r| r.get_ref().name.as_ref().is_some_and(|n| n.get_ref() == &m.name));
        let Some(sql) = raw.and_then(|r| r.get_ref().sql.as_ref()) else { continue };
        for reference in expr.measures() {
            if view.measure(reference).is_some() {
                continue;
            }
            let offset = sql.get_ref().find(&format!("${{{reference}}}")).unwrap_or(0);
            let names: Vec<&str> = view.measures.iter().map(|m| m.name.as_str()).collect();
            let mut message = if view.field(reference).is_some() {
                format!("measure `{}`: `${{{reference}}}` is a dimension; a `number` measure combines measures", m.name)
            } else {
                format!("measure `{}`: `${{{reference}}}` is not a measure of view `{}`", m.name, view.name)
            };
            if let Some(best) = super::closest(reference, names.iter().copied()) {
                message.push_str(&format!("; did you mean `{best}`?"));
            }
            checker.error(checker.inner_span(sql, offset), message);
        }
        if refers_to(view, expr.measures(), &m.name, 0) {
            checker.error(sql.span(), format!("measure `{}` refers to itself through `${{...}}` references", m.name));
        }
    }
}

fn refers_to(view: &View, references: Vec<&str>, target: &str, depth: usize) -> bool {
    if depth > view.measures.len() {
        return false; // a cycle not through `target`; its own members report it
    }
    references.into_iter().any(|r| {
        r == target
            || view.measure(r).is_some_and(|m| match &m.kind {
                MeasureKind::Number(e) => refers_to(view, e.measures(), target, depth + 1),
                _ => false,
            })
    })
}
