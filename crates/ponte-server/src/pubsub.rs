//! `POST /pubsub/push`: messages pushed by a Pub/Sub push subscription, so
//! ponte can run on Cloud Run behind Cloud Scheduler → Pub/Sub.
//!
//! The envelope is Pub/Sub's (`{"message": {"data", "attributes",
//! "messageId", "publishTime"}, "subscription"}`). The message is queued
//! like any other, keyed by its messageId, so a redelivery is the same
//! message; its functions run before the answer, and the answer is 2xx only
//! when every one succeeded (or ponte dead-lettered the message, which
//! keeps it). Anything else is a 503, and Pub/Sub pushes again later.
//!
//! The subscription names what runs: `?topic=NAME` on the push endpoint, or
//! else the subscription's own name (`projects/p/subscriptions/NAME`) when
//! it is a function's or a topic's name.
//!
//! The caller's credentials are checked from the request's URL and headers
//! before a byte of its body is read; the body is then read up to
//! [`PUSH_BODY_LIMIT`] within `server.request_timeout`. So nobody without
//! the push token or OIDC token can make the server hold a large body, or
//! hold a connection open by sending one slowly.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ponte_scheduler::{Bus, RunOutcome, Target, deliver};
use ponte_state::{DeliveryState, PushedMessage, Subscriber};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::oidc::OidcError;

/// Pub/Sub messages are at most 10 MB; base64 and the envelope add a third.
pub(crate) const PUSH_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Query parameters of the push endpoint.
#[derive(Debug, Deserialize)]
pub struct PushQuery {
    token: Option<String>,
    topic: Option<String>,
}

pub(crate) async fn push(
    State(app): State<AppState>,
    Query(query): Query<PushQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if app.push_token.is_none() && app.push_oidc.is_none() {
        return Err(ApiError::not_found(
            "Pub/Sub push is off: set server.push_token_env or server.push_oidc_audience to turn it on",
        ));
    }
    if let Some(expected) = &app.push_token {
        match &query.token {
            None => return Err(ApiError::unauthorized("the push endpoint needs ?token=<push token>")),
            Some(t) if !expected.matches(t) => return Err(ApiError::forbidden("wrong push token")),
            Some(_) => {}
        }
    }
    if let Some(verifier) = &app.push_oidc {
        let Some(jwt) = crate::auth::bearer(&headers) else {
            return Err(ApiError::unauthorized(
                "the push endpoint needs the subscription's OIDC token (Authorization: Bearer)",
            ));
        };
        verifier.verify(jwt).await.map_err(|e| match e {
            OidcError::Keys { .. } => ApiError::unavailable(e.to_string()),
            other => ApiError::forbidden(other.to_string()),
        })?;
    }
    let body = read_body(body, app.config.server.request_timeout).await?;
    let pushed = PushedMessage::decode(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let message_id = pushed.message_id.clone();
    let (topic, subscribers) = route(&app, &pushed.subscription, query.topic.as_deref())?;
    let message = pushed.into_message(topic);
    let published = app.state.publish(&message, &subscribers)?;
    let mut failures = Vec::new();
    let now = || chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    // One attempt per subscriber per push: Pub/Sub does the retrying.
    let mut attempted = std::collections::BTreeSet::new();
    while let Some(delivery) = app.state.claim_delivery(now(), Some(&published.id))? {
        if !attempted.insert(delivery.subscriber.clone()) {
            app.state.unclaim(&published.id, &delivery.subscriber)?;
            break;
        }
        let report = deliver(&app.config, &app.state, app.runner.as_ref(), delivery)
            .await
            .map_err(|e| ApiError::unavailable(format!("could not settle the delivery: {e}")))?;
        if let RunOutcome::Failed { error } = report.outcome {
            failures.push(format!("{}: {error}", report.target));
        }
    }
    let open: Vec<_> = app
        .state
        .deliveries(&published.id)?
        .into_iter()
        .filter(|d| matches!(d.state, DeliveryState::Pending | DeliveryState::Leased))
        .collect();
    if open.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if failures.is_empty() {
        let waiting: Vec<String> = open.iter().map(|d| format!("{} ({:?})", d.subscriber, d.state)).collect();
        failures.push(format!("waiting for its next attempt or still running: {}", waiting.join(", ")));
    }
    Err(ApiError::unavailable(format!("message {message_id} not done: {}", failures.join("; "))))
}

/// An authenticated pusher's body: at most [`PUSH_BODY_LIMIT`] bytes (413
/// beyond), all of it within `timeout` (408 otherwise).
async fn read_body(body: Body, timeout: std::time::Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, PUSH_BODY_LIMIT)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the push body is larger than {PUSH_BODY_LIMIT} bytes, or it broke off"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the push body did not arrive within {} s (server.request_timeout)", timeout.as_secs()),
        )),
    }
}

/// Who a pushed message is for.
fn route(app: &AppState, subscription: &str, topic: Option<&str>) -> Result<(String, Vec<Subscriber>), ApiError> {
    let bus = Bus::new(&app.config, &app.state);
    if let Some(topic) = topic {
        if !app.config.topics.iter().any(|t| t.name == topic) {
            return Err(ApiError::bad_request(format!("?topic={topic}: no topic by that name in the config")));
        }
        return Ok((topic.to_owned(), bus.subscribers(topic)));
    }
    let short = subscription.rsplit('/').next().unwrap_or(subscription);
    if let Some(f) = app.config.function(short) {
        let subscriber = Subscriber { name: Target::Function(f.name.clone()).key(), max_attempts: f.max_attempts };
        return Ok((f.trigger_topic.clone(), vec![subscriber]));
    }
    if app.config.topics.iter().any(|t| t.name == short) {
        return Ok((short.to_owned(), bus.subscribers(short)));
    }
    Err(ApiError::bad_request(format!(
        "subscription `{subscription}` names no function or topic of the config; name the push subscription after one, or add ?topic=NAME to its push endpoint"
    )))
}
