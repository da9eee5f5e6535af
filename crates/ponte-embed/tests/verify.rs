//! Verification rules: each way a signed embed URL is refused, and the
//! ways it must still be accepted.

use ponte_embed::{
    Algorithm, EmbedError, EmbedParams, MAX_SESSION_LENGTH, Secret, Verifier, sign_url, signature, string_to_sign,
};
use serde_json::json;

const HOST: &str = "ponte.example.com";
const NOW: i64 = 1_700_000_000;
const SECRET: &str = "s3cr3t-value-that-must-never-leak";
const OTHER_SECRET: &str = "0th3r-s3cr3t-value-also-private";

fn sha1() -> Secret {
    Secret::new(SECRET, Algorithm::Sha1)
}

fn sha256() -> Secret {
    Secret::new(OTHER_SECRET, Algorithm::Sha256)
}

fn verifier(secrets: Vec<Secret>) -> Verifier {
    Verifier::new(&format!("https://{HOST}"), secrets, ["thelook", "powered_by"]).unwrap()
}

fn params() -> EmbedParams {
    let mut params = EmbedParams::new("/embed/dashboards/7?Region=EU%20West", "user-17", NOW);
    params.permissions = vec!["access_data".into(), "see_user_dashboards".into()];
    params.models = vec!["thelook".into()];
    params.group_ids = Some(vec![4, 5]);
    params.external_group_id = Some("acme".into());
    params.user_attributes = Some(json!({"region": "EU", "tier": 3, "tags": ["a", "b"]}).as_object().unwrap().clone());
    params.access_filters = json!({"thelook": {"orders.region": "EU"}}).as_object().unwrap().clone();
    params
}

/// The path and query of a signed URL, as the server receives it.
fn sign(params: &EmbedParams, secret: &Secret) -> String {
    let url = sign_url(HOST, params, secret);
    url.strip_prefix(&format!("https://{HOST}")).unwrap().to_owned()
}

/// `url` with parameter `name` set to the already-encoded `value` (appended if absent).
fn with(url: &str, name: &str, value: &str) -> String {
    let (path, query) = url.split_once('?').unwrap();
    let mut found = false;
    let mut pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            if pair.split('=').next() == Some(name) {
                found = true;
                format!("{name}={value}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    if !found {
        pairs.insert(0, format!("{name}={value}"));
    }
    format!("{path}?{}", pairs.join("&"))
}

/// `url` without parameter `name`.
fn without(url: &str, name: &str) -> String {
    let (path, query) = url.split_once('?').unwrap();
    let pairs: Vec<&str> = query.split('&').filter(|pair| pair.split('=').next() != Some(name)).collect();
    format!("{path}?{}", pairs.join("&"))
}

fn encode(text: &str) -> String {
    // Enough of encodeURIComponent for the test values.
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '!' | '~' | '*' | '\'' | '(' | ')' => c.to_string(),
            other => other.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
        })
        .collect()
}

/// Neither the message nor the debug form of an error may carry a secret or
/// the signature the server computed.
fn assert_safe(err: &EmbedError, expected_signatures: &[&str]) {
    let texts = [err.to_string(), format!("{err:?}")];
    for text in texts {
        assert!(!text.contains(SECRET) && !text.contains(OTHER_SECRET), "{text}");
        for signature in expected_signatures {
            assert!(!text.contains(signature), "{text}");
        }
    }
}

#[test]
fn roundtrip_with_either_algorithm() {
    for secret in [sha1(), sha256()] {
        let params = params();
        let url = sign(&params, &secret);
        let login = verifier(vec![secret.clone()]).verify(&url, NOW).unwrap();
        assert_eq!(login.target, "/embed/dashboards/7?Region=EU%20West");
        assert_eq!(login.external_user_id, "user-17");
        assert_eq!(login.permissions, params.permissions);
        assert_eq!(login.models, params.models);
        assert_eq!(login.group_ids, Some(vec![4, 5]));
        assert_eq!(login.external_group_id.as_deref(), Some("acme"));
        assert_eq!(login.access_filters, params.access_filters);
        assert_eq!(login.session_length, 3600);
        assert_eq!(login.nonce, params.nonce);
        assert_eq!(login.time, NOW);
        let attributes: Vec<(&str, &str)> =
            login.user_attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(attributes, [("region", "EU"), ("tags", "a,b"), ("tier", "3")]);
        assert_eq!(
            (login.first_name, login.last_name, login.user_timezone, login.force_logout_login),
            (None, None, None, None)
        );
    }
}

