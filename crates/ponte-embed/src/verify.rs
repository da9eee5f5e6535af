//! Verifying a signed embed URL when it arrives at `/login/embed/…`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::encode::{decode_path_component, decode_query_component};
use crate::error::EmbedError;
use crate::params::{EmbedLogin, Secret};
use crate::replay::{MemoryReplayStore, ReplayStore};
use crate::sign::{EMBED_PATH_PREFIX, join_lines, mac, split_host};
use crate::{MAX_CLOCK_SKEW, MAX_SESSION_LENGTH};

/// The longest nonce accepted, bytes of its JSON value (Looker's limit).
const MAX_NONCE_LEN: usize = 255;

/// Every query parameter the verifier reads; others are ignored.
const PARAMETERS: [&str; 15] = [
    "nonce",
    "time",
    "session_length",
    "external_user_id",
    "permissions",
    "models",
    "group_ids",
    "external_group_id",
    "user_attributes",
    "access_filters",
    "first_name",
    "last_name",
    "user_timezone",
    "force_logout_login",
    "signature",
];

/// The required ones, in the order a missing one is reported.
const REQUIRED: [&str; 8] =
    ["nonce", "time", "session_length", "external_user_id", "permissions", "models", "access_filters", "signature"];

/// The signed ones, in signing order (optional ones are skipped when absent).
const SIGNED: [&str; 10] = [
    "nonce",
    "time",
    "session_length",
    "external_user_id",
    "permissions",
    "models",
    "group_ids",
    "external_group_id",
    "user_attributes",
    "access_filters",
];

/// Checks signed embed URLs and lets each one log in once.
///
/// Built once per server from its configuration and shared (it is `Sync`):
/// it holds the active secrets (several during rotation; a URL is good if
/// it verifies under any of them, each with its own hash), the models this
/// server serves, and the memory of used nonces and URLs.
///
/// By default that memory is this process's ([`MemoryReplayStore`]): a
/// restart forgets it. A server gives it a store that outlives the process
/// and is shared by every process serving the host
/// ([`Verifier::with_replay_store`]).
pub struct Verifier {
    secrets: Vec<Secret>,
    host: String,
    known_models: BTreeSet<String>,
    replay: Arc<dyn ReplayStore>,
}

/// The query parameters as received (percent-decoded), by name.
struct Received<'a> {
    values: BTreeMap<&'static str, String>,
    encoded_target: &'a str,
}

impl Received<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Parses a present parameter's JSON text as `T`, or says what was expected.
    fn json<T: DeserializeOwned>(&self, name: &'static str, expected: &str) -> Result<Option<T>, EmbedError> {
        let Some(text) = self.get(name) else { return Ok(None) };
        serde_json::from_str(text)
            .map(Some)
            .map_err(|err| EmbedError::Malformed { parameter: name, reason: format!("expected {expected} ({err})") })
    }

    /// Like [`Received::json`] for a parameter already known to be present.
    fn required<T: DeserializeOwned>(&self, name: &'static str, expected: &str) -> Result<T, EmbedError> {
        self.json(name, expected)?.ok_or(EmbedError::Missing { parameter: name })
    }
}

impl Verifier {
    /// A verifier for URLs signed for `host` with any of `secrets`, granting
    /// only `known_models`.
    ///
    /// `host` is this server's public host as the embedding application's
    /// signer knows it (e.g. `ponte.example.com`, or with a port): it is the
    /// first signed line, so it must be what the signer passed, not whatever
    /// `Host` header a request carries. A scheme (`https://`) is dropped, as
    /// the signer drops it.
    ///
    /// Fails with [`EmbedError::NoSecrets`] when `secrets` is empty or holds
    /// an empty secret (an empty HMAC key is no secret at all).
    pub fn new<S: Into<String>>(
        host: &str,
        secrets: Vec<Secret>,
        known_models: impl IntoIterator<Item = S>,
    ) -> Result<Self, EmbedError> {
        if secrets.is_empty() || secrets.iter().any(Secret::is_empty) {
            return Err(EmbedError::NoSecrets);
        }
        Ok(Verifier {
            secrets,
            host: split_host(host).1.to_owned(),
            known_models: known_models.into_iter().map(Into::into).collect(),
            replay: Arc::new(MemoryReplayStore::default()),
        })
    }

