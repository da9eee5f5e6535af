//! Drilling into a dashboard tile's mark: `…/dashboards/{id}/tiles/{n}/drill`
//! lists the rows behind one bar, point, single value or table cell (the
//! drilled measure's `drill_fields`, filtered by the mark's dimension
//! values), with its own CSV download. The drill is the tile's query with
//! the dashboard's filters, plus the clicked values, compiled for the
//! viewer: access filters apply as on the tile, so a drill never shows a
//! row the tile did not count.
//!
//! The URL says what was clicked: `measure=view.field` and one
//! `drill[view.field]=value` per dimension of the mark; the dashboard's
//! filters and the frame's parameters ride along as on the dashboard.

use std::collections::BTreeMap;

use ponte_charts::{Link, LinkKind, Locale, TileData, TileKind, Value, escape_html, format_value, render_tile};
use ponte_semantic::compile::{
    Clicked, DrillTo, QueryRequest, dimension_drill_fields, dimension_drill_request, drill_breakdowns, drill_request,
};
use ponte_semantic::model::{Explore, FieldRef, Model};

use super::Params;
use super::dashboard::{ShownFilters, open, shown_tile};
use super::html::{Frame, Page, Words, query_string, with_download};
use super::results::{csv_download, download_limit, run};
use super::viewer::Viewer;
use crate::AppState;
use crate::error::ApiError;

/// The key naming the drilled measure.
const MEASURE: &str = "measure";
/// The key naming the drilled dimension (a click on one of its values).
const DIMENSION: &str = "dimension";
/// The key naming the field a drill breaks the measure down by.
const BY: &str = "by";
/// The most clicked values one drill takes (a mark has one per dimension).
const MAX_CLICKED: usize = 16;

/// What was clicked: a measure's mark, or a dimension's value.
enum Drilled {
    Measure(String),
    Dimension(String),
}

/// What a drill URL asks for, its other parameters left for the dashboard.
struct DrillParams {
    drilled: Drilled,
    clicked: Vec<Clicked>,
    /// `by=view.field`: the measure broken down by that field.
    by: Option<String>,
    rest: Params,
}

impl DrillParams {
    fn parse(params: &Params) -> Result<Self, ApiError> {
        let mut measure = None;
        let mut dimension = None;
        let mut by = None;
        let mut clicked = Vec::new();
        let mut rest = Vec::new();
        for (key, value) in params.pairs() {
            if key == MEASURE {
                measure = Some(value.to_owned());
            } else if key == DIMENSION {
                dimension = Some(value.to_owned());
            } else if key == BY {
                // `by=` with nothing is the rows, as the menu's JSON writes them.
                by = Some(value.to_owned()).filter(|v| !v.is_empty());
            } else if let Some(field) = key.strip_prefix("drill[").and_then(|k| k.strip_suffix(']')) {
                clicked.push((field.to_owned(), Some(value.to_owned())));
            } else if let Some(field) = key.strip_prefix("drill_null[").and_then(|k| k.strip_suffix(']')) {
                clicked.push((field.to_owned(), None));
            } else {
                rest.push((key.to_owned(), value.to_owned()));
            }
        }
        if clicked.len() > MAX_CLICKED {
            return Err(ApiError::bad_request(format!("a drill takes at most {MAX_CLICKED} clicked values")));
        }
        let drilled = match (measure, dimension) {
            (Some(m), None) => Drilled::Measure(m),
            (None, Some(d)) if by.is_some() && clicked.len() == 1 && clicked[0].0 == d => Drilled::Dimension(d),
            (None, Some(d)) => {
                return Err(ApiError::bad_request(format!(
                    "a dimension's drill takes `by=view.field` and one clicked value, `drill[{d}]=…`"
                )));
            }
            _ => return Err(ApiError::bad_request("a drill needs `measure=view.field` or `dimension=view.field`")),
        };
        Ok(Self { drilled, clicked, by, rest: Params::from_pairs(rest) })
    }

