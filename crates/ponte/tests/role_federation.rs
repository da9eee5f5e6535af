//! Reading S3 with no AWS key, as Storage Transfer Service does: `role_arn`
//! plus a web identity token (from Google's metadata server or a token
//! file) traded at STS for temporary credentials.
//!
//! moto plays S3 and STS (it grants any AssumeRoleWithWebIdentity and
//! records every request it receives); a local stand-in plays the metadata
//! server, signing ID tokens with a key of its own; another plays an STS
//! that refuses. The oracles are independent of ponte: rclone compares the
//! copy with the bucket, joserfc verifies the token STS received, and
//! moto's own records say which key signed each S3 request.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::text;
use ponte_testkit::{MetadataServer, Moto, RecordedRequest};
use serde_json::Value;

const ROLE: &str = "arn:aws:iam::123456789012:role/ponte-reader";
const AUDIENCE: &str = "ponte-reader-audience";
const SOURCE: &str = "moto:datalake/raw";

/// moto with bucket `datalake` holding three objects under `raw/`.
fn seeded_moto() -> Moto {
    let moto = Moto::start();
    moto.create_buckets(&["datalake"]);
    let script = "import sys, boto3\n\
        s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='testing', \
        aws_secret_access_key='testing', region_name='us-east-1')\n\
        for i in range(3):\n    \
            s3.put_object(Bucket='datalake', Key=f'raw/day={i}/part-{i}.parquet', Body=bytes([i]) * (1000 + i))\n";
    ponte_testkit::run_python(script, &[&moto.endpoint]);
    moto
}

/// A config syncing the `aws` store (the bucket's `raw/`, reached through
/// `role_arn` plus `token_lines`) into `./landing`, with deletes on.
fn write_config(dir: &Path, moto_endpoint: &str, sts_endpoint: &str, token_lines: &str) -> String {
    let config = dir.join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[stores.aws]
url = "s3://datalake/raw"
endpoint = "{moto_endpoint}"
allow_http = true
region = "us-east-1"
role_arn = "{ROLE}"
role_session_name = "ponte-sync"
sts_endpoint = "{sts_endpoint}"
{token_lines}
[stores.landing]
url = "file://./landing"

[[transfers]]
name = "sts_raw"
source = {{ store = "aws" }}
sink = {{ store = "landing" }}
delete_unique_in_sink = true
"#
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_owned()
}

/// `ponte sync sts_raw --json` with no AWS variable of the caller's, and
/// `envs`.
fn sync(config: &str, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ponte"));
    cmd.args(["sync", "sts_raw", "--json", "--config", config]).env_remove("PONTE_CONFIG");
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_PROFILE",
        "GCE_METADATA_HOST",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied()).output().expect("ponte runs")
}

/// The form fields of a request body.
fn form(request: &RecordedRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).expect("a form body")
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// The STS calls moto received, and asserts every other request (S3's)
/// was signed with the temporary key STS issued and carried its session
/// token. Returns the STS calls' form fields.
fn assert_s3_used_only_the_assumed_role(moto: &Moto) -> Vec<Vec<(String, String)>> {
    let requests = moto.recorded_requests();
    let (sts, s3): (Vec<_>, Vec<_>) =
        requests.iter().partition(|r| r.method == "POST" && field(&form(r), "Action") == "AssumeRoleWithWebIdentity");
    assert!(!sts.is_empty(), "no AssumeRoleWithWebIdentity reached moto");
    assert!(!s3.is_empty(), "no S3 request reached moto");
    // moto's own state: the roles it handed out, with their keys.
    let data: Value = serde_json::from_str(&ponte_testkit::run_python(
        "import sys, urllib.request\nprint(urllib.request.urlopen(sys.argv[1] + '/moto-api/data.json').read().decode())",
        &[&moto.endpoint],
    ))
    .unwrap();
    let assumed = data["sts"]["AssumedRole"].as_array().expect("moto's assumed roles");
    assert!(!assumed.is_empty(), "{data}");
    for role in assumed {
        assert_eq!(role["role_arn"], ROLE, "{role}");
        assert_eq!(role["session_name"], "ponte-sync", "{role}");
    }
    let keys: Vec<&str> = assumed.iter().filter_map(|r| r["access_key_id"].as_str()).collect();
    for r in &s3 {
        let auth = r.header("Authorization").unwrap_or_default();
        let key = auth.split("Credential=").nth(1).and_then(|c| c.split('/').next()).unwrap_or_default();
        assert!(key.starts_with("ASIA") && keys.contains(&key), "{} {} signed with `{key}`: {auth}", r.method, r.url);
        assert!(
            r.header("X-Amz-Security-Token").is_some_and(|t| !t.is_empty()),
            "{} {}: no session token",
            r.method,
            r.url
        );
    }
    sts.iter().map(|r| form(r)).collect()
}

