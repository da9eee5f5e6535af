//! Dashboard tiles as server-rendered HTML fragments with inline SVG charts.
//!
//! ponte's dashboards are embedded in customer portals and must work without
//! JavaScript, without a CDN and without web fonts, so every tile is drawn on
//! the server: the page renderer calls [`render_tile`] once per tile with the
//! query result, puts the fragments in a `.grid` and ships [`stylesheet`] once
//! per page.
//!
//! * The first column that is not a measure is the category (the x axis, the
//!   slice labels of a pie, the steps of a funnel); every measure column is a
//!   series. A scatter instead plots its first numeric column along the
//!   bottom and each later one up the side (see [`TileKind`]).
//! * Looker's visualisation settings arrive as [`TileOptions`] on
//!   [`render_tile_with`], the one entry point every kind goes through:
//!   links, a single value's comparison, a table's totals and
//!   [`ConditionalFormat`]s, a chart's [`Combo`] and [`Stacking`]. A query
//!   with `pivots` is spread into columns with [`pivot`] before it is drawn.
//! * Numbers and dates are formatted with the column's Looker `value_format`
//!   and the model's [`Locale`] ([`format_value`]).
//! * Every text that comes from data or titles is escaped, and the output is
//!   deterministic (same input, same bytes), so tiles can be snapshot-tested
//!   and cached. The one inline style, a conditional format's, takes nothing
//!   but hex colours.
//! * Any chart with nothing it can plot (no measure; fewer than two numbers
//!   for a scatter) is drawn as a table, and a result without rows as the
//!   locale's "no data", so a tile never renders blank.
//!
//! ```
//! use ponte_charts::{Column, Locale, TileData, TileKind, Value, render_tile};
//!
//! let data = TileData {
//!     columns: vec![
//!         Column::dimension("faturas.mes_month", "Mês", "date_month"),
//!         Column::measure("faturas.valor", "Valor", "sum", Some("R$ #,##0.00")),
//!     ],
//!     rows: vec![
//!         vec![Value::from("2025-01"), Value::from(1200.5)],
//!         vec![Value::from("2025-02"), Value::from(980.0)],
//!     ],
//! };
//! let html = render_tile(TileKind::Column, "Custo mensal", &data, &Locale::PT_BR);
//! assert!(html.starts_with(r#"<section class="tile tile-column">"#));
//! assert!(html.contains("jan. 2025"));
//! ```
//!
//! A pivoted, stacked column chart (Looker's `pivots: [status]`,
//! `stacking: normal`):
//!
//! ```
//! use ponte_charts::{Column, Locale, Stacking, TileData, TileKind, TileOptions, Value, pivot, render_tile_with};
//!
//! let data = TileData {
//!     columns: vec![
//!         Column::dimension("faturas.mes_month", "Mês", "date_month"),
//!         Column::dimension("faturas.status", "Status", "string"),
//!         Column::measure("faturas.valor", "Valor", "sum", Some("R$ #,##0.00")),
//!     ],
//!     rows: vec![
//!         vec![Value::from("2025-01"), Value::from("Vencida"), Value::from(300.0)],
//!         vec![Value::from("2025-01"), Value::from("Paga"), Value::from(1200.0)],
//!     ],
//! };
//! let pivoted = pivot(&data, &["faturas.status".to_owned()], &Locale::PT_BR);
//! let options = TileOptions { stacking: Stacking::Normal, ..TileOptions::plain() };
//! let html = render_tile_with(TileKind::Column, "Faturas", &pivoted.data, &Locale::PT_BR, &options);
//! assert!(html.contains("<title>jan. 2025 · Paga: R$ 1.200,00</title>"));
//! assert!(html.contains("<span>Vencida</span>"));
//! ```

mod axes;
mod bar;
mod cartesian;
mod conditional;
mod escape;
mod format;
mod funnel;
mod locale;
mod pie;
mod pivot;
mod scatter;
mod simple;
mod stack;
mod style;
mod svg;
mod table;
mod text;
mod ticks;
mod vertical;

