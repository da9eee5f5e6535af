//! Looks and dashboards as Looker's API describes them (`LookWithQuery`,
//! `Dashboard`), so a client can find a tile's query and run it. Their
//! rows come from the run endpoints, with the caller's access filters.

use axum::Json;
use axum::extract::Path;
use ponte_semantic::compile::saved_request;
use ponte_semantic::model::{Dashboard, Model, Query};
use serde_json::{Value, json};

use super::{Authenticated, find_dashboard, find_look};
use crate::error::ApiError;

/// `GET /api/4.0/looks/{id}`
pub(super) async fn look(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (model, look) = find_look(&auth.api.semantic, &id)?;
    Ok(Json(json!({
        "id": look.id.to_string(),
        "title": look.title,
        "description": look.description,
        "model": { "id": model.name, "label": model.label },
        "query": query_json(model, &look.query, None),
        "can": { "run": true, "see_results": true },
    })))
}

/// `GET /api/4.0/dashboards/{id}`
pub(super) async fn dashboard(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (model, dashboard) = find_dashboard(&auth.api.semantic, &id)?;
    Ok(Json(dashboard_json(model, dashboard)))
}

/// A tile's or look's query in Looker's `Query` shape; `vis` is the tile's
/// visualization type.
fn query_json(model: &Model, query: &Query, vis: Option<&str>) -> Value {
    super::queries::query_json(None, &saved_request(model, query), vis)
}

fn dashboard_json(model: &Model, dashboard: &Dashboard) -> Value {
    let dashboard_id = format!("{}::{}", model.name, dashboard.id);
    let element_id = |i: usize| format!("{dashboard_id}::{}", i + 1);
    let elements: Vec<Value> = dashboard
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let query = query_json(model, &e.query, Some(e.element_type.as_str()));
            let listen: Vec<Value> = e
                .listen
                .iter()
                .map(|(filter, field)| json!({ "dashboard_filter_name": filter, "field": field }))
                .collect();
            json!({
                "id": element_id(i),
                "dashboard_id": dashboard_id,
                "title": e.title,
                "title_text": e.title,
                "type": "vis",
                "look_id": Value::Null,
                "query_id": Value::Null,
                "query": query,
                "result_maker": {
                    "query": query,
                    "vis_config": { "type": e.element_type.as_str() },
                    "filterables": [{ "model": model.name, "view": e.query.explore, "listen": listen }],
                },
            })
        })
        .collect();
    let filters: Vec<Value> = dashboard
        .filters
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "id": format!("{dashboard_id}::filter::{}", i + 1),
                "dashboard_id": dashboard_id,
                "name": f.name,
                "title": f.title,
                "type": "field_filter",
                "default_value": f.default_value,
                "model": model.name,
                "explore": f.explore,
                "dimension": f.field,
                "row": i,
                "listens_to_filters": [],
                "allow_multiple_values": true,
                "required": false,
            })
        })
        .collect();
    // Tiles without a layout stack below the previous one, full width.
    let mut next_row = 0;
    let components: Vec<Value> = dashboard
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (row, column, width, height) = match e.layout {
                Some(l) => (l.row, l.col, l.width, l.height),
                None => (next_row, 0, 24, 6),
            };
            next_row = next_row.max(row + height);
            json!({
                "id": format!("{dashboard_id}::layout::{}", i + 1),
                "dashboard_layout_id": format!("{dashboard_id}::layout"),
                "dashboard_element_id": element_id(i),
                "row": row, "column": column, "width": width, "height": height,
                "deleted": false,
            })
        })
        .collect();
    json!({
        "id": dashboard_id,
        "title": dashboard.title,
        "description": dashboard.description,
        "model": { "id": model.name, "label": model.label },
        "preferred_viewer": "dashboards-next",
        "readonly": true,
        "dashboard_elements": elements,
        "dashboard_filters": filters,
        "dashboard_layouts": [{
            "id": format!("{dashboard_id}::layout"),
            "dashboard_id": dashboard_id,
            "type": "newspaper",
            "active": true,
            "dashboard_layout_components": components,
        }],
        "can": { "show": true, "index": true },
    })
}
