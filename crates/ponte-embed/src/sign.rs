//! Signing: the string to sign, its HMAC, and the finished URL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::Serialize;

use crate::encode::encode_component;
use crate::params::{Algorithm, EmbedParams, Secret};

/// The path every signed embed URL starts with; the encoded target follows.
pub(crate) const EMBED_PATH_PREFIX: &str = "/login/embed/";

/// Splits `https://host:port/path` into (`https`, `host:port`); a bare host
/// gets `https`. Looker signs the host without scheme, and the URL needs
/// one; a portal's allowed origin is the two joined again.
pub fn split_host(host: &str) -> (&str, &str) {
    let host = host.trim();
    let (scheme, rest) = match host.split_once("://") {
        Some((scheme, rest)) => (scheme, rest),
        None => ("https", host),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    (scheme, authority)
}

/// Compact JSON text, as `JSON.stringify` gives it for these types.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    // Strings, integers, booleans and `serde_json::Value`s (which cannot hold
    // NaN or infinities) always serialise.
    serde_json::to_string(value).expect("embed parameters always serialise to JSON")
}

/// The signed parameters' names and JSON texts, in signing order; the
/// optional ones only when present.
pub(crate) fn signed_values(params: &EmbedParams) -> Vec<(&'static str, String)> {
    let mut values = vec![
        ("nonce", json(&params.nonce)),
        ("time", json(&params.time)),
        ("session_length", json(&params.session_length)),
        ("external_user_id", json(&params.external_user_id)),
        ("permissions", json(&params.permissions)),
        ("models", json(&params.models)),
    ];
    if let Some(group_ids) = &params.group_ids {
        values.push(("group_ids", json(group_ids)));
    }
    if let Some(external_group_id) = &params.external_group_id {
        values.push(("external_group_id", json(external_group_id)));
    }
    if let Some(user_attributes) = &params.user_attributes {
        values.push(("user_attributes", json(user_attributes)));
    }
    values.push(("access_filters", json(&params.access_filters)));
    values
}

/// Joins the lines Looker signs: host (no scheme), the embed path with the
/// target as it appears in the URL, then the signed JSON texts.
pub(crate) fn join_lines<'a>(host: &str, encoded_target: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = format!("{host}\n{EMBED_PATH_PREFIX}{encoded_target}");
    for value in values {
        text.push('\n');
        text.push_str(value);
    }
    text
}

/// The exact text Looker signs for `params` on `host`: lines joined by `\n`
/// — the host without scheme (`https://` is dropped if given), then
/// `/login/embed/` + the `encodeURIComponent`-encoded target, then the JSON
/// text of `nonce`, `time`, `session_length`, `external_user_id`,
/// `permissions`, `models`, then `group_ids`, `external_group_id` and
/// `user_attributes` only when present, then `access_filters`.
///
/// Public so tests and debugging tools can compare it with another signer's.
pub fn string_to_sign(host: &str, params: &EmbedParams) -> String {
    let (_, host) = split_host(host);
    let values = signed_values(params);
    join_lines(host, &encode_component(&params.target), values.iter().map(|(_, text)| text.as_str()))
}

/// The raw HMAC of `message` under `secret`, with the secret's hash.
pub(crate) fn mac(message: &[u8], secret: &Secret) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    match secret.algorithm() {
        Algorithm::Sha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.key()).expect("HMAC takes any key length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.key()).expect("HMAC takes any key length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// `base64(HMAC(secret, string_to_sign))`, standard alphabet with padding,
/// as it goes (percent-encoded) into the `signature` parameter.
pub fn signature(string_to_sign: &str, secret: &Secret) -> String {
    BASE64.encode(mac(string_to_sign.as_bytes(), secret))
}

/// A complete signed embed URL for `params`, as Looker's embed SDK builds
/// it: `https://host/login/embed/<target>?nonce=…&…&signature=…`.
///
/// `host` is the public host the verifier is configured with, given with or
/// without a scheme (`https://ponte.example.com`, `ponte.example.com:8443`);
/// without one the URL uses `https`. The signed line is the host alone, as
/// Looker signs it. Every value is its JSON text, `encodeURIComponent`-encoded;
/// the unsigned `first_name`, `last_name`, `user_timezone` and
/// `force_logout_login` follow the signed ones when set.
///
/// Signing never fails; a target the verifier would refuse (not under
/// `/embed/`) still signs, and is refused when used.
pub fn sign_url(host: &str, params: &EmbedParams, secret: &Secret) -> String {
    let (scheme, authority) = split_host(host);
    let encoded_target = encode_component(&params.target);
    let mut values = signed_values(params);
    let signed = join_lines(authority, &encoded_target, values.iter().map(|(_, text)| text.as_str()));
    let signature = signature(&signed, secret);

    if let Some(first_name) = &params.first_name {
        values.push(("first_name", json(first_name)));
    }
    if let Some(last_name) = &params.last_name {
        values.push(("last_name", json(last_name)));
    }
    if let Some(user_timezone) = &params.user_timezone {
        values.push(("user_timezone", json(user_timezone)));
    }
    if let Some(force_logout_login) = params.force_logout_login {
        values.push(("force_logout_login", json(&force_logout_login)));
    }
    values.push(("signature", signature));

    let query: Vec<String> = values.iter().map(|(name, value)| format!("{name}={}", encode_component(value))).collect();
    format!("{scheme}://{authority}{EMBED_PATH_PREFIX}{encoded_target}?{}", query.join("&"))
}

/// A fresh nonce: 16 random bytes from the OS, as 32 hex digits.
///
/// # Panics
///
/// If the operating system has no randomness to give, which on the
/// platforms ponte runs on does not happen once the system has booted.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_scheme_and_path() {
        assert_eq!(split_host("test.looker.com"), ("https", "test.looker.com"));
        assert_eq!(split_host("https://ponte.example.com/"), ("https", "ponte.example.com"));
        assert_eq!(split_host("http://localhost:8080"), ("http", "localhost:8080"));
        assert_eq!(split_host(" ponte.example.com:8443 "), ("https", "ponte.example.com:8443"));
    }

    #[test]
    fn nonces_are_fresh_hex() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn signature_is_base64_hmac() {
        // RFC 2202 / RFC 4231 test case 2: key "Jefe".
        let message = "what do ya want for nothing?";
        assert_eq!(signature(message, &Secret::new("Jefe", Algorithm::Sha1)), "7/zfauXrL6LSdBbV8YTfnCWafHk=");
        assert_eq!(
            signature(message, &Secret::new("Jefe", Algorithm::Sha256)),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
        );
    }
}
