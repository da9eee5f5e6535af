//! The Looker API 4.0 subset that ponte serves, shaped as in Looker's
//! OpenAPI document, so that Looker's own SDKs work unchanged: login and
//! logout, running queries (inline, saved, looks) in `json`, `json_bi`,
//! `csv` and `sql`, saving queries, reading dashboards, and listing the
//! models and explores a caller may query.
//!
//! Every query goes through [`ponte_semantic::compile`] with the caller's
//! user attributes, so access filters apply on every path here.

mod catalog;
mod content;
pub(crate) mod fields;
mod queries;
pub mod session;
mod suggestions;
mod tasks;
mod throttle;
mod user;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use ponte_semantic::model::{Dashboard, Look, Model};
use ponte_state::StateDb;

use crate::AppState;
use crate::client_address::ClientAddress;
use crate::error::ApiError;
use ponte_query::SemanticLayer;
use session::{ApiSession, Sessions};
use throttle::{LoginThrottle, ThrottleKey};

/// What the Looker API needs: the semantic layer, the API clients, and
/// the state database, which remembers logouts and saved queries.
#[derive(Debug)]
pub struct LookerApi {
    /// Models and the warehouse.
    pub semantic: Arc<SemanticLayer>,
    /// API clients and their tokens.
    pub sessions: Sessions,
    /// Where query latency is recorded.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Logged-out tokens and saved queries.
    pub(crate) state: Arc<StateDb>,
    /// Failed logins per address and client id.
    throttle: LoginThrottle,
    /// Query tasks and their results.
    tasks: tasks::Shared,
}

impl LookerApi {
    /// The API over `semantic` for the clients of `sessions`, remembering
    /// logouts and saved queries in `state`.
    pub fn new(
        semantic: Arc<SemanticLayer>,
        sessions: Sessions,
        state: Arc<StateDb>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        Self { semantic, sessions, metrics, state, throttle: LoginThrottle::default(), tasks: Arc::default() }
    }

    /// The session of a request's `Authorization` header: a token of one of
    /// our clients, not expired, and not logged out (in any process
    /// sharing the state folder, before or after a restart). When the
    /// state database cannot say, the token is refused (503), not let in.
    pub fn authenticate(&self, headers: &axum::http::HeaderMap, now: i64) -> Result<ApiSession, ApiError> {
        let session = self.sessions.authenticate(headers, now)?;
        if self.state.is_token_revoked(&session.token_mac, now)? {
            return Err(ApiError::unauthorized("the access token is not valid or has expired; log in again"));
        }
        Ok(session)
    }

    /// Ends `session`'s token everywhere the state folder is shared.
    pub fn logout(&self, session: &ApiSession, now: i64) -> Result<(), ApiError> {
        Ok(self.state.revoke_token(&session.token_mac, now, session.expires)?)
    }
}

/// The API's routes, below `/api/4.0` (plus `/api/logout`, where the
/// official SDKs send logout).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/4.0/login", post(login))
        .route("/api/4.0/logout", delete(logout))
        .route("/api/logout", delete(logout))
        .route("/api/4.0/queries/run/{format}", post(queries::run_inline))
        .route("/api/4.0/queries", post(queries::create))
        .route("/api/4.0/queries/{id}", get(queries::get))
        .route("/api/4.0/queries/{id}/run/{format}", get(queries::run_saved))
        .route("/api/4.0/queries/models/{model}/views/{view}/run/{format}", get(queries::run_url_encoded))
        .route("/api/4.0/query_tasks", post(tasks::create))
        .route("/api/4.0/query_tasks/multi_results", get(tasks::multi_results))
        .route("/api/4.0/query_tasks/{id}", get(tasks::get))
        .route("/api/4.0/query_tasks/{id}/results", get(tasks::results))
        .route("/api/4.0/user", get(user::me))
        .route("/api/4.0/looks", get(content::looks))
        .route("/api/4.0/looks/search", get(content::search_looks))
        .route("/api/4.0/looks/{id}", get(content::look))
        .route("/api/4.0/looks/{id}/run/{format}", get(queries::run_look))
        .route("/api/4.0/dashboards", get(content::dashboards))
        .route("/api/4.0/dashboards/search", get(content::search_dashboards))
        .route("/api/4.0/dashboards/{id}", get(content::dashboard))
        .route("/api/4.0/lookml_models", get(catalog::models))
        .route("/api/4.0/lookml_models/{model}", get(catalog::model))
        .route("/api/4.0/lookml_models/{model}/explores/{explore}", get(catalog::explore))
        .route("/api/4.0/models/{model}/views/{explore}/fields/{field}/suggestions", get(suggestions::suggestions))
}

/// The rows a list asks for: `limit` (default every one) and `offset`
/// (default 0), each a whole number; anything else is a 400 naming it.
pub(crate) fn paging(limit: Option<&str>, offset: Option<&str>) -> Result<(usize, usize), ApiError> {
    let number = |name: &str, text: Option<&str>, default: usize| match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "`{name}` must be a whole number from 0 up, not `{}`",
                crate::error::quoted(t)
            ))
        }),
    };
    Ok((number("limit", limit, usize::MAX)?, number("offset", offset, 0)?))
}

