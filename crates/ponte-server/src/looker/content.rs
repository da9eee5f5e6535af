//! Looks and dashboards as Looker's API describes them (`LookWithQuery`,
//! `Dashboard`, and the lists and searches of `Look` and `DashboardBase`),
//! so a client can find a tile's query and run it. Their rows come from
//! the run endpoints, with the caller's access filters.
//!
//! Every look's and tile's query has a stable id (`look::<model>::<id>`,
//! `tile::<model>::<dashboard>::<n>`) that `GET /queries/{id}` and
//! `/queries/{id}/run/{format}` serve, so SDK code that runs
//! `look.query_id` or `element.query_id` works.

use axum::Json;
use axum::extract::{Path, Query as QueryString};
use ponte_semantic::compile::{Caller, QueryRequest, check_access, saved_request};
use ponte_semantic::model::{Dashboard, Look, Model, Query};
use serde_json::{Value, json};

use super::{Authenticated, find_dashboard, find_look};
use crate::error::ApiError;
use ponte_query::SemanticLayer;

/// `GET /api/4.0/looks/{id}`
pub(super) async fn look(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (model, look) = find_look(&auth.api.semantic, &id)?;
    Ok(Json(look_json(model, look, true)))
}

/// `GET /api/4.0/dashboards/{id}`
pub(super) async fn dashboard(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (model, dashboard) = find_dashboard(&auth.api.semantic, &id)?;
    Ok(Json(dashboard_json(model, dashboard)))
}

/// `GET /api/4.0/looks`: every look the caller may run (its explore's
/// access filters have the caller's attributes), as Looker's `Look`.
pub(super) async fn looks(auth: Authenticated) -> Json<Value> {
    let listed = visible_looks(&auth.api.semantic, &auth.session.caller).map(|(m, l)| look_json(m, l, false));
    Json(Value::Array(listed.collect()))
}

/// `GET /api/4.0/dashboards`: every dashboard whose tiles the caller may
/// run, as Looker's `DashboardBase`.
pub(super) async fn dashboards(auth: Authenticated) -> Json<Value> {
    let listed = visible_dashboards(&auth.api.semantic, &auth.session.caller).map(|(m, d)| dashboard_base(m, d));
    Json(Value::Array(listed.collect()))
}

/// What `search_looks` and `search_dashboards` filter and page by.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Search {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    slug: Option<String>,
    query_id: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    sorts: Option<String>,
    filter_or: Option<String>,
}

impl Search {
    /// Whether `fields` (name → value) match every given filter (or any,
    /// with `filter_or=true`). Titles and descriptions match as Looker's
    /// search does: case-insensitive, `%` any run and `_` one character.
    fn matches(&self, fields: &[(&str, Option<&str>)]) -> bool {
        let wanted = [
            ("id", &self.id),
            ("title", &self.title),
            ("description", &self.description),
            ("slug", &self.slug),
            ("query_id", &self.query_id),
        ];
        let mut results = wanted.iter().filter_map(|(name, pattern)| {
            let pattern = pattern.as_deref()?;
            let value = fields.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v).unwrap_or("");
            Some(like(value, pattern))
        });
        if self.filter_or.as_deref() == Some("true") { results.any(|m| m) } else { results.all(|m| m) }
    }

    fn page(&self) -> Result<(usize, usize), ApiError> {
        super::paging(self.limit.as_deref(), self.offset.as_deref())
    }
}

/// `GET /api/4.0/looks/search`
pub(super) async fn search_looks(
    auth: Authenticated,
    QueryString(search): QueryString<Search>,
) -> Result<Json<Value>, ApiError> {
    let (limit, offset) = search.page()?;
    let mut found: Vec<(&Model, &Look)> = visible_looks(&auth.api.semantic, &auth.session.caller)
        .filter(|(m, l)| {
            search.matches(&[
                ("id", Some(&l.id.to_string())),
                ("title", Some(&l.title)),
                ("description", l.description.as_deref()),
                ("query_id", Some(&look_query_id(m, l.id))),
            ])
        })
        .collect();
    sort_by(&mut found, search.sorts.as_deref(), |(_, l)| (l.title.clone(), l.id.to_string()))?;
    Ok(Json(Value::Array(found.into_iter().skip(offset).take(limit).map(|(m, l)| look_json(m, l, false)).collect())))
}

