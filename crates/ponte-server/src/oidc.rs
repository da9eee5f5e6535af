//! Pub/Sub push's OIDC tokens: `Authorization: Bearer <JWT>`, signed by
//! Google (RS256), for the audience and service account the push
//! subscription was set up with.
//!
//! Signing keys come from a JWKS URL (Google's by default), cached, and
//! fetched again when a token names a key the cache lacks (Google rotates
//! them), at most once a minute.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use ponte_config::PushOidc;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Google's ID tokens name one of these issuers.
const ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// Checks push requests' OIDC tokens.
pub struct OidcVerifier {
    expected: PushOidc,
    http: reqwest::Client,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    email: Option<String>,
    email_verified: Option<bool>,
}

/// Why a token was refused; said to the caller (never the token itself).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Not a JWT, or not RS256.
    #[error("the bearer token is not an RS256 JWT")]
    Malformed,
    /// Signed by a key the JWKS does not have.
    #[error("the token's signing key `{0}` is not one of the issuer's keys")]
    UnknownKey(String),
    /// The JWKS could not be read.
    #[error("cannot read the signing keys from {url}: {reason}")]
    Keys {
        /// The JWKS URL.
        url: String,
        /// The HTTP or parse failure, as text (the key set is fetched again
        /// on the next push, so the source error is not kept).
        reason: String,
    },
    /// Signature, expiry, audience or issuer wrong.
    #[error("the token was refused: {0}")]
    Invalid(String),
    /// Another service account.
    #[error("the token's email is not the push subscription's service account")]
    WrongEmail,
}

impl OidcVerifier {
    /// A verifier for tokens meeting `expected`.
    pub fn new(expected: PushOidc) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { expected, http, keys: Mutex::new(Keys::default()) }
    }

    /// Checks `token`: signature, expiry, issuer, audience, and email when configured.
    pub async fn verify(&self, token: &str) -> Result<(), OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| OidcError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(OidcError::Malformed);
        }
        let kid = header.kid.ok_or(OidcError::Malformed)?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.expected.audience]);
        validation.set_issuer(&ISSUERS);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| OidcError::Invalid(e.to_string()))?;
        if let Some(email) = &self.expected.email
            && (data.claims.email.as_deref() != Some(email) || data.claims.email_verified == Some(false))
        {
            return Err(OidcError::WrongEmail);
        }
        Ok(())
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, OidcError> {
        let mut keys = self.keys.lock().await;
        if let Some(k) = keys.by_kid.get(kid) {
            return Ok(k.clone());
        }
        if keys.fetched.is_some_and(|t| t.elapsed() < REFETCH_AFTER) {
            return Err(OidcError::UnknownKey(kid.to_owned()));
        }
        let url = &self.expected.jwks_url;
        let fail = |reason: String| OidcError::Keys { url: url.clone(), reason };
        let set: JwkSet = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| fail(e.to_string()))?
            .json()
            .await
            .map_err(|e| fail(e.to_string()))?;
        keys.by_kid = set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
            .collect();
        keys.fetched = Some(Instant::now());
        keys.by_kid.get(kid).cloned().ok_or_else(|| OidcError::UnknownKey(kid.to_owned()))
    }
}
