//! One dashboard tile drawn from its query's result: its pivot spread into
//! columns, each mark's link (a drill, or a cross-filter on a dashboard
//! with cross-filtering), and the element's drawing options (comparison,
//! totals, combined series, stacking, conditional formatting) handed to
//! the chart renderer.

use ponte_charts::{
    Combo, Comparison, ConditionalFormat, FormatRule, Link, Locale, Stacking, TileData, TileKind, TileOptions, Value,
    pivot, render_tile_with,
};
use ponte_semantic::model::{self as m, ComparisonKind, DashboardElement, Model};

use super::html::Words;

/// What every tile of one dashboard page shares.
pub(super) struct TilePage<'a> {
    pub(super) model: &'a Model,
    /// The dashboard's path (`/embed/dashboards/visao_geral`).
    pub(super) path: &'a str,
    /// The filter values and frame parameters a tile's links carry.
    pub(super) keep: Vec<(String, String)>,
    /// `keep` plus the active cross-filter, for drills.
    pub(super) keep_with_cross: Vec<(String, String)>,
    pub(super) crossfilter_enabled: bool,
    pub(super) locale: &'a Locale,
    pub(super) words: &'a Words,
}

/// Tile `index` (0-based) drawn from `data`, with `totals` (the totals
/// query's one row) when it has them; and the attributes of its grid cell
/// (its drill menu, see [`super::drill::menu_attribute`]).
pub(super) fn render(
    page: &TilePage<'_>,
    index: usize,
    element: &DashboardElement,
    data: &TileData,
    totals: Option<&TileData>,
) -> (String, String) {
    let kind = TileKind::from_looker(element.element_type.as_str()).unwrap_or(TileKind::Table);
    let explore = element.query.as_ref().map_or("", |q| q.explore.as_str());
    let pivots = element.query.as_ref().map_or(&[][..], |q| q.pivots.as_slice());
    let spread = pivot(data, pivots, page.locale);
    let chart = matches!(
        kind,
        TileKind::Bar | TileKind::Column | TileKind::Line | TileKind::Area | TileKind::Scatter | TileKind::Pie
    );
    // With cross-filtering, a chart's marks filter the other tiles; single
    // values and tables keep their drills. Links are made on the result
    // as queried (its rows name the clicked values, pivots included).
    let links: Box<dyn Fn(usize, usize) -> Option<Link> + '_> = if page.crossfilter_enabled && chart {
        Box::new(super::crossfilter::links(data, index + 1, page.path.to_owned(), page.keep.clone(), page.locale))
    } else {
        let base = format!("{}/tiles/{}", page.path, index + 1);
        Box::new(super::drill::links(page.model, explore, data, base, page.keep_with_cross.clone(), page.locale))
    };
    let spread_links = |row: usize, col: usize| {
        let origin = spread.origin.get(row).and_then(|r| r.get(col)).copied().flatten()?;
        links(origin, *spread.source_column.get(col)?)
    };
    let vis = &element.vis;
    let comparison = vis.comparison.as_ref().map(|c| Comparison {
        change: c.kind == ComparisonKind::Change,
        label: c.label.clone(),
        reverse_colors: c.reverse_colors,
    });
    let combo = (!vis.series_lines.is_empty() || !vis.right_axis.is_empty())
        .then(|| Combo { lines: vis.series_lines.clone(), right_axis: vis.right_axis.clone() });
    let totals_row = totals.map(|t| totals_aligned(&spread.data, t));
    let formats: Vec<ConditionalFormat> = vis.conditional_formats.iter().map(conditional_format).collect();
    let options = TileOptions {
        links: &spread_links,
        comparison: comparison.as_ref(),
        totals: totals_row.as_deref(),
        combo: combo.as_ref(),
        stacking: match vis.stacking {
            m::Stacking::Grouped => Stacking::Grouped,
            m::Stacking::Normal => Stacking::Normal,
            m::Stacking::Percent => Stacking::Percent,
        },
        conditional_formats: &formats,
    };
    let drawn = render_tile_with(kind, &element.title, &spread.data, page.locale, &options);
    let attribute = if page.crossfilter_enabled && chart {
        String::new()
    } else {
        super::drill::menu_attribute(page.model, explore, data, page.words)
    };
    (drawn, attribute)
}

/// The totals row aligned to the tile's columns by field name (`Null` for
/// the dimensions and for pivoted columns, whose totals would be per pivot
/// value).
fn totals_aligned(data: &TileData, totals: &TileData) -> Vec<Value> {
    data.columns
        .iter()
        .map(|c| {
            let at = totals.columns.iter().position(|tc| tc.name == c.name);
            let once = data.columns.iter().filter(|other| other.name == c.name).count() == 1;
            at.filter(|_| once).and_then(|k| totals.rows.first().and_then(|r| r.get(k)).cloned()).unwrap_or(Value::Null)
        })
        .collect()
}

fn conditional_format(format: &m::ConditionalFormat) -> ConditionalFormat {
    ConditionalFormat {
        fields: format.fields.clone(),
        rule: match format.rule {
            m::FormatRule::EqualTo(v) => FormatRule::EqualTo(v),
            m::FormatRule::NotEqualTo(v) => FormatRule::NotEqualTo(v),
            m::FormatRule::GreaterThan(v) => FormatRule::GreaterThan(v),
            m::FormatRule::LessThan(v) => FormatRule::LessThan(v),
            m::FormatRule::Between(a, b) => FormatRule::Between(a, b),
            m::FormatRule::NotBetween(a, b) => FormatRule::NotBetween(a, b),
            m::FormatRule::Null => FormatRule::Null,
            m::FormatRule::NotNull => FormatRule::NotNull,
        },
        background: format.background.clone(),
        font: format.font.clone(),
        bold: format.bold,
    }
}
