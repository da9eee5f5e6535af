//! The dashboard page: the filter bar, then every tile drawn on the server
//! from its query, run with the dashboard's filters and the viewer's access
//! filters.

use std::collections::BTreeMap;

use futures::future::join_all;
use ponte_charts::{Locale, escape_html, grid_placement, render_text_tile};
use ponte_semantic::compile::{QueryRequest, check_access, element_request};
use ponte_semantic::model::{Dashboard, Model};
use serde_json::{Value, json};

use super::crossfilter::CrossFilters;
use super::filter_bar::filter_values;
use super::filter_bar::{filter_bar, filter_suggestions};
use super::html::{Frame, Page, Words, query_string, with_download};
use super::results::{compile_for, csv_download, download_limit, execute};
use super::viewer::{Viewer, permission};
use super::{Params, semantic};
use crate::AppState;
use crate::error::ApiError;

/// The dashboard, checked for the viewer: model, permissions, and a value
/// for every access filter of every explore its tiles query.
pub(super) fn open<'m>(app: &'m AppState, viewer: &Viewer, id: &str) -> Result<(&'m Model, &'m Dashboard), ApiError> {
    let semantic = semantic(app)?;
    let (model, dashboard) = crate::looker::find_dashboard(semantic, id)?;
    viewer.require_model(model)?;
    viewer.require(
        &[permission::ACCESS_DATA],
        &[permission::SEE_USER_DASHBOARDS, permission::SEE_LOOKML_DASHBOARDS],
        "this dashboard",
    )?;
    for query in dashboard.elements.iter().filter_map(|e| e.query.as_ref()) {
        let explore = model
            .explore(&query.explore)
            .ok_or_else(|| ApiError::not_found(format!("explore `{}` of a tile is not in the model", query.explore)))?;
        check_access(explore, &viewer.caller)?;
    }
    Ok((model, dashboard))
}