    /// The drill's query on `base` (the tile's, as shown).
    fn request(&self, model: &Model, base: &QueryRequest) -> Result<QueryRequest, ApiError> {
        Ok(match (&self.drilled, self.by.as_deref()) {
            (Drilled::Measure(m), by) => {
                drill_request(model, base, m, &self.clicked, by.map_or(DrillTo::Rows, DrillTo::By))?
            }
            (Drilled::Dimension(_), Some(by)) => dimension_drill_request(model, base, &self.clicked[0], by)?,
            (Drilled::Dimension(d), None) => {
                return Err(ApiError::bad_request(format!("a drill into `{d}` needs `by=view.field`")));
            }
        })
    }
}

/// `GET …/dashboards/{id}/tiles/{n}/drill`
pub(super) async fn page(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    tile: &str,
    params: &Params,
    frame: &Frame,
) -> Result<Page, ApiError> {
    let (model, dashboard) = open(app, viewer, id)?;
    let drill = DrillParams::parse(params)?;
    let (index, base, ShownFilters { values, cross }) = shown_tile(model, dashboard, tile, &drill.rest)?;
    let request = drill.request(model, &base)?;
    let ran = run(app, &request, viewer).await?;
    let locale = Locale::from_tag(&model.locale);
    let words = Words::of(&locale);
    let title = drill_title(model, &base.view, &drill, &locale, words);
    let dashboard_path = format!("{}/dashboards/{}", frame.prefix(), dashboard.id);
    let here = format!("{dashboard_path}/tiles/{}/drill", index + 1);
    // The CSV link carries the page's parameters as they came; the URL the
    // host hears of leaves out the frame's own (its origin, a token).
    let pairs: Vec<(String, String)> = params.pairs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let frame_keys = ["embed_domain", crate::embed::NAVIGATION_TOKEN, "sdk", "theme", "sandboxed_host"];
    let shown: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| !frame_keys.contains(&k.as_str())).collect();
    let url =
        format!("{here}?{}", query_string(&shown.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()));
    let data = ran.tile_data();
    let mut main = menu(model, &base.view, &drill, &here, &pairs, words);
    if drill.by.is_some() {
        main.push_str(&render_tile(TileKind::Bar, &title, &data, &locale));
    }
    let table = render_tile(TileKind::Table, &title, &data, &locale);
    main.push_str(&with_download(table, viewer, || format!("{here}/download/csv?{}", query_string(&pairs)), words));
    let mut back_pairs: Vec<(String, String)> = values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    back_pairs.extend(cross.pairs());
    back_pairs.extend(frame.keep().into_iter().map(|(k, v)| (k.to_owned(), v)));
    let back =
        if back_pairs.is_empty() { dashboard_path } else { format!("{dashboard_path}?{}", query_string(&back_pairs)) };
    let absolute = format!("{}{url}", app.config.server.base_url());
    Ok(Page {
        title: title.clone(),
        description: Some(dashboard.title.clone()),
        locale,
        controls: format!(
            "<nav class=\"controls\"><a class=\"link\" href=\"{}\">{}</a></nav>\n",
            escape_html(&back),
            words.back_to_dashboard
        ),
        main,
        events: vec![super::html::page_changed("dashboards", &url, &absolute)],
        theme_css: super::html::theme_css(model, params, dashboard.theme.as_deref()),
    })
}

/// `GET …/dashboards/{id}/tiles/{n}/drill/download/csv`: the drilled rows,
/// for a viewer with a download permission.
pub(super) async fn download(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    tile: &str,
    params: &Params,
) -> Result<axum::response::Response, ApiError> {
    let (model, dashboard) = open(app, viewer, id)?;
    let drill = DrillParams::parse(params)?;
    let (index, base, _) = shown_tile(model, dashboard, tile, &drill.rest)?;
    let mut request = drill.request(model, &base)?;
    download_limit(&mut request, viewer)?;
    csv_download(app, &request, viewer, &format!("{}-{}-drill", dashboard.id, index + 1)).await
}

