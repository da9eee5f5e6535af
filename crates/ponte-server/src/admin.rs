//! The admin API: run history and "force run", behind the admin token.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::AppState;
use crate::auth::require_admin;
use crate::error::ApiError;

/// `?limit=N`
#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    limit: Option<usize>,
}

/// `GET /api/runs`: the run history, newest first, as `ponte runs --json`.
pub(crate) async fn runs(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<RunsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require_admin(app.admin_token.as_ref(), &headers)?;
    let limit = query.limit.unwrap_or(20).min(10_000);
    Ok(Json(serde_json::to_value(app.state.runs(limit)?).unwrap_or_default()))
}

/// `POST /api/admin/trigger/{name}`: `ponte trigger` through the server;
/// answers with the trigger's report once every subscriber's first
/// attempt ended.
pub(crate) async fn trigger(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require_admin(app.admin_token.as_ref(), &headers)?;
    let report =
        ponte_scheduler::trigger(&app.config, &app.state, app.runner.as_ref(), &name, Duration::from_secs(3600))
            .await
            .map_err(|e| match e {
                ponte_scheduler::SchedulerError::UnknownSchedule { .. } => ApiError::not_found(e.to_string()),
                other => ApiError::unavailable(other.to_string()),
            })?;
    let mut value = serde_json::to_value(&report).unwrap_or_default();
    value["succeeded"] = report.succeeded().into();
    Ok(Json(value))
}
