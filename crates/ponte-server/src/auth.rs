//! Shared-secret checks: a token compared in constant time, read once
//! from the environment variable the config names.

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::SetupError;
use crate::error::ApiError;

/// A secret the server checks callers against.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// Reads the token from `env`. A configured variable that is unset or
    /// empty is an error: the server refuses to start rather than run open.
    pub fn from_env(env: &str, what: &'static str) -> Result<Self, SetupError> {
        secret_from_env(env, what).map(Self)
    }

    /// A token given directly (tests).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Whether `candidate` is this token, in time that does not depend on
    /// where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

/// The secret in environment variable `env`, which the config names for
/// `what`. An unset or empty variable is an error: the server does not
/// start with a secret it cannot check against, and the message names the
/// variable, never a value.
pub fn secret_from_env(env: &str, what: &'static str) -> Result<String, SetupError> {
    match std::env::var(env) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(SetupError::SecretUnset { what, env: env.to_owned() }),
    }
}

/// The token of an `Authorization: Bearer X` (or Looker's `token X`) header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")).then_some(token.trim())
}

/// Checks `headers` against the admin token; the admin API is off without one.
pub fn require_admin(expected: Option<&Token>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(ApiError::not_found("the admin API is off: set server.admin_token_env to turn it on"));
    };
    match bearer(headers) {
        None => Err(ApiError::unauthorized("the admin API needs `Authorization: Bearer <admin token>`")),
        Some(t) if expected.matches(t) => Ok(()),
        Some(_) => Err(ApiError::forbidden("wrong admin token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        let t = Token::new("s3cret");
        assert!(t.matches("s3cret"));
        assert!(!t.matches("s3cre") && !t.matches("s3cret!") && !t.matches(""));
        assert_eq!(format!("{t:?}"), "Token(…)", "a token never reaches a log");
    }

    #[test]
    fn bearer_and_token_schemes() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert("authorization", "token abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
