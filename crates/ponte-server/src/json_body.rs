//! Rewriting a JSON response on its way out, for the layers that adjust
//! what handlers wrote (`?fields=`, error documentation links).

use axum::body::Body;
use axum::http::header;
use axum::response::Response;
use serde_json::Value;

/// Whether `response` carries JSON.
pub(crate) fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// `response` with its JSON body passed through `change`; a body that is
/// not JSON goes out as it was. `Err` with the response's head when the
/// body is larger than `limit` bytes (the caller says what to answer).
pub(crate) async fn map_json(
    response: Response,
    limit: usize,
    change: impl FnOnce(Value) -> Value,
) -> Result<Response, axum::http::response::Parts> {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else { return Err(parts) };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let changed = serde_json::to_vec(&change(value)).expect("JSON values serialise");
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(changed)))
}
