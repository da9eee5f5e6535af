//! The explore page: pick fields, filters, a sort and a limit; see the rows
//! as a chart and a table.
//!
//! Its URL takes Looker's explore parameters (`fields=a,b`,
//! `f[view.field]=expression`, `sorts=a desc`, `limit=500`,
//! `vis={"type":"looker_line"}` or `vis=looker_line`), so a link built for
//! Looker opens the same query here. The form on the page, which has to
//! work without JavaScript, sends `fields` once per ticked box and its
//! filter rows as `filter_field`/`filter_value` pairs; both shapes are read.

use ponte_charts::{Locale, TileData, TileKind, escape_html, render_tile};
use ponte_semantic::Limit;
use ponte_semantic::compile::{QueryRequest, check_access};
use ponte_semantic::model::{Explore, Model};
use serde_json::json;

use super::html::{Frame, Page, Words, hidden_inputs, query_string, with_download};
use super::results::{csv_download, download_limit, natural_kind, refuse_all_rows, run};
use super::viewer::{Viewer, permission};
use super::{Params, semantic};
use crate::AppState;
use crate::error::ApiError;

/// Empty filter rows the form offers besides the filters already set.
const SPARE_FILTER_ROWS: usize = 2;

/// What the page's URL asks for.
#[derive(Debug, Default, PartialEq)]
struct Choice {
    fields: Vec<String>,
    filters: Vec<(String, String)>,
    sorts: Vec<String>,
    limit: Option<Limit>,
    /// The chart: `None` picks one from the result's shape.
    vis: Option<TileKind>,
    /// Looker's `dynamic_fields` (table calculations), kept as written.
    dynamic_fields: Option<String>,
    /// Pivoted dimensions (Looker's `pivots`), each among `fields`.
    pivots: Vec<String>,
    /// Looker's `column_limit` for the pivot's columns, as written.
    column_limit: Option<String>,
}

impl Choice {
    fn from_params(params: &Params) -> Result<Self, ApiError> {
        // Looker's explore parameters (fields, f[…], sorts, limit), read as
        // the API reads a url-encoded query; then the form's own.
        let looker = QueryRequest::from_url_params("", "", params.pairs())?;
        let mut choice = Choice {
            fields: looker.fields,
            filters: looker.filters.into_iter().collect(),
            sorts: looker.sorts,
            limit: looker.limit,
            vis: None,
            dynamic_fields: looker.dynamic_fields.filter(|d| !d.trim().is_empty()),
            pivots: looker.pivots,
            column_limit: looker.column_limit.filter(|c| !c.trim().is_empty()),
        };
        let mut filter_fields = Vec::new();
        let mut filter_values = Vec::new();
        let mut sort_field = None;
        let mut sort_desc = false;
        for (key, value) in params.pairs() {
            match key {
                "vis" => choice.vis = vis_kind(value)?,
                "filter_field" => filter_fields.push(value.to_owned()),
                "filter_value" => filter_values.push(value.to_owned()),
                "sort_field" => sort_field = Some(value.to_owned()).filter(|s| !s.is_empty()),
                "sort_desc" => sort_desc = true,
                _ => {}
            }
        }
        for (field, value) in filter_fields.into_iter().zip(filter_values) {
            if !field.is_empty() && !value.trim().is_empty() {
                choice.filters.push((field, value));
            }
        }
        if let Some(field) = sort_field {
            choice.sorts.push(if sort_desc { format!("{field} desc") } else { field });
        }
        let mut seen = std::collections::HashSet::new();
        choice.fields.retain(|f| seen.insert(f.clone()));
        let mut seen = std::collections::HashSet::new();
        choice.pivots.retain(|f| seen.insert(f.clone()));
        // A pivot is a field of the query, as in Looker's explore.
        for pivot in &choice.pivots {
            if !choice.fields.contains(pivot) {
                choice.fields.push(pivot.clone());
            }
        }
        Ok(choice)
    }

    fn request(&self, model: &Model, explore: &Explore) -> QueryRequest {
        QueryRequest {
            model: model.name.clone(),
            view: explore.name.clone(),
            fields: self.fields.clone(),
            filters: self.filters.iter().cloned().collect(),
            sorts: self.sorts.clone(),
            limit: self.limit,
            dynamic_fields: self.dynamic_fields.clone(),
            pivots: self.pivots.clone(),
            column_limit: self.column_limit.clone(),
            ..QueryRequest::default()
        }
    }

