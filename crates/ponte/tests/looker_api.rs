//! The Looker API 4.0 subset of `ponte serve`, driven by the official Looker
//! Python SDK (`looker-sdk`) over the demo's data, with DuckDB computing
//! the expected rows from the same parquet files. The checks themselves are
//! in `looker_sdk_suite.py`; this test sets up the deployment and runs it.

mod common;

use std::process::Command;

use common::{Served, ponte, text};

/// The demo's deployment with three API clients: customer 1, customer 2,
/// and one without the `id_cliente` attribute.
fn demo_with_clients(dir: &std::path::Path) -> String {
    let out = ponte(&["demo", "--dir", dir.to_str().unwrap(), "--rows", "20000", "--no-serve"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let config = dir.join("ponte.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    let start = toml.find("api_clients = [").expect("the example has API clients");
    let end = start + toml[start..].find("\n]\n").expect("a multi-line list") + 3;
    let clients = r#"api_clients = [
  { client_id_env = "A_ID", client_secret_env = "A_SECRET", user_attributes = { id_cliente = "1" } },
  { client_id_env = "B_ID", client_secret_env = "B_SECRET", user_attributes = { id_cliente = "2" } },
  { client_id_env = "C_ID", client_secret_env = "C_SECRET" },
]
"#;
    std::fs::write(&config, format!("{}{clients}{}", &toml[..start], &toml[end..])).unwrap();
    config.to_str().unwrap().to_owned()
}

const CLIENTS: [(&str, &str); 7] = [
    ("PONTE_EMBED_SECRET", "embed-secret-41ab"),
    ("A_ID", "client-a"),
    ("A_SECRET", "secret-a-5b1f"),
    ("B_ID", "client-b"),
    ("B_SECRET", "secret-b-90c2"),
    ("C_ID", "client-c"),
    ("C_SECRET", "secret-c-77ad"),
];

#[test]
fn the_official_looker_sdk_works_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let server = Served::start(&config, &CLIENTS);
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let script = ponte_testkit::repo_root().join("crates/ponte/tests/looker_sdk_suite.py");
    let out = Command::new(ponte_testkit::python())
        .arg(&script)
        .arg(&landing)
        .env("LOOKERSDK_BASE_URL", &server.base)
        .env("LOOKERSDK_CLIENT_ID", "client-a")
        .env("LOOKERSDK_CLIENT_SECRET", "secret-a-5b1f")
        .env("LOOKERSDK_VERIFY_SSL", "false")
        .envs(CLIENTS.iter().filter(|(k, _)| !k.starts_with('A')).copied())
        .output()
        .unwrap();
    let report = format!("{}{}\n--- server log ---\n{}", text(&out.stdout), text(&out.stderr), server.log());
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
    for secret in ["secret-a-5b1f", "secret-b-90c2", "secret-c-77ad", "embed-secret-41ab"] {
        assert!(!server.log().contains(secret), "a secret reached the log:\n{}", server.log());
    }
}

#[test]
fn serve_refuses_to_start_without_the_api_clients_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config", &config])
        .env_remove("PONTE_CONFIG")
        .envs(CLIENTS.iter().filter(|(k, _)| *k != "B_SECRET").copied())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("$B_SECRET, which is not set"), "{}", text(&out.stderr));
}
