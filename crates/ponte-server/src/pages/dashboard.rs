//! The dashboard page: the filter bar, then every tile drawn on the server
//! from its query, run with the dashboard's filters and the viewer's access
//! filters.

use std::collections::BTreeMap;

use futures::future::join_all;
use ponte_charts::{Locale, TileKind, TileOptions, escape_html, grid_placement, render_text_tile, render_tile_with};
use ponte_semantic::compile::{QueryRequest, check_access, element_request};
use ponte_semantic::model::{ComparisonKind, Dashboard, FilterType, Model};
use serde_json::{Value, json};

use super::crossfilter::CrossFilters;
use super::html::{Frame, Page, Words, hidden_inputs, query_string, with_download};
use super::results::{compile_for, csv_download, download_limit, execute};
use super::viewer::{Viewer, permission};
use super::{Params, semantic};
use crate::AppState;
use crate::error::ApiError;

/// Query-string keys of dashboard URLs that are not filters (Looker's
/// embed parameters); every other key must name a dashboard filter.
const NOT_FILTERS: [&str; 7] =
    ["embed_domain", "sdk", "sandboxed_host", "theme", "_theme", "allow_login_screen", "embed_navigation_token"];

/// The dashboard filters a URL sets, by filter name (`?Mês=2025`, or
/// Looker's `?Filter+Name=value`). A key that is neither a filter nor an
/// embed parameter is refused with the names that would work.
pub(super) fn filter_values(dashboard: &Dashboard, params: &Params) -> Result<BTreeMap<String, String>, ApiError> {
    let mut values = BTreeMap::new();
    for (key, value) in params.pairs() {
        if NOT_FILTERS.contains(&key) {
            continue;
        }
        if !dashboard.filters.iter().any(|f| f.name == key) {
            let names: Vec<&str> = dashboard.filters.iter().map(|f| f.name.as_str()).collect();
            return Err(ApiError::bad_request(format!(
                "`{key}` is not a filter of dashboard `{}`; its filters are: {}",
                dashboard.id,
                if names.is_empty() { "none".to_owned() } else { names.join(", ") }
            )));
        }
        values.insert(key.to_owned(), value.to_owned());
    }
    Ok(values)
}

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
                .filter(|_| element.show_totals)
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
    let mut statuses = Vec::new();
    let mut tiles = Vec::new();
    let mut next_row = 0;
    for (i, (element, result)) in dashboard.elements.iter().zip(&results).enumerate() {
        let (row, col, width, height) = match element.layout {
            Some(l) => (l.row, l.col, l.width, l.height),
            None => (next_row, 0, 24, 6),
        };
        next_row = next_row.max(row + height);
        let kind = TileKind::from_looker(element.element_type.as_str()).unwrap_or(TileKind::Table);
        let ok = !matches!(result, Some(Err(_)));
        let tile = match result {
            None => render_text_tile(&element.title, element.body_text.as_deref().unwrap_or_default()),
            Some(Ok(ran)) => {
                let mut keep = download_pairs(&values, frame);
                keep.extend(cross.pairs());
                let href = || format!("{path}/tiles/{}/download/csv?{}", i + 1, query_string(&keep));
                let data = ran.tile_data();
                let base = format!("{path}/tiles/{}", i + 1);
                let chart = matches!(kind, TileKind::Bar | TileKind::Column | TileKind::Line | TileKind::Area);
                // With cross-filtering, a chart's marks filter the other
                // tiles; single values and tables keep their drills.
                let links: Box<dyn Fn(usize, usize) -> Option<ponte_charts::Link>> =
                    if dashboard.crossfilter_enabled && chart {
                        Box::new(super::crossfilter::links(
                            &data,
                            i + 1,
                            path.clone(),
                            download_pairs(&values, frame),
                            &locale,
                        ))
                    } else {
                        let explore = element.query.as_ref().map_or("", |q| q.explore.as_str());
                        Box::new(super::drill::links(model, explore, &data, base, keep.clone(), &locale))
                    };
                let comparison = element.comparison.as_ref().map(|c| ponte_charts::Comparison {
                    change: c.kind == ComparisonKind::Change,
                    label: c.label.clone(),
                    reverse_colors: c.reverse_colors,
                });
                let combo = (!element.series_lines.is_empty() || !element.right_axis.is_empty()).then(|| {
                    ponte_charts::Combo { lines: element.series_lines.clone(), right_axis: element.right_axis.clone() }
                });
                // The totals row, aligned to the tile's columns by name.
                let totals_row: Option<Vec<ponte_charts::Value>> = totals[i].as_ref().map(|t| {
                    data.columns
                        .iter()
                        .map(|c| {
                            let at = t.columns.iter().position(|tc| tc.name == c.name);
                            at.and_then(|k| t.rows.first().and_then(|r| r.get(k)).cloned())
                                .unwrap_or(ponte_charts::Value::Null)
                        })
                        .collect()
                });
                let options = TileOptions {
                    links: links.as_ref(),
                    comparison: comparison.as_ref(),
                    totals: totals_row.as_deref(),
                    combo: combo.as_ref(),
                };
                let drawn = render_tile_with(kind, &element.title, &data, &locale, &options);
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
            "<div class=\"cell\" data-tile=\"{}\" style=\"{}\">\n{tile}</div>\n",
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

/// A value a filter's field offers as the user types: the filter
/// expression, and what it reads as when that differs (`out. 2025`,
/// `Últimos 12 meses`).
#[derive(Debug, Clone)]
struct Offer {
    value: String,
    label: Option<String>,
}

/// Looker date filter expressions a date filter offers first, with their
/// labels in Portuguese and English.
const RELATIVE_PERIODS: [(&str, &str, &str); 6] = [
    ("this month", "Este mês", "This month"),
    ("last month", "Mês passado", "Last month"),
    ("last 3 months", "Últimos 3 meses", "Last 3 months"),
    ("last 12 months", "Últimos 12 meses", "Last 12 months"),
    ("this year", "Este ano", "This year"),
    ("last year", "Ano passado", "Last year"),
];

/// What each filter offers (Looker's suggestions), computed for the
/// viewer, so its access filters apply: a customer is offered its own
/// values only. A text filter offers the field's values; a date filter
/// relative periods, then the field's values (newest first, as the locale
/// writes them). `None` for other filters, or where the values could not
/// be had (the field stays a plain text box).
async fn filter_suggestions(
    app: &AppState,
    model: &Model,
    dashboard: &Dashboard,
    viewer: &Viewer,
    locale: &Locale,
) -> Vec<Option<Vec<Offer>>> {
    let Ok(semantic) = semantic(app) else { return vec![None; dashboard.filters.len()] };
    let no_filters = BTreeMap::new();
    let portuguese = locale.tag().starts_with("pt");
    join_all(dashboard.filters.iter().map(|filter| {
        let field = model.explore(&filter.explore).and_then(|e| e.resolve_field(&filter.field));
        let kind = field.map(|f| f.filter_type());
        let field_type = field.map(|f| f.result_type());
        let no_filters = &no_filters;
        async move {
            if !matches!(kind, Some(FilterType::String | FilterType::Date)) {
                return None;
            }
            let found =
                semantic.suggestions(&model.name, &filter.explore, &filter.field, "", no_filters, &viewer.caller).await;
            let values = match found {
                Ok(s) => s.values,
                Err(e) => {
                    tracing::warn!(filter = %filter.name, error = %e, "no suggestions for a dashboard filter");
                    return None;
                }
            };
            if kind == Some(FilterType::String) {
                return Some(values.into_iter().map(|value| Offer { value, label: None }).collect());
            }
            let column =
                ponte_charts::Column::dimension(&filter.field, &filter.title, field_type.as_deref().unwrap_or("date"));
            let mut offers: Vec<Offer> = RELATIVE_PERIODS
                .iter()
                .map(|(value, pt, en)| Offer {
                    value: (*value).to_owned(),
                    label: Some((if portuguese { pt } else { en }).to_string()),
                })
                .collect();
            offers.extend(values.into_iter().rev().map(|value| {
                let label = ponte_charts::format_value(&ponte_charts::Value::Text(value.clone()), &column, locale);
                Offer { label: (label != value).then_some(label), value }
            }));
            Some(offers)
        }
    }))
    .await
}

/// The filter bar: one text field per dashboard filter, as a GET form, so
/// it works without JavaScript and the URL says what is shown. A text or
/// date filter's field offers values as the user types (a `datalist`).
fn filter_bar(
    dashboard: &Dashboard,
    values: &BTreeMap<String, String>,
    suggestions: &[Option<Vec<Offer>>],
    path: &str,
    frame: &Frame,
    words: &Words,
) -> String {
    if dashboard.filters.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<form class=\"controls\" method=\"get\" action=\"{}\" data-kind=\"dashboard\" aria-label=\"{}\">\n",
        escape_html(path),
        words.filters
    );
    for (i, filter) in dashboard.filters.iter().enumerate() {
        let value = values.get(&filter.name).unwrap_or(&filter.default_value);
        let offered = suggestions.get(i).and_then(Option::as_ref);
        let list = match offered {
            Some(_) => format!(" list=\"filter-values-{i}\" autocomplete=\"off\""),
            None => String::new(),
        };
        out.push_str(&format!(
            "<label>{}<input type=\"text\" name=\"{}\" value=\"{}\" placeholder=\"{}\"{list}></label>\n",
            escape_html(&filter.title),
            escape_html(&filter.name),
            escape_html(value),
            words.any_value
        ));
        if let Some(offered) = offered {
            out.push_str(&format!("<datalist id=\"filter-values-{i}\">"));
            for offer in offered {
                match &offer.label {
                    Some(label) => out.push_str(&format!(
                        "<option value=\"{}\" label=\"{}\"></option>",
                        escape_html(&offer.value),
                        escape_html(label)
                    )),
                    None => out.push_str(&format!("<option value=\"{}\"></option>", escape_html(&offer.value))),
                }
            }
            out.push_str("</datalist>\n");
        }
    }
    out.push_str(&hidden_inputs(frame));
    let clear =
        if frame.keep().is_empty() { path.to_owned() } else { format!("{path}?{}", query_string(&frame.keep())) };
    out.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\">{}</button><a class=\"link\" href=\"{}\">{}</a></div>\n</form>\n",
        words.apply,
        escape_html(&clear),
        words.clear
    ));
    out
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