    /// The choice as Looker-style URL parameters.
    fn url_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![("fields".to_owned(), self.fields.join(","))];
        pairs.extend(self.filters.iter().map(|(f, v)| (format!("f[{f}]"), v.clone())));
        if !self.sorts.is_empty() {
            pairs.push(("sorts".to_owned(), self.sorts.join(",")));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit".to_owned(), limit.to_string()));
        }
        if let Some(kind) = self.vis {
            pairs.push(("vis".to_owned(), json!({ "type": kind.as_looker() }).to_string()));
        }
        if let Some(dynamic) = &self.dynamic_fields {
            pairs.push(("dynamic_fields".to_owned(), dynamic.clone()));
        }
        if !self.pivots.is_empty() {
            pairs.push(("pivots".to_owned(), self.pivots.join(",")));
        }
        if let Some(limit) = &self.column_limit {
            pairs.push(("column_limit".to_owned(), limit.clone()));
        }
        pairs
    }
}

/// `vis=looker_line` or Looker's `vis={"type":"looker_line",…}`; `auto`
/// or empty for the natural chart.
fn vis_kind(value: &str) -> Result<Option<TileKind>, ApiError> {
    let value = value.trim();
    let name = if value.starts_with('{') {
        let parsed: serde_json::Value =
            serde_json::from_str(value).map_err(|e| ApiError::bad_request(format!("`vis` is not valid JSON: {e}")))?;
        parsed.get("type").and_then(|t| t.as_str()).unwrap_or("").to_owned()
    } else {
        value.to_owned()
    };
    if name.is_empty() || name == "auto" {
        return Ok(None);
    }
    TileKind::from_looker(&name).map(Some).ok_or_else(|| {
        let known: Vec<&str> = TileKind::ALL.iter().map(|(_, n)| *n).collect();
        ApiError::bad_request(format!("`vis` type `{name}` is not one ponte draws; use one of {}", known.join(", ")))
    })
}

/// The explore, checked for the viewer.
fn open<'m>(
    app: &'m AppState,
    viewer: &Viewer,
    model_name: &str,
    explore_name: &str,
) -> Result<(&'m Model, &'m Explore), ApiError> {
    let semantic = semantic(app)?;
    let model = semantic.model(model_name)?;
    viewer.require_model(model)?;
    viewer.require(&[permission::ACCESS_DATA, permission::EXPLORE], &[], "this explore")?;
    let explore = model
        .explore(explore_name)
        .ok_or_else(|| ApiError::not_found(format!("model `{model_name}` has no explore `{explore_name}`")))?;
    check_access(explore, &viewer.caller)?;
    Ok((model, explore))
}

/// `GET /embed/explore/{model}/{explore}` and `GET /explore/{model}/{explore}`.
pub(super) async fn page(
    app: &AppState,
    viewer: &Viewer,
    model_name: &str,
    explore_name: &str,
    params: &Params,
    frame: &Frame,
) -> Result<Page, ApiError> {
    let (model, explore) = open(app, viewer, model_name, explore_name)?;
    let choice = Choice::from_params(params)?;
    let locale = Locale::from_tag(&model.locale);
    let words = Words::of(&locale);
    let path = format!("{}/explore/{}/{}", frame.prefix(), model.name, explore.name);
    let about_url = |pairs: &[(String, String)]| format!("{path}?{}", query_string(pairs));
    let url = about_url(&choice.url_pairs());
    let absolute = format!("{}{url}", app.config.server.base_url());
    let about = json!({ "id": format!("{}/{}", model.name, explore.name), "url": url, "absoluteUrl": absolute });
    let mut events = vec![
        super::html::page_changed("explore", &url, &absolute),
        json!({ "type": "explore:ready", "explore": about }),
    ];

    let main = if choice.fields.is_empty() {
        format!("<p class=\"empty\">{}</p>\n", words.pick_fields)
    } else {
        events.push(json!({ "type": "explore:run:start", "explore": about }));
        let request = choice.request(model, explore);
        refuse_all_rows(&request)?;
        let ran = run(app, &request, viewer).await?;
        events.push(json!({ "type": "explore:run:complete", "explore": about }));
        let data = ran.tile_data();
        // A pivoted result is drawn as tiles draw theirs: spread into a
        // column per pivot value and measure.
        let data = ponte_charts::pivot(&data, &choice.pivots, &locale).data;
        let mut download = choice.url_pairs();
        download.extend(frame.keep().into_iter().map(|(k, v)| (k.to_owned(), v)));
        let href = || format!("{path}/download/csv?{}", query_string(&download));
        results(&data, choice.vis, &locale, words, viewer, href)
    };
    Ok(Page {
        title: explore.label.clone(),
        description: explore.description.clone(),
        locale,
        controls: String::new(),
        main: format!(
            "<div class=\"explore\">\n{}<div class=\"explore-results\">\n{main}</div>\n</div>\n",
            form(explore, &choice, &path, frame, words)
        ),
        events,
        theme_css: super::html::theme_css(model, params, None),
    })
}

