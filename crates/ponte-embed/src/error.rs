//! Why a signed embed URL was refused.

/// Why [`crate::Verifier::verify`] refused a URL (or why a verifier could
/// not be built).
///
/// Each variant names the rule that failed. The messages are safe to log
/// and to show the embedding application's developer: they never contain a
/// secret or the signature the server expected, only the names and values
/// that arrived in the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// A required parameter (or the signature) is not in the URL.
    #[error("signed embed URL is missing the `{parameter}` parameter")]
    Missing {
        /// The parameter's name.
        parameter: &'static str,
    },
    /// A parameter is present but unusable: not JSON of the right shape,
    /// not UTF-8, given twice, or (for `path`) not an embed login path.
    #[error("signed embed URL parameter `{parameter}` is malformed: {reason}")]
    Malformed {
        /// The parameter's name (`path` for the URL path itself).
        parameter: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature does not match under any active secret: the URL was
    /// changed after signing, signed for another host, or with another secret.
    #[error("signed embed URL signature does not match")]
    BadSignature,
    /// `time` is more than the allowed skew in the past.
    #[error(
        "signed embed URL expired: its time is {by_seconds} s in the past, more than the allowed {max} s",
        max = crate::MAX_CLOCK_SKEW
    )]
    Expired {
        /// How far in the past `time` is, seconds.
        by_seconds: u64,
    },
    /// `time` is more than the allowed skew in the future (the signer's clock is ahead).
    #[error(
        "signed embed URL is not valid yet: its time is {by_seconds} s in the future, more than the allowed {max} s; check the signer's clock",
        max = crate::MAX_CLOCK_SKEW
    )]
    FromFuture {
        /// How far in the future `time` is, seconds.
        by_seconds: u64,
    },
    /// Another URL with this nonce was already used (nonces are single-use for an hour).
    #[error("signed embed URL nonce was already used; sign each URL with a fresh nonce")]
    NonceReused,
    /// This exact URL was already used (signed embed URLs are single-use).
    #[error("signed embed URL was already used; signed embed URLs work once")]
    UrlReused,
    /// `session_length` is above the maximum.
    #[error("signed embed URL session_length {seconds} s is longer than the maximum {max} s")]
    SessionTooLong {
        /// The requested length, seconds.
        seconds: u64,
        /// The maximum, seconds (30 days).
        max: u64,
    },
    /// A model in `models` is not one this server serves.
    #[error("signed embed URL grants unknown model `{model}`")]
    UnknownModel {
        /// The first unknown model.
        model: String,
    },
    /// The target is not a page under `/embed/` (refused to prevent open redirects).
    #[error("signed embed URL target is refused: {reason}")]
    BadTarget {
        /// The rule the target breaks (no scheme, not under `/embed/`, …).
        reason: &'static str,
    },
    /// The memory of spent URLs could not be read or written, so the URL
    /// cannot be proven unused: refused (fail closed), and worth retrying.
    #[error("signed embed URL cannot be checked for reuse right now: {reason}")]
    ReplayUnavailable {
        /// What failed (no secret in it).
        reason: String,
    },
    /// The verifier was given no secrets, or an empty one.
    #[error("no usable embed secret is configured (none given, or one is empty)")]
    NoSecrets,
}

impl EmbedError {
    /// The HTTP status to answer with:
    ///
    /// - 401 when the URL does not prove who sent it or is no longer
    ///   good: missing signature, bad signature, expired or future time,
    ///   reused nonce or URL. A new signed URL fixes these.
    /// - 400 when the URL is broken: other missing parameters, malformed
    ///   values, a session longer than allowed, a refused target. The
    ///   embedding application's code must change.
    /// - 403 when a correctly signed URL asks for a model this server does
    ///   not serve: the signer is not entitled to it.
    /// - 503 when the memory of spent URLs is unavailable: nothing is wrong
    ///   with the URL, but it cannot be let in unchecked.
    /// - 500 for [`EmbedError::NoSecrets`], a server misconfiguration.
    pub fn status(&self) -> u16 {
        match self {
            EmbedError::Missing { parameter: "signature" } => 401,
            EmbedError::BadSignature
            | EmbedError::Expired { .. }
            | EmbedError::FromFuture { .. }
            | EmbedError::NonceReused
            | EmbedError::UrlReused => 401,
            EmbedError::Missing { .. }
            | EmbedError::Malformed { .. }
            | EmbedError::SessionTooLong { .. }
            | EmbedError::BadTarget { .. } => 400,
            EmbedError::UnknownModel { .. } => 403,
            EmbedError::ReplayUnavailable { .. } => 503,
            EmbedError::NoSecrets => 500,
        }
    }

    /// A short stable name of the failed rule, for metrics and JSON error
    /// bodies (`bad_signature`, `nonce_reused`, …).
    pub fn code(&self) -> &'static str {
        match self {
            EmbedError::Missing { .. } => "missing_parameter",
            EmbedError::Malformed { .. } => "malformed_parameter",
            EmbedError::BadSignature => "bad_signature",
            EmbedError::Expired { .. } => "expired",
            EmbedError::FromFuture { .. } => "from_future",
            EmbedError::NonceReused => "nonce_reused",
            EmbedError::UrlReused => "url_reused",
            EmbedError::SessionTooLong { .. } => "session_too_long",
            EmbedError::UnknownModel { .. } => "unknown_model",
            EmbedError::BadTarget { .. } => "bad_target",
            EmbedError::ReplayUnavailable { .. } => "replay_unavailable",
            EmbedError::NoSecrets => "no_secrets",
        }
    }
}

/// An algorithm name [`crate::Algorithm`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown embed signature algorithm `{given}`; use hmac-sha1 or hmac-sha256")]
pub struct AlgorithmParseError {
    /// The name given.
    pub given: String,
}