/// The API, or a 404 saying how to turn it on.
fn api(app: &AppState) -> Result<&Arc<LookerApi>, ApiError> {
    app.looker
        .as_ref()
        .ok_or_else(|| ApiError::not_found("the Looker API is off: list model files in [semantic] models"))
}

/// Seconds since the epoch.
fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An authenticated caller of the API, from its `Authorization` header.
pub(crate) struct Authenticated {
    pub(crate) api: Arc<LookerApi>,
    pub(crate) session: ApiSession,
}

impl<S> FromRequestParts<S> for Authenticated
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let api = api(&app)?.clone();
        let session = api.authenticate(&parts.headers, now_secs())?;
        Ok(Self { api, session })
    }
}

/// Login's credentials, from a form body.
#[derive(Debug, Default, serde::Deserialize)]
struct Credentials {
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /api/4.0/login`
///
/// Credentials come in the form body only: a secret in the query string
/// ends up in proxies' and servers' access logs, so it is refused (Looker
/// accepts it; its SDKs send the body). Failed logins are counted per
/// client address and per client id; past a handful, logins from either
/// wait (429 with `Retry-After`), so secrets cannot be guessed at speed.
async fn login(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Result<axum::Json<session::AccessToken>, ApiError> {
    let api = api(&app)?;
    let from_query: Credentials = serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    if from_query.client_secret.is_some() {
        return Err(ApiError::bad_request(
            "client_secret was sent in the URL, where logs keep it; send client_id and client_secret form-encoded \
             in the request body, and rotate that secret",
        ));
    }
    let from_body: Credentials = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::bad_request("the login body must be form-encoded client_id and client_secret"))?;
    let id = from_body.client_id.or(from_query.client_id);
    let (Some(id), Some(secret)) = (id, from_body.client_secret) else {
        return Err(ApiError::bad_request("login needs client_id and client_secret (form-encoded)"));
    };
    let mut keys = vec![ThrottleKey::Client(id.chars().take(256).collect())];
    keys.extend(address.map(ThrottleKey::address));
    let started = std::time::Instant::now();
    if let Err(wait) = api.throttle.check(&keys, started) {
        return Err(ApiError::too_many_requests(
            "too many failed logins from this address or for this client_id; wait and try again",
            wait,
        ));
    }
    match api.sessions.login(&id, &secret, now_secs()) {
        Ok(token) => Ok(axum::Json(token)),
        Err(e) => {
            api.throttle.failed(&keys, started);
            Err(e)
        }
    }
}

/// `DELETE /api/4.0/logout`
async fn logout(auth: Authenticated) -> Result<StatusCode, ApiError> {
    auth.api.logout(&auth.session, now_secs())?;
    Ok(StatusCode::NO_CONTENT)
}

/// The look with `id` in any model; `model::id` picks the model.
pub(crate) fn find_look<'m>(semantic: &'m SemanticLayer, id: &str) -> Result<(&'m Model, &'m Look), ApiError> {
    let (model, id) = split_scoped(id);
    let not_found = || ApiError::not_found(format!("no look with id `{id}`"));
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let found: Vec<(&Model, &Look)> = semantic
        .models()
        .iter()
        .filter(|m| model.is_none_or(|name| m.name == name))
        .filter_map(|m| m.look(id).map(|l| (m, l)))
        .collect();
    unique(found, not_found, |m| format!("look {id} is in several models ({m}); ask for `model::{id}`"))
}

/// The dashboard with `id` in any model; `model::id` picks the model.
pub(crate) fn find_dashboard<'m>(
    semantic: &'m SemanticLayer,
    id: &str,
) -> Result<(&'m Model, &'m Dashboard), ApiError> {
    let (model, id) = split_scoped(id);
    let found: Vec<(&Model, &Dashboard)> = semantic
        .models()
        .iter()
        .filter(|m| model.is_none_or(|name| m.name == name))
        .filter_map(|m| m.dashboard(id).map(|d| (m, d)))
        .collect();
    unique(
        found,
        || ApiError::not_found(format!("no dashboard with id `{id}`")),
        |m| format!("dashboard `{id}` is in several models ({m}); ask for `model::{id}`"),
    )
}

/// `model::id` → (`Some(model)`, `id`); `id` → (`None`, `id`), as Looker
/// names LookML dashboards.
fn split_scoped(id: &str) -> (Option<&str>, &str) {
    match id.split_once("::") {
        Some((model, id)) => (Some(model), id),
        None => (None, id),
    }
}

fn unique<'m, T>(
    found: Vec<(&'m Model, &'m T)>,
    none: impl FnOnce() -> ApiError,
    several: impl FnOnce(String) -> String,
) -> Result<(&'m Model, &'m T), ApiError> {
    match found.as_slice() {
        [] => Err(none()),
        [one] => Ok(*one),
        many => {
            let names: Vec<&str> = many.iter().map(|(m, _)| m.name.as_str()).collect();
            Err(ApiError::bad_request(several(names.join(", "))))
        }
    }
}
