//! A model file as written: every key optional, every value spanned.
//!
//! Keys are optional here so that a missing key becomes one located
//! diagnostic among many instead of serde stopping at the first one.
//! Validation (`validate/`) turns this into the typed [`super::Model`].

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawModelFile {
    pub model: Option<S<RawModelHeader>>,
    #[serde(default)]
    pub views: Vec<S<RawView>>,
    #[serde(default)]
    pub explores: Vec<S<RawExplore>>,
    #[serde(default)]
    pub looks: Vec<S<RawLook>>,
    #[serde(default)]
    pub dashboards: Vec<S<RawDashboard>>,
    #[serde(default)]
    pub themes: Vec<S<RawTheme>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTheme {
    pub name: Option<S<String>>,
    pub background: Option<S<String>>,
    pub surface: Option<S<String>>,
    pub text: Option<S<String>>,
    pub muted: Option<S<String>>,
    pub border: Option<S<String>>,
    pub stripe: Option<S<String>>,
    pub table_header: Option<S<String>>,
    pub axis: Option<S<String>>,
    pub value: Option<S<String>>,
    pub palette: Option<Vec<S<String>>>,
    pub font: Option<S<String>>,
    pub tile_radius: Option<S<String>>,
    pub tile_shadow: Option<S<String>>,
    pub title_size: Option<S<String>>,
    pub value_size: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawModelHeader {
    pub name: Option<S<String>>,
    pub label: Option<S<String>>,
    pub locale: Option<S<String>>,
    pub time_zone: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawView {
    pub name: Option<S<String>>,
    pub sql_table_name: Option<S<String>>,
    pub derived_table: Option<S<RawDerivedTable>>,
    pub label: Option<S<String>>,
    #[serde(default)]
    pub dimensions: Vec<S<RawDimension>>,
    #[serde(default)]
    pub dimension_groups: Vec<S<RawDimensionGroup>>,
    #[serde(default)]
    pub measures: Vec<S<RawMeasure>>,
    pub drill_fields: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDerivedTable {
    pub sql: Option<S<String>>,
    pub persist: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDimension {
    pub name: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub sql: Option<S<String>>,
    pub label: Option<S<String>>,
    pub description: Option<S<String>>,
    pub value_format: Option<S<String>>,
    pub primary_key: Option<S<bool>>,
    pub hidden: Option<S<bool>>,
    pub drill_fields: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDimensionGroup {
    pub name: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub sql: Option<S<String>>,
    pub label: Option<S<String>>,
    pub description: Option<S<String>>,
    pub timeframes: Option<Vec<S<String>>>,
    pub hidden: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawMeasure {
    pub name: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub sql: Option<S<String>>,
    pub label: Option<S<String>>,
    pub description: Option<S<String>>,
    pub value_format: Option<S<String>>,
    pub filters: Option<Pairs>,
    pub hidden: Option<S<bool>>,
    pub drill_fields: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawExplore {
    pub name: Option<S<String>>,
    pub label: Option<S<String>>,
    pub description: Option<S<String>>,
    pub view: Option<S<String>>,
    #[serde(default)]
    pub joins: Vec<S<RawJoin>>,
    #[serde(default)]
    pub access_filters: Vec<S<RawAccessFilter>>,
    pub always_filter: Option<Pairs>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawJoin {
    pub view: Option<S<String>>,
    pub on: Option<S<Vec<JoinPair>>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub relationship: Option<S<String>>,
}

/// One `["view.field", "view.field"]` entry of a join's `on`.
pub(crate) type JoinPair = S<Vec<S<String>>>;

#[derive(Debug, Deserialize)]
pub(crate) struct RawAccessFilter {
    pub field: Option<S<String>>,
    pub user_attribute: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawLook {
    pub id: Option<S<i64>>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    pub query: Option<S<RawQuery>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawQuery {
    pub explore: Option<S<String>>,
    pub fields: Option<Vec<S<String>>>,
    pub pivots: Option<Vec<S<String>>>,
    pub dynamic_fields: Option<S<String>>,
    pub filters: Option<Pairs>,
    pub sorts: Option<Vec<S<String>>>,
    pub limit: Option<S<IntOrString>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDashboard {
    pub id: Option<S<IntOrString>>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    #[serde(default)]
    pub filters: Vec<S<RawDashboardFilter>>,
    #[serde(default)]
    pub elements: Vec<S<RawElement>>,
    pub theme: Option<S<String>>,
    pub crossfilter_enabled: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDashboardFilter {
    pub name: Option<S<String>>,
    pub title: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub explore: Option<S<String>>,
    pub field: Option<S<String>>,
    pub default_value: Option<S<String>>,
    pub ui_config: Option<S<RawUiConfig>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawUiConfig {
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub display: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawElement {
    pub title: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub query: Option<S<RawQuery>>,
    pub listen: Option<Pairs>,
    pub layout: Option<S<RawLayout>>,
    pub show_comparison: Option<S<bool>>,
    pub comparison_type: Option<S<String>>,
    pub comparison_label: Option<S<String>>,
    pub comparison_reverse_colors: Option<S<bool>>,
    pub show_totals: Option<S<bool>>,
    pub body_text: Option<S<String>>,
    pub series_types: Option<Pairs>,
    pub y_axes: Option<Vec<S<RawYAxis>>>,
    pub stacking: Option<S<String>>,
    pub conditional_formatting: Option<Vec<S<RawConditionalFormat>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawConditionalFormat {
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub value: Option<Vec<S<f64>>>,
    pub background_color: Option<S<String>>,
    pub font_color: Option<S<String>>,
    pub bold: Option<S<bool>>,
    pub fields: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawYAxis {
    pub orientation: Option<S<String>>,
    pub series: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawLayout {
    pub row: Option<S<i64>>,
    pub col: Option<S<i64>>,
    pub width: Option<S<i64>>,
    pub height: Option<S<i64>>,
}

/// A table of string → string written as `{ "view.field" = "expr" }`, kept
/// in file order (serde maps would sort the keys). Values are spanned; keys
/// cannot be (`serde_ignored` only passes plain string keys through), so
/// validation locates them from the value's position
/// (`Checker::pairs`).
#[derive(Debug, Default)]
pub(crate) struct Pairs(pub Vec<(String, S<String>)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of strings, such as { \"view.field\" = \"expression\" }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<String, S<String>>()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(V)
    }
}

pub(crate) use ponte_config::IntOrString;
