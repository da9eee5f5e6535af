//! The HTTP face of ponte: the Looker API 4.0 subset
//! ([`looker`]: login, queries, looks, dashboards, model listings) over the
//! semantic layer, the Pub/Sub push endpoint (so ponte can run on Cloud Run
//! behind Cloud Scheduler → Pub/Sub push), the admin API (run history,
//! "force run"), health checks, signed-embed login ([`embed`]) and the
//! pages people look at: dashboards, looks and explores, embedded or not.
//!
//! Every error is a JSON body `{message, documentation_url}` with a 4xx
//! status for a bad request; secrets are compared in constant time and
//! never echoed.
//!
//! ```no_run
//! # async fn example(app: ponte_server::AppState) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! ponte_server::serve(listener, app, std::future::pending()).await
//! # }
//! ```

mod admin;
pub mod auth;
mod client_address;
mod docs;
pub mod embed;
pub mod error;
mod json_body;
mod listen;
pub mod looker;
pub mod metrics;
pub mod oidc;
mod pages;
mod pubsub;
mod setup_error;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use ponte_config::Config;
use ponte_scheduler::Runner;
use ponte_state::StateDb;

pub use auth::Token;
pub use error::ApiError;
pub use setup_error::SetupError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The validated config.
    pub config: Arc<Config>,
    /// Run history and the queue.
    pub state: Arc<StateDb>,
    /// Runs functions and transfers.
    pub runner: Arc<dyn Runner>,
    /// Pub/Sub push's shared token, when configured.
    pub push_token: Option<Token>,
    /// Pub/Sub push's OIDC check, when configured. Push is off with
    /// neither; with both, both must pass.
    pub push_oidc: Option<Arc<oidc::OidcVerifier>>,
    /// The admin API's bearer token; the admin API is off without it.
    pub admin_token: Option<Token>,
    /// The Looker API; off without a semantic layer.
    pub looker: Option<Arc<looker::LookerApi>>,
    /// Signed embedding; off without embed secrets.
    pub embedding: Option<Arc<embed::Embedding>>,
    /// What `/metrics` reports.
    pub metrics: Arc<metrics::Metrics>,
    /// HTTPS, when the config names a certificate and key.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl AppState {
    /// Shares `config`, `state` and `runner`, reading the tokens from the
    /// environment variables the config names. A named variable that is
    /// unset is an error: the server does not start open.
    pub fn new(config: Arc<Config>, state: Arc<StateDb>, runner: Arc<dyn Runner>) -> Result<Self, SetupError> {
        let read =
            |env: &Option<String>, what: &'static str| env.as_deref().map(|e| Token::from_env(e, what)).transpose();
        let push_token = read(&config.server.push_token_env, "server.push_token_env")?;
        let admin_token = read(&config.server.admin_token_env, "server.admin_token_env")?;
        let push_oidc = config.server.push_oidc.clone().map(|o| Arc::new(oidc::OidcVerifier::new(o)));
        let tls = config.server.tls.as_ref().map(tls::acceptor).transpose()?;
        Ok(Self {
            config,
            state,
            runner,
            push_token,
            push_oidc,
            admin_token,
            looker: None,
            embedding: None,
            metrics: Arc::default(),
            tls,
        })
    }

    /// Turns the Looker API on over `semantic` for the API clients of
    /// `sessions` (usually [`looker::session::Sessions::from_config`]).
    pub fn with_looker(
        mut self,
        semantic: Arc<ponte_query::SemanticLayer>,
        sessions: looker::session::Sessions,
    ) -> Self {
        let api = looker::LookerApi::new(semantic, sessions, self.state.clone(), self.metrics.clone());
        self.looker = Some(Arc::new(api));
        self
    }

    /// Turns signed embedding on.
    pub fn with_embedding(mut self, embedding: embed::Embedding) -> Self {
        self.embedding = Some(Arc::new(embedding));
        self
    }
}

/// Every route.
pub fn router(app: AppState) -> Router {
    let metrics = app.metrics.clone();
    let body_limit = usize::try_from(app.config.server.max_body_bytes).unwrap_or(usize::MAX);
    // Queries and pages answer within server.request_timeout; Pub/Sub push
    // and admin triggers run jobs and answer when those end.
    let timed = Router::new()
        .merge(looker::routes())
        .merge(embed::routes())
        .merge(pages::routes())
        .layer(axum::middleware::from_fn(looker::fields::trim_fields))
        .layer(axum::middleware::from_fn_with_state(app.config.server.request_timeout, request_timeout));
    Router::new()
        .route("/pubsub/push", post(pubsub::push).layer(DefaultBodyLimit::max(pubsub::PUSH_BODY_LIMIT)))
        .route("/api/runs", get(admin::runs))
        .route("/api/admin/trigger/{name}", post(admin::trigger))
        .merge(timed)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::scrape))
        .route("/docs", get(docs::page))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(contain_panics))
        .layer(axum::middleware::from_fn_with_state(app.clone(), docs::document_errors))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::count_responses))
        .with_state(app)
}

/// A panic in one request's handler becomes that request's 500 (with the
/// panic in the log), instead of a connection dropped without an answer.
/// Other requests never notice either way: each connection is a task of
/// its own, and shared locks recover from poisoning.
async fn contain_panics(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    use futures::FutureExt as _;
    let path = request.uri().path().to_owned();
    match std::panic::AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            tracing::error!(path = %path.escape_debug(), "a request failed with a panic: {what}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the server failed on this request; its log has details")
                .into_response()
        }
    }
}

/// Answers 503 when a request takes longer than `limit`; the work in
/// flight is dropped (a warehouse query with it).
async fn request_timeout(
    State(limit): State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(format!(
            "the request took longer than {} s (server.request_timeout); try a smaller query",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Ready when the state database answers.
async fn ready(State(app): State<AppState>) -> Result<&'static str, ApiError> {
    app.state.runs(1).map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "state database unavailable"))?;
    Ok("ready")
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = app.config.server.header_timeout;
    let tls = app.tls.clone();
    listen::serve(listener, router(app), header_timeout, tls, shutdown).await
}
