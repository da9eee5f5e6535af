//! The Looker API 4.0 subset of `ponte serve`, driven by the official Looker
//! SDKs, Python (`looker-sdk`) and Node (`@looker/sdk-node`), over the
//! demo's data, with DuckDB computing the expected rows from the same
//! parquet files; and every JSON response checked against Looker's API
//! document. The checks themselves are in `looker_sdk_suite.py`,
//! `node_sdk_suite.py` and `api_schema_suite.py`; this test sets up the
//! deployment and runs them.

mod common;

use std::process::Command;

use common::{CLIENTS, Served, assert_passed, demo_with_clients, suite, text};

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

/// The demo's derived table made persistent (`persist = true`): the server
/// builds its table when it starts (the demo loaded before the model said
/// so), the API reads that table, and the numbers are the same as DuckDB's
/// over the parquet for two customers, access filter included; a load of
/// the invoices through `ponte load` rebuilds it.
#[test]
fn a_persisted_derived_table_answers_like_the_live_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let model = dir.path().join("models/comerc.toml");
    let written = std::fs::read_to_string(&model).unwrap();
    let live = "GROUP BY f.id_cliente, f.id_unidade, f.mes_referencia\n\"\"\" }";
    assert_eq!(written.matches(live).count(), 1, "the demo's derived table");
    let persisted = live.replace(" }", ", persist = true }");
    std::fs::write(&model, written.replace(live, &persisted)).unwrap();
    let table = dir.path().join(".ponte/warehouse/faturas_mensais");
    assert!(!table.exists(), "not persisted before the model says so");

    let server = Served::start(&config, &CLIENTS);
    assert!(table.exists(), "built when the server started:\n{}", server.log());
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let out = suite("looker_sdk_suite.py")
        .arg(&landing)
        .env("LOOKERSDK_BASE_URL", &server.base)
        .env("LOOKERSDK_CLIENT_ID", "client-a")
        .env("LOOKERSDK_CLIENT_SECRET", "secret-a-5b1f")
        .env("LOOKERSDK_VERIFY_SSL", "false")
        .env("PONTE_DERIVED_PERSISTED", "1")
        .env("PONTE_SUITE_ONLY", "derived_tables_match_duckdb_per_customer")
        .envs(CLIENTS.iter().filter(|(k, _)| !k.starts_with('A')).copied())
        .output()
        .unwrap();
    assert_passed(&out, &server.log());
    assert!(text(&out.stdout).contains("ok derived_tables_match_duckdb_per_customer"), "{}", text(&out.stdout));

    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["load", "cf_carrega_tabela_objeto_dados_energia_gestao_faturas_v2", "--config", &config])
        .env_remove("PONTE_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("faturas_mensais: derived table rebuilt after `objeto_dados_energia_gestao_faturas_v2` loaded"),
        "{said}"
    );
}

#[test]
fn the_official_node_sdk_works_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let server = Served::start(&config, &CLIENTS);
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let out = suite("node_sdk_suite.py")
        .arg(&landing)
        .env("PONTE_BASE", &server.base)
        .env("PONTE_JS_MODULES", ponte_testkit::js_modules())
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    assert_passed(&out, &server.log());
}

#[test]
fn every_json_response_matches_lookers_api_document() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let server = Served::start(&config, &CLIENTS);
    let spec = ponte_testkit::repo_root().join("specs/looker/Looker.4.0.oas.json");
    let out = suite("api_schema_suite.py")
        .arg(&spec)
        .env("PONTE_BASE", &server.base)
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    assert_passed(&out, &server.log());
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
