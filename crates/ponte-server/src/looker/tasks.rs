//! Query tasks: how Looker apps run slow queries. `create_query_task`
//! starts a saved query (or a look's or tile's, by its stable id) and
//! answers at once; the app polls `query_task` for its status and reads
//! `query_task_results` (202 while it runs) or `query_task_multi_results`.
//!
//! Tasks run on the server's runtime with the caller's access filters, and
//! belong to the client that created them: another client sees a task as
//! `missing`, as Looker answers for one it may not read. Finished results
//! are kept in memory for [`RESULT_LIFETIME`], within [`MAX_TASKS`] tasks
//! and [`MAX_RESULT_BYTES`] of results in all (the oldest go first); an
//! expired task reads as `expired`, like Looker's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Authenticated;
use crate::AppState;
use crate::error::ApiError;
use ponte_query::render::ResultFormat;

/// How long a finished task's result is kept.
pub(crate) const RESULT_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// The most tasks kept at once.
pub(crate) const MAX_TASKS: usize = 1000;
/// The most bytes of results kept at once.
pub(crate) const MAX_RESULT_BYTES: usize = 256 * 1024 * 1024;
/// The most task ids `multi_results` takes in one call.
const MAX_MULTI: usize = 100;

/// Looker's task statuses.
#[derive(Debug, Clone)]
enum Status {
    Running,
    Complete { body: Bytes, runtime: f64 },
    Error { error: ApiError },
}

impl Status {
    fn name(&self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Complete { .. } => "complete",
            Status::Error { .. } => "error",
        }
    }
}

#[derive(Debug, Clone)]
struct Task {
    owner: String,
    query_id: String,
    format: ResultFormat,
    format_name: String,
    created: Instant,
    status: Status,
}

/// Every task of this process.
#[derive(Debug, Default)]
pub(crate) struct QueryTasks {
    tasks: Mutex<HashMap<String, Task>>,
}

impl QueryTasks {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Task>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a running task, making room first.
    fn add(&self, id: &str, task: Task) {
        let mut tasks = self.lock();
        tasks.retain(|_, t| t.created.elapsed() < RESULT_LIFETIME);
        while tasks.len() >= MAX_TASKS {
            let oldest = tasks.iter().min_by_key(|(_, t)| t.created).map(|(id, _)| id.clone());
            match oldest {
                Some(oldest) => tasks.remove(&oldest),
                None => break,
            };
        }
        tasks.insert(id.to_owned(), task);
    }

    /// Records a task's end; results beyond the byte budget push out the
    /// oldest finished ones.
    fn finish(&self, id: &str, status: Status) {
        let mut tasks = self.lock();
        if let Some(task) = tasks.get_mut(id) {
            task.status = status;
        }
        let size = |t: &Task| match &t.status {
            Status::Complete { body, .. } => body.len(),
            _ => 0,
        };
        while tasks.values().map(size).sum::<usize>() > MAX_RESULT_BYTES {
            let oldest = tasks.iter().filter(|(_, t)| size(t) > 0).min_by_key(|(_, t)| t.created);
            let Some(oldest) = oldest.map(|(id, _)| id.clone()) else { break };
            tasks.remove(&oldest);
        }
    }

    /// The caller's task `id`: `Err` says how Looker would report it.
    fn get(&self, id: &str, owner: &str) -> Result<Task, &'static str> {
        match self.lock().get(id) {
            Some(t) if t.owner != owner => Err("missing"),
            Some(t) if t.created.elapsed() >= RESULT_LIFETIME => Err("expired"),
            Some(t) => Ok(t.clone()),
            None => Err("missing"),
        }
    }
}

/// The body of `create_query_task` (Looker's `WriteCreateQueryTask`).
#[derive(Debug, serde::Deserialize)]
pub(super) struct CreateQueryTask {
    query_id: Option<String>,
    result_format: Option<String>,
    source: Option<String>,
    look_id: Option<String>,
    dashboard_id: Option<String>,
}