pub use escape::escape_html;
pub use format::format_value;
pub use locale::Locale;
pub use style::{PALETTE, THEME_VARIABLES, grid_placement, stylesheet};

/// How a tile is drawn; one per Looker `vis_config.type` that ponte's models
/// accept, so dashboards written for Looker render without changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// One big number (`single_value`), for KPIs.
    SingleValue,
    /// Horizontal bars (`looker_bar`), for long category names.
    Bar,
    /// Vertical bars (`looker_column`), for comparisons over a few periods.
    Column,
    /// Lines with points (`looker_line`), for trends over time.
    Line,
    /// Filled lines (`looker_area`), for volumes over time.
    Area,
    /// A pie (`looker_pie`), for shares of a whole.
    Pie,
    /// The rows as a table (`table`), when the exact numbers matter.
    Table,
    /// Points at (x, y) (`looker_scatter`): the first numeric column along
    /// the bottom, each measure after it up the side, for correlations.
    Scatter,
    /// Steps narrowing down (`looker_funnel`): each row a step, its first
    /// measure as the bar, with its share of the first step.
    Funnel,
}

impl TileKind {
    /// Every kind with its Looker name, in the order Looker's picker lists them.
    pub const ALL: [(TileKind, &'static str); 9] = [
        (TileKind::SingleValue, "single_value"),
        (TileKind::Bar, "looker_bar"),
        (TileKind::Column, "looker_column"),
        (TileKind::Line, "looker_line"),
        (TileKind::Area, "looker_area"),
        (TileKind::Pie, "looker_pie"),
        (TileKind::Table, "table"),
        (TileKind::Scatter, "looker_scatter"),
        (TileKind::Funnel, "looker_funnel"),
    ];

    /// The kind for a Looker `vis_config.type` such as `looker_column`, so the
    /// page renderer can map the model's element type without its own table;
    /// `None` for types ponte does not draw.
    pub fn from_looker(name: &str) -> Option<TileKind> {
        TileKind::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    /// The Looker `vis_config.type` of this kind (the inverse of [`TileKind::from_looker`]).
    pub fn as_looker(self) -> &'static str {
        TileKind::ALL.iter().find(|(k, _)| *k == self).map_or("table", |(_, n)| n)
    }

    /// The suffix of the tile's CSS class (`tile-<suffix>`), which the
    /// stylesheet and tests key on.
    fn css_suffix(self) -> &'static str {
        match self {
            TileKind::SingleValue => "single-value",
            TileKind::Bar => "bar",
            TileKind::Column => "column",
            TileKind::Line => "line",
            TileKind::Area => "area",
            TileKind::Pie => "pie",
            TileKind::Table => "table",
            TileKind::Scatter => "scatter",
            TileKind::Funnel => "funnel",
        }
    }
}

/// One cell of a query result, as the server's JSON has it: the renderer
/// does not need to know Arrow types, only numbers, text and nulls.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`; shown as the locale's null mark and left out of charts.
    Null,
    /// Any numeric cell (integers included); non-finite numbers count as null.
    Number(f64),
    /// Any other cell: strings, dates as the server writes them (`2025-03`,
    /// `2025-Q1`, `2025-03-14`), `Yes`/`No`.
    Text(String),
}

