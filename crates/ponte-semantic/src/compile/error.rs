//! Why a query was refused: one variant per cause, each naming the offender,
//! so the server can map it to a status (see [`QueryError::status`]) and the
//! user can fix the request without reading SQL.

/// Why a query could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The request names a model this server does not have.
    #[error("unknown model `{model}`")]
    UnknownModel {
        /// The name as requested.
        model: String,
    },
    /// The request names an explore the model does not have.
    #[error("unknown explore `{explore}` in model `{model}`{}", suggestion_text(.suggestion))]
    UnknownExplore {
        /// The model searched.
        model: String,
        /// The name as requested.
        explore: String,
        /// The closest explore name, if one is close.
        suggestion: Option<String>,
    },
    /// A field (selected, filtered or sorted) that the explore does not have.
    #[error("unknown field `{field}` in explore `{explore}`{}", suggestion_text(.suggestion))]
    UnknownField {
        /// The explore searched.
        explore: String,
        /// The name as requested.
        field: String,
        /// The closest `view.field` of the explore, if one is close.
        suggestion: Option<String>,
    },
    /// No field was selected.
    #[error("the query selects no fields; give at least one `view.field` in `fields`")]
    NoFields,
    /// A filter expression that does not parse with its field's grammar.
    #[error("bad filter on `{field}`: {message}")]
    BadFilter {
        /// The filtered field.
        field: String,
        /// The parser's message (it quotes the expression and the column).
        message: String,
    },
    /// A filter on a field whose values the filter grammar cannot describe
    /// (a `min`/`max` measure over dates or text takes no number filter).
    #[error("cannot filter `{field}`: {reason}")]
    WrongFilterKind {
        /// The filtered field.
        field: String,
        /// Why not.
        reason: String,
    },
    /// A filter with more items than one query may carry (see
    /// [`super::MAX_FILTER_VALUES`] and [`super::MAX_FILTER_CONDITIONS`]).
    #[error("the filter on `{field}` has {count} {what}; at most {limit} are allowed in one filter")]
    FilterTooLarge {
        /// The filtered field.
        field: String,
        /// How many it has.
        count: usize,
        /// What was counted, in words.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A request with more fields or sorts than one query may carry (see
    /// [`super::MAX_FIELDS`]).
    #[error("the query has {count} {what}; at most {limit} are allowed")]
    TooMany {
        /// What was counted, in words (`fields`, `sorts`).
        what: &'static str,
        /// How many it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A sort that is malformed or names a field the query does not select.
    #[error("bad sort `{sort}`: {reason}")]
    BadSort {
        /// The sort as requested.
        sort: String,
        /// What is wrong.
        reason: String,
    },
    /// A text tile asked for its query: it has none.
    #[error("tile {tile} of dashboard `{dashboard}` is a text tile; it has no query")]
    TextTile {
        /// The dashboard.
        dashboard: String,
        /// The tile, 1-based.
        tile: usize,
    },
    /// A drill that names what the query it drills into does not have.
    #[error("bad drill: {reason}")]
    BadDrill {
        /// What is wrong.
        reason: String,
    },
    /// A table calculation (`dynamic_fields`) that cannot be evaluated.
    #[error("bad table calculation: {reason}")]
    BadTableCalculation {
        /// What is wrong.
        reason: String,
    },
    /// A pivot that is not one of the query's dimensions, or a bad
    /// `column_limit`.
    #[error("bad pivot: {reason}")]
    BadPivot {
        /// What is wrong.
        reason: String,
    },
    /// A limit that is not a positive whole number or `-1`.
    #[error(transparent)]
    BadLimit(#[from] crate::limit::BadLimit),
    /// `query_timezone` is not an IANA time zone name.
    #[error("unknown time zone `{zone}`: expected an IANA name such as `America/Sao_Paulo`")]
    BadTimeZone {
        /// The zone as requested.
        zone: String,
    },
    /// A part of Looker's query body that ponte does not implement, given a
    /// value; refused rather than ignored because ignoring it would change
    /// the rows returned.
    #[error("`{feature}` is not supported by ponte; remove it from the query")]
    Unsupported {
        /// The query body field.
        feature: String,
    },
    /// The caller lacks (or has an unusable value for) a user attribute an
    /// access filter needs. Row-level security fails closed: no rows rather
    /// than all rows.
    #[error("access denied: explore `{explore}` filters `{field}` by user attribute `{attribute}`, {reason}")]
    AccessDenied {
        /// The explore queried.
        explore: String,
        /// The access-filtered field.
        field: String,
        /// The user attribute it needs.
        attribute: String,
        /// Why the caller's value cannot be used.
        reason: String,
    },
    /// A measure that a join in the query would double count.
    #[error(
        "measure `{measure}` would be counted more than once: the query joins `{join}` ({relationship}), which \
         repeats rows of `{view}`, and `{view}` has no primary key to count each of its rows once by; give it a \
         `primary_key` dimension, use a count_distinct, min or max measure, or leave out the fields that need \
         `{join}`"
    )]
    FanOut {
        /// The measure, `view.field`.
        measure: String,
        /// The view whose rows are repeated.
        view: String,
        /// The joined view causing it.
        join: String,
        /// The join's relationship, as written in model files.
        relationship: String,
    },
    /// The model does not say whether a time column is a DATE or a
    /// TIMESTAMP, and the warehouse columns given do not include it.
    #[error("the type of column `{table}.{column}` (field `{field}`) is unknown; the warehouse schema must list it")]
    UnknownColumnType {
        /// The field that needs it.
        field: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The look id is not in the model.
    #[error("unknown look {id} in model `{model}`")]
    UnknownLook {
        /// The model searched.
        model: String,
        /// The id as requested.
        id: u64,
    },
    /// The dashboard id is not in the model.
    #[error("unknown dashboard `{id}` in model `{model}`")]
    UnknownDashboard {
        /// The model searched.
        model: String,
        /// The id as requested.
        id: String,
    },
    /// The dashboard has fewer elements.
    #[error("dashboard `{dashboard}` has {count} element(s); there is no element {index}")]
    UnknownElement {
        /// The dashboard.
        dashboard: String,
        /// The index as requested (0-based).
        index: usize,
        /// How many elements it has.
        count: usize,
    },
    /// A dashboard filter value given for a filter the dashboard does not have.
    #[error("dashboard `{dashboard}` has no filter named `{filter}`{}", suggestion_text(.suggestion))]
    UnknownDashboardFilter {
        /// The dashboard.
        dashboard: String,
        /// The filter name as given.
        filter: String,
        /// The closest filter name, if one is close.
        suggestion: Option<String>,
    },
}

impl QueryError {
    /// The HTTP status the server should answer with: 404 for a missing
    /// model, explore, look or dashboard, 403 for access denied, 422 for a
    /// well-formed query the model cannot answer safely, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            QueryError::UnknownModel { .. }
            | QueryError::UnknownExplore { .. }
            | QueryError::UnknownLook { .. }
            | QueryError::UnknownDashboard { .. }
            | QueryError::UnknownElement { .. }
            | QueryError::TextTile { .. } => 404,
            QueryError::AccessDenied { .. } => 403,
            QueryError::FanOut { .. } | QueryError::UnknownColumnType { .. } | QueryError::WrongFilterKind { .. } => {
                422
            }
            _ => 400,
        }
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// Names longer than this get no suggestion, and are quoted cut short.
pub(crate) const MAX_SUGGESTED_NAME: usize = ponte_config::suggest::MAX_SUGGESTED_LEN;

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo (ponte's one rule, [`ponte_config::suggest::closest`]).
pub(crate) fn closest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<String> {
    ponte_config::suggest::closest(word, candidates).map(str::to_owned)
}