    /// The same verifier remembering spent URLs and nonces in `store`.
    pub fn with_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = store;
        self
    }

    /// The host signed URLs must name (without scheme).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether `model` is one this server serves (what a login may grant).
    pub fn knows_model(&self, model: &str) -> bool {
        self.known_models.contains(model)
    }

    /// Verifies a signed embed URL and spends it.
    ///
    /// `path_and_query` is the request target exactly as it arrived
    /// (`/login/embed/%2Fembed%2Fdashboards%2F1?nonce=…&signature=…`), not
    /// re-encoded: the signature covers the encoded target as it appears.
    /// Query parameters may come in any order; unknown ones are ignored; a
    /// known one given twice is refused. `now` is the current Unix time.
    ///
    /// Checks, in order: required parameters present; every value parses
    /// (each is JSON text); the signature, in constant time, under each
    /// secret, over the JSON texts as received; `|now − time| ≤ 300 s`;
    /// `session_length` within 1 s..30 days; every model known; the target
    /// under `/embed/`; then the URL and its nonce unused. Only a URL that
    /// passes everything is remembered, so URLs that fail (unsigned ones
    /// included) cannot burn nonces.
    pub fn verify(&self, path_and_query: &str, now: i64) -> Result<EmbedLogin, EmbedError> {
        let (login, url_digest) = self.inspect(path_and_query, now)?;
        self.replay.spend(&login.nonce, url_digest, now)?;
        Ok(login)
    }

    /// Checks a signed embed URL like [`Verifier::verify`] without spending
    /// it: a URL that was spent already is refused as such, and one that
    /// passes can still log in once (Looker's `validate_embed_url`).
    pub fn validate(&self, path_and_query: &str, now: i64) -> Result<EmbedLogin, EmbedError> {
        let (login, url_digest) = self.inspect(path_and_query, now)?;
        self.replay.check_unspent(&login.nonce, url_digest, now)?;
        Ok(login)
    }

    /// Every check but the URL's and nonce's use; the login, and the
    /// SHA-256 of the URL that names it for the replay store.
    fn inspect(&self, path_and_query: &str, now: i64) -> Result<(EmbedLogin, [u8; 32]), EmbedError> {
        let received = receive(path_and_query)?;
        for parameter in REQUIRED {
            if received.get(parameter).is_none() {
                return Err(EmbedError::Missing { parameter });
            }
        }

        // Parse everything before any check that costs an HMAC.
        let target = decode_path_component(received.encoded_target)
            .ok_or_else(|| EmbedError::Malformed { parameter: "path", reason: "the target is not UTF-8".into() })?;
        let nonce: String = received.required("nonce", "a JSON string")?;
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
            return Err(EmbedError::Malformed {
                parameter: "nonce",
                reason: format!("must be 1 to {MAX_NONCE_LEN} bytes long"),
            });
        }
        let time: i64 = received.required("time", "a JSON integer, Unix seconds")?;
        let session_length: u64 = received.required("session_length", "a JSON integer, seconds")?;
        if session_length == 0 {
            return Err(EmbedError::Malformed {
                parameter: "session_length",
                reason: "must be at least 1 second".into(),
            });
        }
        let external_user_id: String = received.required("external_user_id", "a JSON string")?;
        if external_user_id.is_empty() {
            return Err(EmbedError::Malformed { parameter: "external_user_id", reason: "must not be empty".into() });
        }
        let permissions: Vec<String> = received.required("permissions", "a JSON array of strings")?;
        let models: Vec<String> = received.required("models", "a JSON array of strings")?;
        let group_ids: Option<Vec<i64>> = received.json("group_ids", "a JSON array of integers")?;
        let external_group_id: Option<String> = received.json("external_group_id", "a JSON string")?;
        let user_attributes: Option<Map<String, Value>> = received.json("user_attributes", "a JSON object")?;
        let user_attributes = attributes_as_text(user_attributes.unwrap_or_default())?;
        let access_filters: Map<String, Value> = received.required("access_filters", "a JSON object")?;
        let first_name: Option<String> = received.json("first_name", "a JSON string")?;
        let last_name: Option<String> = received.json("last_name", "a JSON string")?;
        let user_timezone: Option<Option<String>> = received.json("user_timezone", "a JSON string or null")?;
        let force_logout_login: Option<bool> = received.json("force_logout_login", "a JSON boolean")?;

        self.check_signature(&received)?;

        let skew = now.abs_diff(time);
        if skew > MAX_CLOCK_SKEW.unsigned_abs() {
            return Err(if time < now {
                EmbedError::Expired { by_seconds: skew }
            } else {
                EmbedError::FromFuture { by_seconds: skew }
            });
        }
        if session_length > MAX_SESSION_LENGTH {
            return Err(EmbedError::SessionTooLong { seconds: session_length, max: MAX_SESSION_LENGTH });
        }
        if let Some(model) = models.iter().find(|model| !self.known_models.contains(*model)) {
            return Err(EmbedError::UnknownModel { model: model.clone() });
        }
        check_target(&target).map_err(|reason| EmbedError::BadTarget { reason })?;

        let url_digest: [u8; 32] = Sha256::digest(path_and_query.as_bytes()).into();
        let login = EmbedLogin {
            target,
            external_user_id,
            permissions,
            models,
            group_ids,
            external_group_id,
            user_attributes,
            access_filters,
            session_length,
            nonce,
            time,
            first_name,
            last_name,
            user_timezone: user_timezone.flatten(),
            force_logout_login,
        };
        Ok((login, url_digest))
    }

    /// Recomputes the signature over the received texts under every secret
    /// (all of them, so timing does not tell which one matched) and compares
    /// in constant time.
    fn check_signature(&self, received: &Received<'_>) -> Result<(), EmbedError> {
        let signed =
            join_lines(&self.host, received.encoded_target, SIGNED.iter().filter_map(|name| received.get(name)));
        // A hand-built URL that forgot to encode the signature's `+` arrives
        // as a space; base64 has no spaces, so reading it back is harmless.
        let given = received.get("signature").unwrap_or_default().replace(' ', "+");
        let Ok(given) = BASE64.decode(given.as_bytes()) else { return Err(EmbedError::BadSignature) };
        let mut matched = Choice::from(0);
        for secret in &self.secrets {
            matched |= mac(signed.as_bytes(), secret).as_slice().ct_eq(&given);
        }
        if bool::from(matched) { Ok(()) } else { Err(EmbedError::BadSignature) }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("host", &self.host)
            .field("secrets", &self.secrets)
            .field("known_models", &self.known_models)
            .field("replay", &self.replay)
            .finish()
    }
}

