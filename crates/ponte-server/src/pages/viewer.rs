//! Who is looking at a page, and what they may do there.
//!
//! Pages below `/embed/` are for embed sessions (the cookie a signed URL
//! starts); the same pages without the prefix are for API clients, who send
//! their token in `Authorization` as they do for the API. An embed session
//! never opens a non-embed page and a token never opens an embed page, so
//! the two ways in cannot be mixed up.

use axum::http::HeaderMap;
use ponte_semantic::compile::Caller;
use ponte_semantic::model::Model;

use crate::AppState;
use crate::error::ApiError;

/// The Looker permissions a page checks.
pub(crate) mod permission {
    /// Run queries and see their results at all.
    pub const ACCESS_DATA: &str = "access_data";
    /// Open dashboards.
    pub const SEE_USER_DASHBOARDS: &str = "see_user_dashboards";
    /// Open LookML dashboards (ponte's dashboards are model files, so either
    /// dashboard permission opens them).
    pub const SEE_LOOKML_DASHBOARDS: &str = "see_lookml_dashboards";
    /// Open looks.
    pub const SEE_LOOKS: &str = "see_looks";
    /// Use the explore page.
    pub const EXPLORE: &str = "explore";
    /// Download results up to the query's limit.
    pub const DOWNLOAD_WITH_LIMIT: &str = "download_with_limit";
    /// Download all results.
    pub const DOWNLOAD_WITHOUT_LIMIT: &str = "download_without_limit";
}

/// How much a viewer may download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Download {
    /// No downloads; no links are shown.
    None,
    /// Up to the query's own limit.
    WithLimit,
    /// Every row (up to the compiler's cap for "no limit").
    WithoutLimit,
}

/// A signed-in viewer of a page.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// What access filters read.
    pub caller: Caller,
    /// Granted permissions; `None` for API clients, which may do everything
    /// their user attributes allow (as a Looker API user with a role).
    permissions: Option<Vec<String>>,
    /// Models the viewer may open; `None` for API clients.
    models: Option<Vec<String>>,
}

impl Viewer {
    /// The viewer of a request: an embed session's cookie for embed pages,
    /// an API token otherwise. Without one, a 401 that says how to sign in.
    pub fn of(app: &AppState, headers: &HeaderMap, query: Option<&str>, embedded: bool) -> Result<Self, ApiError> {
        if embedded {
            if app.embedding.is_none() {
                return Err(ApiError::not_found("signed embedding is off: set server.embed_secrets"));
            }
            let session = crate::embed::session_of(app, headers, query)?.ok_or_else(|| {
                ApiError::unauthorized(
                    "this page needs an embed session: open it through a signed /login/embed/ URL, or a \
                     cookieless session's navigation token (the session may have ended, a newer login for \
                     the same user replaced it, or the token expired)",
                )
            })?;
            return Ok(Self {
                caller: session.caller(),
                permissions: Some(session.permissions),
                models: Some(session.models),
            });
        }
        let api = app
            .looker
            .as_ref()
            .ok_or_else(|| ApiError::not_found("the Looker API is off: list model files in [semantic] models"))?;
        let session = api.authenticate(headers, chrono::Utc::now().timestamp())?;
        Ok(Self { caller: session.caller, permissions: None, models: None })
    }

    /// Whether the viewer has `permission`.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.as_ref().is_none_or(|granted| granted.iter().any(|p| p == permission))
    }

    /// A 403 naming what is missing unless the viewer has every permission
    /// of `all` and, when `any` is not empty, at least one of `any`.
    pub fn require(&self, all: &[&str], any: &[&str], what: &str) -> Result<(), ApiError> {
        let missing: Vec<&str> = all.iter().copied().filter(|p| !self.can(p)).collect();
        if !missing.is_empty() {
            return Err(ApiError::forbidden(format!(
                "you are not allowed to see {what}: the session lacks the `{}` permission",
                missing.join("`, `")
            )));
        }
        if !any.is_empty() && !any.iter().any(|p| self.can(p)) {
            return Err(ApiError::forbidden(format!(
                "you are not allowed to see {what}: the session needs one of the permissions `{}`",
                any.join("`, `")
            )));
        }
        Ok(())
    }

    /// A 403 unless the viewer may open `model`.
    pub fn require_model(&self, model: &Model) -> Result<(), ApiError> {
        match &self.models {
            Some(models) if !models.iter().any(|m| m == &model.name) => Err(ApiError::forbidden(format!(
                "the session does not include the model `{}`; sign the embed URL with it in `models`",
                model.name
            ))),
            _ => Ok(()),
        }
    }

    /// What the viewer may download.
    pub fn download(&self) -> Download {
        if self.can(permission::DOWNLOAD_WITHOUT_LIMIT) {
            Download::WithoutLimit
        } else if self.can(permission::DOWNLOAD_WITH_LIMIT) {
            Download::WithLimit
        } else {
            Download::None
        }
    }
}

/// A 403 for a download without either download permission.
pub(crate) fn no_download() -> ApiError {
    ApiError::forbidden(
        "you are not allowed to download results: the session lacks `download_with_limit` and `download_without_limit`",
    )
}
