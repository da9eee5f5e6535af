//! Signed embedding: the portal's one-time login URL (`/login/embed/…`,
//! Looker's scheme, verified by [`ponte_embed`]) becomes an embed session
//! in a cookie, and API clients can sign such URLs
//! (`POST /api/4.0/embed/sso_url`). Spent URLs and nonces, the URLs ponte
//! signed, and the sessions live in the state database, so a restart
//! changes nothing for security.

pub mod cookieless;
pub mod sessions;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ponte_embed::{EmbedError, EmbedParams, ReplayStore, Secret, Verifier};
use ponte_state::{EmbedUrlUse, StateDb};
use serde_json::{Value, json};

use crate::AppState;
use crate::SetupError;
use crate::error::ApiError;
use crate::looker::Authenticated;
use sessions::{EmbedSession, EmbedSessions, PORTAL_SIGNER, api_signer};

/// The cookie naming an embed session.
pub const SESSION_COOKIE: &str = "ponte_embed";
/// The same, `Partitioned` (CHIPS), for browsers that block third-party
/// cookies in iframes unless they are partitioned.
pub const PARTITIONED_COOKIE: &str = "ponte_embed_p";

/// What signed embedding needs: the secrets (to verify and to sign), this
/// server's public URL, and the sessions.
pub struct Embedding {
    verifier: Verifier,
    /// The first configured secret: new URLs are signed with it; every
    /// configured secret verifies (rotation).
    signing: Secret,
    base_url: String,
    /// Live embed sessions.
    pub sessions: EmbedSessions,
    /// Who had ponte sign which URL.
    state: Arc<StateDb>,
}

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedding({})", self.base_url)
    }
}

impl Embedding {
    /// Signed embedding for `base_url` (the server's public URL) with
    /// `secrets` (first = the one new URLs are signed with) over `models`,
    /// remembering spent URLs and sessions in `state`.
    pub fn new(
        base_url: &str,
        secrets: Vec<Secret>,
        models: Vec<String>,
        state: Arc<StateDb>,
    ) -> Result<Self, SetupError> {
        let signing = secrets.first().cloned().ok_or(SetupError::NoEmbedSecret)?;
        let verifier =
            Verifier::new(base_url, secrets, models)?.with_replay_store(Arc::new(StateReplayStore(state.clone())));
        Ok(Self {
            verifier,
            signing,
            base_url: base_url.trim_end_matches('/').to_owned(),
            sessions: EmbedSessions::new(state.clone()),
            state,
        })
    }

    /// Reads the config's embed secrets from their environment variables;
    /// a configured variable that is unset is an error (the server does not
    /// start with a secret it cannot check against).
    pub fn secrets_from_env(config: &ponte_config::Server) -> Result<Vec<Secret>, SetupError> {
        config
            .embed_secrets
            .iter()
            .map(|s| {
                crate::auth::secret_from_env(&s.env, "an embed secret (server.embed_secrets)")
                    .map(|v| Secret::new(v, algorithm(s.algorithm)))
            })
            .collect()
    }

    /// Signs a login URL for this server.
    pub fn sign(&self, params: &EmbedParams) -> String {
        ponte_embed::sign_url(&self.base_url, params, &self.signing)
    }
}

/// Spent embed URLs and nonces in the state database: every process
/// sharing the state folder refuses a URL any of them let in, before and
/// after a restart.
#[derive(Debug)]
struct StateReplayStore(Arc<StateDb>);

impl ReplayStore for StateReplayStore {
    fn spend(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        let url_until = now.saturating_add(ponte_embed::URL_MEMORY);
        let nonce_until = now.saturating_add(ponte_embed::NONCE_MEMORY);
        replay_answer(self.0.spend_embed_url(nonce, &url_digest, now, url_until, nonce_until))
    }

    fn check_unspent(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        replay_answer(self.0.embed_url_use(nonce, &url_digest, now))
    }
}

/// The state database's answer as the verifier's; failing closed.
fn replay_answer(answer: Result<EmbedUrlUse, ponte_state::StateError>) -> Result<(), EmbedError> {
    match answer {
        Ok(EmbedUrlUse::Fresh) => Ok(()),
        Ok(EmbedUrlUse::UrlReused) => Err(EmbedError::UrlReused),
        Ok(EmbedUrlUse::NonceReused) => Err(EmbedError::NonceReused),
        Err(e) => {
            tracing::error!("state database: {e}");
            Err(EmbedError::ReplayUnavailable { reason: "the state database is unavailable".into() })
        }
    }
}

