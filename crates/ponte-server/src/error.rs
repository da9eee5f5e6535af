//! Errors as HTTP responses, in one place: a status and a JSON body shaped
//! as Looker's API errors (`{message, documentation_url}`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Where the README is served; `crate::docs::document_errors` makes it the
/// server's absolute URL with the anchor of the section for the route.
pub(crate) const DOCS: &str = "/docs";

/// An error a handler returns; its message is shown to the caller, so it
/// never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the caller.
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`), when known.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after: None }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: no credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: credentials that are not good enough.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: nothing by that name.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 429: too many attempts; try again after `wait` (sent as
    /// `Retry-After`, whole seconds, at least one).
    pub fn too_many_requests(message: impl Into<String>, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self { retry_after: Some(seconds.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, message) }
    }

    /// 503: could not be done now; try again (Pub/Sub does).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

/// A caller's text as an error message quotes it: control characters
/// escaped, and cut to a readable length (with its size) so that a
/// megabyte of input is not echoed back.
pub(crate) fn quoted(text: &str) -> String {
    ponte_config::suggest::shorten(&text.escape_debug().to_string(), 80)
}

impl From<ponte_state::StateError> for ApiError {
    fn from(e: ponte_state::StateError) -> Self {
        tracing::error!("state database: {e}");
        Self::unavailable("the state database is unavailable; try again")
    }
}

impl From<ponte_semantic::compile::QueryError> for ApiError {
    fn from(e: ponte_semantic::compile::QueryError) -> Self {
        // The message names the model's own fields and explores, never a
        // value of the caller's attributes or anything secret.
        Self::new(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string())
    }
}

impl From<ponte_warehouse::WarehouseError> for ApiError {
    fn from(e: ponte_warehouse::WarehouseError) -> Self {
        // The warehouse's words may hold table paths or internals: logged,
        // not shown.
        tracing::error!("warehouse query failed: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the warehouse could not run the query; the server log has details",
        )
    }
}

impl From<ponte_query::RunError> for ApiError {
    fn from(e: ponte_query::RunError) -> Self {
        match e {
            ponte_query::RunError::Query(e) => e.into(),
            ponte_query::RunError::Warehouse(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message, "documentation_url": DOCS });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
