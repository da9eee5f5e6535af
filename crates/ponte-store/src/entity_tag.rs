//! ETags compared as HTTP entity tags (RFC 9110 §8.8.3): an opaque string,
//! normally quoted, perhaps marked weak with `W/`. Stores disagree on the
//! wrapping: fake-gcs-server, like other GCS-compatible servers, lists an
//! object's ETag bare and answers a GET with it quoted, so comparing the
//! raw text once made every object of a no-change re-sync look changed.

/// The opaque part of an entity tag: without a weak marker and without the
/// quotes around it, whichever of them it came with.
pub fn opaque_tag(raw: &str) -> &str {
    let raw = raw.trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    raw.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(raw)
}

/// Whether two ETags, as stores wrote them, name the same version: equal
/// opaque parts (the weak comparison of RFC 9110, which is what "has this
/// object changed" asks). Two missing ETags are the same; one missing is not.
pub fn same_tag(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => opaque_tag(a) == opaque_tag(b),
        (None, None) => true,
        _ => false,
    }
}

/// The hex MD5 an ETag holds, if it is one (lower case): what a single-part
/// S3 object's or a non-composite GCS object's ETag is. A multipart ETag
/// (`…-3`) or a base64 digest is not.
pub fn md5_of_tag(raw: &str) -> Option<String> {
    let t = opaque_tag(raw);
    (t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_weak_markers_do_not_make_a_new_version() {
        assert_eq!(opaque_tag("\"XrY7u+Ae7tCTyyK7j1rNww==\""), "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(opaque_tag("XrY7u+Ae7tCTyyK7j1rNww=="), "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(opaque_tag("W/\"4f2a-18c3e\""), "4f2a-18c3e");
        assert!(same_tag(Some("\"abc\""), Some("abc")));
        assert!(same_tag(Some("W/\"abc\""), Some("\"abc\"")));
        assert!(!same_tag(Some("\"abc\""), Some("\"abd\"")));
        assert!(!same_tag(Some("abc"), None));
        assert!(same_tag(None, None));
        // A lone quote is text, not a wrapping.
        assert_eq!(opaque_tag("\""), "\"");
    }

    #[test]
    fn only_plain_hex_md5s_count_as_md5s() {
        assert_eq!(md5_of_tag("\"9E107D9D372BB6826BD81D3542A419D6\"").unwrap(), "9e107d9d372bb6826bd81d3542a419d6");
        assert_eq!(md5_of_tag("W/\"9e107d9d372bb6826bd81d3542a419d6\"").unwrap(), "9e107d9d372bb6826bd81d3542a419d6");
        assert!(md5_of_tag("\"9e107d9d372bb6826bd81d3542a419d6-2\"").is_none());
        assert!(md5_of_tag("XrY7u+Ae7tCTyyK7j1rNww==").is_none());
        assert!(md5_of_tag("3").is_none());
    }
}