/// ponte-config's algorithm as ponte-embed's.
pub fn algorithm(a: ponte_config::EmbedAlgorithm) -> ponte_embed::Algorithm {
    match a {
        ponte_config::EmbedAlgorithm::Sha1 => ponte_embed::Algorithm::Sha1,
        ponte_config::EmbedAlgorithm::Sha256 => ponte_embed::Algorithm::Sha256,
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/embed/{target}", get(login))
        .route("/embed/logout", get(logout).post(logout))
        .route("/api/4.0/embed/sso_url", post(sso_url))
        .route("/api/4.0/embed/sso/validate", get(validate))
        .route("/api/4.0/embed/cookieless_session/acquire", post(cookieless::acquire))
        .route("/api/4.0/embed/cookieless_session/generate_tokens", axum::routing::put(cookieless::generate_tokens))
        .route("/api/4.0/embed/cookieless_session/{session_reference_token}", axum::routing::delete(cookieless::delete))
}

/// The `url` parameter of `validate_embed_url`. Encoded as it should be,
/// it is decoded; but Looker's Node SDK passes a value that already holds
/// percent escapes through unencoded, so its `?` and `&` arrive bare and
/// the rest of the query string is the signed URL's own: taken whole.
fn url_parameter(query: Option<&str>) -> Option<String> {
    let query = query?;
    let start = if query.starts_with("url=") { 0 } else { query.find("&url=")? + 1 };
    let rest = &query[start + "url=".len()..];
    if rest.contains('?') {
        return Some(rest.to_owned()).filter(|u| !u.is_empty());
    }
    let encoded = rest.split('&').next().unwrap_or_default();
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("url={encoded}"))
        .ok()?
        .pop()
        .map(|(_, url)| url)
        .filter(|u| !u.is_empty())
}

