//! Running queries: inline bodies, saved queries and looks, in every
//! result format; and saving queries for later runs.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use ponte_semantic::Limit;
use ponte_semantic::compile::{QueryError, QueryRequest, compile, look_request};
use ponte_warehouse::QueryOptions;
use serde_json::{Value, json};

use super::{Authenticated, find_look};
use crate::AppState;
use crate::error::ApiError;
use crate::metrics::QuerySurface;
use ponte_query::SemanticLayer;
use ponte_query::render::{self, ResultFormat};

/// The query-string options of the run endpoints that ponte reads; the
/// rest (`apply_formatting`, `cache_only`, image sizes, …) are accepted and
/// ignored, as they do not change which rows are returned.
#[derive(Debug, Default, serde::Deserialize)]
struct RunOptions {
    /// Overrides the query's row limit (text, as Looker sends it; blank
    /// keeps the query's).
    limit: Option<String>,
    /// `false`: read the tables even when a cached result exists.
    cache: Option<String>,
}

impl RunOptions {
    fn query_options(&self) -> Result<QueryOptions, ApiError> {
        let use_cache = match self.cache.as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                let other: String = other.chars().take(40).collect();
                return Err(ApiError::bad_request(format!("`cache` is true or false, not `{other}`")));
            }
        };
        Ok(QueryOptions { use_cache })
    }

    /// Replaces the query's limit with `?limit=`, when given.
    fn override_limit(&self, request: &mut QueryRequest) -> Result<(), ApiError> {
        let limit = self.limit.as_deref().map(Limit::parse_optional).transpose().map_err(QueryError::from)?;
        if let Some(limit) = limit.flatten() {
            request.limit = Some(limit);
        }
        Ok(())
    }
}

fn run_options(uri: &Uri) -> Result<RunOptions, ApiError> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))
}

fn format(name: &str) -> Result<ResultFormat, ApiError> {
    name.parse().map_err(|e: render::UnknownFormat| ApiError::bad_request(e.to_string()))
}

/// A query body from JSON, with a reason when it is not one.
fn parse_body(body: &Bytes) -> Result<QueryRequest, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("the request needs a JSON query body with `model`, `view` and `fields`"));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("the query body is not valid: {e}")))
}

/// `POST /api/4.0/queries/run/{format}`
pub(super) async fn run_inline(
    auth: Authenticated,
    Path(format_name): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let format = format(&format_name)?;
    let mut request = parse_body(&body)?;
    let options = run_options(&uri)?;
    options.override_limit(&mut request)?;
    run(&auth, &request, format, options.query_options()?).await
}

/// `POST /api/4.0/queries`: checks the query for this caller (so a bad
/// field is a 400 now, not at the first run) and saves it.
pub(super) async fn create(
    State(app): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request = parse_body(&body)?;
    let semantic = &auth.api.semantic;
    compile(semantic.model(&request.model)?, &request, &auth.session.caller, &semantic.target(), chrono::Utc::now())?;
    let canonical = serde_json::to_string(&request).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let id = app.state.save_query(&owner(&auth), &canonical, new_query_id)?;
    Ok(Json(query_json(Some(&id), &request, None)))
}

/// Who a saved query belongs to: the API client that saved it. Only it
/// can read or run the query by id.
pub(super) fn owner(auth: &Authenticated) -> String {
    format!("api:{}", auth.session.client_id)
}

/// A new saved query's id: 96 random bits as hex, so one id tells nothing
/// about any other (Looker's ids are strings too).
fn new_query_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// `GET /api/4.0/queries/{id}`
pub(super) async fn get(
    State(app): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let request = saved(&app, &auth, &id)?;
    Ok(Json(query_json(Some(&id), &request, None)))
}

