//! Percent-encoding as Looker's embed SDK does it, and the decoding the
//! verifier applies to what arrives.
//!
//! The SDK encodes the target and every query value with JavaScript's
//! `encodeURIComponent`, and the signature covers the encoded target exactly
//! as it appears in the URL, so the signer has to reproduce that function
//! byte for byte: the golden vectors sign `/login/embed/%2Fembed%2Fdashboards%2F1`.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};

/// What `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
/// Everything else, `/` included, is encoded (UTF-8, upper-case hex).
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// JavaScript's `encodeURIComponent(value)`.
pub(crate) fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, URI_COMPONENT).to_string()
}

/// Decodes one query-string key or value the way form decoders (Rack, axum's
/// `Query`) do: `+` is a space, then `%XX` escapes. `None` when the bytes
/// are not UTF-8.
pub(crate) fn decode_query_component(raw: &str) -> Option<String> {
    let spaced: Cow<'_, str> = if raw.contains('+') { Cow::Owned(raw.replace('+', " ")) } else { Cow::Borrowed(raw) };
    percent_decode(spaced.as_bytes()).decode_utf8().ok().map(Cow::into_owned)
}

/// Decodes a path segment: only `%XX` escapes (a `+` in a path is a plus).
/// `None` when the bytes are not UTF-8.
pub(crate) fn decode_path_component(raw: &str) -> Option<String> {
    percent_decode(raw.as_bytes()).decode_utf8().ok().map(Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_encode_uri_component() {
        // Expected values as Node's encodeURIComponent gives them.
        assert_eq!(encode_component("/embed/dashboards/1"), "%2Fembed%2Fdashboards%2F1");
        assert_eq!(encode_component("A-Z_a.z!0~9*'()"), "A-Z_a.z!0~9*'()");
        assert_eq!(encode_component("a b+c&d=e?f#g%h"), "a%20b%2Bc%26d%3De%3Ff%23g%25h");
        assert_eq!(encode_component(r#"{"k":["v",1]}"#), "%7B%22k%22%3A%5B%22v%22%2C1%5D%7D");
        assert_eq!(encode_component("é€😀"), "%C3%A9%E2%82%AC%F0%9F%98%80");
        assert_eq!(encode_component("jcMKWo4eb4Y34CV7dpC6hAgi8oM="), "jcMKWo4eb4Y34CV7dpC6hAgi8oM%3D");
    }

    #[test]
    fn decodes_queries_and_paths() {
        assert_eq!(decode_query_component("a+b%20c%2Bd").as_deref(), Some("a b c+d"));
        assert_eq!(decode_path_component("a+b%2Fc").as_deref(), Some("a+b/c"));
        assert_eq!(decode_query_component("%FF"), None);
        // Round trip through the encoder, for any text.
        let text = "/embed/x?Date=1%20years&é=+";
        assert_eq!(decode_query_component(&encode_component(text)).as_deref(), Some(text));
        assert_eq!(decode_path_component(&encode_component(text)).as_deref(), Some(text));
    }
}
