//! Compiling a Looker-style query into SQL with bound parameters.
//!
//! The walk is request → [`resolve`](self) (every name looked up in the
//! model, every filter parsed, access filters checked against the caller,
//! joins chosen, fan-out refused) → a plan → SQL text for one [`Dialect`]
//! plus the parameter values. Three entry points share that walk:
//! [`compile`] for an API query body, [`compile_look`] for a saved look and
//! [`compile_element`] for a dashboard tile with the dashboard's filters.
//!
//! Safety rules, kept by construction:
//! - Nothing from the request is spliced into SQL. Field names are looked up
//!   in the model and only the model's checked identifiers are written,
//!   quoted; every filter value, access-filter value, date bound and (for
//!   BigQuery) time zone is a `$n` placeholder in [`CompiledQuery::params`].
//!   The limit is written as a validated integer.
//! - Every access filter of the explore is applied on every path; a caller
//!   without the user attribute gets [`QueryError::AccessDenied`].
//! - A measure that a join would double count is computed over its view's
//!   rows once each (symmetric aggregates), or refused
//!   ([`QueryError::FanOut`]) when that view has no primary key.
//! - A pivoted query ([`pivot`]) ranks its cells in SQL so `limit` and
//!   `column_limit` apply to the table's rows and pivot columns.
//!
//! Placeholders are `$1`, `$2`, … in both dialects; the BigQuery warehouse
//! rewrites them to `@p1`, … itself.
//!
//! ```
//! use std::collections::BTreeMap;
//! use ponte_semantic::compile::{compile, Caller, Dialect, QueryRequest, Target};
//! use ponte_semantic::model::ColumnKind;
//!
//! let model = ponte_semantic::model::parse_model(r#"
//! [model]
//! name = "shop"
//! [[views]]
//! name = "orders"
//! dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "status" }]
//! measures = [{ name = "total", type = "sum", sql = "amount" }]
//! [[explores]]
//! name = "orders"
//! "#, "shop.toml".as_ref()).unwrap();
//! let request: QueryRequest = serde_json::from_str(r#"{"model": "shop", "view": "orders",
//!     "fields": ["orders.status", "orders.total"], "filters": {"orders.status": "paid"}}"#).unwrap();
//! let columns = BTreeMap::new(); // no time columns, so no types needed
//! let now = chrono::Utc::now();
//! let query = compile(&model, &request, &Caller::default(), &Target::new(Dialect::DataFusion, &columns), now).unwrap();
//! assert!(query.sql.contains(r#"WHERE "orders"."status" = $1"#));
//! assert_eq!(query.params.len(), 1);
//! ```

mod derived_sql;
mod dialect;
mod drill;
mod error;
mod expr_sql;
mod filter_sql;
pub mod pivot;
mod request;
mod resolve;
mod saved;
mod select;
mod symmetric;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::model::{ColumnKind, Model};

pub use crate::limit::{BadLimit, Limit};
pub use derived_sql::derived_table_sql;
pub use drill::{
    Clicked, DrillTo, MAX_DRILL_VALUE_CHARS, add_cross_filter, dimension_drill_fields, dimension_drill_request,
    drill_breakdowns, drill_request, exact_filter,
};
pub use error::QueryError;
pub use pivot::PivotLayout;
pub use request::{
    DEFAULT_COLUMN_LIMIT, MAX_COLUMN_LIMIT, MAX_FIELDS, MAX_FILTER_CONDITIONS, MAX_FILTER_VALUES, QueryRequest,
};
pub use saved::{compile_element, compile_look, element_request, look_request, saved_request};

/// Who is asking: what access filters are evaluated against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// User attributes by name (from the embed URL's `user_attributes` or the
    /// API user's settings). A value may list several, comma-separated.
    pub user_attributes: BTreeMap<String, String>,
}

/// The SQL flavour to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded warehouse (Apache DataFusion): `"quoted"` identifiers.
    DataFusion,
    /// Google BigQuery (GoogleSQL): `` `quoted` `` identifiers.
    BigQuery,
}