/// Splits the request target into the encoded target and the decoded
/// values of the known query parameters.
fn receive(path_and_query: &str) -> Result<Received<'_>, EmbedError> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let Some(encoded_target) = path.strip_prefix(EMBED_PATH_PREFIX) else {
        return Err(EmbedError::Malformed {
            parameter: "path",
            reason: format!("a signed embed URL's path starts with {EMBED_PATH_PREFIX}"),
        });
    };
    if encoded_target.is_empty() {
        return Err(EmbedError::Missing { parameter: "target" });
    }
    let mut values = BTreeMap::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(name) = decode_query_component(raw_name) else { continue };
        let Some(&parameter) = PARAMETERS.iter().find(|known| **known == name) else { continue };
        let value = decode_query_component(raw_value)
            .ok_or_else(|| EmbedError::Malformed { parameter, reason: "not UTF-8 once percent-decoded".into() })?;
        if values.insert(parameter, value).is_some() {
            return Err(EmbedError::Malformed { parameter, reason: "given more than once".into() });
        }
    }
    Ok(Received { values, encoded_target })
}

/// User attributes as text, the form access filters compare against: a
/// string, number or boolean as written, an array of them comma-joined;
/// anything else is refused, naming the attribute.
pub fn attributes_as_text(attributes: Map<String, Value>) -> Result<BTreeMap<String, String>, EmbedError> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }
    attributes
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::Array(items) => {
                    items.iter().map(scalar).collect::<Option<Vec<_>>>().map(|items| items.join(","))
                }
                other => scalar(other),
            };
            text.map(|text| (name.clone(), text)).ok_or_else(|| EmbedError::Malformed {
                parameter: "user_attributes",
                reason: format!("`{name}` must be a string, number, boolean, or an array of those"),
            })
        })
        .collect()
}

