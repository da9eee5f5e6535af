//! The golden signature vectors, signed and verified.
//!
//! `data/embed-signature-vectors.json` is an unchanged copy of
//! `shared/specs/embed-signature-vectors.json` from the design specs (kept
//! here because CI does not have the specs directory). Its two HMAC-SHA1
//! cases are the expected values of the public test suite of Looker's embed
//! SDK (`tests/auth_utils.spec.ts`), which pins ponte's signer to Looker's:
//! the target is encoded with `encodeURIComponent` (`/` becomes `%2F`) and
//! absent optional signed fields are left out of the signed lines.

use ponte_embed::{Algorithm, EmbedError, EmbedParams, Secret, Verifier, sign_url, signature, string_to_sign};
use serde::Deserialize;

const VECTORS: &str = include_str!("data/embed-signature-vectors.json");

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    algorithm: String,
    secret: String,
    host: String,
    signature: String,
    #[serde(flatten)]
    params: EmbedParams,
}

impl Case {
    fn secret(&self) -> Secret {
        Secret::new(&self.secret, self.algorithm.parse().expect("known algorithm"))
    }
}

fn cases() -> Vec<Case> {
    let vectors: Vectors = serde_json::from_str(VECTORS).expect("the vector file parses");
    assert_eq!(vectors.cases.len(), 2, "the vector file changed: review these tests");
    vectors.cases
}

