//! One customer must never stop the server, and security must survive
//! restarts: the attacks of the security review (issue 19), replayed
//! against `ponte serve` over the demo's deployment with a real customer's
//! credentials. The checks are in `security_suite.py`, which starts the
//! server itself so it can restart it and watch its memory and log.

mod common;

use std::process::Command;

use common::{CLIENTS, demo_with_clients, text};

#[test]
fn no_request_stops_the_server_and_protections_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, toml.replacen("[server]\n", "[server]\npush_token_env = \"PUSH_TOKEN\"\n", 1)).unwrap();
    let script = ponte_testkit::repo_root().join("crates/ponte/tests/security_suite.py");
    let out = Command::new(ponte_testkit::python())
        .arg(&script)
        .arg(dir.path())
        .env("PONTE_BIN", env!("CARGO_BIN_EXE_ponte"))
        .env("PONTE_CONFIG", &config)
        .env("PUSH_TOKEN", "push-token-3c9e")
        .env("RUST_LOG", "info")
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
