//! The data that goes into a signed embed URL and what comes out of a
//! verified one.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::AlgorithmParseError;

/// The HMAC hash of an embed secret. Looker's embed SDK signs with
/// HMAC-SHA1; newer secrets may be SHA-256. Each [`Secret`] carries its own,
/// so a SHA-1 and a SHA-256 secret can be active together during rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// HMAC-SHA1, what Looker's embed SDK and its test vectors use.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
}

impl FromStr for Algorithm {
    type Err = AlgorithmParseError;

    /// Accepts the spellings configs and the vector file use: `sha1`,
    /// `sha-1`, `hmac-sha1`, `hmac/sha-1`, `HMAC_SHA256`, … (case and
    /// separators do not matter).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let squashed: String =
            text.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        match squashed.strip_prefix("hmac").unwrap_or(&squashed) {
            "sha1" => Ok(Algorithm::Sha1),
            "sha256" => Ok(Algorithm::Sha256),
            _ => Err(AlgorithmParseError { given: text.to_owned() }),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Sha1 => "hmac-sha1",
            Algorithm::Sha256 => "hmac-sha256",
        })
    }
}

/// An embed secret shared with the embedding application, and its hash.
///
/// The value is the HMAC key (its UTF-8 bytes, as the SDK uses it). It is
/// never printed: `Debug` shows `Secret(…)` and the algorithm only, so a
/// secret inside a config or a [`crate::Verifier`] can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    algorithm: Algorithm,
}

impl Secret {
    /// A secret whose URLs are signed with `algorithm`.
    pub fn new(value: impl Into<String>, algorithm: Algorithm) -> Self {
        Secret { value: value.into(), algorithm }
    }

    /// The hash this secret signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key bytes; crate-private so the value cannot leak through the API.
    pub(crate) fn key(&self) -> &[u8] {
        self.value.as_bytes()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(…, {})", self.algorithm)
    }
}

/// Everything an embedding application puts in a signed embed URL, with
/// Looker's parameter names (so a Looker embed user serialises to it).
///
/// The signed fields are the ones Looker signs; `first_name`, `last_name`,
/// `user_timezone` and `force_logout_login` travel unsigned, as in Looker.
/// `time` is Unix seconds; it and the `nonce` make each URL usable once and
/// only for a few minutes (see [`crate::Verifier`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedParams {
    /// The page to open after login, e.g. `/embed/dashboards/1`; it must
    /// start with `/embed/` or the verifier refuses it.
    pub target: String,
    /// A random one-time value; [`crate::new_nonce`] makes one.
    pub nonce: String,
    /// When the URL was signed, Unix seconds.
    pub time: i64,
    /// How long the embed session lasts once started, seconds (1 s to 30 days).
    pub session_length: u64,
    /// The embedding application's stable id for the user.
    pub external_user_id: String,
    /// Looker permission names granted to the session (`access_data`, `see_looks`, …).
    pub permissions: Vec<String>,
    /// The models the session may query; each must be known to the verifier.
    pub models: Vec<String>,
    /// Groups the embed user joins; signed when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<i64>>,
    /// The embedding application's group id for the user; signed when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_group_id: Option<String>,
    /// User attribute values (they feed access filters); signed when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_attributes: Option<Map<String, Value>>,
    /// Looker's deprecated access filters; always signed, `{}` when unused.
    #[serde(default)]
    pub access_filters: Map<String, Value>,
    /// Display name; unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Display name; unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// IANA time zone for the session; unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_timezone: Option<String>,
    /// Whether to drop any existing login first; unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_logout_login: Option<bool>,
}

impl EmbedParams {
    /// Parameters for `target` and `external_user_id`, signed at `time`
    /// (Unix seconds), with a fresh nonce, a [`DEFAULT_SESSION_LENGTH`]
    /// session, and no models or permissions yet (fill those in).
    pub fn new(target: impl Into<String>, external_user_id: impl Into<String>, time: i64) -> Self {
        EmbedParams {
            target: target.into(),
            nonce: crate::new_nonce(),
            time,
            session_length: DEFAULT_SESSION_LENGTH,
            external_user_id: external_user_id.into(),
            permissions: Vec::new(),
            models: Vec::new(),
            group_ids: None,
            external_group_id: None,
            user_attributes: None,
            access_filters: Map::new(),
            first_name: None,
            last_name: None,
            user_timezone: None,
            force_logout_login: None,
        }
    }
}

/// The session length [`EmbedParams::new`] uses: one hour.
pub const DEFAULT_SESSION_LENGTH: u64 = 3600;

/// What a verified embed URL grants: the caller starts an embed session
/// from it and redirects to `target`.
///
/// Every field came through the signature except `first_name`,
/// `last_name`, `user_timezone` and `force_logout_login`, which anyone
/// holding the URL can change: use them for display and session setup only,
/// never for authorisation.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedLogin {
    /// The decoded target, checked to be a path under `/embed/` (no host, no
    /// dot segments), so it is safe to redirect to.
    pub target: String,
    /// The embedding application's id for the user.
    pub external_user_id: String,
    /// Granted Looker permission names, as signed.
    pub permissions: Vec<String>,
    /// Models the session may use; all known to the verifier.
    pub models: Vec<String>,
    /// Groups, when signed.
    pub group_ids: Option<Vec<i64>>,
    /// The external group id, when signed.
    pub external_group_id: Option<String>,
    /// User attributes as text: strings as they are, numbers and booleans
    /// as their JSON text, arrays joined with `,` (empty when none signed).
    pub user_attributes: BTreeMap<String, String>,
    /// Access filters, as signed (`{}` when unused).
    pub access_filters: Map<String, Value>,
    /// Session length in seconds, 1 s to 30 days.
    pub session_length: u64,
    /// The URL's nonce (now spent), for audit logs.
    pub nonce: String,
    /// When the URL was signed, Unix seconds.
    pub time: i64,
    /// Unsigned display name.
    pub first_name: Option<String>,
    /// Unsigned display name.
    pub last_name: Option<String>,
    /// Unsigned time zone (`null` in the URL reads as `None`).
    pub user_timezone: Option<String>,
    /// Unsigned request to drop an existing login first.
    pub force_logout_login: Option<bool>,
}
