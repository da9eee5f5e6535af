//! Cross-filtering, as Looker's dashboards with `crossfilter_enabled` do
//! it: clicking a chart's bar or point filters every other tile whose
//! explore has the clicked dimensions to the clicked values. The state
//! lives in the URL (`crossfilter[view.field]=value`, and
//! `crossfilter_tile=n` for the tile clicked, which stays whole), so it is
//! a plain link without JavaScript, survives a reload, and rides along on
//! drills and downloads, which then show what the tiles show. A chip above
//! the tiles names the active cross-filter and clears it.

use ponte_charts::{Link, LinkKind, Locale, TileData, Value, escape_html, format_value};
use ponte_semantic::compile::{Clicked, QueryRequest, add_cross_filter};
use ponte_semantic::model::Model;

use super::Params;
use super::html::query_string;
use crate::error::ApiError;

const FIELD_PREFIX: &str = "crossfilter[";
const SOURCE: &str = "crossfilter_tile";
/// The most clicked values one cross-filter holds (one per dimension of a mark).
const MAX_FIELDS: usize = 8;

/// The active cross-filter, if any.
#[derive(Debug, Clone, Default)]
pub(super) struct CrossFilters {
    /// The tile clicked (1-based), which is not filtered.
    source: Option<usize>,
    clicked: Vec<Clicked>,
}

impl CrossFilters {
    /// The cross-filter keys of `params`, and the other parameters.
    pub(super) fn take(params: &Params) -> Result<(Self, Params), ApiError> {
        let mut cross = Self::default();
        let mut rest = Vec::new();
        for (key, value) in params.pairs() {
            if key == SOURCE {
                let tile = value.parse::<usize>().ok().filter(|n| *n >= 1);
                cross.source = Some(tile.ok_or_else(|| ApiError::bad_request("`crossfilter_tile` is a tile number"))?);
            } else if let Some(field) = key.strip_prefix(FIELD_PREFIX).and_then(|k| k.strip_suffix(']')) {
                cross.clicked.push((field.to_owned(), Some(value.to_owned())));
            } else {
                rest.push((key.to_owned(), value.to_owned()));
            }
        }
        if cross.clicked.len() > MAX_FIELDS {
            return Err(ApiError::bad_request(format!("a cross-filter holds at most {MAX_FIELDS} values")));
        }
        Ok((cross, Params::from_pairs(rest)))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.clicked.is_empty()
    }

    /// Its URL parameters, to carry on to drills and downloads.
    pub(super) fn pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .clicked
            .iter()
            .filter_map(|(f, v)| v.as_ref().map(|v| (format!("{FIELD_PREFIX}{f}]"), v.clone())))
            .collect();
        if let (Some(tile), false) = (self.source, out.is_empty()) {
            out.push((SOURCE.to_owned(), tile.to_string()));
        }
        out
    }

    /// Filters tile `index` (0-based) by the cross-filter's values it has,
    /// unless it is the tile clicked.
    pub(super) fn apply(&self, model: &Model, index: usize, request: &mut QueryRequest) {
        if self.source == Some(index + 1) {
            return;
        }
        for clicked in &self.clicked {
            add_cross_filter(model, request, clicked);
        }
    }

    /// What the chip above the tiles says and its clearing link, as JSON
    /// for the embed events: `[{ "field": …, "value": … }]`.
    pub(super) fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.clicked.iter().map(|(f, v)| serde_json::json!({ "field": f, "value": v })).collect(),
        )
    }

    /// The chip: `Filtro cruzado: Mês de referência (mês) = out. 2025 ✕`.
    pub(super) fn chip(&self, model: &Model, explore: Option<&str>, clear: &str, locale: &Locale) -> String {
        if self.clicked.is_empty() {
            return String::new();
        }
        let explore = explore.and_then(|e| model.explore(e));
        let parts: Vec<String> = self
            .clicked
            .iter()
            .map(|clicked| {
                let (label, shown) = super::drill::clicked_value(explore, clicked, locale);
                format!("{} = {}", escape_html(&label), escape_html(&shown))
            })
            .collect();
        let (title, clear_word) = if locale.tag().starts_with("pt") {
            ("Filtro cruzado", "Remover filtro cruzado")
        } else {
            ("Cross-filter", "Clear the cross-filter")
        };
        format!(
            "<p class=\"crossfilters\">{title}: <span class=\"chip\">{} <a class=\"chip-clear\" href=\"{}\" aria-label=\"{clear_word}\" title=\"{clear_word}\">✕</a></span></p>\n",
            parts.join(" · "),
            escape_html(clear)
        )
    }
}

/// The cross-filter link of each mark of chart tile `tile` (1-based): the
/// dashboard at `path` with the row's dimension values as the
/// cross-filter, and `keep` (the dashboard's filters and the frame's
/// parameters).
pub(super) fn links<'d>(
    data: &'d TileData,
    tile: usize,
    path: String,
    keep: Vec<(String, String)>,
    locale: &'d Locale,
) -> impl Fn(usize, usize) -> Option<Link> + 'd {
    move |row: usize, col: usize| {
        let mut pairs = keep.clone();
        let mut shown = Vec::new();
        for (c, column) in data.columns.iter().enumerate().filter(|(_, c)| !c.is_measure) {
            let cell = data.rows.get(row).and_then(|r| r.get(c)).unwrap_or(&Value::Null);
            let text = super::drill::raw_text(cell)?;
            pairs.push((format!("{FIELD_PREFIX}{}]", column.name), text));
            shown.push(format_value(cell, column, locale));
        }
        if shown.is_empty() {
            return None;
        }
        pairs.push((SOURCE.to_owned(), tile.to_string()));
        let label = format!("{} · {}", data.columns.get(col).map_or("", |c| c.label.as_str()), shown.join(" · "));
        Some(Link { href: format!("{path}?{}", query_string(&pairs)), label, kind: LinkKind::CrossFilter })
    }
}
