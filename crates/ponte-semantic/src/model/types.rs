//! The typed, validated model and its views and fields: what every later
//! stage (SQL compiler, API, dashboards) takes by reference. Built only by [`super::parse_model`], so
//! every name in it has been checked to exist and every filter expression
//! to parse.

use std::path::PathBuf;
use std::sync::Arc;

use ponte_config::Position;

use super::content::{Dashboard, Look};
use super::explore::Explore;
use super::filter::FieldFilter;
use super::number_expr::NumberExpr;

/// One model file: views over warehouse tables, explores that join them,
/// and the saved looks and dashboards built on those explores.
#[derive(Debug, Clone)]
pub struct Model {
    /// The model's name, as in `model=` of embed URLs and API paths.
    pub name: String,
    /// What users see; defaults to the name.
    pub label: String,
    /// BCP 47 tag used to format numbers and dates (`pt-BR` by default).
    pub locale: String,
    /// The zone in which relative date filters ("this month") and timeframes
    /// are evaluated.
    pub time_zone: chrono_tz::Tz,
    /// The file the model came from, so later checks can point into it.
    pub file: PathBuf,
    /// Every view, in file order.
    pub views: Vec<Arc<View>>,
    /// Every explore, in file order.
    pub explores: Vec<Explore>,
    /// Named looks for the pages (`theme=` of embed URLs).
    pub themes: Vec<crate::model::Theme>,
    /// Saved queries, in file order.
    pub looks: Vec<Look>,
    /// Dashboards, in file order.
    pub dashboards: Vec<Dashboard>,
}

impl Model {
    /// The explore with this name.
    pub fn explore(&self, name: &str) -> Option<&Explore> {
        self.explores.iter().find(|e| e.name == name)
    }

    /// The view with this name.
    pub fn view(&self, name: &str) -> Option<&Arc<View>> {
        self.views.iter().find(|v| v.name == name)
    }

    /// The look with this id.
    pub fn look(&self, id: u64) -> Option<&Look> {
        self.looks.iter().find(|l| l.id == id)
    }

    /// The dashboard with this id (integers are matched as their decimal text).
    pub fn dashboard(&self, id: &str) -> Option<&Dashboard> {
        self.dashboards.iter().find(|d| d.id == id)
    }
}

/// A warehouse table or column name, checked to be a bare identifier
/// (letters, digits, underscores; not starting with a digit).
///
/// Model files never carry SQL text: a view names its table and each field
/// names one column, and the SQL compiler quotes these as identifiers. That
/// way no text from a model file is spliced into a query unchecked, and a
/// model can be reviewed for what it exposes without reading SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlName {
    /// The identifier.
    pub name: String,
    /// Where the model wrote it, for diagnostics such as a missing column.
    pub position: Position,
}

/// What a dimension or an aggregate measure reads: one column of its
/// view's table, or an expression over its columns and dimensions
/// ([`crate::model::sql_expr`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSql {
    /// A bare column (`valor_total`).
    Column(SqlName),
    /// An expression (`${TABLE}.valor_total * 1.1`), parsed and checked.
    Expression(Box<SqlExprAt>),
}

impl FieldSql {
    /// The column, when it is one.
    pub fn column(&self) -> Option<&SqlName> {
        match self {
            FieldSql::Column(c) => Some(c),
            FieldSql::Expression(_) => None,
        }
    }

    /// Every column of the view's table it reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            FieldSql::Column(c) => vec![c.name.as_str()],
            FieldSql::Expression(e) => e.expr.columns(),
        }
    }
}

/// An expression and where the model wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlExprAt {
    /// The parsed expression; its `${field}` references name dimensions of
    /// the same view, by field name.
    pub expr: super::sql_expr::SqlExpr,
    /// Where its `sql` is, for diagnostics.
    pub position: Position,
}

/// A view: the fields users may pick from one warehouse table.
#[derive(Debug, Clone)]
pub struct View {
    /// The view's name, the first half of `view.field`.
    pub name: String,
    /// What users see; defaults to the name.
    pub label: String,
    /// The warehouse table; for a derived view, the view's own name (the
    /// name its output columns are known by, and its persisted table's).
    pub table: SqlName,
    /// The query a derived view reads instead of a table
    /// (`derived_table`); `None` for a view over `table`.
    pub derived: Option<Arc<super::derived::DerivedTable>>,
    /// Plain dimensions, in file order.
    pub dimensions: Vec<Dimension>,
    /// Time dimensions that expand into one field per timeframe.
    pub dimension_groups: Vec<DimensionGroup>,
    /// Aggregates, in file order.
    pub measures: Vec<Measure>,
    /// The fields (`view.field`) a drill into one of its measures lists,
    /// for measures without `drill_fields` of their own (LookML's
    /// view-level `drill_fields`).
    pub drill_fields: Vec<String>,
}

