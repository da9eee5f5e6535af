//! Request → plan: every name looked up in the model, every filter parsed,
//! the access filters evaluated for the caller, the joins chosen and the
//! measures checked for fan-out. The plan holds only model items and parsed
//! values, so rendering it cannot reach request text.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::dialect::TimeKind;
use super::error::{MAX_SUGGESTED_NAME, closest};
use super::request::{parse_sort, parse_time_zone};
use super::{
    Caller, MAX_FILTER_CONDITIONS, MAX_FILTER_VALUES, QueryError, QueryParam, QueryRequest, Target, WarehouseColumns,
};
use crate::model::{
    Aggregate, ColumnKind, DimensionType, Explore, FieldRef, Filter, Join, Measure, MeasureKind, Model, Relationship,
    ResolvedField, View,
};

/// A query resolved against the model, ready to render.
pub(crate) struct Plan<'m> {
    pub(crate) explore: &'m Explore,
    /// Selected fields in request order, duplicates dropped.
    pub(crate) fields: Vec<Planned<'m>>,
    /// Joined views in an order where each join's condition only names
    /// views already in `FROM`.
    pub(crate) joins: Vec<&'m Join>,
    /// Views whose rows a join repeats and that a measure aggregates: the
    /// query dedupes their rows by primary key ([`super::symmetric`]).
    pub(crate) symmetric: Vec<&'m View>,
    /// Row-level security, one per access filter of the explore.
    pub(crate) access: Vec<Access<'m>>,
    /// Filters on dimensions (`WHERE`).
    pub(crate) where_filters: Vec<(Planned<'m>, Filter)>,
    /// Filters on measures (`HAVING`).
    pub(crate) having_filters: Vec<(Planned<'m>, Filter)>,
    /// Index into `fields`, descending.
    pub(crate) sorts: Vec<(usize, bool)>,
    /// The SQL's `LIMIT`: [`crate::Limit::rows_to_fetch`] of the request's
    /// limit; for a pivoted query, the most rows of pivot columns.
    pub(crate) limit: u64,
    /// For each of `sorts`: the pivot column (from 0) whose value of the
    /// measure orders the rows, when the sort names one (`f desc 0`).
    pub(crate) sort_pivot_columns: Vec<Option<u64>>,
    /// Indexes into `fields` of the pivoted dimensions, in pivot order
    /// (empty for a query without pivots).
    pub(crate) pivots: Vec<usize>,
    /// The most pivot columns (pivoted queries only).
    pub(crate) column_limit: u64,
    pub(crate) time_zone: Tz,
    /// "Now" in the query's zone, for relative date filters.
    pub(crate) now: DateTime<Tz>,
    pub(crate) columns: &'m WarehouseColumns,
}

/// A field with what rendering needs to know about its column.
#[derive(Clone, Copy)]
pub(crate) struct Planned<'m> {
    pub(crate) field: ResolvedField<'m>,
    /// For time dimensions and timeframes: DATE or TIMESTAMP.
    pub(crate) time: Option<TimeKind>,
}

/// An access filter made concrete for one caller.
pub(crate) struct Access<'m> {
    pub(crate) field: ResolvedField<'m>,
    /// One or more values; the predicate is `=` or `IN`.
    pub(crate) values: Vec<QueryParam>,
}

