//! The converted model, as plain typed values: what the TOML writer
//! writes and what tests inspect. Every object carries its origin.

use std::path::PathBuf;

/// Where an object came from, for the `# from file:line` comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, relative to the project's folder.
    pub file: PathBuf,
    /// The line of its key.
    pub line: u32,
}

/// One ponte model file, from one `.model.lkml`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOut {
    /// The model's name (the file's name before `.model.lkml`).
    pub name: String,
    /// `label:`.
    pub label: Option<String>,
    /// `connection:`, kept as a comment.
    pub connection: Option<String>,
    /// The model file.
    pub origin: Origin,
    /// Views the model includes, in file order.
    pub views: Vec<ViewOut>,
    /// Its explores.
    pub explores: Vec<ExploreOut>,
    /// Its dashboards.
    pub dashboards: Vec<DashboardOut>,
}

/// A view.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its name.
    pub name: String,
    /// The table it reads, when it is not the view's name.
    pub sql_table_name: Option<String>,
    /// Its SELECT, in place of a table.
    pub derived_table: Option<DerivedOut>,
    /// `label:`.
    pub label: Option<String>,
    /// Its dimensions.
    pub dimensions: Vec<DimensionOut>,
    /// Its dimension groups.
    pub dimension_groups: Vec<DimensionGroupOut>,
    /// Its measures.
    pub measures: Vec<MeasureOut>,
    /// The view's drill fields.
    pub drill_fields: Vec<String>,
}

/// A view's derived table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedOut {
    /// The SELECT, as written (ponte's derived-table parser accepted it).
    pub sql: String,
    /// Kept as a table (`persist = true`).
    pub persist: bool,
}

/// A dimension's type: the semantic layer's own.
pub use ponte_semantic::model::DimensionType;

/// A dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: DimensionType,
    /// A column or an expression; `None` reads the column of its name.
    pub sql: Option<String>,
    /// `label:`.
    pub label: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// `value_format` (or the format a `value_format_name` stands for).
    pub value_format: Option<String>,
    /// `primary_key: yes`.
    pub primary_key: bool,
    /// `hidden: yes`.
    pub hidden: bool,
    /// Its drill fields, sets expanded.
    pub drill_fields: Vec<String>,
}

/// A timeframe ponte makes a field for: the semantic layer's own, so the
/// converter offers exactly the timeframes ponte's models take.
pub use ponte_semantic::model::Timeframe;

/// A dimension group of type time.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionGroupOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its name.
    pub name: String,
    /// The column; `None` reads the column of its name.
    pub sql: Option<String>,
    /// `label:`.
    pub label: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// The timeframes ponte has, of those listed.
    pub timeframes: Vec<Timeframe>,
    /// `hidden: yes`.
    pub hidden: bool,
}

/// A measure's type in ponte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureType {
    /// `count`.
    Count,
    /// `count_distinct`.
    CountDistinct,
    /// `sum`.
    Sum,
    /// `average`.
    Average,
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `number`: arithmetic over other measures.
    Number,
}

impl MeasureType {
    /// The name in a model.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureType::Count => "count",
            MeasureType::CountDistinct => "count_distinct",
            MeasureType::Sum => "sum",
            MeasureType::Average => "average",
            MeasureType::Min => "min",
            MeasureType::Max => "max",
            MeasureType::Number => "number",
        }
    }

    /// The type of a LookML name, if ponte has it.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "count" => MeasureType::Count,
            "count_distinct" => MeasureType::CountDistinct,
            "sum" => MeasureType::Sum,
            "average" => MeasureType::Average,
            "min" => MeasureType::Min,
            "max" => MeasureType::Max,
            "number" => MeasureType::Number,
            _ => return None,
        })
    }
}

/// A measure.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: MeasureType,
    /// A column, an expression, or (for `number`) arithmetic over measures.
    pub sql: Option<String>,
    /// `label:`.
    pub label: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// `value_format`.
    pub value_format: Option<String>,
    /// `hidden: yes`.
    pub hidden: bool,
    /// `filters: [dimension: "expression"]`.
    pub filters: Vec<(String, String)>,
    /// Its drill fields, sets expanded.
    pub drill_fields: Vec<String>,
}

/// An explore.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploreOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its name.
    pub name: String,
    /// The base view, when it is not the explore's name.
    pub view: Option<String>,
    /// `label:`.
    pub label: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// Its joins.
    pub joins: Vec<JoinOut>,
    /// `(field, user_attribute)` of each access filter.
    pub access_filters: Vec<(String, String)>,
    /// `always_filter`'s `(field, expression)` pairs.
    pub always_filter: Vec<(String, String)>,
    /// The fields its `fields: [ALL_FIELDS*, -view.field]` hides; not
    /// written, but applied to the model's views (see `exclusions`).
    pub excluded: Vec<Exclusion>,
}

/// One `-view.field` of an explore's `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The view.
    pub view: String,
    /// The field (a timeframe is `group_timeframe`).
    pub field: String,
    /// The line of the `fields` key.
    pub line: u32,
}

/// A join's type and cardinality: the semantic layer's own, whose names
/// are LookML's.
pub use ponte_semantic::model::{JoinType, Relationship};

/// A join.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinOut {
    /// Where it was written.
    pub origin: Origin,
    /// The joined view.
    pub view: String,
    /// Equal field pairs, AND-ed.
    pub on: Vec<(String, String)>,
    /// `type:`.
    pub kind: JoinType,
    /// `relationship:`.
    pub relationship: Relationship,
}

/// A dashboard (from a `.dashboard.lookml` file).
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardOut {
    /// Where it was written.
    pub origin: Origin,
    /// Its id (LookML's `dashboard:` name).
    pub id: String,
    /// `title:`.
    pub title: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// Its filters.
    pub filters: Vec<DashboardFilterOut>,
    /// Its tiles.
    pub elements: Vec<ElementOut>,
}

/// A dashboard filter.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardFilterOut {
    /// Its name (what tiles listen to).
    pub name: String,
    /// `title:`.
    pub title: Option<String>,
    /// `explore:`.
    pub explore: Option<String>,
    /// `field:`.
    pub field: Option<String>,
    /// `default_value:`.
    pub default_value: Option<String>,
    /// `ui_config.type`.
    pub ui_type: Option<String>,
}

/// A saved query of a tile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryOut {
    /// The explore.
    pub explore: String,
    /// Its fields.
    pub fields: Vec<String>,
    /// `(field, expression)` filters.
    pub filters: Vec<(String, String)>,
    /// `field [desc]`.
    pub sorts: Vec<String>,
    /// Pivoted fields.
    pub pivots: Vec<String>,
    /// Row limit.
    pub limit: Option<String>,
}

/// A dashboard tile.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementOut {
    /// `title:`.
    pub title: Option<String>,
    /// The visualization type (`looker_column`, `table`, …).
    pub kind: String,
    /// Its query (none for a text tile).
    pub query: Option<QueryOut>,
    /// `body_text` of a text tile.
    pub body_text: Option<String>,
    /// `(dashboard filter, field)` it listens to.
    pub listen: Vec<(String, String)>,
    /// `(row, col, width, height)` on the 24-column grid.
    pub layout: Option<(i64, i64, i64, i64)>,
    /// Visualization options ponte reads under the same names
    /// (`stacking`, `show_totals`, `series_types`, …).
    pub options: Vec<(String, OptionValue)>,
}

/// The value of a visualization option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// `stacking: normal`.
    Text(String),
    /// `show_totals: true`.
    Flag(bool),
    /// `series_types: { field: line }`.
    Pairs(Vec<(String, String)>),
}
