//! How a tile is drawn beyond its type: Looker's `vis_config` options that
//! ponte's tiles honour. Each is checked against the tile's type and query
//! when the model loads, so a dashboard never draws half of what it asks.

/// A tile's drawing options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisConfig {
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
    /// How a column, bar or area chart's series share a category.
    pub stacking: Stacking,
    /// A table's cell colours by value, first matching rule wins.
    pub conditional_formats: Vec<ConditionalFormat>,
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

/// Looker's `stacking`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stacking {
    /// Side by side (`""`).
    #[default]
    Grouped,
    /// On top of each other (`normal`).
    Normal,
    /// On top of each other as shares of the whole (`percent`).
    Percent,
}

impl Stacking {
    /// Every value with its word in model files.
    pub const ALL: [(&'static str, Stacking); 3] =
        [("", Stacking::Grouped), ("normal", Stacking::Normal), ("percent", Stacking::Percent)];
}

/// One rule of Looker's `conditional_formatting` on a table: cells of
/// `fields` whose value passes `rule` take its colours.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalFormat {
    /// The measures it colours; empty for every numeric column.
    pub fields: Vec<String>,
    /// Which values it marks.
    pub rule: FormatRule,
    /// Background colour, `#rgb` or `#rrggbb`.
    pub background: Option<String>,
    /// Text colour, `#rgb` or `#rrggbb`.
    pub font: Option<String>,
    /// Bold text.
    pub bold: bool,
}

/// Looker's conditional formatting `type` with its `value`.
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
    /// `between`, both ends included.
    Between(f64, f64),
    /// `not between`
    NotBetween(f64, f64),
    /// `null`
    Null,
    /// `not null`
    NotNull,
}

impl FormatRule {
    /// Looker's words for each rule, and how many values it takes.
    pub const WORDS: [(&'static str, usize); 8] = [
        ("equal to", 1),
        ("not equal to", 1),
        ("greater than", 1),
        ("less than", 1),
        ("between", 2),
        ("not between", 2),
        ("null", 0),
        ("not null", 0),
    ];

    /// The rule named `word` with `values` (as many as [`FormatRule::WORDS`]
    /// says); `None` for another word or count.
    pub fn from_words(word: &str, values: &[f64]) -> Option<FormatRule> {
        Some(match (word, values) {
            ("equal to", [v]) => FormatRule::EqualTo(*v),
            ("not equal to", [v]) => FormatRule::NotEqualTo(*v),
            ("greater than", [v]) => FormatRule::GreaterThan(*v),
            ("less than", [v]) => FormatRule::LessThan(*v),
            ("between", [a, b]) => FormatRule::Between(a.min(*b), a.max(*b)),
            ("not between", [a, b]) => FormatRule::NotBetween(a.min(*b), a.max(*b)),
            ("null", []) => FormatRule::Null,
            ("not null", []) => FormatRule::NotNull,
            _ => return None,
        })
    }
}