pub(crate) fn plan<'m>(
    model: &'m Model,
    request: &QueryRequest,
    caller: &Caller,
    target: &Target<'m>,
    now: DateTime<Utc>,
) -> Result<Plan<'m>, QueryError> {
    request.check_supported()?;
    let explore = model.explore(&request.view).ok_or_else(|| QueryError::UnknownExplore {
        model: model.name.clone(),
        explore: shown(&request.view),
        suggestion: closest(&request.view, model.explores.iter().map(|e| e.name.as_str())),
    })?;
    let columns = target.columns;
    let lookup = |name: &str| -> Result<Planned<'m>, QueryError> {
        let field = resolve_field(explore, name)?;
        Ok(Planned { field, time: time_kind(&field, columns)? })
    };

    let mut fields: Vec<Planned<'m>> = Vec::new();
    for name in &request.fields {
        let planned = lookup(name)?;
        if !fields.iter().any(|f| f.field.name() == planned.field.name()) {
            fields.push(planned);
        }
    }
    if fields.is_empty() {
        return Err(QueryError::NoFields);
    }
    let pivots = pivots(explore, &fields, &request.pivots)?;

    // Always-filters first, each replaced by the request's filter on the
    // same field when there is one (users may change the value, as in Looker).
    let mut filters: Vec<(Planned<'m>, Filter)> = Vec::new();
    for af in &explore.always_filter {
        if !request.filters.contains_key(&af.field) {
            filters.push((lookup(&af.field)?, af.filter.clone()));
        }
    }
    for (name, expression) in &request.filters {
        let planned = lookup(name)?;
        let filter = planned
            .field
            .filter_type()
            .parse(expression)
            .map_err(|e| QueryError::BadFilter { field: name.clone(), message: shown_message(e.to_string()) })?;
        check_filterable(&planned.field, &filter, columns)?;
        check_size(name, &filter)?;
        filters.push((planned, filter));
    }
    filters.retain(|(_, f)| !matches_everything(f));
    let (having_filters, where_filters): (Vec<_>, Vec<_>) =
        filters.into_iter().partition(|(p, _)| p.field.is_measure());

    let access = access_filters(explore, caller)?;

    let mut sorts = Vec::new();
    let mut sort_pivot_columns = Vec::new();
    for sort in &request.sorts {
        let spec = parse_sort(sort)?;
        let field = resolve_field(explore, spec.field)?;
        let index = fields.iter().position(|f| f.field.name() == field.name()).ok_or_else(|| QueryError::BadSort {
            sort: sort.clone(),
            reason: format!("`{}` is not one of the query's fields", spec.field),
        })?;
        sorts.push((index, spec.descending));
        // A pivot column orders rows by a measure's value in it; elsewhere
        // (no pivots, a dimension) Looker's number changes nothing.
        let by_column = spec.pivot_column.filter(|_| !pivots.is_empty() && field.is_measure());
        sort_pivot_columns.push(by_column);
    }
    if sorts.iter().all(|(i, _)| pivots.contains(i)) {
        // Rows are ordered by what is not pivoted: the default picks among those.
        let rows: Vec<Planned<'m>> =
            fields.iter().enumerate().filter(|(i, _)| !pivots.contains(i)).map(|(_, f)| *f).collect();
        if !rows.is_empty() {
            let (at, descending) = default_sort(&rows);
            let index = fields.iter().position(|f| f.field.name() == rows[at].field.name()).unwrap_or(0);
            sorts.push((index, descending));
            sort_pivot_columns.push(None);
        }
    }

    let mut views: BTreeSet<&str> = BTreeSet::new();
    views.extend(fields.iter().map(|f| f.field.view.name.as_str()));
    views.extend(where_filters.iter().chain(&having_filters).map(|(p, _)| p.field.view.name.as_str()));
    views.extend(access.iter().map(|a| a.field.view.name.as_str()));
    // Views an expression reaches through `${view.field}` are joined too.
    let planned = fields.iter().chain(where_filters.iter().chain(&having_filters).map(|(p, _)| p));
    for field in planned.map(|p| p.field).chain(access.iter().map(|a| a.field)) {
        if let FieldRef::Dimension(d) = field.field {
            let mut reached = Vec::new();
            super::expr_sql::reached_views(explore, field.view, &d.sql, &mut reached);
            views.extend(reached);
        }
    }
    let joins = joins_for(explore, views);

    // A measure whose rows a join repeats is computed over its view's
    // rows once each (symmetric aggregates), which needs the view's key.
    let mut symmetric: Vec<&'m View> = Vec::new();
    let measures = fields.iter().chain(having_filters.iter().map(|(p, _)| p));
    for p in measures {
        if let FieldRef::Measure(m) = p.field.field
            && check_fan_out(p.field.view, m, &joins, 0)?
            && !symmetric.iter().any(|v| v.name == p.field.view.name)
        {
            symmetric.push(p.field.view);
        }
    }

    let time_zone = parse_time_zone(request.query_timezone.as_deref(), model.time_zone)?;
    Ok(Plan {
        explore,
        fields,
        joins,
        symmetric,
        access,
        where_filters,
        having_filters,
        sorts,
        limit: match request.limit.unwrap_or(crate::Limit::DEFAULT) {
            // A pivoted result is built whole (its rows hold every column):
            // it keeps to the rows a page shows.
            limit if !pivots.is_empty() => limit.rows_to_fetch().min(crate::Limit::MAX_ROWS),
            limit => limit.rows_to_fetch(),
        },
        column_limit: super::request::parse_column_limit(request.column_limit.as_deref())?,
        sort_pivot_columns,
        pivots,
        time_zone,
        now: now.with_timezone(&time_zone),
        columns,
    })
}