/// Warehouse tables and their columns' kinds, as
/// [`crate::model::columns_of_config`] returns them.
pub type WarehouseColumns = BTreeMap<String, BTreeMap<String, ColumnKind>>;

/// Where the SQL will run: the dialect, and the column types the model
/// does not state.
///
/// A dimension group may sit on a DATE or a TIMESTAMP column and the SQL
/// differs (a TIMESTAMP is converted to the query's time zone before it is
/// truncated; a DATE is not, and its filter bounds are dates), yet model
/// files do not say which. Passing the warehouse's columns here, rather than
/// guessing, keeps a mistaken guess from becoming a wrong answer.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The SQL flavour.
    pub dialect: Dialect,
    /// Table → column → kind; needs at least the time columns of the fields
    /// queried.
    pub columns: &'a WarehouseColumns,
}

impl<'a> Target<'a> {
    /// A target for `dialect` with these warehouse columns.
    pub fn new(dialect: Dialect, columns: &'a WarehouseColumns) -> Self {
        Target { dialect, columns }
    }
}

/// A query ready to run: SQL with `$n` placeholders, their values, and how
/// each result column maps back to the field asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledQuery {
    /// The SQL text.
    pub sql: String,
    /// The value of `$1`, `$2`, … in order.
    pub params: Vec<QueryParam>,
    /// One per requested field, in request order (duplicates dropped).
    pub columns: Vec<OutputColumn>,
    /// The row limit written into the SQL (see [`Limit::rows_to_fetch`]).
    pub limit: u64,
    /// Table calculations to evaluate over the rows, after the SQL; their
    /// columns come last in `columns`, not from the SQL
    /// ([`crate::calc::evaluate`]).
    pub table_calculations: Vec<crate::calc::TableCalc>,
    /// When the request sorts by a table calculation: every sort key, in
    /// order, as (output column alias, descending), applied to the rows
    /// after the calculations (the SQL orders by the request's other keys).
    /// Looker also sorts by a calculation over the rows returned.
    pub sorts_after: Vec<(String, bool)>,
    /// For a pivoted query: which fields are pivoted. Its rows are ranked
    /// cells ([`pivot`]), to be spread into a table before they are shown.
    pub pivot: Option<PivotLayout>,
}

/// A value bound to a `$n` placeholder: what the compiler produces and
/// every warehouse binds (`ponte_warehouse` re-exports it), so a compiled
/// query reaches the warehouse without a conversion.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum QueryParam {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    String(String),
    /// A calendar date (compared with DATE columns).
    Date(chrono::NaiveDate),
    /// An instant (compared with TIMESTAMP columns).
    Timestamp(chrono::DateTime<chrono::Utc>),
}

/// Whether a result column is grouped by or aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Grouped by.
    Dimension,
    /// Aggregated.
    Measure,
    /// Computed after the query from other columns (Looker's table
    /// calculation).
    TableCalculation,
}

/// One result column and the field it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// `view.field`, the key of JSON output.
    pub name: String,
    /// What users see.
    pub label: String,
    /// Dimension or measure.
    pub kind: FieldKind,
    /// Looker's field type: `string`, `number`, `yesno`, `date`, `time`,
    /// `date_month` (a timeframe), or the measure's type (`sum`, `count`, …).
    pub field_type: String,
    /// Looker-style format from the model, as written.
    pub value_format: Option<String>,
    /// The column's name in the SQL result (`view__field`).
    pub alias: String,
}

/// Whether `caller` may query `explore`: it has a usable value for every
/// access filter's user attribute. Listings use this to show only what a
/// caller can query; queries check it again on their own path.
pub fn check_access(explore: &crate::model::Explore, caller: &Caller) -> Result<(), QueryError> {
    resolve::access_filters(explore, caller).map(drop)
}

