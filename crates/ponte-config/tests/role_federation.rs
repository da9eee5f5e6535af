//! `role_arn` and its keys on `s3://` stores: what `validate` accepts, what
//! it refuses, and where it says so.

mod common;

use common::{load, problems};
use ponte_config::{RoleArn, SessionName, WebIdentitySource};

fn assert_has(problems: &[String], want: &str) {
    assert!(problems.iter().any(|p| p.contains(want)), "no problem containing `{want}`:\n{}", problems.join("\n"));
}

#[test]
fn the_metadata_server_source_with_defaults() {
    let (_dir, config) = load(
        r#"
[stores.aws]
url = "s3://comerc-datalake"
region = "sa-east-1"
role_arn = "arn:aws:iam::123456789012:role/ponte-reader"
web_identity_audience = "ponte-reader"
"#,
    );
    let role = config.unwrap().stores["aws"].options.role.clone().expect("a role");
    assert_eq!(role.role_arn, RoleArn::parse("arn:aws:iam::123456789012:role/ponte-reader").unwrap());
    assert_eq!(role.session_name.as_str(), "ponte");
    assert_eq!(role.token, WebIdentitySource::GoogleMetadata { audience: "ponte-reader".into() });
    assert_eq!(role.sts_endpoint, None);
}

#[test]
fn a_token_file_resolves_against_the_config_folder_and_none_means_the_env_variable() {
    let (dir, config) = load(
        r#"
[stores.aws]
url = "s3://bkt"
role_arn = "arn:aws:iam::123456789012:role/r"
role_session_name = "ponte-prod"
web_identity_token_file = "secrets/token"
sts_endpoint = "http://127.0.0.1:5000/"
endpoint = "http://127.0.0.1:5000"
allow_http = true
"#,
    );
    let role = config.unwrap().stores["aws"].options.role.clone().unwrap();
    let root = ponte_config::resolve_path(&std::env::current_dir().unwrap(), dir.path());
    assert_eq!(role.token, WebIdentitySource::TokenFile(root.join("secrets/token")));
    assert_eq!(role.session_name, SessionName::parse("ponte-prod").unwrap());
    assert_eq!(role.sts_endpoint.as_deref(), Some("http://127.0.0.1:5000"));

    let (_dir, config) = load("[stores.aws]\nurl = \"s3://bkt\"\nrole_arn = \"arn:aws:iam::123456789012:role/r\"\n");
    assert_eq!(config.unwrap().stores["aws"].options.role.clone().unwrap().token, WebIdentitySource::TokenFileFromEnv);
}

#[test]
fn a_bad_arn_is_named_with_its_line_and_the_expected_form() {
    let p = problems("[stores.aws]\nurl = \"s3://bkt\"\nrole_arn = \"arn:aws:iam::1234:role/r\"\n");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("ponte.toml:3:12: bad role ARN `arn:aws:iam::1234:role/r`: the account id is 12 digits"),
        "{p:?}"
    );
    assert!(p[0].contains("expected arn:aws:iam::<12-digit account id>:role/<name>"), "{p:?}");
}

#[test]
fn role_keys_apply_to_s3_only_exclude_static_keys_and_take_one_token_source() {
    let text = r#"
[stores.gcs]
url = "gs://bkt"
role_arn = "arn:aws:iam::123456789012:role/r"
[stores.keys]
url = "s3://bkt"
role_arn = "arn:aws:iam::123456789012:role/r"
access_key_id_env = "K"
secret_access_key_env = "S"
[stores.both]
url = "s3://bkt"
role_arn = "arn:aws:iam::123456789012:role/r"
web_identity_audience = "aud"
web_identity_token_file = "/t"
[stores.orphan]
url = "s3://bkt"
web_identity_audience = "aud"
[stores.plain]
url = "s3://bkt"
role_arn = "arn:aws:iam::123456789012:role/r"
role_session_name = "has space"
sts_endpoint = "http://127.0.0.1:1"
"#;
    let p = problems(text);
    assert_has(&p, "ponte.toml:4:12: `role_arn` applies only to s3:// stores, not gs://");
    assert_has(&p, "ponte.toml:8:21: `access_key_id_env` cannot be used with `role_arn`");
    assert_has(&p, "ponte.toml:9:25: `secret_access_key_env` cannot be used with `role_arn`");
    assert_has(&p, "ponte.toml:14:27: set one web identity token source");
    assert_has(&p, "ponte.toml:17:25: `web_identity_audience` goes with `role_arn`, which is not set");
    assert_has(&p, "ponte.toml:21:21: bad role_session_name `has space`");
    assert_has(&p, "ponte.toml:22:16: sts_endpoint `http://127.0.0.1:1` is plain http; set `allow_http = true`");
    assert_eq!(p.len(), 7, "one problem per fault:\n{}", p.join("\n"));
}