/// `GET /api/4.0/queries/{id}/run/{format}`
pub(super) async fn run_saved(
    State(app): State<AppState>,
    auth: Authenticated,
    Path((id, format_name)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = format(&format_name)?;
    let mut request = saved(&app, &auth, &id)?;
    let options = run_options(&uri)?;
    options.override_limit(&mut request)?;
    run(&auth, &request, format, options.query_options()?).await
}

/// `GET /api/4.0/queries/models/{model}/views/{view}/run/{format}`
/// (Looker's `run_url_encoded_query`): the query in the URL's parameters,
/// as explore URLs carry it.
pub(super) async fn run_url_encoded(
    auth: Authenticated,
    Path((model, view, format_name)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = format(&format_name)?;
    // The official SDKs take only the path's three parts, so their callers
    // pass the query's parameters after the view's name (`faturas?fields=…`),
    // which arrives percent-encoded inside the path: read it from there too.
    let (view, in_path) = view.split_once('?').unwrap_or((&view, ""));
    let query = [in_path, uri.query().unwrap_or_default()].join("&");
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&query).map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))?;
    let mut request = QueryRequest::from_url_params(&model, view, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let options = run_options(&uri)?;
    options.override_limit(&mut request)?;
    run(&auth, &request, format, options.query_options()?).await
}

/// `GET /api/4.0/looks/{id}/run/{format}`
pub(super) async fn run_look(
    auth: Authenticated,
    Path((id, format_name)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = format(&format_name)?;
    let (model, look) = find_look(&auth.api.semantic, &id)?;
    let mut request = look_request(model, look.id)?;
    let options = run_options(&uri)?;
    options.override_limit(&mut request)?;
    run(&auth, &request, format, options.query_options()?).await
}

/// The query the caller saved as `id`, or the look's or tile's query that
/// a stable content id names (model content, shared by every caller; the
/// caller's access filters apply when it runs). Another client's saved
/// query is as unknown as one never saved: the 404 does not tell them apart.
pub(super) fn saved(app: &AppState, auth: &Authenticated, id: &str) -> Result<QueryRequest, ApiError> {
    let not_found = || ApiError::not_found(format!("no query with id `{}`", crate::error::quoted(id)));
    if id.is_empty() || id.len() > 256 {
        return Err(not_found());
    }
    if let Some(request) = super::content::content_query(&auth.api.semantic, id) {
        return Ok(request);
    }
    let body = app.state.saved_query(&owner(auth), id)?.ok_or_else(not_found)?;
    serde_json::from_str(&body).map_err(|e| {
        tracing::error!(query = %id.escape_debug(), "a saved query does not parse: {e}");
        ApiError::unavailable("a saved query could not be read")
    })
}

/// Runs `request` for the caller and returns the whole body in `format`
/// (a query task keeps it until it is read).
pub(super) async fn run_to_bytes(
    auth: &Authenticated,
    request: &QueryRequest,
    format: ResultFormat,
) -> Result<Bytes, ApiError> {
    let response = run(auth, request, format, QueryOptions::default()).await?;
    axum::body::to_bytes(response.into_body(), super::tasks::MAX_RESULT_BYTES)
        .await
        .map_err(|_| ApiError::bad_request("the result is too large to keep for a query task; add a limit"))
}

/// Compiles `request` for the caller and answers in `format`, with a
/// `Server-Timing` header splitting the time between compiling, the
/// warehouse and rendering, and saying whether the result cache answered
/// (browsers' developer tools show it; the query benchmark reads it to tell
/// the API's own overhead).
async fn run(
    auth: &Authenticated,
    request: &QueryRequest,
    format: ResultFormat,
    options: QueryOptions,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let semantic: &SemanticLayer = &auth.api.semantic;
    let model = semantic.model(&request.model)?;
    let compiled = compile(model, request, &auth.session.caller, &semantic.target(), chrono::Utc::now())?;
    let compiled_at = Instant::now();
    let result = match format {
        ResultFormat::Sql => None,
        _ => Some(semantic.run(&compiled, options).await?),
    };
    let queried_at = Instant::now();
    let ms = |from: Instant, to: Instant| to.duration_since(from).as_secs_f64() * 1000.0;
    if let Some(r) = &result {
        auth.api.metrics.observe_query(QuerySurface::Api, r.cache_hit, queried_at.duration_since(started));
    }
    let batches = result.as_ref().map_or(&[][..], |r| &r.batches[..]);
    let rows: usize = batches.iter().map(arrow_array::RecordBatch::num_rows).sum();
    // A pivoted result is spread whole (its rows are cells of a table of
    // at most a page of rows).
    if rows > STREAM_ABOVE_ROWS
        && compiled.pivot.is_none()
        && let (Some(result), ResultFormat::Json | ResultFormat::Csv) = (&result, format)
    {
        // A large result (`limit=-1` asks for up to a million rows) is
        // written out a batch at a time: as JSON values and text it would
        // take twenty times its Arrow size.
        let rows = Box::pin(futures::stream::iter(result.batches.clone().into_iter().map(Ok)));
        let timing = format!(
            "compile;dur={:.3}, warehouse;dur={:.3}{}",
            ms(started, compiled_at),
            ms(compiled_at, queried_at),
            if result.cache_hit { ", cache;desc=hit" } else { ", cache;desc=miss" }
        );
        let headers = [(header::CONTENT_TYPE, format.content_type().to_owned()), (SERVER_TIMING, timing)];
        let body = axum::body::Body::from_stream(render::stream_chunks(compiled, format, rows));
        return Ok((headers, body).into_response());
    }
    let body = match format {
        ResultFormat::Sql => render::sql_text(&compiled).into_bytes(),
        ResultFormat::Json => render::json_text(&compiled, batches).map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot write the rows as JSON: {e}"))
        })?,
        ResultFormat::JsonBi => render::json_bi(&compiled, &request.filters, batches).to_string().into_bytes(),
        ResultFormat::Csv => render::csv(&compiled, batches).into_bytes(),
    };
    let cache = match &result {
        Some(r) if r.cache_hit => ", cache;desc=hit",
        Some(_) => ", cache;desc=miss",
        None => "",
    };
    let timing = format!(
        "compile;dur={:.3}, warehouse;dur={:.3}, render;dur={:.3}{cache}",
        ms(started, compiled_at),
        ms(compiled_at, queried_at),
        ms(queried_at, Instant::now())
    );
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (SERVER_TIMING, timing)], body).into_response())
}