#[test]
fn syncs_from_s3_with_a_role_assumed_with_a_google_id_token() {
    let moto = seeded_moto();
    let metadata = MetadataServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config =
        write_config(dir.path(), &moto.endpoint, &moto.endpoint, &format!("web_identity_audience = \"{AUDIENCE}\""));
    moto.start_recording();

    let out = sync(&config, &[("GCE_METADATA_HOST", &metadata.host)]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["counters"]["objectsCopiedToSink"], 3, "{report}");
    // Before rclone's own requests (signed with moto's test key) are recorded.
    let calls = assert_s3_used_only_the_assumed_role(&moto);
    ponte_testkit::rclone_check(dir.path().join("landing").to_str().unwrap(), SOURCE, Some(&moto)).unwrap();
    for call in &calls {
        assert_eq!(field(call, "Version"), "2011-06-15");
        assert_eq!(field(call, "RoleArn"), ROLE);
        assert_eq!(field(call, "RoleSessionName"), "ponte-sync");
        assert_eq!(field(call, "DurationSeconds"), "3600");
        // The token is the metadata server's, unaltered, for the audience
        // configured, of the service account the trust policy names.
        let claims = metadata.verify(field(call, "WebIdentityToken"));
        assert_eq!(claims["aud"], AUDIENCE, "{claims}");
        assert_eq!(claims["sub"], ponte_testkit::METADATA_SUBJECT, "{claims}");
        assert_eq!(claims["iss"], "https://accounts.google.com", "{claims}");
    }
    let asked = metadata.requests();
    assert_eq!(asked.len(), calls.len(), "one ID token per STS call: {asked:?}");
    for a in &asked {
        assert_eq!(a["flavor"], "Google", "{a}");
        assert_eq!(a["query"]["audience"], AUDIENCE, "{a}");
        assert_eq!(a["query"]["format"], "full", "{a}");
    }
    // Never logged.
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(calls.iter().all(|c| !output.contains(field(c, "WebIdentityToken"))), "{output}");
}

