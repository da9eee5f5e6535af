//! What users open: saved queries (looks) and dashboards of tiles.

use super::filter::FieldFilter;
use crate::limit::Limit;

/// A query as saved in a look or dashboard tile (Looker's query body subset).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The explore queried.
    pub explore: String,
    /// Selected fields, `view.field`, in order.
    pub fields: Vec<String>,
    /// Filters, in file order.
    pub filters: Vec<FieldFilter>,
    /// Sort order.
    pub sorts: Vec<Sort>,
    /// Row limit; `None` for the default. `validate` keeps it within
    /// [`Limit::MAX_ROWS`] (see [`Limit::fits_a_page`]).
    pub limit: Option<Limit>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// A field of the query, `view.field`.
    pub field: String,
    /// Descending when written `view.field desc`.
    pub descending: bool,
}

/// A saved query with an integer id (Looker's `/looks/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// Unique within the model.
    pub id: u64,
    /// What users see.
    pub title: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// The query.
    pub query: Query,
}

/// A dashboard: filters and tiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// A slug (`visao_geral`) or integer, as text; unique within the model.
    pub id: String,
    /// What users see.
    pub title: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// Filters shown above the tiles.
    pub filters: Vec<DashboardFilter>,
    /// Tiles, in file order.
    pub elements: Vec<DashboardElement>,
    /// The theme it is drawn with unless the URL names another.
    pub theme: Option<String>,
    /// Clicking a chart's mark filters the other tiles by its values
    /// (Looker's cross-filtering) instead of opening its drill.
    pub crossfilter_enabled: bool,
}

/// A dashboard filter bound to one field; tiles opt in with `listen`.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardFilter {
    /// The name tiles listen to, as users see it ("Mês").
    pub name: String,
    /// The title shown; defaults to the name.
    pub title: String,
    /// The explore whose field supplies suggestions and the filter's type.
    pub explore: String,
    /// The field, `view.field`.
    pub field: String,
    /// Initial filter expression; empty means "any value".
    pub default_value: String,
}

/// How a tile is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    /// One big number.
    SingleValue,
    /// Horizontal bars.
    LookerBar,
    /// Vertical bars.
    LookerColumn,
    /// Lines.
    LookerLine,
    /// Filled lines.
    LookerArea,
    /// A pie.
    LookerPie,
    /// A table of rows.
    Table,
    /// Text (Markdown) and no query: headings and explanations.
    Text,
}

impl ElementType {
    /// Every element type with its word in model files (Looker's `vis_config.type`).
    pub const ALL: [(&'static str, ElementType); 8] = [
        ("single_value", ElementType::SingleValue),
        ("looker_bar", ElementType::LookerBar),
        ("looker_column", ElementType::LookerColumn),
        ("looker_line", ElementType::LookerLine),
        ("looker_area", ElementType::LookerArea),
        ("looker_pie", ElementType::LookerPie),
        ("table", ElementType::Table),
        ("text", ElementType::Text),
    ];

    /// The word used in model files.
    pub fn as_str(self) -> &'static str {
        ElementType::ALL.iter().find(|(_, t)| *t == self).map_or("table", |(s, _)| s)
    }
}

/// A dashboard tile.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardElement {
    /// Shown above the tile.
    pub title: String,
    /// How it is drawn.
    pub element_type: ElementType,
    /// What it shows; `None` for a text tile.
    pub query: Option<Query>,
    /// A text tile's Markdown (Looker's `body_text`).
    pub body_text: Option<String>,
    /// Dashboard filter name → field of this tile's explore that it filters.
    pub listen: Vec<(String, String)>,
    /// Where it sits; `None` stacks it below the previous tile.
    pub layout: Option<Layout>,
    /// A single value's comparison (Looker's `show_comparison`).
    pub comparison: Option<Comparison>,
    /// A table's totals row (Looker's `show_totals`), computed by the
    /// warehouse over all the query's rows.
    pub show_totals: bool,
    /// Measures a column chart draws as lines (Looker's `series_types`).
    pub series_lines: Vec<String>,
    /// Measures measured on a right-hand axis (Looker's `y_axes` with
    /// `orientation = "right"`).
    pub right_axis: Vec<String>,
}

/// What a single value is compared with, as Looker's single value
/// visualisation does: the first row's second number, or else the second
/// row's value (a query sorted newest first with `limit = "2"` compares a
/// period with the one before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// How the comparison is shown.
    pub kind: ComparisonKind,
    /// The words after it (`vs mês anterior`).
    pub label: Option<String>,
    /// A rise is bad (costs): shown red, a fall green.
    pub reverse_colors: bool,
}

/// Looker's `comparison_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonKind {
    /// The relative change, `+4,2 %`.
    Change,
    /// The other value itself.
    Value,
}

/// A tile's place on a 24-column grid, as in Looker's dashboard layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Top row.
    pub row: u32,
    /// Left column.
    pub col: u32,
    /// Width in columns.
    pub width: u32,
    /// Height in rows.
    pub height: u32,
}