/// The pivoted fields as indexes into `fields`: each a dimension the query
/// selects, named once.
fn pivots(explore: &Explore, fields: &[Planned<'_>], names: &[String]) -> Result<Vec<usize>, QueryError> {
    let bad = |reason: String| QueryError::BadPivot { reason };
    let mut pivots = Vec::with_capacity(names.len());
    for name in names {
        let field = resolve_field(explore, name)?;
        if field.is_measure() {
            return Err(bad(format!("`{name}` is a measure; a query pivots on dimensions")));
        }
        let index = fields
            .iter()
            .position(|f| f.field.name() == field.name())
            .ok_or_else(|| bad(format!("`{name}` is not in `fields`; a query pivots on fields it selects")))?;
        if pivots.contains(&index) {
            return Err(bad(format!("`{name}` is pivoted twice")));
        }
        pivots.push(index);
    }
    if !pivots.is_empty() && !fields.iter().any(|f| f.field.is_measure()) {
        return Err(bad("a pivoted query needs a measure to spread across the pivot's columns".to_owned()));
    }
    Ok(pivots)
}

/// Refuses a filter that would compile to more SQL than a query may carry.
fn check_size(field: &str, filter: &Filter) -> Result<(), QueryError> {
    let size = filter.size();
    let too_large = |count, what, limit| QueryError::FilterTooLarge { field: field.to_owned(), count, what, limit };
    if size.values > MAX_FILTER_VALUES {
        return Err(too_large(size.values, "values", MAX_FILTER_VALUES));
    }
    if size.conditions > MAX_FILTER_CONDITIONS {
        return Err(too_large(size.conditions, "ranges, patterns or periods", MAX_FILTER_CONDITIONS));
    }
    Ok(())
}

/// `view.field` in the explore, or an error naming the closest field.
pub(crate) fn resolve_field<'m>(explore: &'m Explore, name: &str) -> Result<ResolvedField<'m>, QueryError> {
    explore.resolve_field(name).ok_or_else(|| {
        let names: Vec<String> =
            explore.views().flat_map(|v| v.field_names().into_iter().map(move |f| format!("{}.{f}", v.name))).collect();
        QueryError::UnknownField {
            explore: explore.name.clone(),
            field: shown(name),
            suggestion: closest(name, names.iter().map(String::as_str)),
        }
    })
}

/// A parser's message, which quotes the whole expression, cut to a size
/// worth reading when the expression is huge.
fn shown_message(message: String) -> String {
    ponte_config::suggest::shorten(&message, 1024)
}