#[test]
fn minimal_params_roundtrip() {
    let mut params = EmbedParams::new("/embed/looks/1", "u", NOW);
    params.models = vec!["powered_by".into()];
    let url = sign(&params, &sha256());
    assert!(!url.contains("group_ids") && !url.contains("user_attributes") && url.contains("access_filters=%7B%7D"));
    let login = verifier(vec![sha256()]).verify(&url, NOW).unwrap();
    assert!(login.user_attributes.is_empty() && login.permissions.is_empty() && login.group_ids.is_none());
}

#[test]
fn any_active_secret_verifies_during_rotation() {
    let rotating = verifier(vec![sha1(), sha256()]);
    rotating.verify(&sign(&params(), &sha256()), NOW).unwrap();
    rotating.verify(&sign(&params(), &sha1()), NOW).unwrap();
    // The same key under the other hash is a different secret.
    let wrong_hash = Secret::new(SECRET, Algorithm::Sha256);
    assert_eq!(rotating.verify(&sign(&params(), &wrong_hash), NOW), Err(EmbedError::BadSignature));
    let retired = Secret::new("retired", Algorithm::Sha1);
    let err = rotating.verify(&sign(&params(), &retired), NOW).unwrap_err();
    assert_eq!((err.clone(), err.status()), (EmbedError::BadSignature, 401));
}