#[test]
fn algorithm_names_parse() {
    assert_eq!("hmac/sha-1".parse::<Algorithm>(), Ok(Algorithm::Sha1));
    assert_eq!("HMAC-SHA256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
    assert_eq!("sha256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
    assert!("md5".parse::<Algorithm>().is_err());
}

#[test]
fn every_vector_signs_to_its_signature() {
    for case in cases() {
        let text = string_to_sign(&case.host, &case.params);
        assert_eq!(signature(&text, &case.secret()), case.signature, "{}", case.name);
        // A host given with a scheme signs the same.
        let with_scheme = string_to_sign(&format!("https://{}/", case.host), &case.params);
        assert_eq!(with_scheme, text, "{}", case.name);
    }
}

#[test]
fn the_string_to_sign_is_lookers() {
    let cases = cases();
    let all = &cases[0];
    assert_eq!(
        string_to_sign(&all.host, &all.params),
        [
            "test.looker.com",
            "/login/embed/%2Fembed%2Fdashboards%2F1",
            r#""abc123""#,
            "1561486800",
            "3600",
            r#""user1""#,
            r#"["access_data","see_looks","see_user_dashboards"]"#,
            r#"["powered_by","thelook"]"#,
            "[1,2,3]",
            r#""group1""#,
            r#"{"locale":"en_US"}"#,
            r#"{"powered_by":{"products.brand":"Allegra K"}}"#,
        ]
        .join("\n")
    );
    let absent = &cases[1];
    assert_eq!(
        string_to_sign(&absent.host, &absent.params),
        [
            "test.looker.com",
            "/login/embed/%2Fembed%2Fdashboards%2F1",
            r#""abc123""#,
            "1561486800",
            "3600",
            r#""user1""#,
            r#"["access_data","see_looks","see_user_dashboards"]"#,
            r#"["powered_by","thelook"]"#,
            "{}",
        ]
        .join("\n")
    );
}

#[test]
fn every_vector_verifies_at_its_time() {
    for case in cases() {
        let url = sign_url(&case.host, &case.params, &case.secret());
        let encoded_signature = case.signature.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        assert!(url.ends_with(&format!("&signature={encoded_signature}")), "{}: {url}", case.name);

        let verifier = Verifier::new(&case.host, vec![case.secret()], case.params.models.clone()).unwrap();
        let path = url.strip_prefix(&format!("https://{}", case.host)).unwrap();
        let login = verifier.verify(path, case.params.time).unwrap_or_else(|err| panic!("{}: {err}", case.name));
        assert_eq!(login.target, case.params.target);
        assert_eq!(login.external_user_id, case.params.external_user_id);
        assert_eq!(login.permissions, case.params.permissions);
        assert_eq!(login.models, case.params.models);
        assert_eq!(login.group_ids, case.params.group_ids);
        assert_eq!(login.external_group_id, case.params.external_group_id);
        assert_eq!(login.access_filters, case.params.access_filters);
        assert_eq!(login.session_length, case.params.session_length);
        assert_eq!(login.time, case.params.time);
        let attributes = login.user_attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>();
        let expected: &[(&str, &str)] =
            if case.params.user_attributes.is_some() { &[("locale", "en_US")] } else { &[] };
        assert_eq!(attributes, expected);

        // Used once; and under another secret or host it never verified.
        assert_eq!(verifier.verify(path, case.params.time), Err(EmbedError::UrlReused));
        let other_secret =
            Verifier::new(&case.host, vec![Secret::new("hunter3", Algorithm::Sha1)], ["thelook", "powered_by"]);
        assert_eq!(other_secret.unwrap().verify(path, case.params.time), Err(EmbedError::BadSignature));
        let other_host = Verifier::new("other.looker.com", vec![case.secret()], ["thelook", "powered_by"]).unwrap();
        assert_eq!(other_host.verify(path, case.params.time), Err(EmbedError::BadSignature));
    }
}

/// The URL Looker's embed SDK builds for the first case (its parameter
/// order, its unsigned extras) verifies: order does not matter and the
/// unsigned parameters are read.
#[test]
fn a_url_as_the_embed_sdk_builds_it_verifies() {
    let case = &cases()[0];
    let path = concat!(
        "/login/embed/%2Fembed%2Fdashboards%2F1",
        "?external_user_id=%22user1%22&first_name=%22Pat%22&last_name=%22Embed%22",
        "&permissions=%5B%22access_data%22%2C%22see_looks%22%2C%22see_user_dashboards%22%5D",
        "&models=%5B%22powered_by%22%2C%22thelook%22%5D&group_ids=%5B1%2C2%2C3%5D",
        "&user_attributes=%7B%22locale%22%3A%22en_US%22%7D&external_group_id=%22group1%22",
        "&access_filters=%7B%22powered_by%22%3A%7B%22products.brand%22%3A%22Allegra%20K%22%7D%7D",
        "&user_timezone=%22America%2FLos_Angeles%22&force_logout_login=true&session_length=3600",
        "&nonce=%22abc123%22&time=1561486800&signature=jcMKWo4eb4Y34CV7dpC6hAgi8oM%3D",
    );
    let verifier = Verifier::new("https://test.looker.com", vec![case.secret()], ["thelook", "powered_by"]).unwrap();
    let login = verifier.verify(path, 1561486800 + 12).unwrap();
    assert_eq!(login.first_name.as_deref(), Some("Pat"));
    assert_eq!(login.last_name.as_deref(), Some("Embed"));
    assert_eq!(login.user_timezone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(login.force_logout_login, Some(true));
    assert_eq!(login.nonce, "abc123");
}

/// ponte's URL for the first case carries each value exactly as the SDK's
/// test expects it in the query string.
#[test]
fn sign_url_encodes_values_as_the_embed_sdk_does() {
    let case = &cases()[0];
    let mut params = case.params.clone();
    params.first_name = Some("Pat".into());
    params.last_name = Some("Embed".into());
    params.user_timezone = Some("America/Los_Angeles".into());
    params.force_logout_login = Some(true);
    let url = sign_url(&case.host, &params, &case.secret());
    assert!(url.starts_with("https://test.looker.com/login/embed/%2Fembed%2Fdashboards%2F1?"), "{url}");
    for fragment in [
        "external_user_id=%22user1%22",
        "first_name=%22Pat%22",
        "last_name=%22Embed%22",
        "session_length=3600",
        "force_logout_login=true",
        "external_group_id=%22group1%22",
        "group_ids=%5B1%2C2%2C3%5D",
        "permissions=%5B%22access_data%22%2C%22see_looks%22%2C%22see_user_dashboards%22%5D",
        "models=%5B%22powered_by%22%2C%22thelook%22%5D",
        "user_attributes=%7B%22locale%22%3A%22en_US%22%7D",
        "access_filters=%7B%22powered_by%22%3A%7B%22products.brand%22%3A%22Allegra%20K%22%7D%7D",
        "user_timezone=%22America%2FLos_Angeles%22",
        "time=1561486800",
        "nonce=%22abc123%22",
        "signature=jcMKWo4eb4Y34CV7dpC6hAgi8oM%3D",
    ] {
        assert!(url.contains(fragment), "{fragment} not in {url}");
    }
    let absent = &cases()[1];
    let url = sign_url(&absent.host, &absent.params, &absent.secret());
    for fragment in ["group_ids=", "external_group_id=", "user_attributes=", "first_name="] {
        assert!(!url.contains(fragment), "{fragment} in {url}");
    }
    assert!(url.contains("access_filters=%7B%7D&signature=RXMPyKsQerTI%2FfbPIwgoTqUsvio%3D"), "{url}");
}