/// Refuses targets that would send the browser anywhere but an embed page
/// on this server: they must be a path under `/embed/` (so never a scheme,
/// a `//host`, or a bare host), with no backslash (browsers read it as `/`),
/// no whitespace or control characters, and no `.`/`..` segments (plain or
/// percent-encoded, which browsers also resolve).
pub fn check_target(target: &str) -> Result<(), &'static str> {
    if !target.starts_with("/embed/") {
        return Err("it must be a path under /embed/ on this server");
    }
    if target.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) {
        return Err("it contains a backslash, whitespace or a control character");
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let dot_segment = path.split('/').any(|segment| {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        segment == "." || segment == ".."
    });
    if dot_segment {
        return Err("it contains a `.` or `..` path segment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        for good in
            ["/embed/dashboards/1", "/embed/looks/2?Date=1%20years", "/embed/explore/m/e?q=a/../b", "/embed/a..b"]
        {
            assert_eq!(check_target(good), Ok(()), "{good}");
        }
        for bad in [
            "//evil.com",
            "https://evil.com/embed/x",
            "/embedded/x",
            "embed/x",
            "/embed\\..\\admin",
            "/embed/../admin",
            "/embed/%2E%2e/admin",
            "/embed/.%2e",
            "/embed/./x",
            "/embed/x\n",
            "/embed/x y",
            "",
        ] {
            assert!(check_target(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn attributes_become_text() {
        let attributes: Map<String, Value> =
            serde_json::from_str(r#"{"s":"en_US","n":42,"f":1.5,"b":true,"a":["x",1,false],"e":[]}"#).unwrap();
        let text = attributes_as_text(attributes).unwrap();
        let expected: BTreeMap<String, String> =
            [("s", "en_US"), ("n", "42"), ("f", "1.5"), ("b", "true"), ("a", "x,1,false"), ("e", "")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(text, expected);
        for bad in [r#"{"x":null}"#, r#"{"x":{"y":1}}"#, r#"{"x":[[1]]}"#] {
            let attributes: Map<String, Value> = serde_json::from_str(bad).unwrap();
            assert!(matches!(attributes_as_text(attributes), Err(EmbedError::Malformed { .. })), "{bad}");
        }
    }

    #[test]
    fn query_parsing() {
        let received = receive("/login/embed/%2Fembed%2Fx?a=1&nonce=%22n%2Bm+o%22&&signature").unwrap();
        assert_eq!(received.encoded_target, "%2Fembed%2Fx");
        assert_eq!(received.get("nonce"), Some("\"n+m o\""));
        assert_eq!(received.get("signature"), Some(""));
        assert_eq!(received.get("a"), None);
        assert!(matches!(
            receive("/login/embed/x?time=1&time=2"),
            Err(EmbedError::Malformed { parameter: "time", .. })
        ));
        assert!(matches!(receive("/login/embed/?time=1"), Err(EmbedError::Missing { parameter: "target" })));
        assert!(matches!(receive("/embed/x?time=1"), Err(EmbedError::Malformed { parameter: "path", .. })));
        assert!(matches!(receive("/login/embed/x?nonce=%FF"), Err(EmbedError::Malformed { parameter: "nonce", .. })));
    }
}