impl Value {
    /// The cell as a number for charts: finite numbers, and text that parses
    /// as one (some drivers return decimals as strings).
    pub fn as_f64(&self) -> Option<f64> {
        let n = match self {
            Value::Number(n) => *n,
            Value::Text(t) => t.trim().parse::<f64>().ok()?,
            Value::Null => return None,
        };
        n.is_finite().then_some(n)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

/// One column of a query result with what formatting and charting need to
/// know about its field (mirrors the semantic layer's output column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The field's full name (`view.field`); not shown, kept for callers.
    pub name: String,
    /// What users see in headers, legends and axis titles.
    pub label: String,
    /// Measures are the series of charts; other columns are categories.
    pub is_measure: bool,
    /// The dimension type or timeframe (`string`, `number`, `yesno`, `date`,
    /// `date_month`, `date_quarter`, `date_year`, `time`, …) or the measure
    /// type (`sum`, `count`, `average`, …); decides how dates are shown.
    pub field_type: String,
    /// Looker `value_format` such as `R$ #,##0.00`, `#,##0` or `0.0%`.
    pub value_format: Option<String>,
}

impl Column {
    /// A dimension column (a category for charts), for callers and tests that
    /// build results by hand.
    pub fn dimension(name: &str, label: &str, field_type: &str) -> Column {
        Column {
            name: name.to_owned(),
            label: label.to_owned(),
            is_measure: false,
            field_type: field_type.to_owned(),
            value_format: None,
        }
    }

    /// A measure column (a series for charts), for callers and tests that
    /// build results by hand.
    pub fn measure(name: &str, label: &str, field_type: &str, value_format: Option<&str>) -> Column {
        Column {
            name: name.to_owned(),
            label: label.to_owned(),
            is_measure: true,
            field_type: field_type.to_owned(),
            value_format: value_format.map(str::to_owned),
        }
    }

    /// Whether values are numbers to right-align and format as such.
    fn is_numeric(&self) -> bool {
        self.is_measure || self.field_type == "number"
    }

    /// Whether the column holds dates or times (their labels are thinned
    /// rather than rotated on an axis).
    fn is_temporal(&self) -> bool {
        self.field_type.starts_with("date") || self.field_type.starts_with("time")
    }
}

/// A query result to draw: columns in query order and rows of cells in the
/// same order (short rows are padded with nulls). The rows are drawn as
/// given: limits and sorting are the query's business.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TileData {
    /// The result's columns.
    pub columns: Vec<Column>,
    /// The result's rows; `rows[r][c]` belongs to `columns[c]`.
    pub rows: Vec<Vec<Value>>,
}

impl TileData {
    /// The cell at `row`, `col`, or null when the row is short.
    fn cell(&self, row: usize, col: usize) -> &Value {
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Value::Null)
    }
}

/// Where a mark leads when clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The URL (escaped when written).
    pub href: String,
    /// What the link shows: the drill's title (`Custo total · mar. 2025`).
    pub label: String,
    /// What following it does.
    pub kind: LinkKind,
}

/// What a mark's link does; its class on the page (`drill`, `crossfilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Opens the rows behind the mark.
    Drill,
    /// Filters the dashboard's other tiles by the mark's values.
    CrossFilter,
}

impl LinkKind {
    /// The link's class.
    pub fn class(self) -> &'static str {
        match self {
            LinkKind::Drill => "drill",
            LinkKind::CrossFilter => "crossfilter",
        }
    }
}

/// The link of the mark of row `row` and measure column `col`, if it has one.
pub type Links<'a> = &'a dyn Fn(usize, usize) -> Option<Link>;

/// One tile as an HTML fragment:
/// `<section class="tile tile-<kind>"><h2 class="tile-title">…</h2>…</section>`.
///
/// Charts with no measure column fall back to a table, and results without
/// rows show the locale's "no data" message, so a tile never renders blank.
/// The fragment expects [`stylesheet`] on the page; placement in the grid is
/// the caller's (see [`grid_placement`]).
pub fn render_tile(kind: TileKind, title: &str, data: &TileData, locale: &Locale) -> String {
    render_tile_with(kind, title, data, locale, &TileOptions::plain())
}

/// A text tile (Looker's `type: text`): `title` and its Markdown `body`,
/// rendered without raw HTML, scripts, images or unsafe links.
pub fn render_text_tile(title: &str, body: &str) -> String {
    text::tile(title, body)
}

