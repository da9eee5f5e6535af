//! Dashboard tiles as server-rendered HTML fragments with inline SVG charts.
//!
//! ponte's dashboards are embedded in customer portals and must work without
//! JavaScript, without a CDN and without web fonts, so every tile is drawn on
//! the server: the page renderer calls [`render_tile`] once per tile with the
//! query result, puts the fragments in a `.grid` and ships [`stylesheet`] once
//! per page.
//!
//! * The first column that is not a measure is the category (the x axis, or
//!   the slice labels of a pie); every measure column is a series.
//! * Numbers and dates are formatted with the column's Looker `value_format`
//!   and the model's [`Locale`] ([`format_value`]).
//! * Every text that comes from data or titles is escaped, and the output is
//!   deterministic (same input, same bytes), so tiles can be snapshot-tested
//!   and cached.
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

mod cartesian;
mod escape;
mod format;
mod locale;
mod pie;
mod simple;
mod style;
mod svg;
mod text;
mod ticks;

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
}

impl TileKind {
    /// Every kind with its Looker name, in the order Looker's picker lists them.
    pub const ALL: [(TileKind, &'static str); 7] = [
        (TileKind::SingleValue, "single_value"),
        (TileKind::Bar, "looker_bar"),
        (TileKind::Column, "looker_column"),
        (TileKind::Line, "looker_line"),
        (TileKind::Area, "looker_area"),
        (TileKind::Pie, "looker_pie"),
        (TileKind::Table, "table"),
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
    render_tile_with_links(kind, title, data, locale, &|_, _| None)
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
    /// Each mark's link (see [`render_tile_with_links`]).
    pub links: Links<'a>,
    /// A single value's comparison.
    pub comparison: Option<&'a Comparison>,
    /// A table's totals row: one cell per column, `Null` for dimensions.
    pub totals: Option<&'a [Value]>,
    /// A column or line chart's series drawn as lines and on a right axis.
    pub combo: Option<&'a Combo>,
}

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

/// [`render_tile`] with [`TileOptions`].
pub fn render_tile_with(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    options: &TileOptions<'_>,
) -> String {
    if kind == TileKind::SingleValue && !data.rows.is_empty() {
        let body = simple::single_value(data, locale, options.links, options.comparison);
        return wrap(kind, title, &body);
    }
    if matches!(kind, TileKind::Column | TileKind::Line) && !data.rows.is_empty() && options.combo.is_some() {
        let body = cartesian::render(kind, title, data, locale, options.links, options.combo)
            .unwrap_or_else(|| simple::table(data, locale, options.links));
        return wrap(kind, title, &body);
    }
    if kind == TileKind::Table && !data.rows.is_empty() && options.totals.is_some() {
        let body = simple::table_with_totals(data, locale, options.links, options.totals);
        return wrap(kind, title, &body);
    }
    render_tile_with_links(kind, title, data, locale, options.links)
}

/// [`render_tile`] whose marks (bars, points, a single value, a table's
/// measure cells) are links where `links` gives one: the drill into the
/// rows behind each. A link is a plain `<a class="drill">`, so it works
/// without JavaScript (a pie's slices are not linked).
pub fn render_tile_with_links(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    links: Links<'_>,
) -> String {
    let body = if data.rows.is_empty() {
        simple::empty(locale)
    } else {
        match kind {
            TileKind::SingleValue => simple::single_value(data, locale, links, None),
            TileKind::Table => simple::table(data, locale, links),
            TileKind::Pie => pie::render(title, data, locale).unwrap_or_else(|| simple::table(data, locale, links)),
            TileKind::Bar | TileKind::Column | TileKind::Line | TileKind::Area => {
                cartesian::render(kind, title, data, locale, links, None)
                    .unwrap_or_else(|| simple::table(data, locale, links))
            }
        }
    };
    wrap(kind, title, &body)
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