/// Looker's default sort for a query that names none ("Sorting data" in
/// Looker's Explore documentation): the first date or time field
/// descending, so a time series reads newest first; without one, the first
/// measure descending; without a measure, the first field ascending.
fn default_sort(fields: &[Planned<'_>]) -> (usize, bool) {
    if let Some(i) = fields.iter().position(|f| f.time.is_some() && !f.field.is_measure()) {
        return (i, true);
    }
    match fields.iter().position(|f| f.field.is_measure()) {
        Some(i) => (i, true),
        None => (0, false),
    }
}

/// A name from a request as an error message quotes it: whole when short,
/// else its start and its size, so a megabyte of junk is not echoed back.
pub(crate) fn shown(name: &str) -> String {
    ponte_config::suggest::shorten(name, MAX_SUGGESTED_NAME / 2)
}

/// The kind of a time field's column: from the warehouse columns, else,
/// for a plain dimension, from its declared type. A dimension group's
/// column must be listed, since nothing in the model says.
pub(crate) fn time_kind(field: &ResolvedField<'_>, columns: &WarehouseColumns) -> Result<Option<TimeKind>, QueryError> {
    let (column, declared) = match field.field {
        FieldRef::Dimension(d) => {
            let declared = match d.dimension_type {
                DimensionType::Date => TimeKind::Date,
                DimensionType::Time => TimeKind::Timestamp,
                _ => return Ok(None),
            };
            let column = match &d.sql {
                crate::model::FieldSql::Column(column) => column,
                // An expression's type as the warehouse columns give it
                // (`CAST(day AS TIMESTAMP)` on a date dimension binds
                // timestamps), else the one declared.
                crate::model::FieldSql::Expression(at) => {
                    let table = columns.get(&field.view.table.name);
                    let kind_of = |c: &str| table.and_then(|t| t.get(c)).copied();
                    let no_fields = |_: &str| None;
                    let typing = crate::model::sql_expr::Typing { column: &kind_of, field: &no_fields };
                    return Ok(Some(match crate::model::sql_expr::infer(&at.expr.expr, &typing) {
                        Ok(crate::model::sql_expr::ExprType::Date) => TimeKind::Date,
                        Ok(crate::model::sql_expr::ExprType::Timestamp) => TimeKind::Timestamp,
                        _ => declared,
                    }));
                }
            };
            (column, Some(declared))
        }
        FieldRef::Timeframe(g, _) => (&g.column, None),
        FieldRef::Measure(_) => return Ok(None),
    };
    let table = &field.view.table.name;
    match columns.get(table).and_then(|c| c.get(&column.name)) {
        Some(ColumnKind::Date) => Ok(Some(TimeKind::Date)),
        Some(ColumnKind::Timestamp) => Ok(Some(TimeKind::Timestamp)),
        _ => declared.map(Some).ok_or_else(|| QueryError::UnknownColumnType {
            field: field.name(),
            table: table.clone(),
            column: column.name.clone(),
        }),
    }
}

/// A number filter on a `min`/`max` measure over dates or text would
/// compare numbers with dates or text.
fn check_filterable(field: &ResolvedField<'_>, filter: &Filter, columns: &WarehouseColumns) -> Result<(), QueryError> {
    let FieldRef::Measure(m) = field.field else { return Ok(()) };
    let MeasureKind::Aggregate { function: Aggregate::Min | Aggregate::Max, sql } = &m.kind else { return Ok(()) };
    let Some(column) = sql.column() else { return Ok(()) };
    let kind = columns.get(&field.view.table.name).and_then(|c| c.get(&column.name));
    match kind {
        Some(k @ (ColumnKind::Date | ColumnKind::Timestamp | ColumnKind::String)) if !matches_everything(filter) => {
            Err(QueryError::WrongFilterKind {
                field: field.name(),
                reason: format!(
                    "it is the {} of a {} column, and filters on measures compare numbers",
                    m.type_name(),
                    match k {
                        ColumnKind::String => "text",
                        _ => "date or time",
                    }
                ),
            })
        }
        _ => Ok(()),
    }
}

fn matches_everything(filter: &Filter) -> bool {
    use crate::filter_expr::{DateFilter, NumberFilter, StringFilter, YesNoFilter};
    matches!(
        filter,
        Filter::String(StringFilter::Any)
            | Filter::Number(NumberFilter::Any)
            | Filter::Date(DateFilter::Any)
            | Filter::YesNo(YesNoFilter::Any)
    )
}

/// Every access filter of the explore, with the caller's values. Fails
/// closed: a missing, empty or unusable attribute is an error, never a
/// skipped predicate.
pub(crate) fn access_filters<'m>(explore: &'m Explore, caller: &Caller) -> Result<Vec<Access<'m>>, QueryError> {
    explore
        .access_filters
        .iter()
        .map(|af| {
            let denied = |reason: String| QueryError::AccessDenied {
                explore: explore.name.clone(),
                field: af.field.clone(),
                attribute: af.user_attribute.clone(),
                reason,
            };
            let field = explore
                .resolve_field(&af.field)
                .ok_or_else(|| denied("and that field is not in the explore".to_owned()))?;
            let raw = caller
                .user_attributes
                .get(&af.user_attribute)
                .ok_or_else(|| denied("and the caller has no value for it".to_owned()))?;
            let dimension_type = match field.field {
                FieldRef::Dimension(d) => d.dimension_type,
                _ => return Err(denied("and that field is not a plain dimension".to_owned())),
            };
            let values = raw
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    attribute_value(dimension_type, v)
                        .ok_or_else(|| denied(format!("and `{v}` is not a valid {} value", dimension_type.as_str())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if values.is_empty() {
                return Err(denied("and the caller's value for it is empty".to_owned()));
            }
            Ok(Access { field, values })
        })
        .collect()
}

/// A user attribute value typed like the dimension it is compared with.
fn attribute_value(dimension_type: DimensionType, v: &str) -> Option<QueryParam> {
    match dimension_type {
        DimensionType::String => Some(QueryParam::String(v.to_owned())),
        DimensionType::Number => match v.parse::<i64>() {
            Ok(i) => Some(QueryParam::Int(i)),
            Err(_) => v.parse::<f64>().ok().filter(|f| f.is_finite()).map(QueryParam::Float),
        },
        DimensionType::YesNo => match v.to_ascii_lowercase().as_str() {
            "yes" | "true" => Some(QueryParam::Bool(true)),
            "no" | "false" => Some(QueryParam::Bool(false)),
            _ => None,
        },
        DimensionType::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().map(QueryParam::Date),
        DimensionType::Time => {
            DateTime::parse_from_rfc3339(v).ok().map(|t| QueryParam::Timestamp(t.with_timezone(&Utc)))
        }
    }
}

/// The joins the query needs: those of the views it uses, plus those their
/// join conditions name, ordered so each condition names only views joined
/// before (file order otherwise).
fn joins_for<'m>(explore: &'m Explore, mut needed: BTreeSet<&'m str>) -> Vec<&'m Join> {
    let base = explore.base.name.as_str();
    let view_of = |side: &'m str| side.split_once('.').map_or(side, |(v, _)| v);
    loop {
        let before = needed.len();
        for j in &explore.joins {
            if needed.contains(j.view.name.as_str()) {
                needed.extend(j.on.iter().flat_map(|(a, b)| [view_of(a), view_of(b)]));
            }
        }
        if needed.len() == before {
            break;
        }
    }
    let mut pending: Vec<&Join> = explore.joins.iter().filter(|j| needed.contains(j.view.name.as_str())).collect();
    let mut available: BTreeSet<&str> = BTreeSet::from([base]);
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|j| {
            j.on.iter().flat_map(|(a, b)| [view_of(a), view_of(b)]).all(|v| v == j.view.name || available.contains(v))
        });
        // A cycle cannot be ordered; keep file order and let the warehouse say.
        let j = pending.remove(ready.unwrap_or(0));
        available.insert(j.view.name.as_str());
        ordered.push(j);
    }
    ordered
}

