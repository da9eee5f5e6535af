//! Cookieless embedding, as Looker documents it: for browsers that block
//! third-party cookies, the embedding application's server acquires a
//! session through the API and hands the browser short-lived tokens
//! instead of a cookie.
//!
//! - `POST /api/4.0/embed/cookieless_session/acquire`: starts a session
//!   (or, with a live `session_reference_token` of the same client, gives
//!   it a new authentication token and replaces its grants). It answers an
//!   authentication token (one frame's login, once, within
//!   [`AUTHENTICATION_TTL`]), a navigation token and an API token (each
//!   [`TOKEN_TTL`]) and the session's reference token, which stays on the
//!   application's server.
//! - `PUT …/generate_tokens`: new navigation and API tokens for a live
//!   session (the Embed SDK asks for them through its host page); an ended
//!   or unknown session answers `session_reference_token_ttl: 0`.
//! - `DELETE …/{session_reference_token}`: ends the session.
//!
//! The session is bound to the browser's user agent, which the application
//! forwards as the `User-Agent` of its acquire and generate calls: every
//! login and page must come from that user agent. A session belongs to the
//! API client that acquired it; a client with user attributes may acquire
//! only with its own values, as for `sso_url`. A new session for the same
//! user ends the earlier ones of that client. Everything lives in the state
//! database under the tokens' SHA-256, so restarts change nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use ponte_state::{CookielessSession, CookielessToken, EmbedSessionRecord};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::sessions::{EmbedSession, api_signer};
use super::{null_as_default, own_attributes};
use crate::AppState;
use crate::error::ApiError;
use crate::looker::Authenticated;

/// How long an authentication token may wait to start its frame, seconds.
pub const AUTHENTICATION_TTL: i64 = 30;
/// How long a navigation or API token lasts, seconds (Looker's 10 minutes).
pub const TOKEN_TTL: i64 = 600;

/// The body of `acquire_embed_cookieless_session`.
#[derive(Debug, serde::Deserialize)]
pub(super) struct Acquire {
    session_length: Option<u64>,
    external_user_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    permissions: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    models: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    user_attributes: Map<String, Value>,
    session_reference_token: Option<String>,
}

/// The body of `generate_tokens_for_cookieless_session`.
#[derive(Debug, serde::Deserialize)]
pub(super) struct Generate {
    session_reference_token: Option<String>,
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// SHA-256: what the state database keeps instead of a token.
pub(crate) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// 32 random bytes as hex: a token nobody can guess.
fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::unavailable("no randomness available; try again"))?;
    Ok(hex::encode(bytes))
}

/// The browser's user agent as the application forwarded it.
fn user_agent(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::bad_request(
                "cookieless embedding binds the session to the browser: forward the browser's User-Agent header",
            )
        })
}

/// A new token of `kind` for the session, stored by its digest.
fn issue(app: &AppState, reference: &[u8; 32], kind: CookielessToken, ttl: i64, now: i64) -> Result<String, ApiError> {
    let token = random_token()?;
    app.state.add_cookieless_token(&digest(&token), reference, kind, now.saturating_add(ttl))?;
    Ok(token)
}

/// `POST /api/4.0/embed/cookieless_session/acquire`
pub(super) async fn acquire(
    State(app): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let embedding = super::embedding(&app)?;
    let body: Acquire =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not valid: {e}")))?;
    let agent = user_agent(&headers)?;
    let external_user_id = body.external_user_id.filter(|u| !u.is_empty()).ok_or_else(|| {
        ApiError::bad_request("external_user_id is required: it names the embed user the session is for")
    })?;
    own_attributes(&auth, &body.user_attributes)?;
    if let Some(model) = body.models.iter().find(|m| !embedding.verifier.knows_model(m)) {
        return Err(ApiError::forbidden(format!("unknown model `{}`", crate::error::quoted(model))));
    }
    let length = body.session_length.unwrap_or(ponte_embed::DEFAULT_SESSION_LENGTH);
    if length == 0 || length > ponte_embed::MAX_SESSION_LENGTH {
        return Err(ApiError::bad_request(format!(
            "session_length must be 1 to {} seconds",
            ponte_embed::MAX_SESSION_LENGTH
        )));
    }
    let user_attributes =
        ponte_embed::attributes_as_text(body.user_attributes).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let now = now_secs();
    let signer = api_signer(&auth.session.client_id);
    let mut grants = EmbedSessionRecord {
        signer: signer.clone(),
        external_user_id,
        permissions: body.permissions,
        models: body.models,
        user_attributes,
        expires_at: now.saturating_add(i64::try_from(length).unwrap_or(i64::MAX)),
    };
    // A live session of this client, for this user and browser, is kept
    // (a new frame of the same session) with the new grants; anything else
    // starts a new one, without saying why.
    let existing = match body.session_reference_token.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(reference) => {
            let d = digest(reference);
            app.state
                .cookieless_session(&d, now)?
                .filter(|s| {
                    s.grants.signer == signer
                        && s.grants.external_user_id == grants.external_user_id
                        && s.user_agent == agent
                })
                .map(|s| (reference.to_owned(), d, s))
        }
    };
    let (reference, reference_digest) = match existing {
        Some((reference, d, session)) => {
            grants.expires_at = session.grants.expires_at;
            app.state.update_cookieless_grants(&d, &grants, now)?;
            (reference, d)
        }
        None => {
            let reference = random_token()?;
            let d = digest(&reference);
            app.state.start_cookieless(&d, &CookielessSession { grants: grants.clone(), user_agent: agent }, now)?;
            (reference, d)
        }
    };
    let authentication = issue(&app, &reference_digest, CookielessToken::Authentication, AUTHENTICATION_TTL, now)?;
    let navigation = issue(&app, &reference_digest, CookielessToken::Navigation, TOKEN_TTL, now)?;
    let api = issue(&app, &reference_digest, CookielessToken::Api, TOKEN_TTL, now)?;
    tracing::info!(user = %grants.external_user_id, "cookieless embed session acquired");
    Ok(Json(json!({
        "authentication_token": authentication,
        "authentication_token_ttl": AUTHENTICATION_TTL,
        "navigation_token": navigation,
        "navigation_token_ttl": TOKEN_TTL,
        "api_token": api,
        "api_token_ttl": TOKEN_TTL,
        "session_reference_token": reference,
        "session_reference_token_ttl": grants.expires_at.saturating_sub(now),
    })))
}