impl View {
    /// The fields a drill into `measure` lists (`view.field`): its own
    /// `drill_fields`, else the view's; empty when neither names any (then
    /// the measure is not drillable).
    pub fn drill_fields_of<'v>(&'v self, measure: &'v Measure) -> &'v [String] {
        if measure.drill_fields.is_empty() { &self.drill_fields } else { &measure.drill_fields }
    }

    /// The field of this view named `name` (without the view prefix);
    /// dimension groups answer to `<group>_<timeframe>`.
    pub fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        if let Some(d) = self.dimensions.iter().find(|d| d.name == name) {
            return Some(FieldRef::Dimension(d));
        }
        if let Some(m) = self.measures.iter().find(|m| m.name == name) {
            return Some(FieldRef::Measure(m));
        }
        self.dimension_groups.iter().find_map(|g| {
            let suffix = name.strip_prefix(g.name.as_str())?.strip_prefix('_')?;
            let timeframe = g.timeframes.iter().copied().find(|t| t.as_str() == suffix)?;
            Some(FieldRef::Timeframe(g, timeframe))
        })
    }

    /// The measure named `name`.
    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.name == name)
    }

    /// Every field name of the view (dimension groups expanded), in file order
    /// within each kind: dimensions, timeframes, measures.
    pub fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.dimensions.iter().map(|d| d.name.clone()).collect();
        for g in &self.dimension_groups {
            names.extend(g.timeframes.iter().map(|t| g.field_name(*t)));
        }
        names.extend(self.measures.iter().map(|m| m.name.clone()));
        names
    }
}

/// A dimension's type: decides how it is filtered and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DimensionType {
    /// Text.
    String,
    /// Any numeric column.
    Number,
    /// A boolean column, shown as Yes/No.
    YesNo,
    /// A calendar date.
    Date,
    /// A point in time.
    Time,
}

impl DimensionType {
    /// The word used in model files.
    pub fn as_str(self) -> &'static str {
        match self {
            DimensionType::String => "string",
            DimensionType::Number => "number",
            DimensionType::YesNo => "yesno",
            DimensionType::Date => "date",
            DimensionType::Time => "time",
        }
    }
}

/// A plain dimension: one column, grouped by as is.
#[derive(Debug, Clone)]
pub struct Dimension {
    /// The field name within the view.
    pub name: String,
    /// What users see; defaults to the name.
    pub label: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// The dimension's type.
    pub dimension_type: DimensionType,
    /// What it reads: a column (the dimension's name by default) or an
    /// expression.
    pub sql: FieldSql,
    /// Looker-style format such as `#,##0.00` or `R$ #,##0.00`, stored as written.
    pub value_format: Option<String>,
    /// The view's unique key (used by the compiler for distinct counts and joins).
    pub primary_key: bool,
    /// Kept out of field pickers; still usable in queries and joins.
    pub hidden: bool,
    /// The fields a click on one of its values breaks the tile's measures
    /// down by (LookML's dimension `drill_fields`: a state by its cities),
    /// each `view.field`.
    pub drill_fields: Vec<String>,
}

/// A timeframe of a dimension group; each yields a field `<group>_<timeframe>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timeframe {
    /// The calendar day.
    Date,
    /// The week (starting Monday, as Looker's default).
    Week,
    /// The calendar month.
    Month,
    /// The calendar quarter.
    Quarter,
    /// The calendar year.
    Year,
}

impl Timeframe {
    /// Every timeframe, in the order fields are listed.
    pub const ALL: [Timeframe; 5] =
        [Timeframe::Date, Timeframe::Week, Timeframe::Month, Timeframe::Quarter, Timeframe::Year];

    /// The word used in model files and field names.
    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::Date => "date",
            Timeframe::Week => "week",
            Timeframe::Month => "month",
            Timeframe::Quarter => "quarter",
            Timeframe::Year => "year",
        }
    }

    /// The word Looker's labels use: `Date`, `Week`, `Month`, `Quarter`, `Year`.
    pub fn english_title(self) -> &'static str {
        match self {
            Timeframe::Date => "Date",
            Timeframe::Week => "Week",
            Timeframe::Month => "Month",
            Timeframe::Quarter => "Quarter",
            Timeframe::Year => "Year",
        }
    }
}

