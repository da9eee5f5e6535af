//! `GET /api/4.0/models/{model}/views/{explore}/fields/{field}/suggestions`
//! (Looker's `model_fieldname_suggestions`): the field's values that hold
//! `term`, under the caller's access filters, in Looker's
//! `ModelFieldSuggestions` shape.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query};
use serde_json::{Value, json};

use super::Authenticated;
use crate::error::ApiError;

/// The options Looker's endpoint takes.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct SuggestionOptions {
    /// What the user typed; values holding it are offered.
    term: Option<String>,
    /// More filters, as a JSON object of field → filter expression
    /// (Looker's linked filters): applied as a query's filters are.
    filters: Option<String>,
}

/// The most filters one request may add.
const MAX_FILTERS: usize = 20;

pub(super) async fn suggestions(
    auth: Authenticated,
    Path((model, explore, field)): Path<(String, String, String)>,
    Query(options): Query<SuggestionOptions>,
) -> Result<Json<Value>, ApiError> {
    // A bare field name is one of the explore's own view (Looker's SDKs
    // send `view.field`; both are taken).
    let field = if field.contains('.') { field } else { format!("{explore}.{field}") };
    let filters: BTreeMap<String, String> = match options.filters.as_deref().map(str::trim) {
        None | Some("") => BTreeMap::new(),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request(format!("`filters` is a JSON object of field names to filter expressions: {e}"))
        })?,
    };
    if filters.len() > MAX_FILTERS {
        return Err(ApiError::bad_request(format!("at most {MAX_FILTERS} `filters`")));
    }
    let caller = &auth.session.caller;
    let term = options.term.unwrap_or_default();
    let found = auth.api.semantic.suggestions(&model, &explore, &field, &term, &filters, caller).await?;
    Ok(Json(json!({
        "suggestions": found.values,
        "error": null,
        "from_cache": found.from_cache,
        "hit_limit": found.hit_limit,
        "used_calcite_materialization": false,
    })))
}