/// `GET /api/4.0/dashboards/search`
pub(super) async fn search_dashboards(
    auth: Authenticated,
    QueryString(search): QueryString<Search>,
) -> Result<Json<Value>, ApiError> {
    let (limit, offset) = search.page()?;
    let mut found: Vec<(&Model, &Dashboard)> = visible_dashboards(&auth.api.semantic, &auth.session.caller)
        .filter(|(m, d)| {
            let id = format!("{}::{}", m.name, d.id);
            search.matches(&[
                ("id", Some(&id)),
                ("slug", Some(&d.id)),
                ("title", Some(&d.title)),
                ("description", d.description.as_deref()),
            ])
        })
        .collect();
    sort_by(&mut found, search.sorts.as_deref(), |(m, d)| (d.title.clone(), format!("{}::{}", m.name, d.id)))?;
    let page = found.into_iter().skip(offset).take(limit).map(|(m, d)| dashboard_json(m, d));
    Ok(Json(Value::Array(page.collect())))
}

/// Orders search results by `sorts` (`title`, `id`, each optionally
/// `desc`; Looker's default is the order of creation, here the file's).
fn sort_by<T>(items: &mut [T], sorts: Option<&str>, key: impl Fn(&T) -> (String, String)) -> Result<(), ApiError> {
    let Some(sorts) = sorts.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(()) };
    let mut words = sorts.split_whitespace();
    let (field, descending) = (words.next().unwrap_or_default(), words.next().map(str::to_ascii_lowercase));
    let by_title = match field {
        "title" => true,
        "id" => false,
        other => {
            return Err(ApiError::bad_request(format!(
                "`sorts` may be `title` or `id` (optionally followed by `desc`), not `{}`",
                crate::error::quoted(other)
            )));
        }
    };
    items.sort_by_key(|item| {
        let (title, id) = key(item);
        if by_title { (title.to_lowercase(), id) } else { (id, title) }
    });
    if descending.as_deref() == Some("desc") {
        items.reverse();
    }
    Ok(())
}

/// Looker's search pattern: case-insensitive, `%` any run of characters,
/// `_` exactly one.
fn like(value: &str, pattern: &str) -> bool {
    let value: Vec<char> = value.to_lowercase().chars().collect();
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    // Iterative wildcard match with one backtrack point: linear for the
    // patterns `%` makes, never exponential.
    let (mut v, mut p, mut star, mut resume) = (0, 0, None, 0);
    while v < value.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == value[v]) {
            v += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some(p);
            resume = v;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            v = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

/// Looks whose explore the caller may query.
fn visible_looks<'m>(semantic: &'m SemanticLayer, caller: &'m Caller) -> impl Iterator<Item = (&'m Model, &'m Look)> {
    semantic.models().iter().flat_map(move |m| {
        m.looks
            .iter()
            .filter(move |l| m.explore(&l.query.explore).is_some_and(|e| check_access(e, caller).is_ok()))
            .map(move |l| (m, l))
    })
}

/// Dashboards whose every tile's explore the caller may query.
fn visible_dashboards<'m>(
    semantic: &'m SemanticLayer,
    caller: &'m Caller,
) -> impl Iterator<Item = (&'m Model, &'m Dashboard)> {
    semantic.models().iter().flat_map(move |m| {
        m.dashboards
            .iter()
            .filter(move |d| {
                d.elements
                    .iter()
                    .filter_map(|e| e.query.as_ref())
                    .all(|q| m.explore(&q.explore).is_some_and(|x| check_access(x, caller).is_ok()))
            })
            .map(move |d| (m, d))
    })
}

/// The stable query id of a look's query.
pub(super) fn look_query_id(model: &Model, look_id: u64) -> String {
    format!("look::{}::{look_id}", model.name)
}