/// Compiles an API query body for `caller`, with relative dates resolved
/// against `now`.
pub fn compile(
    model: &Model,
    request: &QueryRequest,
    caller: &Caller,
    target: &Target<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CompiledQuery, QueryError> {
    if request.model != model.name {
        return Err(QueryError::UnknownModel { model: request.model.clone() });
    }
    let blank = request.dynamic_fields.as_deref().is_none_or(|d| d.trim().is_empty() || d.trim() == "[]");
    if blank {
        let plan = resolve::plan(model, request, caller, target, now)?;
        return select::render(&plan, target.dialect);
    }
    // Table calculations: the SQL is the query without them; they are
    // evaluated over its rows and their columns appended.
    let dynamic = request.dynamic_fields.as_deref().unwrap_or_default();
    let fields: Vec<String> = request.fields.iter().filter(|f| f.contains('.')).cloned().collect();
    let calcs = crate::calc::parse_dynamic_fields(dynamic, &fields)?;
    let bad = |reason: String| QueryError::BadTableCalculation { reason };
    for field in request.fields.iter().filter(|f| !f.contains('.')) {
        if !calcs.iter().any(|c| &c.name == field) {
            return Err(bad(format!("`{field}` in `fields` is neither `view.field` nor a table calculation")));
        }
    }
    let is_calc = |sort: &str| calcs.iter().any(|c| sort.split_whitespace().next() == Some(c.name.as_str()));
    let by_calc = request.sorts.iter().any(|s| is_calc(s));
    let sql_sorts: Vec<String> = request.sorts.iter().filter(|s| !is_calc(s)).cloned().collect();
    let without = QueryRequest { fields, dynamic_fields: None, sorts: sql_sorts, ..request.clone() };
    let plan = resolve::plan(model, &without, caller, target, now)?;
    // A calculation reads numbers: text, dates and yes/no would be nulls
    // (or a zip code read as a number), so referring to one is refused.
    for calc in &calcs {
        for reference in calc.calc.references().into_iter().filter(|r| r.contains('.')) {
            let numeric =
                plan.fields.iter().find(|p| p.field.name() == reference).is_some_and(|p| match p.field.field {
                    crate::model::FieldRef::Measure(_) => true,
                    crate::model::FieldRef::Dimension(d) => d.dimension_type == crate::model::DimensionType::Number,
                    crate::model::FieldRef::Timeframe(..) => false,
                });
            if !numeric {
                return Err(bad(format!(
                    "table calculation `{}` refers to `{reference}`, which is not a number",
                    calc.name
                )));
            }
        }
    }
    if request.pivots.is_empty()
        && let Some((calc, function)) = calcs.iter().find_map(|c| c.calc.pivot_function().map(|f| (c, f)))
    {
        return Err(bad(format!("table calculation `{}` uses `{function}`, which needs a pivoted query", calc.name)));
    }
    let mut compiled = select::render(&plan, target.dialect)?;
    for calc in &calcs {
        compiled.columns.push(OutputColumn {
            name: calc.name.clone(),
            label: calc.label.clone(),
            kind: FieldKind::TableCalculation,
            field_type: "number".to_owned(),
            value_format: calc.value_format_name.as_deref().and_then(crate::calc::value_format_of),
            // No field's alias starts with `__` (view names are identifiers).
            alias: format!("__table_calculation__{}", calc.name),
        });
    }
    if by_calc && !request.pivots.is_empty() {
        return Err(bad("a pivoted query cannot be sorted by a table calculation yet".to_owned()));
    }
    if by_calc {
        for sort in &request.sorts {
            let request::SortSpec { field: name, descending, .. } = request::parse_sort(sort)?;
            let alias = compiled.columns.iter().find(|c| c.name == name).map(|c| c.alias.clone()).ok_or_else(|| {
                QueryError::BadSort { sort: sort.clone(), reason: format!("`{name}` is not one of the query's fields") }
            })?;
            compiled.sorts_after.push((alias, descending));
        }
    }
    compiled.table_calculations = calcs;
    Ok(compiled)
}