#[test]
fn syncs_with_a_token_file_named_in_the_config_or_by_aws_web_identity_token_file() {
    let moto = seeded_moto();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.jwt"), "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrOHMifQ.c2lnbmF0dXJl\n").unwrap();
    let config = write_config(dir.path(), &moto.endpoint, &moto.endpoint, "web_identity_token_file = \"token.jwt\"");
    moto.start_recording();
    let out = sync(&config, &[]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let calls = assert_s3_used_only_the_assumed_role(&moto);
    ponte_testkit::rclone_check(dir.path().join("landing").to_str().unwrap(), SOURCE, Some(&moto)).unwrap();
    assert!(
        calls.iter().all(|c| field(c, "WebIdentityToken") == "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrOHMifQ.c2lnbmF0dXJl")
    );

    // No source key: the file AWS_WEB_IDENTITY_TOKEN_FILE names, as AWS's
    // SDKs read it. A fresh landing folder, so the copy happens again.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("projected"), "from-the-env-variable").unwrap();
    let config = write_config(other.path(), &moto.endpoint, &moto.endpoint, "");
    moto.start_recording();
    let token_file = other.path().join("projected");
    let out = sync(&config, &[("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap())]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let calls = assert_s3_used_only_the_assumed_role(&moto);
    ponte_testkit::rclone_check(other.path().join("landing").to_str().unwrap(), SOURCE, Some(&moto)).unwrap();
    assert!(calls.iter().all(|c| field(c, "WebIdentityToken") == "from-the-env-variable"));

    // Neither: a clear error before anything is read.
    let out = sync(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        output.contains("store `aws`: `role_arn` needs a web identity token: set `web_identity_audience`"),
        "{output}"
    );
}

/// A landing folder holding a file the source lacks: with deletes on, a
/// run that went wrong must leave it (and everything else) as it was.
fn landing_with_an_extra_file(dir: &Path) -> std::path::PathBuf {
    let extra = dir.join("landing/only-in-sink.txt");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, "keep me").unwrap();
    extra
}

fn assert_nothing_changed(dir: &Path, extra: &Path) {
    assert_eq!(std::fs::read_to_string(extra).unwrap(), "keep me");
    assert_eq!(std::fs::read_dir(dir.join("landing")).unwrap().count(), 1, "nothing copied, nothing deleted");
}

#[test]
fn a_metadata_server_that_is_not_there_fails_naming_it_and_changes_nothing() {
    let moto = seeded_moto();
    let dir = tempfile::tempdir().unwrap();
    let extra = landing_with_an_extra_file(dir.path());
    let config =
        write_config(dir.path(), &moto.endpoint, &moto.endpoint, &format!("web_identity_audience = \"{AUDIENCE}\""));
    let nobody = format!("127.0.0.1:{}", ponte_testkit::free_port());
    let out = sync(&config, &[("GCE_METADATA_HOST", &nobody)]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        output.contains(&format!(
            "store `aws`: cannot reach Google's metadata server at \
             http://{nobody}/computeMetadata/v1/instance/service-accounts/default/identity for an ID token: \
             ponte is not running on Google Cloud (Cloud Run, GCE, GKE) or GCE_METADATA_HOST is wrong"
        )),
        "{output}"
    );
    assert_nothing_changed(dir.path(), &extra);
}

#[test]
fn an_sts_refusal_fails_naming_the_role_the_code_and_the_fix_and_changes_nothing() {
    let moto = seeded_moto();
    let metadata = MetadataServer::start();
    for (status, code, message, token_lines, fix) in [
        (
            400,
            "InvalidIdentityToken",
            "Incorrect token audience",
            format!("web_identity_audience = \"{AUDIENCE}\""),
            "the web identity token was refused",
        ),
        (
            400,
            "ExpiredTokenException",
            "Token expired: current date/time 1700000000 must be before the expiration date/time 1690000000",
            "web_identity_token_file = \"token.jwt\"".to_owned(),
            "the web identity token has expired: a token file must be kept fresh",
        ),
        (
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            format!("web_identity_audience = \"{AUDIENCE}\""),
            "check that `role_arn` names an existing role and that its trust policy allows",
        ),
    ] {
        let sts = ponte_testkit::StsRefusal::start(status, code, message);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token.jwt"), "an.expired.token").unwrap();
        let extra = landing_with_an_extra_file(dir.path());
        let config = write_config(dir.path(), &moto.endpoint, &sts.endpoint, &token_lines);
        let out = sync(&config, &[("GCE_METADATA_HOST", &metadata.host)]);
        assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
        let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
        let want = format!("store `aws`: AWS STS refused to let ponte assume role {ROLE}: {code}: {message}; {fix}");
        assert!(output.contains(&want), "want `{want}` in:\n{output}");
        let asked = sts.requests();
        assert!(!asked.is_empty() && asked.iter().all(|r| r["RoleArn"] == ROLE && r["WebIdentityToken"] == true));
        assert_nothing_changed(dir.path(), &extra);
    }
}

#[test]
fn validate_names_a_malformed_role_arn_with_its_line_and_the_form_expected() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        "[stores.aws]\nurl = \"s3://datalake/raw\"\nrole_arn = \"arn:aws:iam::123456789012:user/ponte\"\n\
         web_identity_audience = \"a\"\n",
    )
    .unwrap();
    let out = common::ponte(&["validate", "--config", config.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        output.contains(
            "ponte.toml:3:12: bad role ARN `arn:aws:iam::123456789012:user/ponte`: the resource must be `role/<name>`; \
             expected arn:aws:iam::<12-digit account id>:role/<name>"
        ),
        "{output}"
    );
}
