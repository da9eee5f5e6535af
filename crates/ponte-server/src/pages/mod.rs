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

mod dashboard;
mod explore;
mod html;
mod look;
mod results;
mod viewer;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiError;
use crate::semantic::SemanticLayer;
use html::{Frame, Page, error_page};
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
    #[cfg(test)]
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

pub(crate) fn routes() -> Router<AppState> {
    let mut router = Router::new().route(html::SCRIPT_PATH, get(script)).route(
        "/embed/{*rest}",
        get(|State(app): State<AppState>, uri: Uri| async move {
            embed_error_page(&app, &ApiError::not_found(format!("there is no embed page at {}", uri.path())))
        }),
    );
    for (prefix, embedded) in [("/embed", true), ("", false)] {
        router = router
            .route(&format!("{prefix}/dashboards/{{id}}"), get(move |s, h, u, p| dashboard_page(s, h, u, p, embedded)))
            .route(
                &format!("{prefix}/dashboards/{{id}}/tiles/{{tile}}/download/csv"),
                get(move |s, h, u, p| dashboard_download(s, h, u, p, embedded)),
            )
            .route(&format!("{prefix}/looks/{{id}}"), get(move |s, h, u, p| look_page(s, h, u, p, embedded)))
            .route(
                &format!("{prefix}/looks/{{id}}/download/csv"),
                get(move |s, h, u, p| look_download(s, h, u, p, embedded)),
            )
            .route(
                &format!("{prefix}/explore/{{model}}/{{explore}}"),
                get(move |s, h, u, p| explore_page(s, h, u, p, embedded)),
            )
            .route(
                &format!("{prefix}/explore/{{model}}/{{explore}}/download/csv"),
                get(move |s, h, u, p| explore_download(s, h, u, p, embedded)),
            );
    }
    router
}

/// The request's viewer, parameters and frame; on failure, the error page.
struct Request {
    viewer: Viewer,
    params: Params,
    frame: Frame,
}

impl Request {
    fn of(app: &AppState, headers: &HeaderMap, uri: &Uri, embedded: bool) -> Result<Self, Box<Response>> {
        let params = Params::parse(uri.query());
        let embed_domain = params.as_ref().ok().and_then(|p| p.get("embed_domain")).map(str::to_owned);
        let frame = Frame::new(app, embedded, embed_domain.as_deref());
        let viewer = Viewer::of(app, headers, embedded);
        match (viewer, params) {
            (Ok(viewer), Ok(params)) => Ok(Self { viewer, params, frame }),
            (Err(e), _) | (_, Err(e)) => Err(Box::new(error_page(&e, &frame))),
        }
    }

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

async fn dashboard_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.answer(dashboard::page(&app, &request.viewer, &id, &request.params, &request.frame).await)
}

async fn dashboard_download(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, tile)): Path<(String, String)>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.download(dashboard::download(&app, &request.viewer, &id, &tile, &request.params).await)
}

async fn look_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.answer(look::page(&app, &request.viewer, &id, &request.frame).await)
}

async fn look_download(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.download(look::download(&app, &request.viewer, &id).await)
}

async fn explore_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((model, explore)): Path<(String, String)>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.answer(explore::page(&app, &request.viewer, &model, &explore, &request.params, &request.frame).await)
}

async fn explore_download(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((model, explore)): Path<(String, String)>,
    embedded: bool,
) -> Response {
    let request = match Request::of(&app, &headers, &uri, embedded) {
        Ok(r) => r,
        Err(refused) => return *refused,
    };
    request.download(explore::download(&app, &request.viewer, &model, &explore, &request.params).await)
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
