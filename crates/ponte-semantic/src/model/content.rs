//! What users open: saved queries (looks) and dashboards of tiles.

use super::filter::FieldFilter;
use super::vis::VisConfig;
use crate::limit::Limit;

/// A query as saved in a look or dashboard tile (Looker's query body subset).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The explore queried.
    pub explore: String,
    /// Selected fields, `view.field`, in order.
    pub fields: Vec<String>,
    /// Dimensions of `fields` spread into columns when drawn (Looker's
    /// `pivots`): a column chart of cost by month pivoted on status has a
    /// series per status. The SQL is the same; only the drawing differs.
    pub pivots: Vec<String>,
    /// Looker's `dynamic_fields` (a JSON array) with the query's table
    /// calculations, whose names `fields` may list; checked when the model
    /// is read.
    pub dynamic_fields: Option<String>,
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
    /// The control users set it with (Looker's `ui_config.type`).
    pub control: FilterControl,
}

/// How a dashboard filter is set (Looker's `ui_config.type`), checked
/// against the field's type. Every control writes a Looker filter
/// expression, so the URL and `dashboard:filters:update` take the same
/// values whatever the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterControl {
    /// A text box for any expression, offering the field's values as the
    /// user types (`advanced`, the default).
    Advanced,
    /// One of the field's values from a list (`dropdown_menu`).
    DropdownMenu,
    /// Any of the field's values, several at once (`tag_list`).
    TagList,
    /// Any of the field's values as checkboxes (`checkboxes`).
    Checkboxes,
    /// A smallest and a largest number (`range_slider`).
    NumberRange,
    /// A first and a last day (`day_range_picker`).
    DayRange,
    /// A period relative to today (`relative_timeframes`).
    RelativeTimeframes,
}

impl FilterControl {
    /// Every control with its Looker name.
    pub const ALL: [(&'static str, FilterControl); 7] = [
        ("advanced", FilterControl::Advanced),
        ("dropdown_menu", FilterControl::DropdownMenu),
        ("tag_list", FilterControl::TagList),
        ("checkboxes", FilterControl::Checkboxes),
        ("range_slider", FilterControl::NumberRange),
        ("day_range_picker", FilterControl::DayRange),
        ("relative_timeframes", FilterControl::RelativeTimeframes),
    ];

    /// The Looker name.
    pub fn as_str(self) -> &'static str {
        FilterControl::ALL.iter().find(|(_, c)| *c == self).map_or("advanced", |(n, _)| n)
    }

    /// The filter types it can set.
    pub fn fits(self, filter_type: super::FilterType) -> bool {
        use super::FilterType as T;
        match self {
            FilterControl::Advanced => true,
            FilterControl::DropdownMenu | FilterControl::TagList | FilterControl::Checkboxes => {
                filter_type == T::String
            }
            FilterControl::NumberRange => filter_type == T::Number,
            FilterControl::DayRange | FilterControl::RelativeTimeframes => filter_type == T::Date,
        }
    }

    /// Whether it sets several values at once (joined into one expression).
    pub fn takes_many(self) -> bool {
        matches!(self, FilterControl::TagList | FilterControl::Checkboxes)
    }
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
    /// Points at (x, y).
    LookerScatter,
    /// Steps narrowing down.
    LookerFunnel,
}

impl ElementType {
    /// Every element type with its word in model files (Looker's `vis_config.type`).
    pub const ALL: [(&'static str, ElementType); 10] = [
        ("single_value", ElementType::SingleValue),
        ("looker_bar", ElementType::LookerBar),
        ("looker_column", ElementType::LookerColumn),
        ("looker_line", ElementType::LookerLine),
        ("looker_area", ElementType::LookerArea),
        ("looker_pie", ElementType::LookerPie),
        ("table", ElementType::Table),
        ("text", ElementType::Text),
        ("looker_scatter", ElementType::LookerScatter),
        ("looker_funnel", ElementType::LookerFunnel),
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
    /// How it is drawn beyond its type (Looker's `vis_config`).
    pub vis: VisConfig,
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