/// A single value's comparison (Looker's `show_comparison`): with the
/// first row's second number, or else the second row's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Show the relative change (`+4,2%`); else the other value itself.
    pub change: bool,
    /// The words after it (`vs mês anterior`).
    pub label: Option<String>,
    /// A rise is bad (costs): drawn red, a fall green.
    pub reverse_colors: bool,
}

/// How a tile is drawn beyond its kind.
pub struct TileOptions<'a> {
    /// Each mark's link (see [`render_tile_with_links`]): called with the
    /// mark's row and its measure's column (for a scatter, the y column).
    pub links: Links<'a>,
    /// A single value's comparison.
    pub comparison: Option<&'a Comparison>,
    /// A table's totals row: one cell per column, `Null` for dimensions.
    pub totals: Option<&'a [Value]>,
    /// A column or line chart's series drawn as lines and on a right axis.
    pub combo: Option<&'a Combo>,
    /// How a column, bar or area chart's series share a category (line
    /// charts ignore it).
    pub stacking: Stacking,
    /// A table's cell colours by value (Looker's `conditional_formatting`).
    pub conditional_formats: &'a [ConditionalFormat],
}

impl<'a> TileOptions<'a> {
    /// No links, comparison, totals, combo, stacking or formatting: the
    /// tile as [`render_tile`] draws it.
    pub fn plain() -> TileOptions<'static> {
        TileOptions {
            links: &no_links,
            comparison: None,
            totals: None,
            combo: None,
            stacking: Stacking::Grouped,
            conditional_formats: &[],
        }
    }
}

/// The links of a tile without any.
fn no_links(_: usize, _: usize) -> Option<Link> {
    None
}

/// Looker's `stacking` for column, bar and area charts. Positive values
/// stack up from zero and negative ones down from it. Series a [`Combo`]
/// draws as lines are not stacked, and on a percent stack they are measured
/// on the right axis, since their values mean nothing against 0–100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stacking {
    /// Side by side (`""`, the default).
    #[default]
    Grouped,
    /// On top of each other (`normal`): the stack's height is the total.
    Normal,
    /// On top of each other as shares of 100 % (`percent`).
    Percent,
}

/// One rule of a table's conditional formatting: cells of `fields` whose
/// value passes `rule` are drawn with these colours.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalFormat {
    /// The columns (by field name) it applies to; empty: every numeric column.
    pub fields: Vec<String>,
    /// Which values it marks.
    pub rule: FormatRule,
    /// Background colour, `#rrggbb` or `#rgb`. The model checks colours,
    /// and the renderer checks them again: anything else is ignored, so no
    /// CSS can reach the style attribute.
    pub background: Option<String>,
    /// Text colour, `#rrggbb` or `#rgb` (anything else is ignored).
    pub font: Option<String>,
    /// Bold text.
    pub bold: bool,
}

/// The test of a [`ConditionalFormat`] (Looker's `type`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormatRule {
    /// `equal to`
    EqualTo(f64),
    /// `not equal to`
    NotEqualTo(f64),
    /// `greater than`
    GreaterThan(f64),
    /// `less than`
    LessThan(f64),
    /// `between` (inclusive)
    Between(f64, f64),
    /// `not between`
    NotBetween(f64, f64),
    /// `null`
    Null,
    /// `not null`
    NotNull,
}

/// A result with its pivoted dimensions spread into columns (Looker's
/// `pivots`): one row per value of the other dimensions, one column per
/// measure and pivot value, labelled by the pivot value.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivoted {
    /// The spread result, drawn like any other.
    pub data: TileData,
    /// For each of its cells (`origin[row][col]`), the row of the original
    /// result it came from, so links can name the clicked values.
    pub origin: Vec<Vec<Option<usize>>>,
    /// For each of its columns, the original column.
    pub source_column: Vec<usize>,
}