/// `GET /api/4.0/embed/sso/validate?url=…` (Looker's `validate_embed_url`):
/// checks a signed login URL for this server as a login would, without
/// using it up. 200 with the URL when it would log in; otherwise the
/// login's refusal (401 for a bad signature, an expired or used URL; 400
/// for a malformed one; 403 for an unknown model), naming the rule.
async fn validate(State(app): State<AppState>, _auth: Authenticated, uri: Uri) -> Result<Json<Value>, ApiError> {
    let embedding = app
        .embedding
        .as_ref()
        .ok_or_else(|| ApiError::not_found("signed embedding is off: set server.embed_secrets"))?;
    let url = url_parameter(uri.query()).ok_or_else(|| ApiError::bad_request("`url` is required"))?;
    let path_and_query = match url.find("/login/embed/") {
        Some(i) => &url[i..],
        None => return Err(ApiError::bad_request("`url` is not a signed embed URL (no /login/embed/ in it)")),
    };
    let origin = url[..url.find("/login/embed/").unwrap_or(0)].trim_end_matches('/');
    if !origin.is_empty() && origin != embedding.base_url {
        return Err(ApiError::bad_request(format!(
            "`url` is signed for `{}`, not this server (`{}`)",
            crate::error::quoted(origin),
            embedding.base_url
        )));
    }
    match embedding.verifier.validate(path_and_query, now_secs()) {
        Ok(_) => Ok(Json(json!({ "url": url }))),
        Err(e) => Err(ApiError::new(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            format!("{e} ({})", e.code()),
        )),
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `GET /login/embed/{url-encoded target}`: verifies the signed URL, starts
/// the session and redirects to the target. A refusal is a small page with
/// the rule that failed, and a log line naming it (never a secret).
async fn login(State(app): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let Some(embedding) = app.embedding.as_ref() else {
        return refusal(&app, StatusCode::NOT_FOUND, "Signed embedding is off: set server.embed_secrets.");
    };
    if let Some(token) = query_value(uri.query(), "embed_authentication_token") {
        return cookieless_login(&app, &uri, &token, &headers);
    }
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let now = now_secs();
    let login = match embedding.verifier.verify(path_and_query, now) {
        Ok(login) => login,
        Err(e) => {
            tracing::warn!(rule = e.code(), "embed login refused: {e}");
            app.metrics.embed_login(Some(e.code()));
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            return refusal(&app, status, &format!("This embed link cannot be used: {e}."));
        }
    };
    app.metrics.embed_login(None);
    let started = embedding.state.signer_of_nonce(&login.nonce, now).and_then(|signer| {
        let signer = signer.as_deref().unwrap_or(PORTAL_SIGNER);
        embedding.sessions.start(&login, signer, now)
    });
    let id = match started {
        Ok(id) => id,
        Err(e) => {
            tracing::error!("state database: {e}");
            return refusal(&app, StatusCode::SERVICE_UNAVAILABLE, "The session could not be started; try again.");
        }
    };
    tracing::info!(user = %login.external_user_id, target = %login.target, "embed session started");
    let max_age = login.session_length;
    let cookie = |name: &str, extra: &str| {
        HeaderValue::from_str(&format!(
            "{name}={id}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=None{extra}"
        ))
        .expect("an id of hex digits makes a valid header")
    };
    let mut headers = HeaderMap::new();
    headers.append(header::SET_COOKIE, cookie(SESSION_COOKIE, ""));
    headers.append(header::SET_COOKIE, cookie(PARTITIONED_COOKIE, "; Partitioned"));
    headers.insert(header::LOCATION, HeaderValue::from_str(&login.target).expect("the verifier checked the target"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// A cookieless login (`/login/embed/<target>?embed_authentication_token=…`,
/// the frame the Embed SDK opens): the token starts the frame once, from
/// the browser the session was acquired for, and the browser goes on to
/// the target, whose `embed_navigation_token` opens it. No cookie is set.
fn cookieless_login(app: &AppState, uri: &Uri, token: &str, headers: &HeaderMap) -> Response {
    let encoded = uri.path().strip_prefix("/login/embed/").unwrap_or_default();
    let target = percent_encoding::percent_decode_str(encoded).decode_utf8().map(|t| t.into_owned());
    let target = match target {
        Ok(t) if ponte_embed::check_target(&t).is_ok() => t,
        _ => {
            app.metrics.embed_login(Some("bad_target"));
            return refusal(
                app,
                StatusCode::BAD_REQUEST,
                "This embed link cannot be used: its target is not an embed page.",
            );
        }
    };
    match cookieless::login(app, token, headers) {
        Ok(Some(session)) => {
            app.metrics.embed_login(None);
            tracing::info!(user = %session.external_user_id, target = %target, "cookieless embed login");
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, HeaderValue::from_str(&target).expect("the target was checked"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => {
            tracing::warn!(rule = "cookieless_token", "embed login refused: an unknown, used or expired token");
            app.metrics.embed_login(Some("cookieless_token"));
            refusal(
                app,
                StatusCode::UNAUTHORIZED,
                "This embed link cannot be used: its authentication token is unknown, used or expired, or was \
                 acquired for another browser.",
            )
        }
        Err(e) => refusal(app, e.status, &e.message),
    }
}

/// The first value of `key` in a query string.
fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The embed session of a request: the cookieless session its
/// `embed_navigation_token` reaches, or else its cookie's. A URL with a
/// navigation token names its session: a cookie of another (signed)
/// session in the same browser never stands in for it.
pub fn session_of(app: &AppState, headers: &HeaderMap, query: Option<&str>) -> Result<Option<EmbedSession>, ApiError> {
    let Some(embedding) = app.embedding.as_ref() else { return Ok(None) };
    if let Some(token) = query_value(query, NAVIGATION_TOKEN) {
        return cookieless::page_session(app, &token, headers);
    }
    let now = now_secs();
    for id in session_ids(headers) {
        if let Some(session) = embedding.sessions.get(id, now)? {
            return Ok(Some(session));
        }
    }
    Ok(None)
}

/// The page parameter carrying a cookieless session's navigation token.
pub const NAVIGATION_TOKEN: &str = "embed_navigation_token";

/// The session ids a request's cookies carry (both cookies, every copy).
fn session_ids(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE || *name == PARTITIONED_COOKIE)
        .map(|(_, id)| id)
}

/// `GET` or `POST /embed/logout`: ends the embed session of the request's
/// cookies (in every process sharing the state folder) and clears them.
/// The page that follows says so; the portal signs a new URL to come back.
async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(embedding) = app.embedding.as_ref() else {
        return refusal(&app, StatusCode::NOT_FOUND, "Signed embedding is off: set server.embed_secrets.");
    };
    let mut ended = false;
    for id in session_ids(&headers) {
        match embedding.sessions.end(id) {
            Ok(one) => ended |= one,
            Err(e) => {
                tracing::error!("state database: {e}");
                return refusal(&app, StatusCode::SERVICE_UNAVAILABLE, "The session could not be ended; try again.");
            }
        }
    }
    let mut response = crate::pages::embed_message_page(
        &app,
        StatusCode::OK,
        "Signed out",
        if ended { "You are signed out." } else { "There was no session to end." },
    );
    for (name, extra) in [(SESSION_COOKIE, ""), (PARTITIONED_COOKIE, "; Partitioned")] {
        let expired = format!("{name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None{extra}");
        response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&expired).expect("ASCII"));
    }
    response
}

/// A refusal as a small HTML page (with no session cookie).
fn refusal(app: &AppState, status: StatusCode, message: &str) -> Response {
    crate::pages::embed_error_page(app, &ApiError::new(status, message))
}

/// The body of `POST /api/4.0/embed/sso_url` (Looker's `EmbedSsoParams`).
#[derive(Debug, serde::Deserialize)]
struct SsoParams {
    target_url: String,
    session_length: Option<u64>,
    external_user_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    user_timezone: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    permissions: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    models: Vec<String>,
    group_ids: Option<Vec<Value>>,
    external_group_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    user_attributes: serde_json::Map<String, Value>,
    force_logout_login: Option<bool>,
}

/// Refuses attributes other than the client's own: an API client with
/// user attributes may sign or acquire embed sessions only with the same
/// values for them, so a client limited to one customer cannot mint a
/// session for another. A client without attributes may use any.
pub(crate) fn own_attributes(auth: &Authenticated, given: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
    for (key, own) in &auth.session.caller.user_attributes {
        let value = given.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        if value.as_deref() != Some(own.as_str()) {
            return Err(ApiError::forbidden(format!(
                "this API client may sign URLs and start sessions only with its own `{key}` user attribute"
            )));
        }
    }
    Ok(())
}

/// Signed embedding, or a 404 saying how to turn it on.
pub(crate) fn embedding(app: &AppState) -> Result<&Embedding, ApiError> {
    app.embedding.as_deref().ok_or_else(|| ApiError::not_found("signed embedding is off: set server.embed_secrets"))
}

/// JSON `null` read as the empty value: the spec marks these nullable, and
/// Looker reads `null` as "none".
pub(crate) fn null_as_default<'de, D: serde::Deserializer<'de>, T: Default + serde::Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(<Option<T> as serde::Deserialize>::deserialize(d)?.unwrap_or_default())
}

/// `POST /api/4.0/embed/sso_url`: signs a login URL for this server.
///
/// An API client with user attributes may sign only URLs that carry the
/// same values for them: a client limited to one customer cannot mint a
/// session for another. A client without attributes signs for anyone, as
/// a Looker admin does.
async fn sso_url(State(app): State<AppState>, auth: Authenticated, body: Bytes) -> Result<Json<Value>, ApiError> {
    let embedding = app
        .embedding
        .as_ref()
        .ok_or_else(|| ApiError::not_found("signed embedding is off: set server.embed_secrets"))?;
    let params: SsoParams =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not valid: {e}")))?;
    let target = match params.target_url.find("/embed/") {
        Some(i) if params.target_url[..i].is_empty() || params.target_url[..i].contains("://") => {
            params.target_url[i..].to_owned()
        }
        _ => {
            return Err(ApiError::bad_request(
                "target_url must be an /embed/ page, e.g. https://host/embed/dashboards/1",
            ));
        }
    };
    let external_user_id = params.external_user_id.filter(|u| !u.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "external_user_id is required: a signed embed URL names the embed user whose session it starts \
                 (the API document marks it optional; ponte, like Looker's signed embedding, cannot sign without it)",
        )
    })?;
    own_attributes(&auth, &params.user_attributes)?;
    let now = now_secs();
    let mut signed = EmbedParams::new(target, external_user_id, now);
    if let Some(length) = params.session_length {
        signed.session_length = length;
    }
    signed.permissions = params.permissions;
    signed.models = params.models;
    signed.group_ids = params.group_ids.map(|ids| ids.iter().filter_map(Value::as_i64).collect());
    signed.external_group_id = params.external_group_id;
    signed.user_attributes = (!params.user_attributes.is_empty()).then_some(params.user_attributes);
    signed.first_name = params.first_name;
    signed.last_name = params.last_name;
    signed.user_timezone = params.user_timezone;
    signed.force_logout_login = params.force_logout_login;
    if signed.session_length == 0 || signed.session_length > ponte_embed::MAX_SESSION_LENGTH {
        return Err(ApiError::bad_request(format!(
            "session_length must be 1 to {} seconds",
            ponte_embed::MAX_SESSION_LENGTH
        )));
    }
    // The login this URL starts belongs to this client: it replaces only
    // the sessions this client's URLs started for the same user id.
    let until = now.saturating_add(ponte_embed::NONCE_MEMORY);
    app.state.record_signed_nonce(&signed.nonce, &api_signer(&auth.session.client_id), now, until)?;
    Ok(Json(json!({ "url": embedding.sign(&signed) })))
}

#[cfg(test)]
mod tests {
    use super::url_parameter;

    #[test]
    fn the_url_parameter_is_read_encoded_and_as_the_node_sdk_sends_it() {
        let url = "https://h/login/embed/%2Fembed%2Fx?nonce=%22n%22&time=1&signature=a%2Bb";
        let encoded = serde_urlencoded::to_string([("url", url)]).unwrap();
        assert_eq!(url_parameter(Some(&encoded)).as_deref(), Some(url));
        assert_eq!(url_parameter(Some(&format!("fields=url&{encoded}"))).as_deref(), Some(url));
        assert_eq!(url_parameter(Some(&format!("url={url}"))).as_deref(), Some(url), "passed through bare");
        assert_eq!(url_parameter(Some("url=")), None);
        assert_eq!(url_parameter(Some("other=1")), None);
        assert_eq!(url_parameter(None), None);
    }
}