fn results(
    data: &TileData,
    vis: Option<TileKind>,
    locale: &Locale,
    words: &Words,
    viewer: &Viewer,
    href: impl FnOnce() -> String,
) -> String {
    let kind = vis.unwrap_or_else(|| natural_kind(data));
    let mut out = String::new();
    if kind != TileKind::Table {
        out.push_str(&render_tile(kind, words.chart, data, locale));
    }
    let title = format!("{} {}", data.rows.len(), words.rows);
    out.push_str(&with_download(render_tile(TileKind::Table, &title, data, locale), viewer, href, words));
    out
}

/// The controls: field checkboxes by view, filter rows, sort, limit, chart.
fn form(explore: &Explore, choice: &Choice, path: &str, frame: &Frame, words: &Words) -> String {
    let fields: Vec<_> = explore.fields().filter(|f| !f.hidden()).collect();
    let mut out = format!(
        "<form class=\"controls\" method=\"get\" action=\"{}\" data-kind=\"explore\">\n<fieldset class=\"field-list\"><legend>{}</legend>\n",
        escape_html(path),
        words.fields
    );
    let mut current_view = "";
    for field in &fields {
        if field.view.name != current_view {
            current_view = &field.view.name;
            out.push_str(&format!("<h3>{}</h3>\n", escape_html(&field.view.label)));
        }
        let name = field.name();
        let checked = if choice.fields.contains(&name) { " checked" } else { "" };
        let kind = if field.is_measure() { words.measures } else { words.dimensions };
        out.push_str(&format!(
            "<label title=\"{kind}\"><input type=\"checkbox\" name=\"fields\" value=\"{}\"{checked}>{}</label>\n",
            escape_html(&name),
            escape_html(&field.label())
        ));
    }
    out.push_str("</fieldset>\n");
    let options = |selected: &str| {
        let mut o = format!("<option value=\"\">({})</option>", words.none);
        for field in &fields {
            let name = field.name();
            let sel = if name == selected { " selected" } else { "" };
            o.push_str(&format!(
                "<option value=\"{}\"{sel}>{}</option>",
                escape_html(&name),
                escape_html(&field.label())
            ));
        }
        o
    };
    let rows = choice
        .filters
        .iter()
        .map(|(f, v)| (f.as_str(), v.as_str()))
        .chain(std::iter::repeat_n(("", ""), SPARE_FILTER_ROWS));
    for (field, value) in rows {
        out.push_str(&format!(
            "<label>{}<select name=\"filter_field\">{}</select><input type=\"text\" name=\"filter_value\" value=\"{}\" placeholder=\"{}\"></label>\n",
            words.filter,
            options(field),
            escape_html(value),
            words.any_value
        ));
    }
    let (sort_field, desc) = match choice.sorts.first() {
        Some(s) => match s.strip_suffix(" desc") {
            Some(f) => (f.trim(), true),
            None => (s.trim_end_matches(" asc").trim(), false),
        },
        None => ("", false),
    };
    out.push_str(&format!(
        "<label>{}<select name=\"sort_field\">{}</select></label>\n<label class=\"inline\"><input type=\"checkbox\" name=\"sort_desc\" value=\"1\"{}>{}</label>\n",
        words.sort,
        options(sort_field),
        if desc { " checked" } else { "" },
        words.descending
    ));
    // One pivot from the form (Looker's explore takes several; more than
    // one, from a URL, ride along hidden).
    let mut pivot = format!("<option value=\"\">({})</option>", words.none);
    for field in fields.iter().filter(|f| !f.is_measure()) {
        let name = field.name();
        let sel = if choice.pivots.first() == Some(&name) { " selected" } else { "" };
        pivot.push_str(&format!(
            "<option value=\"{}\"{sel}>{}</option>",
            escape_html(&name),
            escape_html(&field.label())
        ));
    }
    out.push_str(&format!("<label>{}<select name=\"pivots\">{pivot}</select></label>\n", words.pivot));
    for more in choice.pivots.iter().skip(1) {
        out.push_str(&format!("<input type=\"hidden\" name=\"pivots\" value=\"{}\">\n", escape_html(more)));
    }
    out.push_str(&format!(
        "<label>{}<input type=\"number\" name=\"limit\" min=\"1\" max=\"{}\" value=\"{}\"></label>\n",
        words.limit,
        Limit::MAX_ROWS,
        choice.limit.unwrap_or(Limit::DEFAULT)
    ));
    let mut vis = String::from("<option value=\"auto\">auto</option>");
    for (kind, name) in TileKind::ALL {
        let sel = if choice.vis == Some(kind) { " selected" } else { "" };
        vis.push_str(&format!("<option value=\"{name}\"{sel}>{name}</option>"));
    }
    // The query's table calculations ride along when the form is sent.
    let calcs = choice.dynamic_fields.as_deref().map_or_else(String::new, |d| {
        format!("<input type=\"hidden\" name=\"dynamic_fields\" value=\"{}\">\n", escape_html(d))
    });
    out.push_str(&format!(
        "<label>{}<select name=\"vis\" data-autosubmit>{vis}</select></label>\n{calcs}{}<div class=\"actions\"><button type=\"submit\">{}</button></div>\n</form>\n",
        words.chart,
        hidden_inputs(frame),
        words.run
    ));
    out
}