/// `POST /api/4.0/query_tasks`
pub(super) async fn create(
    State(app): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: CreateQueryTask = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the query task body is not valid: {e}")))?;
    let query_id = body.query_id.filter(|q| !q.is_empty()).ok_or_else(|| {
        ApiError::bad_request("a query task needs `query_id` (create the query first, or use a look's query_id)")
    })?;
    let format_name = body.result_format.unwrap_or_default();
    let format: ResultFormat =
        format_name.parse().map_err(|e: ponte_query::render::UnknownFormat| ApiError::bad_request(e.to_string()))?;
    // Resolve now, so an unknown or another client's query is a 404 here.
    let request = super::queries::saved(&app, &auth, &query_id)?;
    let mut id_bytes = [0u8; 12];
    getrandom::fill(&mut id_bytes).map_err(|_| ApiError::unavailable("no randomness available; try again"))?;
    let id = hex::encode(id_bytes);
    let owner = super::queries::owner(&auth);
    let tasks = auth.api.tasks.clone();
    let task = Task {
        owner,
        query_id: query_id.clone(),
        format,
        format_name,
        created: Instant::now(),
        status: Status::Running,
    };
    let answer = task_json(&id, &task, body.source.as_deref(), body.look_id.as_deref(), body.dashboard_id.as_deref());
    tasks.add(&id, task);
    let timeout = app.config.server.request_timeout;
    let task_id = id.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let ran = tokio::time::timeout(timeout, super::queries::run_to_bytes(&auth, &request, format)).await;
        let status = match ran {
            Ok(Ok(body)) => Status::Complete { body, runtime: started.elapsed().as_secs_f64() },
            Ok(Err(error)) => Status::Error { error },
            Err(_) => Status::Error {
                error: ApiError::unavailable(format!(
                    "the query took longer than {} s (server.request_timeout)",
                    timeout.as_secs()
                )),
            },
        };
        tasks.finish(&task_id, status);
    });
    Ok(Json(answer))
}

/// `GET /api/4.0/query_tasks/{id}`
pub(super) async fn get(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let task = auth.api.tasks.get(&id, &super::queries::owner(&auth)).map_err(|_| not_found(&id))?;
    Ok(Json(task_json(&id, &task, None, None, None)))
}

/// `GET /api/4.0/query_tasks/{id}/results`: the results once complete
/// (200, in the task's format), 202 while running, the query's error
/// status if it failed, 404 for an unknown or expired task.
pub(super) async fn results(auth: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    let task = auth.api.tasks.get(&id, &super::queries::owner(&auth)).map_err(|_| not_found(&id))?;
    match task.status {
        Status::Running => Ok((StatusCode::ACCEPTED, [(header::CONTENT_TYPE, "application/json")], "").into_response()),
        Status::Complete { body, .. } => {
            Ok(([(header::CONTENT_TYPE, task.format.content_type())], body).into_response())
        }
        Status::Error { error } => Err(error),
    }
}

/// `?query_task_ids=a,b`
#[derive(Debug, serde::Deserialize)]
pub(super) struct MultiQuery {
    query_task_ids: Option<String>,
}

/// `GET /api/4.0/query_tasks/multi_results`: each task's status, and its
/// data when complete (JSON formats as JSON, others as text); a task the
/// caller may not read is `missing`, an expired one `expired`.
pub(super) async fn multi_results(
    auth: Authenticated,
    Query(query): Query<MultiQuery>,
) -> Result<Json<Value>, ApiError> {
    // A comma-separated list, or a JSON array (what the Python SDK sends
    // for a plain list).
    let given = query.query_task_ids.unwrap_or_default();
    let ids: Vec<String> = match serde_json::from_str::<Vec<String>>(&given) {
        Ok(list) => list,
        Err(_) => given.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    let ids: Vec<&str> = ids.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
    if ids.is_empty() {
        return Err(ApiError::bad_request("`query_task_ids` lists the task ids, comma-separated"));
    }
    if ids.len() > MAX_MULTI {
        return Err(ApiError::bad_request(format!("at most {MAX_MULTI} task ids at once")));
    }
    let owner = super::queries::owner(&auth);
    let mut out = Map::new();
    for id in ids {
        let entry = match auth.api.tasks.get(id, &owner) {
            Err(status) => json!({ "status": status }),
            Ok(task) => match task.status {
                Status::Complete { body, .. } => {
                    let data = match task.format {
                        ResultFormat::Json | ResultFormat::JsonBi => serde_json::from_slice(&body)
                            .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&body))),
                        _ => Value::from(String::from_utf8_lossy(&body).into_owned()),
                    };
                    json!({ "status": "complete", "result_format": task.format_name, "data": data })
                }
                Status::Error { error } => json!({ "status": "error", "errors": [{ "message": error.message }] }),
                Status::Running => json!({ "status": "running" }),
            },
        };
        out.insert(id.to_owned(), entry);
    }
    Ok(Json(Value::Object(out)))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no query task with id `{}` (or its results expired)", crate::error::quoted(id)))
}

/// Looker's `QueryTask`.
fn task_json(id: &str, task: &Task, source: Option<&str>, look: Option<&str>, dashboard: Option<&str>) -> Value {
    let runtime = match &task.status {
        Status::Complete { runtime, .. } => Some(*runtime),
        _ => None,
    };
    json!({
        "id": id,
        "query_id": task.query_id,
        "status": task.status.name(),
        "result_format": task.format_name,
        "source": source,
        "look_id": look,
        "dashboard_id": dashboard,
        "runtime": runtime,
        "cache": true,
        "can": {},
    })
}

/// The tasks, shared by the API and the tasks' own runs.
pub(crate) type Shared = Arc<QueryTasks>;
