//! The pages people look at: dashboards, looks and the explore page, drawn
//! on the server as HTML with SVG charts (`ponte-charts`), usable without
//! JavaScript.
//!
//! Below `/embed/` they are for embed sessions (a signed URL's cookie) and
//! may be framed by the configured portal origins; without the prefix they
//! are for API clients (`Authorization: token …`) and may not be framed.
//! Every query on them goes through the semantic compiler with the
//! viewer's user attributes, as the API's do: the access filters apply on
//! every page, tile and download.

mod crossfilter;
mod dashboard;
mod drill;
mod explore;
mod filter_bar;
mod html;
mod look;
mod results;
mod tile;
mod viewer;

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiError;
use html::{Frame, Page, error_page};
use ponte_query::SemanticLayer;
use viewer::Viewer;

/// A page URL's query string as ordered pairs (repeated keys kept).
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parses a query string; malformed encoding is a 400.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        serde_urlencoded::from_str(query.unwrap_or_default())
            .map(Self)
            .map_err(|e| ApiError::bad_request(format!("the query string is not valid: {e}")))
    }

    /// Pairs given directly.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// Every key and value, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// The semantic layer, or a 404 saying how to turn it on.
fn semantic(app: &AppState) -> Result<&SemanticLayer, ApiError> {
    app.looker
        .as_ref()
        .map(|api| api.semantic.as_ref())
        .ok_or_else(|| ApiError::not_found("there are no dashboards: list model files in [semantic] models"))
}

/// A refusal or failure on the embed side as an HTML page (framed by the
/// portal, so it shows inside the iframe rather than as raw JSON).
pub(crate) fn embed_error_page(app: &AppState, error: &ApiError) -> Response {
    error_page(error, &Frame::new(app, true, None))
}

/// A notice on the embed side as an HTML page (the embed logout's).
pub(crate) fn embed_message_page(app: &AppState, status: StatusCode, heading: &str, message: &str) -> Response {
    html::message_page(status, heading, message, &Frame::new(app, true, None))
}

pub(crate) fn routes() -> Router<AppState> {
    let router = Router::new().route(html::SCRIPT_PATH, get(script)).route(
        "/embed/{*rest}",
        get(|State(app): State<AppState>, uri: Uri| async move {
            embed_error_page(&app, &ApiError::not_found(format!("there is no embed page at {}", uri.path())))
        }),
    );
    page_routes::<false>(page_routes::<true>(router))
}

/// The pages below `/embed` (`EMBEDDED`) or at the root.
fn page_routes<const EMBEDDED: bool>(router: Router<AppState>) -> Router<AppState> {
    let prefix = if EMBEDDED { "/embed" } else { "" };
    router
        .route(&format!("{prefix}/dashboards/{{id}}"), get(dashboard_page::<EMBEDDED>))
        .route(&format!("{prefix}/dashboards/{{id}}/tiles/{{tile}}/download/csv"), get(dashboard_download::<EMBEDDED>))
        .route(&format!("{prefix}/dashboards/{{id}}/tiles/{{tile}}/drill"), get(drill_page::<EMBEDDED>))
        .route(&format!("{prefix}/dashboards/{{id}}/filters/{{filter}}/suggestions"), get(filter_suggest::<EMBEDDED>))
        .route(
            &format!("{prefix}/dashboards/{{id}}/tiles/{{tile}}/drill/download/csv"),
            get(drill_download::<EMBEDDED>),
        )
        .route(&format!("{prefix}/looks/{{id}}"), get(look_page::<EMBEDDED>))
        .route(&format!("{prefix}/looks/{{id}}/download/csv"), get(look_download::<EMBEDDED>))
        .route(&format!("{prefix}/explore/{{model}}/{{explore}}"), get(explore_page::<EMBEDDED>))
        .route(&format!("{prefix}/explore/{{model}}/{{explore}}/download/csv"), get(explore_download::<EMBEDDED>))
}

