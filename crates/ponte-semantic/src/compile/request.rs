//! The query body as Looker's API sends it (`WriteQuery`), and the checks of
//! its free-form parts: sorts and time zone (the limit is parsed into a
//! [`Limit`] as the body is read).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::QueryError;
use crate::limit::{self, Limit};

/// The most fields, and the most sorts, one query may name. A model's
/// explores have far fewer fields; the bound keeps a request body of a
/// million names from costing a million lookups.
pub const MAX_FIELDS: usize = 500;
/// The most plain values one filter may list (`1,2,3,…`); they compile
/// into one `IN` list.
pub const MAX_FILTER_VALUES: usize = 10_000;
/// The most other items one filter may hold (ranges, patterns, date
/// periods): each is a condition the warehouse evaluates on every row.
pub const MAX_FILTER_CONDITIONS: usize = 250;

/// A query body in the shape of Looker API 4.0's `WriteQuery`.
///
/// Unknown keys are ignored, as the official SDKs send more than ponte uses;
/// `filter_expression` is read only so that a non-empty value is refused
/// rather than silently dropped (dropping it would return different rows
/// than asked for). JSON `null` is taken as absent everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct QueryRequest {
    /// The model.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// The explore (Looker calls it `view`).
    #[serde(default, deserialize_with = "null_default")]
    pub view: String,
    /// Selected fields, `view.field`, in output order.
    #[serde(default, deserialize_with = "null_default")]
    pub fields: Vec<String>,
    /// Field → Looker filter expression.
    #[serde(default, deserialize_with = "null_default")]
    pub filters: BTreeMap<String, String>,
    /// `view.field`, optionally followed by `asc` or `desc`.
    #[serde(default, deserialize_with = "null_default")]
    pub sorts: Vec<String>,
    /// Row limit, sent as text (`"500"`, `"-1"`); absent, `null` or blank
    /// for [`Limit::DEFAULT`]. See [`Limit`] for the caps.
    #[serde(default, deserialize_with = "limit::deserialize_optional")]
    pub limit: Option<Limit>,
    /// IANA zone for timeframes and relative date filters; the model's zone
    /// when absent.
    #[serde(default)]
    pub query_timezone: Option<String>,
    /// Dimensions whose values become columns ([`super::pivot`]); each
    /// must be among `fields`.
    #[serde(default, deserialize_with = "null_default")]
    pub pivots: Vec<String>,
    /// The most pivot values (columns) a pivoted query returns, sent as
    /// text like `limit`; [`DEFAULT_COLUMN_LIMIT`] when absent, at most
    /// [`MAX_COLUMN_LIMIT`].
    #[serde(default, deserialize_with = "column_limit_text", skip_serializing_if = "Option::is_none")]
    pub column_limit: Option<String>,
    /// Custom filter: not implemented, refused when non-empty.
    #[serde(default)]
    pub filter_expression: Option<String>,
    /// Table calculations (custom fields are refused): evaluated over the
    /// rows after the query ([`crate::calc`]).
    #[serde(default)]
    pub dynamic_fields: Option<String>,
}

impl QueryRequest {
    /// A query from Looker's url-encoded form (`run_url_encoded_query`, and
    /// explore URLs): `fields=a,b`, `f[view.field]=expression`,
    /// `sorts=a desc,b`, `limit`, `query_timezone`, `pivots`,
    /// `column_limit`, `dynamic_fields`. Other keys (`vis`, `total`, …) do not change the
    /// rows and are ignored. Unsupported parts are kept so that compiling
    /// refuses them rather than drop them; a bad `limit` is refused here.
    pub fn from_url_params<'a>(
        model: &str,
        view: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<QueryRequest, QueryError> {
        let mut request = QueryRequest { model: model.to_owned(), view: view.to_owned(), ..QueryRequest::default() };
        for (key, value) in pairs {
            let list = || value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
            match key {
                "fields" => request.fields.extend(list()),
                "sorts" => request.sorts.extend(list()),
                "pivots" => request.pivots.extend(list()),
                "column_limit" => request.column_limit = Some(value.to_owned()),
                "limit" => request.limit = Limit::parse_optional(value)?,
                "query_timezone" => request.query_timezone = Some(value.to_owned()),
                "dynamic_fields" => request.dynamic_fields = Some(value.to_owned()),
                "filter_expression" => request.filter_expression = Some(value.to_owned()),
                _ => {
                    if let Some(field) = key.strip_prefix("f[").and_then(|k| k.strip_suffix(']')) {
                        request.filters.insert(field.to_owned(), value.to_owned());
                    }
                }
            }
        }
        Ok(request)
    }
}