/// The stable query id of a dashboard tile's query (`index` 0-based).
pub(super) fn tile_query_id(model: &Model, dashboard: &Dashboard, index: usize) -> String {
    format!("tile::{}::{}::{}", model.name, dashboard.id, index + 1)
}

/// The look's or tile's query that a stable query id names, if it names one.
pub(super) fn content_query(semantic: &SemanticLayer, id: &str) -> Option<QueryRequest> {
    let mut parts = id.split("::");
    let (kind, model_name) = (parts.next()?, parts.next()?);
    let model = semantic.models().iter().find(|m| m.name == model_name)?;
    let query = match (kind, parts.next(), parts.next(), parts.next()) {
        ("look", Some(look), None, None) => &model.look(look.parse().ok()?)?.query,
        ("tile", Some(dashboard), Some(n), None) => {
            let index = n.parse::<usize>().ok()?.checked_sub(1)?;
            model.dashboard(dashboard)?.elements.get(index)?.query.as_ref()?
        }
        _ => return None,
    };
    Some(saved_request(model, query))
}

/// A look as Looker's `Look` (or, `with_query`, `LookWithQuery`).
fn look_json(model: &Model, look: &Look, with_query: bool) -> Value {
    let query_id = look_query_id(model, look.id);
    let mut value = json!({
        "id": look.id.to_string(),
        "title": look.title,
        "description": look.description,
        "model": { "id": model.name, "label": model.label },
        "query_id": query_id,
        "embed_url": format!("/embed/looks/{}", look.id),
        "public": false,
        "deleted": false,
        "is_run_on_load": true,
        "can": { "run": true, "see_results": true, "show": true, "index": true },
    });
    if with_query {
        value["query"] = query_json(model, &look.query, None, &query_id);
    }
    value
}

/// A dashboard as Looker's `DashboardBase`, for lists.
fn dashboard_base(model: &Model, dashboard: &Dashboard) -> Value {
    json!({
        "id": format!("{}::{}", model.name, dashboard.id),
        "slug": dashboard.id,
        "title": dashboard.title,
        "description": dashboard.description,
        "model": { "id": model.name, "label": model.label },
        "readonly": true,
        "hidden": false,
        "preferred_viewer": "dashboards-next",
        "can": { "show": true, "index": true },
    })
}

/// A tile's or look's query in Looker's `Query` shape, under its stable
/// id; `vis` is the tile's visualization type.
fn query_json(model: &Model, query: &Query, vis: Option<&str>, id: &str) -> Value {
    let mut json = super::queries::query_json(Some(id), &saved_request(model, query), vis);
    if !query.pivots.is_empty() {
        json["pivots"] = json!(query.pivots);
    }
    json
}

fn dashboard_json(model: &Model, dashboard: &Dashboard) -> Value {
    let dashboard_id = format!("{}::{}", model.name, dashboard.id);
    let element_id = |i: usize| format!("{dashboard_id}::{}", i + 1);
    let elements: Vec<Value> = dashboard
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let Some(tile_query) = &e.query else {
                // Looker's text element: its Markdown, and no query.
                return json!({
                    "id": element_id(i),
                    "dashboard_id": dashboard_id,
                    "title": e.title,
                    "title_text": e.title,
                    "type": "text",
                    "body_text": e.body_text,
                    "look_id": Value::Null,
                    "query_id": Value::Null,
                    "query": Value::Null,
                    "result_maker": Value::Null,
                });
            };
            let query_id = tile_query_id(model, dashboard, i);
            let query = query_json(model, tile_query, Some(e.element_type.as_str()), &query_id);
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
                "query_id": query_id,
                "query": query,
                "result_maker": {
                    "query": query,
                    "vis_config": { "type": e.element_type.as_str() },
                    "filterables": [{ "model": model.name, "view": tile_query.explore, "listen": listen }],
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
                "ui_config": { "type": f.control.as_str(), "display": "inline" },
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
        "slug": dashboard.id,
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