/// `GET …/explore/{model}/{explore}/download/csv`
pub(super) async fn download(
    app: &AppState,
    viewer: &Viewer,
    model_name: &str,
    explore_name: &str,
    params: &Params,
) -> Result<axum::response::Response, ApiError> {
    let (model, explore) = open(app, viewer, model_name, explore_name)?;
    let choice = Choice::from_params(params)?;
    let mut request = choice.request(model, explore);
    download_limit(&mut request, viewer)?;
    if request.fields.is_empty() {
        return Err(ApiError::bad_request("a download needs `fields`"));
    }
    csv_download(app, &request, viewer, &format!("{}-{}", model.name, explore.name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(Some(q)).unwrap()
    }

    #[test]
    fn looker_urls_and_the_form_read_the_same() {
        let looker = Choice::from_params(&params(
            "fields=faturas.mes_referencia_month,faturas.custo_total&f[faturas.status_pagamento]=pago\
             &sorts=faturas.mes_referencia_month+desc&limit=12&vis=%7B%22type%22%3A%22looker_line%22%7D",
        ))
        .unwrap();
        let form = Choice::from_params(&params(
            "fields=faturas.mes_referencia_month&fields=faturas.custo_total&filter_field=faturas.status_pagamento\
             &filter_value=pago&filter_field=&filter_value=&sort_field=faturas.mes_referencia_month&sort_desc=1\
             &limit=12&vis=looker_line",
        ))
        .unwrap();
        assert_eq!(looker, form);
        assert_eq!(looker.fields, ["faturas.mes_referencia_month", "faturas.custo_total"]);
        assert_eq!(looker.vis, Some(TileKind::Line));
        let again = Choice::from_params(&Params::from_pairs(looker.url_pairs())).unwrap();
        assert_eq!(again, looker, "the page's own URL reads back the same");
    }

    #[test]
    fn an_unknown_chart_is_refused_with_the_known_ones() {
        let e = Choice::from_params(&params("vis=radar")).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(e.message.contains("looker_column"), "{}", e.message);
        assert_eq!(Choice::from_params(&params("vis=auto")).unwrap().vis, None);
    }
}