/// Results longer than this are rendered a batch at a time (the most rows
/// a query with an explicit limit returns: only `limit=-1` goes past it).
const STREAM_ABOVE_ROWS: usize = Limit::MAX_ROWS as usize;

const SERVER_TIMING: header::HeaderName = header::HeaderName::from_static("server-timing");

/// Looker's `Query` shape: a saved query has an `id`; a look's or a tile's
/// query has none, and a tile's has its visualization type.
pub(super) fn query_json(id: Option<&str>, request: &QueryRequest, vis: Option<&str>) -> Value {
    json!({
        "id": id,
        "slug": id,
        "model": request.model,
        "view": request.view,
        "fields": request.fields,
        "filters": request.filters,
        "sorts": request.sorts,
        "limit": request.limit,
        "query_timezone": request.query_timezone,
        "vis_config": vis.map(|t| json!({ "type": t })),
        "pivots": if request.pivots.is_empty() { Value::Null } else { json!(request.pivots) },
        "fill_fields": [],
        "dynamic_fields": request.dynamic_fields,
        "filter_expression": Value::Null,
        "total": false,
        "row_total": Value::Null,
        "column_limit": request.column_limit,
        "has_table_calculations": request.dynamic_fields.as_deref().is_some_and(|d| d.contains("table_calculation")),
        "can": { "run": true, "see_results": true, "explore": true, "create": true, "show": true },
    })
}