/// `data` with the dimensions named in `pivots` spread into columns, as
/// Looker draws a query with `pivots`; `data` as it is (with identity maps)
/// when none of them is in it.
///
/// * The other dimensions are the row key: one row per distinct key, in the
///   order keys first appear.
/// * Each measure becomes one column per distinct pivot value (or
///   combination of values, with several pivots), pivot values in Looker's
///   ascending order (numbers numerically, then text, nulls last), and
///   grouped by pivot value first, measures within, as Looker's tables are.
///   Only the first [`MAX_PIVOT_VALUES`] are spread; rows of the others are
///   left out, so a pivot on a field with thousands of values stays a tile.
/// * A spread column keeps its measure's `name`, `field_type` and
///   `value_format`, so combos and conditional formats by field name still
///   apply. Its label is the pivot value(s) formatted in `locale` and joined
///   with ` · ` (`mar. 2025 · Paga`), after the measure's label when there
///   are several measures (`Valor · Paga`).
/// * A key without a row for some pivot value gets `Null` there, with no
///   origin.
pub fn pivot(data: &TileData, pivots: &[String], locale: &Locale) -> Pivoted {
    pivot::spread(data, pivots, locale)
}

/// The most pivot values [`pivot`] spreads into columns.
pub const MAX_PIVOT_VALUES: usize = pivot::MAX_PIVOT_VALUES;

/// Looker's `series_types` and `y_axes` for a column or line chart: the
/// measures (by field name) drawn as lines over the columns, and those
/// measured on a second axis on the right, so a cost in R$ and a
/// consumption in kWh share one chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Combo {
    /// Series drawn as lines on a column chart.
    pub lines: Vec<String>,
    /// Series on the right-hand axis.
    pub right_axis: Vec<String>,
}

/// [`render_tile`] with [`TileOptions`]: the one entry point every other
/// `render_tile*` function delegates to, so each kind is drawn in one place
/// whatever the caller asked for.
///
/// Options a kind has no use for are ignored (a line
/// chart's stacking, a chart's totals). A chart with nothing to plot falls
/// back to a plain table of the rows, with its links but without totals or
/// conditional formats, which belong to a table tile.
pub fn render_tile_with(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    options: &TileOptions<'_>,
) -> String {
    let body = if data.rows.is_empty() {
        simple::empty(locale)
    } else {
        let chart = match kind {
            TileKind::SingleValue => Some(simple::single_value(data, locale, options.links, options.comparison)),
            TileKind::Table => {
                Some(table::render(data, locale, options.links, options.totals, options.conditional_formats))
            }
            TileKind::Pie => pie::render(title, data, locale, options.links),
            TileKind::Bar | TileKind::Column | TileKind::Line | TileKind::Area => {
                cartesian::render(kind, title, data, locale, options)
            }
            TileKind::Scatter => scatter::render(title, data, locale, options.links),
            TileKind::Funnel => funnel::render(title, data, locale, options.links),
        };
        chart.unwrap_or_else(|| table::render(data, locale, options.links, None, &[]))
    };
    wrap(kind, title, &body)
}

/// [`render_tile`] whose marks (bars, points, slices, a single value, a
/// table's measure cells) are links where `links` gives one: the drill
/// into the rows behind each. A link is a plain `<a class="drill">`, so it
/// works without JavaScript (a pie's merged "Other" slice has none).
pub fn render_tile_with_links(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    links: Links<'_>,
) -> String {
    render_tile_with(kind, title, data, locale, &TileOptions { links, ..TileOptions::plain() })
}

/// The tile's frame around `body`.
fn wrap(kind: TileKind, title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + title.len() + 96);
    out.push_str("<section class=\"tile tile-");
    out.push_str(kind.css_suffix());
    out.push_str("\">\n<h2 class=\"tile-title\">");
    out.push_str(&escape_html(title));
    out.push_str("</h2>\n<div class=\"tile-body\">\n");
    out.push_str(body);
    out.push_str("</div>\n</section>\n");
    out
}