/// `GET /embed/dashboards/{id}` and `GET /dashboards/{id}`.
pub(super) async fn page(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    params: &Params,
    frame: &Frame,
) -> Result<Page, ApiError> {
    let (model, dashboard) = open(app, viewer, id)?;
    let (cross, rest) = CrossFilters::take(params)?;
    let values = filter_values(dashboard, &rest)?;
    // A text tile has no query: `None`.
    let requests = dashboard
        .elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            if element.query.is_none() {
                return Ok(None);
            }
            let mut request = element_request(model, &dashboard.id, i, &values)?;
            cross.apply(model, i, &mut request);
            Ok::<_, ponte_semantic::compile::QueryError>(Some(request))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Every tile compiles before any runs: a bad filter value is a 400
    // naming it, not six tiles that failed.
    let compiled = requests
        .iter()
        .map(|r| r.as_ref().map(|r| compile_for(app, r, viewer)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    // A table's totals: its measures alone, over every row, by the warehouse.
    let totals_compiled = dashboard
        .elements
        .iter()
        .zip(&requests)
        .map(|(element, request)| {
            request
                .as_ref()
                .filter(|_| element.vis.show_totals)
                .and_then(|request| totals_request(model, request))
                .map(|r| compile_for(app, &r, viewer))
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let locale = Locale::from_tag(&model.locale);
    let (results, suggestions, totals) = futures::join!(
        join_all(compiled.into_iter().map(|c| async move {
            match c {
                Some(c) => Some(execute(app, c).await),
                None => None,
            }
        })),
        filter_suggestions(app, model, dashboard, viewer, &locale),
        join_all(totals_compiled.into_iter().map(|c| async move {
            match c {
                Some(c) => execute(app, c).await.ok().map(|ran| ran.tile_data()),
                None => None,
            }
        }))
    );
    let words = Words::of(&locale);
    let dashboard_id = format!("{}::{}", model.name, dashboard.id);
    let path = format!("{}/dashboards/{}", frame.prefix(), dashboard.id);

    let mut grid = String::new();
    if !cross.is_empty() {
        let clear_pairs = download_pairs(&values, frame);
        let clear =
            if clear_pairs.is_empty() { path.clone() } else { format!("{path}?{}", query_string(&clear_pairs)) };
        let explore = dashboard.elements.iter().find_map(|e| e.query.as_ref()).map(|q| q.explore.as_str());
        grid.push_str(&cross.chip(model, explore, &clear, &locale));
    }
    grid.push_str("<div class=\"grid\">\n");
    let mut keep_with_cross = download_pairs(&values, frame);
    keep_with_cross.extend(cross.pairs());
    let tiles_page = super::tile::TilePage {
        model,
        path: &path,
        keep: download_pairs(&values, frame),
        keep_with_cross,
        crossfilter_enabled: dashboard.crossfilter_enabled,
        locale: &locale,
        words,
    };
    let mut statuses = Vec::new();
    let mut tiles = Vec::new();
    let mut next_row = 0;
    for (i, (element, result)) in dashboard.elements.iter().zip(&results).enumerate() {
        let (row, col, width, height) = match element.layout {
            Some(l) => (l.row, l.col, l.width, l.height),
            None => (next_row, 0, 24, 6),
        };
        next_row = next_row.max(row + height);
        let ok = !matches!(result, Some(Err(_)));
        let mut cell_attributes = String::new();
        let tile = match result {
            None => render_text_tile(&element.title, element.body_text.as_deref().unwrap_or_default()),
            Some(Ok(ran)) => {
                let href =
                    || format!("{path}/tiles/{}/download/csv?{}", i + 1, query_string(&tiles_page.keep_with_cross));
                let (drawn, attributes) =
                    super::tile::render(&tiles_page, i, element, &ran.tile_data(), totals[i].as_ref());
                cell_attributes = attributes;
                with_download(drawn, viewer, href, words)
            }
            Some(Err(e)) => {
                tracing::warn!(dashboard = %dashboard_id, tile = i + 1, error = ?e.message, "a tile's query failed");
                failed_tile(&element.title, words)
            }
        };
        let errors = match result {
            Some(Err(e)) => vec![json!({ "message": e.message })],
            _ => Vec::new(),
        };
        let status = if ok { "complete" } else { "error" };
        let listen: serde_json::Map<String, Value> =
            element.listen.iter().map(|(filter, field)| (filter.clone(), Value::from(field.clone()))).collect();
        tiles.push((
            json!({ "id": format!("{dashboard_id}::{}", i + 1), "title": element.title, "listen": listen }),
            status,
            errors.clone(),
        ));
        statuses.push(json!({ "tileId": format!("{dashboard_id}::{}", i + 1), "status": status, "errors": errors }));
        grid.push_str(&format!(
            "<div class=\"cell\" data-tile=\"{}\"{cell_attributes} style=\"{}\">\n{tile}</div>\n",
            i + 1,
            grid_placement(row, col, width, height)
        ));
    }
    grid.push_str("</div>\n");

    let mut shown_pairs = pairs_of(&values);
    shown_pairs.extend(cross.pairs());
    let url = if shown_pairs.is_empty() { path.clone() } else { format!("{path}?{}", query_string(&shown_pairs)) };
    let shown_filters: serde_json::Map<String, Value> = dashboard
        .filters
        .iter()
        .map(|f| (f.name.clone(), Value::from(values.get(&f.name).unwrap_or(&f.default_value).clone())))
        .collect();
    let about = json!({
        "id": dashboard_id,
        "title": dashboard.title,
        "dashboard_filters": shown_filters,
        "crossfilters": cross.to_json(),
        "url": url,
        "absoluteUrl": format!("{}{url}", app.config.server.base_url()),
        "options": {},
    });
    let failed = statuses.iter().any(|s| s["status"] != "complete");
    let status = if failed { "error" } else { "complete" };
    // Looker's order: loaded, run:start, each tile's start and complete,
    // run:complete with every tile's status (on the event, as the Embed SDK
    // types it, and inside `dashboard`, where ponte put it before).
    let mut complete = about.clone();
    complete["tileStatuses"] = Value::Array(statuses.clone());
    let absolute = about["absoluteUrl"].as_str().unwrap_or_default().to_owned();
    let mut events = vec![
        super::html::page_changed("dashboards", &url, &absolute),
        json!({ "type": "dashboard:loaded", "dashboard": about }),
        json!({ "type": "dashboard:run:start", "dashboard": about }),
    ];
    for (tile, tile_status, errors) in tiles {
        events.push(json!({ "type": "dashboard:tile:start", "dashboard": about, "tile": tile }));
        events.push(json!({
            "type": "dashboard:tile:complete", "dashboard": about, "tile": tile, "status": tile_status,
            "truncated": false, "errors": errors,
        }));
    }
    events.push(json!({
        "type": "dashboard:run:complete", "dashboard": complete, "status": status, "tileStatuses": statuses,
    }));
    Ok(Page {
        title: dashboard.title.clone(),
        description: dashboard.description.clone(),
        locale,
        controls: filter_bar(dashboard, &values, &suggestions, &path, frame, words),
        main: grid,
        events,
        theme_css: super::html::theme_css(model, params, dashboard.theme.as_deref()),
    })
}

/// The query of a table's totals: `request`'s measures alone (none: no
/// totals), with its filters, over every row.
fn totals_request(model: &Model, request: &QueryRequest) -> Option<QueryRequest> {
    let explore = model.explore(&request.view)?;
    let measures: Vec<String> =
        request.fields.iter().filter(|f| explore.resolve_field(f).is_some_and(|r| r.is_measure())).cloned().collect();
    if measures.is_empty() {
        return None;
    }
    Some(QueryRequest { fields: measures, sorts: Vec::new(), limit: None, ..request.clone() })
}

fn pairs_of(values: &BTreeMap<String, String>) -> Vec<(String, String)> {
    values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn download_pairs(values: &BTreeMap<String, String>, frame: &Frame) -> Vec<(String, String)> {
    let mut pairs = pairs_of(values);
    pairs.extend(frame.keep().into_iter().map(|(k, v)| (k.to_owned(), v)));
    pairs
}

/// A tile whose query failed: its title and a short message (details are
/// in the server log).
fn failed_tile(title: &str, words: &Words) -> String {
    format!(
        "<section class=\"tile tile-error-state\">\n<h2 class=\"tile-title\">{}</h2>\n<div class=\"tile-body\">\n<p class=\"tile-error\">{}</p>\n</div>\n</section>\n",
        escape_html(title),
        words.tile_failed
    )
}

/// Tile `tile` (1-based, as URLs name it) of `dashboard` as the page with
/// `params` shows it: its query with the dashboard's filters and the
/// cross-filter applied. Its index, its query, and the filter values.
pub(super) fn shown_tile(
    model: &Model,
    dashboard: &Dashboard,
    tile: &str,
    params: &Params,
) -> Result<(usize, QueryRequest, ShownFilters), ApiError> {
    let index = tile
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < dashboard.elements.len())
        .ok_or_else(|| ApiError::not_found(format!("dashboard `{}` has no tile `{tile}`", dashboard.id)))?;
    let (cross, rest) = CrossFilters::take(params)?;
    let values = filter_values(dashboard, &rest)?;
    let mut request = element_request(model, &dashboard.id, index, &values)?;
    cross.apply(model, index, &mut request);
    Ok((index, request, ShownFilters { values, cross }))
}

/// The filters a dashboard page shows: its filter values and cross-filter.
pub(super) struct ShownFilters {
    pub(super) values: BTreeMap<String, String>,
    pub(super) cross: CrossFilters,
}

/// `GET …/dashboards/{id}/tiles/{n}/download/csv`: one tile's rows, with
/// the same filters, for a viewer with a download permission.
pub(super) async fn download(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    tile: &str,
    params: &Params,
) -> Result<axum::response::Response, ApiError> {
    let (model, dashboard) = open(app, viewer, id)?;
    let (index, mut request, _) = shown_tile(model, dashboard, tile, params)?;
    download_limit(&mut request, viewer)?;
    csv_download(app, &request, viewer, &format!("{}-{}", dashboard.id, index + 1)).await
}
