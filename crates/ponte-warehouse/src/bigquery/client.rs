//! An HTTP client for BigQuery's REST API: credentials, retries with
//! backoff, and Google's error bodies turned into [`WarehouseError`]s.
//!
//! What is retried: HTTP 429 and 5xx, and the error reasons BigQuery asks
//! clients to retry (`rateLimitExceeded`, `backendError`, `internalError`).
//! What is not: `quotaExceeded` (a daily or project quota; waiting seconds
//! does not help) and every other 4xx. Tokens go in headers only and never
//! into messages.

use std::sync::Arc;
use std::time::Duration;

use ponte_config::Backoff;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use crate::WarehouseError;

/// BigQuery's public endpoint.
pub(crate) const DEFAULT_ENDPOINT: &str = "https://bigquery.googleapis.com";
/// The OAuth scope every call needs.
const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";

/// Where bearer tokens come from.
pub(crate) enum Auth {
    /// A token given as is.
    Token(String),
    /// Service-account or application-default credentials, refreshed as
    /// they expire.
    Provider(Arc<dyn gcp_auth::TokenProvider>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Token(_) => "Auth::Token(<redacted>)",
            Self::Provider(_) => "Auth::Provider",
        })
    }
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The waits between them.
    pub backoff: Backoff,
}

impl Default for Retry {
    fn default() -> Self {
        Self { attempts: 8, backoff: Backoff { first: Duration::from_millis(500), max: Duration::from_secs(32) } }
    }
}

/// A BigQuery API client.
#[derive(Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    root: String,
    auth: Auth,
    pub retry: Retry,
}

/// A Google API error body: `{"error": {"code", "message", "errors": [{"reason", "message"}]}}`.
#[derive(Debug, Default)]
pub(crate) struct ApiError {
    pub status: u16,
    pub reason: String,
    pub message: String,
}

impl ApiError {
    pub fn parse(status: StatusCode, body: &str) -> Self {
        let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let error = &value["error"];
        let first = &error["errors"][0];
        let reason = first["reason"].as_str().or(error["status"].as_str()).unwrap_or("unknown").to_owned();
        let message = error["message"]
            .as_str()
            .or(first["message"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| body.chars().take(300).collect::<String>().trim().to_owned());
        Self { status: status.as_u16(), reason, message }
    }

    /// Whether waiting and asking again can help.
    pub fn retryable(&self) -> bool {
        if self.reason == "quotaExceeded" {
            return false;
        }
        self.status == 429
            || self.status >= 500
            || matches!(self.reason.as_str(), "rateLimitExceeded" | "backendError" | "internalError")
    }

    pub fn into_error(self, operation: &str) -> WarehouseError {
        let message = if self.reason == "quotaExceeded" {
            format!("{}; a quota is exhausted, not retried", self.message)
        } else {
            self.message
        };
        WarehouseError::Api { operation: operation.to_owned(), status: self.status, reason: self.reason, message }
    }
}

impl Client {
    pub fn new(root: Option<&str>, auth: Auth) -> Result<Self, WarehouseError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(300))
            .user_agent(concat!("ponte/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WarehouseError::Http { operation: "client".into(), message: e.to_string() })?;
        let root = root.unwrap_or(DEFAULT_ENDPOINT).trim_end_matches('/').to_owned();
        Ok(Self { http, root, auth, retry: Retry::default() })
    }

    /// `…/bigquery/v2/<path>`
    pub fn api_url(&self, path: &str) -> String {
        format!("{}/bigquery/v2/{path}", self.root)
    }

    /// `…/upload/bigquery/v2/<path>`
    pub fn upload_url(&self, path: &str) -> String {
        format!("{}/upload/bigquery/v2/{path}", self.root)
    }

    async fn bearer(&self) -> Result<String, WarehouseError> {
        match &self.auth {
            Auth::Token(t) => Ok(t.clone()),
            Auth::Provider(p) => p
                .token(&[SCOPE])
                .await
                .map(|t| t.as_str().to_owned())
                .map_err(|e| WarehouseError::Auth(format!("cannot get an access token: {e}"))),
        }
    }

    /// Sends the request `build` makes, with a fresh token, retrying what
    /// can be retried. `done` says which statuses are answers (the rest are
    /// errors); the answer is returned as is.
    pub async fn send(
        &self,
        operation: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        done: impl Fn(StatusCode) -> bool,
    ) -> Result<Response, WarehouseError> {
        let mut attempt = 1;
        loop {
            let token = self.bearer().await?;
            let failure = match build(&self.http).bearer_auth(token).send().await {
                Ok(response) if done(response.status()) => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let body = response.text().await.unwrap_or_default();
                    let error = ApiError::parse(status, &body);
                    if !error.retryable() || attempt >= self.retry.attempts {
                        return Err(error.into_error(operation));
                    }
                    format!("{} ({})", error.reason, error.status)
                }
                Err(e) if attempt < self.retry.attempts && (e.is_connect() || e.is_timeout() || e.is_request()) => {
                    without_url(&e)
                }
                Err(e) => {
                    return Err(WarehouseError::Http { operation: operation.to_owned(), message: without_url(&e) });
                }
            };
            let wait = self.retry.backoff.after(attempt);
            tracing::warn!(operation, attempt, error = %failure, wait_ms = wait.as_millis() as u64, "BigQuery asked to retry");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request with a fresh token and no retries (resumable uploads
    /// retry their own way); transport errors come back without the URL.
    pub async fn send_once(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, WarehouseError> {
        let token = self.bearer().await?;
        build(&self.http)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| WarehouseError::Http { operation: "upload".into(), message: without_url(&e) })
    }

    /// A JSON call: `body` sent for POST/PUT, the answer's JSON returned.
    pub async fn json(
        &self,
        operation: &str,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, WarehouseError> {
        let response = self
            .send(
                operation,
                |http| {
                    let request = http.request(method.clone(), url).query(query);
                    match body {
                        Some(b) => request.json(b),
                        None => request,
                    }
                },
                |s| s.is_success(),
            )
            .await?;
        read_json(operation, response).await
    }
}

/// A response's JSON body.
pub(crate) async fn read_json(operation: &str, response: Response) -> Result<Value, WarehouseError> {
    let text = response
        .text()
        .await
        .map_err(|e| WarehouseError::Http { operation: operation.to_owned(), message: without_url(&e) })?;
    serde_json::from_str(&text).map_err(|e| WarehouseError::Http {
        operation: operation.to_owned(),
        message: format!("unreadable answer: {e}"),
    })
}

/// A reqwest error's text. Upload session URLs carry an upload id that
/// grants access to the upload, so they stay out of messages.
pub(crate) fn without_url(e: &reqwest::Error) -> String {
    let mut text = kind_of(e);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Whether an error says the thing asked for does not exist.
pub(crate) fn is_not_found(e: &WarehouseError) -> bool {
    matches!(e, WarehouseError::Api { status: 404, .. })
}

/// What kind of failure a reqwest error is, without its URL.
fn kind_of(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "broken answer"
    } else {
        "request failed"
    };
    match e.status() {
        Some(s) => format!("{kind} (HTTP {s})"),
        None => kind.to_owned(),
    }
}