/// The drill menu as the page's first lines: the rows behind the mark, and
/// the measure by each field it breaks down by (Looker's "by …" entries),
/// the one shown marked as current. ponte.js offers the same entries in a
/// menu where the mark is clicked.
fn menu(
    model: &Model,
    explore: &str,
    drill: &DrillParams,
    here: &str,
    pairs: &[(String, String)],
    words: &Words,
) -> String {
    let without_by: Vec<(&str, &str)> =
        pairs.iter().filter(|(k, _)| k != BY).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut out = format!("<nav class=\"drill-menu\" aria-label=\"{}\">", words.drill);
    let pinned = |by: &Option<String>| by.as_ref().is_some_and(|f| drill.clicked.iter().any(|(c, _)| c == f));
    let entries = match &drill.drilled {
        Drilled::Measure(m) => menu_entries(model, explore, m, words),
        Drilled::Dimension(d) => dimension_entries(model, explore, d, words),
    };
    for (by, label) in entries.into_iter().filter(|(by, _)| !pinned(by)) {
        let mut entry = without_by.clone();
        if let Some(by) = &by {
            entry.push((BY, by));
        }
        let href = format!("{here}?{}", query_string(&entry));
        let current = if by == drill.by { " aria-current=\"page\"" } else { "" };
        out.push_str(&format!(
            "<a class=\"link\" href=\"{}\"{current}>{}</a>",
            escape_html(&href),
            escape_html(&label)
        ));
    }
    out.push_str("</nav>\n");
    out
}

/// The drill menu of `measure`: the rows (`None`), then each field it
/// breaks down by, with what the entry says.
fn menu_entries(model: &Model, explore: &str, measure: &str, words: &Words) -> Vec<(Option<String>, String)> {
    let found = model.explore(explore);
    let mut entries = vec![(None, words.show_rows.to_owned())];
    for field in drill_breakdowns(model, explore, measure) {
        let label = found.and_then(|e| e.resolve_field(&field)).map_or_else(|| field.clone(), |f| f.label());
        entries.push((Some(field), format!("{} {label}", words.drill_by)));
    }
    entries
}

/// The drill menu of a value of `dimension`: its drill fields.
fn dimension_entries(model: &Model, explore: &str, dimension: &str, words: &Words) -> Vec<(Option<String>, String)> {
    let found = model.explore(explore);
    dimension_drill_fields(model, explore, dimension)
        .into_iter()
        .map(|field| {
            let label = found.and_then(|e| e.resolve_field(&field)).map_or_else(|| field.clone(), |f| f.label());
            (Some(field), format!("{} {label}", words.drill_by))
        })
        .collect()
}

/// The drill menus of a tile's drillable measures as JSON in a
/// ` data-drill-by` attribute of its grid cell, which ponte.js turns into
/// the menu a click opens: `{"view.measure": [["", "Ver linhas"],
/// ["view.field", "Por Unidade"], …]}` (an empty field for the rows).
/// Empty when no measure is drillable.
pub(super) fn menu_attribute(model: &Model, explore: &str, data: &TileData, words: &Words) -> String {
    let menus: BTreeMap<&str, Vec<(String, String)>> = data
        .columns
        .iter()
        .filter_map(|c| {
            let entries = if c.is_measure && drillable(model.explore(explore), &c.name) {
                menu_entries(model, explore, &c.name, words)
            } else if !c.is_measure {
                dimension_entries(model, explore, &c.name, words)
            } else {
                Vec::new()
            };
            let entries: Vec<(String, String)> =
                entries.into_iter().map(|(by, label)| (by.unwrap_or_default(), label)).collect();
            (!entries.is_empty()).then_some((c.name.as_str(), entries))
        })
        .collect();
    if menus.is_empty() {
        return String::new();
    }
    format!(" data-drill-by=\"{}\"", escape_html(&serde_json::to_string(&menus).unwrap_or_default()))
}

/// Whether `measure` has drill fields.
fn drillable(explore: Option<&Explore>, measure: &str) -> bool {
    explore.and_then(|e| e.resolve_field(measure)).is_some_and(|f| match f.field {
        FieldRef::Measure(m) => !f.view.drill_fields_of(m).is_empty(),
        _ => false,
    })
}

/// `Custo total · mar. 2025 · Unidade Campinas`: the measure and the
/// clicked values, as the tile showed them; a dimension's drill is its
/// value and what it is broken down by (`vencida · Por Unidade`).
fn drill_title(model: &Model, explore: &str, drill: &DrillParams, locale: &Locale, words: &Words) -> String {
    let explore = model.explore(explore);
    let label =
        |field: &str| explore.and_then(|e| e.resolve_field(field)).map_or_else(|| field.to_owned(), |f| f.label());
    let mut parts = match &drill.drilled {
        Drilled::Measure(m) => vec![label(m)],
        Drilled::Dimension(_) => Vec::new(),
    };
    parts.extend(drill.clicked.iter().map(|clicked| clicked_value(explore, clicked, locale).1));
    if let (Drilled::Dimension(_), Some(by)) = (&drill.drilled, &drill.by) {
        parts.push(format!("{} {}", words.drill_by, label(by)));
    }
    parts.join(" · ")
}