/// A page request: its viewer (an embed session's cookie when `EMBEDDED`,
/// an API token otherwise), its query string and its frame. Without a
/// viewer, or with a malformed query string, the request is answered by
/// the error page before any handler runs.
struct PageRequest<const EMBEDDED: bool> {
    viewer: Viewer,
    params: Params,
    frame: Frame,
}

impl<const EMBEDDED: bool> FromRequestParts<AppState> for PageRequest<EMBEDDED> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let params = Params::parse(parts.uri.query());
        let embed_domain = params.as_ref().ok().and_then(|p| p.get("embed_domain")).map(str::to_owned);
        let mut frame = Frame::new(app, EMBEDDED, embed_domain.as_deref());
        // Only a name the grammar of theme names allows is carried on.
        frame.theme = params
            .as_ref()
            .ok()
            .and_then(|p| p.get("theme"))
            .filter(|t| {
                !t.is_empty() && t.len() <= 64 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
            .map(str::to_owned);
        if EMBEDDED {
            let token = params.as_ref().ok().and_then(|p| p.get(crate::embed::NAVIGATION_TOKEN));
            frame.navigation_token = token.map(str::to_owned);
        }
        match (Viewer::of(app, &parts.headers, parts.uri.query(), EMBEDDED), params) {
            (Ok(viewer), Ok(params)) => Ok(Self { viewer, params, frame }),
            (Err(e), _) | (_, Err(e)) => Err(error_page(&e, &frame)),
        }
    }
}

impl<const EMBEDDED: bool> PageRequest<EMBEDDED> {
    /// A page, or the error page for its failure.
    fn answer(&self, page: Result<Page, ApiError>) -> Response {
        match page {
            Ok(page) => page.into_response(&self.frame),
            Err(e) => error_page(&e, &self.frame),
        }
    }

    /// A download, or the error page for its failure.
    fn download(&self, file: Result<Response, ApiError>) -> Response {
        file.unwrap_or_else(|e| error_page(&e, &self.frame))
    }
}

async fn dashboard_page<const E: bool>(
    State(app): State<AppState>,
    Path(id): Path<String>,
    r: PageRequest<E>,
) -> Response {
    r.answer(dashboard::page(&app, &r.viewer, &id, &r.params, &r.frame).await)
}

async fn dashboard_download<const E: bool>(
    State(app): State<AppState>,
    Path((id, tile)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.download(dashboard::download(&app, &r.viewer, &id, &tile, &r.params).await)
}

async fn filter_suggest<const E: bool>(
    State(app): State<AppState>,
    Path((id, filter)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.download(filter_bar::suggest(&app, &r.viewer, &id, &filter, &r.params).await)
}

async fn drill_page<const E: bool>(
    State(app): State<AppState>,
    Path((id, tile)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.answer(drill::page(&app, &r.viewer, &id, &tile, &r.params, &r.frame).await)
}

async fn drill_download<const E: bool>(
    State(app): State<AppState>,
    Path((id, tile)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.download(drill::download(&app, &r.viewer, &id, &tile, &r.params).await)
}

async fn look_page<const E: bool>(State(app): State<AppState>, Path(id): Path<String>, r: PageRequest<E>) -> Response {
    r.answer(look::page(&app, &r.viewer, &id, &r.params, &r.frame).await)
}

async fn look_download<const E: bool>(
    State(app): State<AppState>,
    Path(id): Path<String>,
    r: PageRequest<E>,
) -> Response {
    r.download(look::download(&app, &r.viewer, &id).await)
}

async fn explore_page<const E: bool>(
    State(app): State<AppState>,
    Path((model, explore)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.answer(explore::page(&app, &r.viewer, &model, &explore, &r.params, &r.frame).await)
}

async fn explore_download<const E: bool>(
    State(app): State<AppState>,
    Path((model, explore)): Path<(String, String)>,
    r: PageRequest<E>,
) -> Response {
    r.download(explore::download(&app, &r.viewer, &model, &explore, &r.params).await)
}

/// `GET /assets/ponte.js`
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html::SCRIPT,
    )
}
