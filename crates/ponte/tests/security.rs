//! One customer must never stop the server, and security must survive
//! restarts: the attacks of the security review (issue 19), replayed
//! against `ponte serve` over the demo's deployment with a real customer's
//! credentials. The checks are in `security_suite.py`, which starts the
//! server itself so it can restart it and watch its memory and log.

mod common;

use std::process::Command;

use common::{CLIENTS, demo_with, demo_with_clients, text};

#[test]
fn no_request_stops_the_server_and_protections_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, toml.replacen("[server]\n", "[server]\npush_token_env = \"PUSH_TOKEN\"\n", 1)).unwrap();
    run_suite(dir.path(), &config, "all");
}

#[test]
fn a_download_of_a_million_rows_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Client A sees every customer of the demo (a million invoices make
    // about 700), so its download holds every invoice.
    let everyone: Vec<String> = (1..=1000).map(|c| c.to_string()).collect();
    let config = demo_with(dir.path(), "1000000", &everyone.join(","));
    run_suite(dir.path(), &config, "million");
}

fn run_suite(dir: &std::path::Path, config: &str, suite: &str) {
    let script = ponte_testkit::repo_root().join("crates/ponte/tests/security_suite.py");
    let out = Command::new(ponte_testkit::python())
        .arg(&script)
        .arg(dir)
        .env("PONTE_BIN", env!("CARGO_BIN_EXE_ponte"))
        .env("PONTE_CONFIG", config)
        .env("PUSH_TOKEN", "push-token-3c9e")
        .env("RUST_LOG", "info")
        .env("SECURITY_SUITE", suite)
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
    for (name, secret) in CLIENTS.iter().filter(|(k, _)| k.contains("SECRET")) {
        assert!(!report.contains(secret), "{name} reached the log:\n{report}");
    }
}