/// A time column seen at several granularities (LookML's `dimension_group`
/// of `type: time`).
#[derive(Debug, Clone)]
pub struct DimensionGroup {
    /// The group's name; fields are `<name>_<timeframe>`.
    pub name: String,
    /// What users see; timeframe fields append the timeframe.
    pub label: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// The date or timestamp column; defaults to the group's name.
    pub column: SqlName,
    /// The timeframes offered, in file order.
    pub timeframes: Vec<Timeframe>,
    /// Kept out of field pickers.
    pub hidden: bool,
    /// The language its timeframe fields' labels are in (the model's).
    pub timeframe_words: TimeframeWords,
}

impl DimensionGroup {
    /// The field name of one timeframe: `<group>_<timeframe>`.
    pub fn field_name(&self, timeframe: Timeframe) -> String {
        format!("{}_{}", self.name, timeframe.as_str())
    }

    /// The label of one timeframe's field, in the model's language:
    /// `Created Month` as Looker writes it, `Mês de referência (mês)` in
    /// Portuguese, never a mix of the two.
    pub fn timeframe_label(&self, timeframe: Timeframe) -> String {
        match self.timeframe_words {
            TimeframeWords::English => format!("{} {}", self.label, timeframe.english_title()),
            words => format!("{} ({})", self.label, words.word(timeframe)),
        }
    }
}

/// The language of timeframe names in labels, from the model's locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeframeWords {
    /// `Month`, as Looker writes it (and for languages not known here).
    #[default]
    English,
    /// `mês`.
    Portuguese,
    /// `mes`.
    Spanish,
}

impl TimeframeWords {
    /// The words for a BCP 47 tag (`pt-BR`, `es`, `en-US`).
    pub fn for_locale(tag: &str) -> Self {
        match tag.split('-').next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "pt" => Self::Portuguese,
            "es" => Self::Spanish,
            _ => Self::English,
        }
    }

    fn word(self, t: Timeframe) -> &'static str {
        match (self, t) {
            (Self::Portuguese, Timeframe::Date) => "data",
            (Self::Portuguese, Timeframe::Week) => "semana",
            (Self::Portuguese, Timeframe::Month) => "mês",
            (Self::Portuguese, Timeframe::Quarter) => "trimestre",
            (Self::Portuguese, Timeframe::Year) => "ano",
            (Self::Spanish, Timeframe::Date) => "fecha",
            (Self::Spanish, Timeframe::Week) => "semana",
            (Self::Spanish, Timeframe::Month) => "mes",
            (Self::Spanish, Timeframe::Quarter) => "trimestre",
            (Self::Spanish, Timeframe::Year) => "año",
            (Self::English, t) => t.as_str(),
        }
    }
}

/// An aggregate function over one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `COUNT(DISTINCT column)`.
    CountDistinct,
    /// `SUM(column)`.
    Sum,
    /// `AVG(column)`.
    Average,
    /// `MIN(column)`.
    Min,
    /// `MAX(column)`.
    Max,
}

impl Aggregate {
    /// The word used in model files.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::CountDistinct => "count_distinct",
            Aggregate::Sum => "sum",
            Aggregate::Average => "average",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
        }
    }
}

/// What a measure computes.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasureKind {
    /// `COUNT(*)` of the view's rows.
    Count,
    /// An aggregate over a column of the view's table, or an expression.
    Aggregate {
        /// The function.
        function: Aggregate,
        /// What it aggregates.
        sql: FieldSql,
    },
    /// Arithmetic over other measures of the same view (`${a} / ${b}`).
    Number(NumberExpr),
}

/// A measure: an aggregate, optionally restricted by filters on the view's
/// own dimensions (LookML's filtered measures).
#[derive(Debug, Clone)]
pub struct Measure {
    /// The field name within the view.
    pub name: String,
    /// What users see; defaults to the name.
    pub label: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// What it computes.
    pub kind: MeasureKind,
    /// Looker-style format, stored as written.
    pub value_format: Option<String>,
    /// Rows counted only when every filter matches (`"view.field"` names).
    pub filters: Vec<FieldFilter>,
    /// Kept out of field pickers.
    pub hidden: bool,
    /// The fields (`view.field`) a drill into it lists (LookML's
    /// `drill_fields`); empty for the view's.
    pub drill_fields: Vec<String>,
}

impl Measure {
    /// The word used in model files for this measure's type.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            MeasureKind::Count => "count",
            MeasureKind::Aggregate { function, .. } => function.as_str(),
            MeasureKind::Number(_) => "number",
        }
    }
}

/// One field of a view, found by name.
#[derive(Debug, Clone, Copy)]
pub enum FieldRef<'a> {
    /// A plain dimension.
    Dimension(&'a Dimension),
    /// One timeframe of a dimension group.
    Timeframe(&'a DimensionGroup, Timeframe),
    /// A measure.
    Measure(&'a Measure),
}