/// A clicked field's label and its value as the tile showed it
/// (`Mês de referência (mês)`, `out. 2025`).
pub(super) fn clicked_value(explore: Option<&Explore>, (field, value): &Clicked, locale: &Locale) -> (String, String) {
    let resolved = explore.and_then(|e| e.resolve_field(field));
    let label = resolved.map_or_else(|| field.clone(), |f| f.label());
    let field_type = resolved.map_or_else(|| "string".to_owned(), |f| f.result_type());
    let column = ponte_charts::Column::dimension(field, &label, &field_type);
    let shown = format_value(&value.clone().map_or(Value::Null, Value::Text), &column, locale);
    (label, shown)
}

/// The drill link of each mark of a tile (row, column): for a measure
/// with drill fields, the URL of its drill with the row's dimension
/// values; for a value of a dimension with drill fields (a table's cell),
/// the tile's measures by its first drill field within that value (the
/// menu offers the others); `None` elsewhere. `base` is the tile's page path plus
/// `/tiles/{n}`; `keep` the dashboard's filter values and frame parameters.
pub(super) fn links<'d>(
    model: &'d Model,
    explore_name: &'d str,
    data: &'d TileData,
    base: String,
    keep: Vec<(String, String)>,
    locale: &'d Locale,
) -> impl Fn(usize, usize) -> Option<Link> + 'd {
    let explore = model.explore(explore_name);
    let drillable: BTreeMap<usize, bool> = data
        .columns
        .iter()
        .enumerate()
        .map(|(c, column)| (c, column.is_measure && drillable(explore, &column.name)))
        .collect();
    // A dimension's first drill field, where it has one: its cells open
    // that dimension's drill menu.
    let dimension_by: BTreeMap<usize, String> = data
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_measure)
        .filter_map(|(c, column)| {
            dimension_drill_fields(model, explore_name, &column.name).into_iter().next().map(|by| (c, by))
        })
        .collect();
    move |row: usize, col: usize| {
        if let Some(by) = dimension_by.get(&col) {
            let column = &data.columns[col];
            let cell = data.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Value::Null);
            let mut pairs = vec![(DIMENSION.to_owned(), column.name.clone()), (BY.to_owned(), by.clone())];
            match raw_text(cell) {
                Some(text) => pairs.push((format!("drill[{}]", column.name), text)),
                None => pairs.push((format!("drill_null[{}]", column.name), "1".to_owned())),
            }
            pairs.extend(keep.iter().cloned());
            return Some(Link {
                href: format!("{base}/drill?{}", query_string(&pairs)),
                label: format!("{}: {}", column.label, format_value(cell, column, locale)),
                kind: LinkKind::Drill,
            });
        }
        if !drillable.get(&col).copied().unwrap_or(false) {
            return None;
        }
        let mut pairs = vec![(MEASURE.to_owned(), data.columns[col].name.clone())];
        let mut shown = vec![data.columns[col].label.clone()];
        for (c, column) in data.columns.iter().enumerate().filter(|(_, c)| !c.is_measure) {
            let cell = data.rows.get(row).and_then(|r| r.get(c)).unwrap_or(&Value::Null);
            match raw_text(cell) {
                Some(text) => pairs.push((format!("drill[{}]", column.name), text)),
                None => pairs.push((format!("drill_null[{}]", column.name), "1".to_owned())),
            }
            shown.push(format_value(cell, column, locale));
        }
        pairs.extend(keep.iter().cloned());
        Some(Link {
            href: format!("{base}/drill?{}", query_string(&pairs)),
            label: shown.join(" · "),
            kind: LinkKind::Drill,
        })
    }
}

/// A cell as the query's results carry it, for a filter: text as is, a
/// whole number without decimals; `None` for a null.
pub(super) fn raw_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Text(t) => Some(t.clone()),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{n:.0}")),
        Value::Number(n) => Some(n.to_string()),
    }
}