#[test]
fn the_json_text_is_verified_as_received() {
    // A signer with its own JSON style (spaces, key order): verification
    // signs the texts it received, not a re-serialisation.
    let texts = [
        ("nonce", r#""n-1""#),
        ("time", &NOW.to_string()),
        ("session_length", "600"),
        ("external_user_id", r#""u1""#),
        ("permissions", r#"[ "access_data",  "see_looks" ]"#),
        ("models", r#"["thelook"]"#),
        ("user_attributes", r#"{ "b": 1, "a": "x y" }"#),
        ("access_filters", "{ }"),
    ];
    let encoded_target = encode("/embed/dashboards/1");
    let mut lines = vec![HOST.to_owned(), format!("/login/embed/{encoded_target}")];
    lines.extend(texts.iter().map(|(_, text)| text.to_string()));
    let sig = signature(&lines.join("\n"), &sha1());
    let query: Vec<String> = texts.iter().map(|(name, text)| format!("{name}={}", encode(text))).collect();
    let url = format!("/login/embed/{encoded_target}?{}&signature={}", query.join("&"), encode(&sig));
    let login = verifier(vec![sha1()]).verify(&url, NOW).unwrap();
    assert_eq!(login.permissions, ["access_data", "see_looks"]);
    assert_eq!(login.user_attributes.get("a").map(String::as_str), Some("x y"));
}

#[test]
fn every_signed_parameter_is_covered_by_the_signature() {
    let url = sign(&params(), &sha1());
    let sig = url.rsplit_once("signature=").unwrap().1.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=");
    let tampered = [
        ("nonce", r#""another-nonce""#.to_owned()),
        ("time", (NOW + 1).to_string()),
        ("session_length", "7200".to_owned()),
        ("external_user_id", r#""admin""#.to_owned()),
        ("permissions", r#"["access_data","see_user_dashboards","see_sql"]"#.to_owned()),
        ("models", r#"["thelook","powered_by"]"#.to_owned()),
        ("group_ids", "[4,5,1]".to_owned()),
        ("external_group_id", r#""other""#.to_owned()),
        ("user_attributes", r#"{"region":"US","tier":3,"tags":["a","b"]}"#.to_owned()),
        ("access_filters", "{}".to_owned()),
    ];
    let verifier = verifier(vec![sha1(), sha256()]);
    for (name, text) in tampered {
        let err = verifier.verify(&with(&url, name, &encode(&text)), NOW).unwrap_err();
        assert_eq!(err, EmbedError::BadSignature, "{name}");
        assert_safe(&err, &[&sig]);
    }
    // Dropping an optional signed parameter, or adding one, breaks it too.
    for name in ["group_ids", "external_group_id", "user_attributes"] {
        assert_eq!(verifier.verify(&without(&url, name), NOW), Err(EmbedError::BadSignature), "{name}");
    }
    let mut bare = params();
    bare.group_ids = None;
    let bare_url = sign(&bare, &sha1());
    assert_eq!(verifier.verify(&with(&bare_url, "group_ids", "%5B1%5D"), NOW), Err(EmbedError::BadSignature));
    // The target, and the signature itself.
    let other_target = url.replacen("dashboards%2F7", "dashboards%2F8", 1);
    assert_eq!(verifier.verify(&other_target, NOW), Err(EmbedError::BadSignature));
    for bad in ["", "%3D%3D", "not-base64!", "AAAA"] {
        assert_eq!(verifier.verify(&with(&url, "signature", bad), NOW), Err(EmbedError::BadSignature), "{bad:?}");
    }
    // None of that spent the nonce: the real URL still works.
    verifier.verify(&url, NOW).unwrap();
}

#[test]
fn time_must_be_within_five_minutes() {
    let verifier = verifier(vec![sha1()]);
    let url = sign(&params(), &sha1());
    let err = verifier.verify(&url, NOW + 301).unwrap_err();
    assert_eq!((err.clone(), err.status()), (EmbedError::Expired { by_seconds: 301 }, 401));
    assert!(err.to_string().contains("301 s in the past"), "{err}");
    assert_eq!(verifier.verify(&url, NOW - 301), Err(EmbedError::FromFuture { by_seconds: 301 }));
    // Refused URLs were not spent: at the edges of the window they work.
    verifier.verify(&url, NOW + 300).unwrap();
    verifier.verify(&sign(&params(), &sha1()), NOW - 300).unwrap();
    // Extreme times do not overflow.
    let mut ancient = params();
    ancient.time = i64::MIN;
    assert!(matches!(verifier.verify(&sign(&ancient, &sha1()), i64::MAX), Err(EmbedError::Expired { .. })));
}

#[test]
fn a_nonce_works_once_even_in_another_url() {
    let verifier = verifier(vec![sha1()]);
    let first = params();
    let mut second = params();
    second.nonce = first.nonce.clone();
    second.target = "/embed/dashboards/8".into();
    verifier.verify(&sign(&first, &sha1()), NOW).unwrap();
    let err = verifier.verify(&sign(&second, &sha1()), NOW + 10).unwrap_err();
    assert_eq!((err.clone(), err.status()), (EmbedError::NonceReused, 401));
    // Still refused 59 minutes later (with a fresh time), accepted after an hour.
    second.time = NOW + 3590;
    assert_eq!(verifier.verify(&sign(&second, &sha1()), NOW + 3600), Err(EmbedError::NonceReused));
    second.time = NOW + 3601;
    verifier.verify(&sign(&second, &sha1()), NOW + 3601).unwrap();
}

#[test]
fn a_url_works_once() {
    let verifier = verifier(vec![sha1()]);
    let url = sign(&params(), &sha1());
    verifier.verify(&url, NOW).unwrap();
    let err = verifier.verify(&url, NOW + 1).unwrap_err();
    assert_eq!((err.clone(), err.status()), (EmbedError::UrlReused, 401));
    // Changing an unsigned parameter does not make it a new URL for the nonce.
    assert_eq!(verifier.verify(&with(&url, "first_name", "%22Eve%22"), NOW + 1), Err(EmbedError::NonceReused));
}

#[test]
fn concurrent_uses_of_one_url_let_one_through() {
    let verifier = verifier(vec![sha1()]);
    let url = sign(&params(), &sha1());
    let successes = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| verifier.verify(&url, NOW).is_ok())).collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).filter(|ok| *ok).count()
    });
    assert_eq!(successes, 1);
}

#[test]
fn session_length_is_at_most_thirty_days() {
    let verifier = verifier(vec![sha1()]);
    let mut params = params();
    params.session_length = MAX_SESSION_LENGTH + 1;
    let err = verifier.verify(&sign(&params, &sha1()), NOW).unwrap_err();
    assert_eq!(err, EmbedError::SessionTooLong { seconds: 30 * 86400 + 1, max: 30 * 86400 });
    assert_eq!(err.status(), 400);
    params.session_length = 0;
    let err = verifier.verify(&sign(&params, &sha1()), NOW).unwrap_err();
    assert!(matches!(err, EmbedError::Malformed { parameter: "session_length", .. }), "{err:?}");
    params.session_length = MAX_SESSION_LENGTH;
    params.nonce = ponte_embed::new_nonce();
    assert_eq!(verifier.verify(&sign(&params, &sha1()), NOW).unwrap().session_length, 2_592_000);
}

#[test]
fn models_must_be_known() {
    let verifier = verifier(vec![sha1()]);
    let mut params = params();
    params.models = vec!["thelook".into(), "payroll".into()];
    let url = sign(&params, &sha1());
    let err = verifier.verify(&url, NOW).unwrap_err();
    assert_eq!((err.clone(), err.status()), (EmbedError::UnknownModel { model: "payroll".into() }, 403));
    // Not spent: the signer can fix the model list and reuse the nonce.
    params.models = vec!["thelook".into()];
    verifier.verify(&sign(&params, &sha1()), NOW).unwrap();
}

#[test]
fn each_required_parameter_is_required() {
    let verifier = verifier(vec![sha1()]);
    let url = sign(&params(), &sha1());
    for name in
        ["nonce", "time", "session_length", "external_user_id", "permissions", "models", "access_filters", "signature"]
    {
        let err = verifier.verify(&without(&url, name), NOW).unwrap_err();
        assert_eq!(err, EmbedError::Missing { parameter: name });
        assert_eq!(err.status(), if name == "signature" { 401 } else { 400 }, "{name}");
    }
    assert_eq!(verifier.verify("/login/embed/?nonce=1", NOW), Err(EmbedError::Missing { parameter: "target" }));
    let err = verifier.verify("/login/other", NOW).unwrap_err();
    assert!(matches!(err, EmbedError::Malformed { parameter: "path", .. }), "{err:?}");
    verifier.verify(&url, NOW).unwrap();
}

#[test]
fn malformed_values_are_refused_before_the_signature() {
    let verifier = verifier(vec![sha1()]);
    let url = sign(&params(), &sha1());
    let malformed = [
        ("permissions", r#"["access_data""#),
        ("permissions", r#""access_data""#),
        ("models", "[1]"),
        ("time", r#""1700000000""#),
        ("time", "1700000000.5"),
        ("session_length", "-1"),
        ("nonce", "abc"),
        ("nonce", r#""""#),
        ("external_user_id", "17"),
        ("group_ids", r#"["a"]"#),
        ("user_attributes", "[]"),
        ("user_attributes", r#"{"region":{"nested":true}}"#),
        ("access_filters", "null"),
        ("first_name", "Pat"),
        ("force_logout_login", r#""yes""#),
    ];
    for (name, text) in malformed {
        let err = verifier.verify(&with(&url, name, &encode(text)), NOW).unwrap_err();
        assert!(
            matches!(&err, EmbedError::Malformed { parameter, .. } if *parameter == name),
            "{name}={text}: {err:?}"
        );
        assert_eq!(err.status(), 400);
        assert_safe(&err, &[]);
    }
    let long_nonce = format!("\"{}\"", "n".repeat(256));
    assert!(matches!(
        verifier.verify(&with(&url, "nonce", &encode(&long_nonce)), NOW),
        Err(EmbedError::Malformed { parameter: "nonce", .. })
    ));
    // A parameter given twice is ambiguous: refused, whichever copy is signed.
    let twice = format!("{url}&models={}", encode(r#"["powered_by"]"#));
    assert!(matches!(verifier.verify(&twice, NOW), Err(EmbedError::Malformed { parameter: "models", .. })));
    verifier.verify(&url, NOW).unwrap();
}

#[test]
fn targets_outside_embed_are_refused_even_when_signed() {
    let verifier = verifier(vec![sha1()]);
    for target in ["//evil.com", "https://evil.com/embed/x", "/embed/../admin", "/embed/%2e%2e/admin", "/embed\\x"] {
        let mut params = params();
        params.target = target.into();
        let err = verifier.verify(&sign(&params, &sha1()), NOW).unwrap_err();
        assert!(matches!(err, EmbedError::BadTarget { .. }), "{target}: {err:?}");
        assert_eq!(err.status(), 400);
    }
}

#[test]
fn unsigned_parameters_ride_along() {
    let verifier = verifier(vec![sha1()]);
    let mut params = params();
    params.first_name = Some("Pat".into());
    params.last_name = Some("Embed".into());
    params.user_timezone = Some("Europe/Madrid".into());
    params.force_logout_login = Some(false);
    let url = sign(&params, &sha1());
    // Anyone holding the URL may change them: the signature still holds.
    let changed = with(&with(&url, "first_name", "%22Eve%22"), "user_timezone", "null");
    let login = verifier.verify(&changed, NOW).unwrap();
    assert_eq!(login.first_name.as_deref(), Some("Eve"));
    assert_eq!(login.last_name.as_deref(), Some("Embed"));
    assert_eq!(login.user_timezone, None);
    assert_eq!(login.force_logout_login, Some(false));
    // Unknown parameters are ignored.
    let mut params = params.clone();
    params.nonce = ponte_embed::new_nonce();
    verifier.verify(&with(&sign(&params, &sha1()), "utm_source", "x"), NOW).unwrap();
}

#[test]
fn a_signature_with_an_unencoded_plus_still_verifies() {
    // Hand-built signers sometimes leave base64's `+` unencoded; a form
    // decoder reads it as a space, which the verifier reads back.
    let verifier = verifier(vec![sha1()]);
    let mut params = params();
    let url = (0..)
        .map(|i| {
            params.nonce = format!("plus-{i}");
            sign(&params, &sha1())
        })
        .find(|url| url.rsplit_once("signature=").unwrap().1.contains("%2B"))
        .unwrap();
    let (head, sig) = url.rsplit_once("signature=").unwrap();
    verifier.verify(&format!("{head}signature={}", sig.replace("%2B", "+")), NOW).unwrap();
}

#[test]
fn secrets_never_show_in_debug_output() {
    let secret = sha1();
    let debug = format!("{secret:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert_eq!(debug, "Secret(…, hmac-sha1)");
    let verifier = verifier(vec![sha1(), sha256()]);
    verifier.verify(&sign(&params(), &sha1()), NOW).unwrap();
    for debug in [format!("{verifier:?}"), format!("{verifier:#?}")] {
        assert!(!debug.contains(SECRET) && !debug.contains(OTHER_SECRET), "{debug}");
        assert!(debug.contains("nonces: 1"), "{debug}");
    }
}

#[test]
fn a_verifier_needs_a_usable_secret() {
    let none = Verifier::new(HOST, vec![], ["thelook"]).unwrap_err();
    assert_eq!((none.clone(), none.status()), (EmbedError::NoSecrets, 500));
    let empty = Verifier::new(HOST, vec![sha1(), Secret::new("", Algorithm::Sha256)], ["thelook"]);
    assert_eq!(empty.unwrap_err(), EmbedError::NoSecrets);
}

#[test]
fn the_host_is_signed_without_scheme() {
    let params = params();
    assert!(string_to_sign("https://ponte.example.com", &params).starts_with("ponte.example.com\n/login/embed/"));
    let url = sign_url("http://localhost:8080", &params, &sha1());
    assert!(
        url.starts_with("http://localhost:8080/login/embed/%2Fembed%2Fdashboards%2F7%3FRegion%3DEU%2520West?nonce=")
    );
    let local = Verifier::new("localhost:8080", vec![sha1()], ["thelook"]).unwrap();
    assert_eq!(local.host(), "localhost:8080");
    local.verify(url.strip_prefix("http://localhost:8080").unwrap(), NOW).unwrap();
}

#[test]
fn verifier_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Verifier>();
}
