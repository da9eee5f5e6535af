//! Errors as HTTP responses, in one place: a status and a JSON body shaped
//! as Looker's API errors (`{message, documentation_url}`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Where the README explains the HTTP surface.
const DOCS: &str = "https://example.invalid/ponte#http-server";

/// An error a handler returns; its message is shown to the caller, so it
/// never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the caller.
    pub message: String,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
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

    /// 503: could not be done now; try again (Pub/Sub does).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message, "documentation_url": DOCS });
        (self.status, Json(body)).into_response()
    }
}