/// Whether a join in the query repeats a measure's rows (then it is
/// computed as a symmetric aggregate: each row of its view once, by key).
///
/// A join repeats the joined view's rows when several left rows match one
/// of them (`many_to_one`, `many_to_many`) and the other views' rows when
/// one left row matches several joined rows (`one_to_many`,
/// `many_to_many`). This treats every view outside the join as "the other
/// side", which dedupes some chains of joins needlessly but never misses
/// one. `count_distinct`, `min`, `max` and a `count` over a view with a
/// primary key (a distinct count of the key) are not affected. A repeated
/// measure over a view without a primary key cannot be deduped: refused.
fn check_fan_out(view: &View, measure: &Measure, joins: &[&Join], depth: usize) -> Result<bool, QueryError> {
    let has_key = view.dimensions.iter().any(|d| d.primary_key);
    match &measure.kind {
        MeasureKind::Count if has_key => return Ok(false),
        MeasureKind::Aggregate { function: Aggregate::CountDistinct | Aggregate::Min | Aggregate::Max, .. } => {
            return Ok(false);
        }
        MeasureKind::Number(expr) => {
            // Number measures reference measures of the same view; the model
            // refuses cycles, the depth bound is a second guard.
            let mut repeated = false;
            for name in expr.measures() {
                if let Some(m) = view.measure(name).filter(|_| depth < 32) {
                    repeated |= check_fan_out(view, m, joins, depth + 1)?;
                }
            }
            return Ok(repeated);
        }
        MeasureKind::Count | MeasureKind::Aggregate { .. } => {}
    }
    for j in joins {
        let repeats = if j.view.name == view.name {
            matches!(j.relationship, Relationship::ManyToOne | Relationship::ManyToMany)
        } else {
            matches!(j.relationship, Relationship::OneToMany | Relationship::ManyToMany)
        };
        if repeats && !has_key {
            return Err(QueryError::FanOut {
                measure: format!("{}.{}", view.name, measure.name),
                view: view.name.clone(),
                join: j.view.name.clone(),
                relationship: j.relationship.as_str().to_owned(),
            });
        }
        if repeats {
            return Ok(true);
        }
    }
    Ok(false)
}
