//! Looks and dashboard tiles: saved queries turned into requests, so they
//! take exactly the path an API query takes (access filters included).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::error::closest;
use super::{Caller, CompiledQuery, QueryError, QueryRequest, Target, compile};
use crate::model::{Model, Query};

/// Compiles the query of look `look_id` for `caller`.
pub fn compile_look(
    model: &Model,
    look_id: u64,
    caller: &Caller,
    target: &Target<'_>,
    now: DateTime<Utc>,
) -> Result<CompiledQuery, QueryError> {
    compile(model, &look_request(model, look_id)?, caller, target, now)
}

/// The query of look `look_id` as an API request body, for callers that
/// adjust it (a run's `limit`) before compiling.
pub fn look_request(model: &Model, look_id: u64) -> Result<QueryRequest, QueryError> {
    let look = model.look(look_id).ok_or_else(|| QueryError::UnknownLook { model: model.name.clone(), id: look_id })?;
    Ok(saved_request(model, &look.query))
}

/// Compiles tile `element_index` (0-based, file order) of a dashboard for
/// `caller`, with the dashboard's filters applied through the tile's
/// `listen` (see [`element_request`]).
pub fn compile_element(
    model: &Model,
    dashboard_id: &str,
    element_index: usize,
    filter_values: &BTreeMap<String, String>,
    caller: &Caller,
    target: &Target<'_>,
    now: DateTime<Utc>,
) -> Result<CompiledQuery, QueryError> {
    let request = element_request(model, dashboard_id, element_index, filter_values)?;
    compile(model, &request, caller, target, now)
}

/// The query of tile `element_index` (0-based, file order) of a dashboard
/// as an API request body, with the dashboard's filters applied through
/// the tile's `listen`; for callers that adjust it (a download's limit)
/// before compiling.
///
/// `filter_values` maps dashboard filter names to the expressions the user
/// chose; a filter not given uses its default value. A non-empty value
/// replaces any filter the tile itself has on the same field, as in Looker;
/// an empty one ("is any value") leaves the tile's own filter. A name the
/// dashboard does not have is refused rather than ignored, so a misspelt
/// filter does not silently show unfiltered numbers.
pub fn element_request(
    model: &Model,
    dashboard_id: &str,
    element_index: usize,
    filter_values: &BTreeMap<String, String>,
) -> Result<QueryRequest, QueryError> {
    let dashboard = model
        .dashboard(dashboard_id)
        .ok_or_else(|| QueryError::UnknownDashboard { model: model.name.clone(), id: dashboard_id.to_owned() })?;
    let element = dashboard.elements.get(element_index).ok_or_else(|| QueryError::UnknownElement {
        dashboard: dashboard.id.clone(),
        index: element_index,
        count: dashboard.elements.len(),
    })?;
    if let Some(unknown) = filter_values.keys().find(|k| !dashboard.filters.iter().any(|f| &f.name == *k)) {
        return Err(QueryError::UnknownDashboardFilter {
            dashboard: dashboard.id.clone(),
            filter: unknown.clone(),
            suggestion: closest(unknown, dashboard.filters.iter().map(|f| f.name.as_str())),
        });
    }
    let query = element
        .query
        .as_ref()
        .ok_or_else(|| QueryError::TextTile { dashboard: dashboard.id.clone(), tile: element_index + 1 })?;
    let mut request = saved_request(model, query);
    for (filter_name, field) in &element.listen {
        let Some(filter) = dashboard.filters.iter().find(|f| &f.name == filter_name) else { continue };
        let value = filter_values.get(filter_name).unwrap_or(&filter.default_value);
        if !value.trim().is_empty() {
            request.filters.insert(field.clone(), value.clone());
        }
    }
    Ok(request)
}

/// A saved query (a look's or a tile's) as an API request body.
pub fn saved_request(model: &Model, query: &Query) -> QueryRequest {
    QueryRequest {
        model: model.name.clone(),
        view: query.explore.clone(),
        fields: query.fields.clone(),
        filters: query.filters.iter().map(|f| (f.field.clone(), f.expression.clone())).collect(),
        sorts: query
            .sorts
            .iter()
            .map(|s| if s.descending { format!("{} desc", s.field) } else { s.field.clone() })
            .collect(),
        limit: query.limit,
        dynamic_fields: query.dynamic_fields.clone(),
        pivots: query.pivots.clone(),
        ..QueryRequest::default()
    }
}
