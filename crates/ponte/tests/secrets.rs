//! Secrets never reach logs, errors, run history, files or HTTP responses:
//! every command and the daemon (schedules and server) run at full log
//! verbosity with known secret values, on success and failure paths, against
//! a real S3 server (moto) and the local BigQuery server. The commands and
//! the scan are in `secrets_suite.py`; this test sets up the parts.

mod common;

use std::process::Command;

use common::{CLIENTS, demo_with_clients, text};
use ponte_testkit::{BigQueryFake, Moto};

/// Secret values other than the demo's embed secret and API clients.
const MORE_SECRETS: [(&str, &str); 5] = [
    ("PONTE_PUSH_TOKEN", "push-token-c3d9e1f07a"),
    ("PONTE_ADMIN_TOKEN", "admin-token-8f2a7b6e11"),
    ("AWS_ACCESS_KEY_ID", "AKIAPONTESECRETTEST7"),
    ("AWS_SECRET_ACCESS_KEY", "aws-secret-key-0e4c9d2b5a"),
    ("BQ_WRONG_TOKEN", "bq-wrong-token-4d1c9e"),
];

#[test]
fn no_secret_reaches_logs_errors_history_files_or_responses() {
    let moto = Moto::start();
    moto.create_buckets(&["lake"]);
    let bigquery = BigQueryFake::start();
    let dir = tempfile::tempdir().unwrap();
    demo_with_clients(dir.path());
    let secret_names: Vec<&str> = CLIENTS
        .iter()
        .chain(&MORE_SECRETS)
        .map(|(name, _)| *name)
        .filter(|name| !name.ends_with("_ID") || *name == "AWS_ACCESS_KEY_ID")
        .chain(["PONTE_TEST_BQ_TOKEN"])
        .collect();
    let out = Command::new(ponte_testkit::python())
        .arg(ponte_testkit::repo_root().join("crates/ponte/tests/secrets_suite.py"))
        .arg(dir.path())
        .env("PONTE_BIN", env!("CARGO_BIN_EXE_ponte"))
        .env("MOTO_ENDPOINT", &moto.endpoint)
        .env("BQ_ENDPOINT", &bigquery.endpoint)
        .env("PONTE_TEST_BQ_TOKEN", &bigquery.token)
        .env("PONTE_SECRET_NAMES", secret_names.join(","))
        .envs(CLIENTS.iter().chain(&MORE_SECRETS).copied())
        .env_remove("PONTE_CONFIG")
        .output()
        .unwrap();
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
}