/// `PUT /api/4.0/embed/cookieless_session/generate_tokens`
pub(super) async fn generate_tokens(
    State(app): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    super::embedding(&app)?;
    let body: Generate =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not valid: {e}")))?;
    let reference = body
        .session_reference_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("session_reference_token is required"))?;
    let agent = user_agent(&headers)?;
    let now = now_secs();
    let d = digest(&reference);
    let session =
        app.state.cookieless_session(&d, now)?.filter(|s| s.grants.signer == api_signer(&auth.session.client_id));
    let Some(session) = session else {
        // Ended, unknown or another client's: the session is over for this
        // caller. The Embed SDK shows its "session expired" screen.
        return Ok(Json(json!({
            "navigation_token": "", "navigation_token_ttl": 0, "api_token": "", "api_token_ttl": 0,
            "session_reference_token": reference, "session_reference_token_ttl": 0,
        })));
    };
    if session.user_agent != agent {
        return Err(ApiError::forbidden("the User-Agent is not the browser's this session was acquired for"));
    }
    let navigation = issue(&app, &d, CookielessToken::Navigation, TOKEN_TTL, now)?;
    let api = issue(&app, &d, CookielessToken::Api, TOKEN_TTL, now)?;
    Ok(Json(json!({
        "navigation_token": navigation,
        "navigation_token_ttl": TOKEN_TTL,
        "api_token": api,
        "api_token_ttl": TOKEN_TTL,
        "session_reference_token": reference,
        "session_reference_token_ttl": session.grants.expires_at.saturating_sub(now),
    })))
}

/// `DELETE /api/4.0/embed/cookieless_session/{session_reference_token}`
pub(super) async fn delete(
    State(app): State<AppState>,
    auth: Authenticated,
    Path(reference): Path<String>,
) -> Result<StatusCode, ApiError> {
    super::embedding(&app)?;
    let d = digest(&reference);
    let owned = app
        .state
        .cookieless_session(&d, now_secs())?
        .is_some_and(|s| s.grants.signer == api_signer(&auth.session.client_id));
    if !owned || !app.state.end_cookieless(&d)? {
        return Err(ApiError::not_found("no live cookieless session with that session_reference_token"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The session a login's authentication token starts (spending the
/// token), if it is live and the browser is the session's.
pub(crate) fn login(app: &AppState, token: &str, headers: &HeaderMap) -> Result<Option<EmbedSession>, ApiError> {
    session_by(app, token, CookielessToken::Authentication, headers)
}

/// The session a page's navigation token reaches, if it is live and the
/// browser is the session's.
pub(crate) fn page_session(app: &AppState, token: &str, headers: &HeaderMap) -> Result<Option<EmbedSession>, ApiError> {
    session_by(app, token, CookielessToken::Navigation, headers)
}

fn session_by(
    app: &AppState,
    token: &str,
    kind: CookielessToken,
    headers: &HeaderMap,
) -> Result<Option<EmbedSession>, ApiError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let now = now_secs();
    let Some(reference) = app.state.use_cookieless_token(&digest(token), kind, now)? else { return Ok(None) };
    let Some(session) = app.state.cookieless_session(&reference, now)? else { return Ok(None) };
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if session.user_agent != agent {
        tracing::warn!("a cookieless token came from another user agent than its session's; refused");
        return Ok(None);
    }
    let g = session.grants;
    Ok(Some(EmbedSession {
        external_user_id: g.external_user_id,
        permissions: g.permissions,
        models: g.models,
        user_attributes: g.user_attributes,
        expires_at: g.expires_at,
    }))
}
