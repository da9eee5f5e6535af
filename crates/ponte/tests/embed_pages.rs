//! Signed embedding and the dashboard, look and explore pages of
//! `ponte serve` over the demo's data: every rejection rule of the login,
//! row-level security on every page and download for two customers (the
//! numbers checked against DuckDB), permissions, frame protection and the
//! embed events. The checks are in `embed_pages_suite.py`; this test sets
//! up the deployment and runs it.

mod common;

use common::{CLIENTS, Served, assert_passed, demo_with_clients, suite};

#[test]
fn signed_embedding_and_pages_show_each_customer_only_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let server = Served::start(&config, &CLIENTS);
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let out = suite("embed_pages_suite.py")
        .arg(&landing)
        .env("PONTE_BASE", &server.base)
        .env("PONTE_BIN", env!("CARGO_BIN_EXE_ponte"))
        .env("PONTE_CONFIG", &config)
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    assert_passed(&out, &server.log());
    for (name, secret) in CLIENTS.iter().filter(|(k, _)| k.contains("SECRET")) {
        assert!(!server.log().contains(secret), "{name} reached the log:\n{}", server.log());
    }
}