/// `column_limit` as Looker's SDKs send it (text), or as a number.
fn column_limit_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        None | Some(serde_json::Value::Null) => None,
        Some(_) => return Err(serde::de::Error::custom("`column_limit` must be a whole number, as text")),
    })
}

fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl QueryRequest {
    /// Refuses the parts of a query body ponte reads but does not implement.
    pub(crate) fn check_supported(&self) -> Result<(), QueryError> {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty() || s.trim() == "[]");
        let unsupported = |feature: &str| Err(QueryError::Unsupported { feature: feature.to_owned() });
        if !blank(&self.filter_expression) {
            return unsupported("filter_expression");
        }
        for (what, count) in [("fields", self.fields.len()), ("sorts", self.sorts.len()), ("pivots", self.pivots.len())]
        {
            if count > MAX_FIELDS {
                return Err(QueryError::TooMany { what, count, limit: MAX_FIELDS });
            }
        }
        Ok(())
    }
}

/// The pivot columns a query returns when it gives no `column_limit`
/// (Looker's default).
pub const DEFAULT_COLUMN_LIMIT: u64 = 50;
/// The most pivot columns one query may ask for (Looker's maximum).
pub const MAX_COLUMN_LIMIT: u64 = 200;

/// `column_limit` as a number of pivot columns: 1 to
/// [`MAX_COLUMN_LIMIT`], [`DEFAULT_COLUMN_LIMIT`] when absent or blank.
pub(crate) fn parse_column_limit(text: Option<&str>) -> Result<u64, QueryError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(DEFAULT_COLUMN_LIMIT);
    };
    match text.parse::<u64>() {
        Ok(n) if (1..=MAX_COLUMN_LIMIT).contains(&n) => Ok(n),
        _ => Err(QueryError::BadPivot {
            reason: format!(
                "`column_limit` `{}` is not a whole number from 1 to {MAX_COLUMN_LIMIT}",
                super::resolve::shown(text)
            ),
        }),
    }
}

/// A sort as written: `view.field`, `view.field asc` or `view.field desc`,
/// and, as Looker writes the sort of one pivot column of a measure,
/// `view.field desc 0` (the pivot column, from 0).
pub(crate) struct SortSpec<'s> {
    pub(crate) field: &'s str,
    pub(crate) descending: bool,
    /// The pivot column whose values order the rows (pivoted queries).
    pub(crate) pivot_column: Option<u64>,
}

/// Reads a sort (see [`SortSpec`]).
pub(crate) fn parse_sort(sort: &str) -> Result<SortSpec<'_>, QueryError> {
    const SHAPE: &str =
        "expected `view.field`, optionally followed by `asc` or `desc` (and a pivot column's number, from 0)";
    let bad = |reason: &str| QueryError::BadSort { sort: super::resolve::shown(sort), reason: reason.to_owned() };
    let mut words = sort.split_whitespace();
    let field = words.next().ok_or_else(|| bad("it is empty"))?;
    let descending = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("asc") => false,
        Some(w) if w.eq_ignore_ascii_case("desc") => true,
        Some(_) => return Err(bad(SHAPE)),
    };
    let pivot_column = match words.next() {
        None => None,
        Some(n) => Some(n.parse::<u64>().ok().filter(|n| *n < super::MAX_COLUMN_LIMIT).ok_or_else(|| bad(SHAPE))?),
    };
    if words.next().is_some() {
        return Err(bad(SHAPE));
    }
    Ok(SortSpec { field, descending, pivot_column })
}

/// The query's zone: `query_timezone` when given (an IANA name), else the model's.
pub(crate) fn parse_time_zone(zone: Option<&str>, default: chrono_tz::Tz) -> Result<chrono_tz::Tz, QueryError> {
    match zone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Ok(default),
        Some(z) => z.parse().map_err(|_| QueryError::BadTimeZone { zone: super::resolve::shown(z) }),
    }
}
