//! `ponte import lookml` end to end: a LookML project for the demo's tables
//! (`tests/fixtures/lookml_demo`) is converted by the CLI, the result passes
//! `ponte validate` against the demo's schema files, and its explores,
//! served through the Looker API and queried with the official Python SDK,
//! give DuckDB's numbers over the same parquet files for two customers with
//! different access filters (`lookml_import_suite.py`).

mod common;

use std::path::{Path, PathBuf};

use common::{CLIENTS, Served, demo_with_clients, ponte, suite, text};

fn fixture() -> PathBuf {
    ponte_testkit::repo_root().join("crates/ponte/tests/fixtures/lookml_demo")
}

fn import(out: &Path, strict: bool) -> std::process::Output {
    let fixture = fixture();
    let mut args = vec!["import", "lookml", fixture.to_str().unwrap(), "--out", out.to_str().unwrap()];
    if strict {
        args.push("--strict");
    }
    ponte(&args)
}

#[test]
fn a_converted_lookml_project_validates_and_answers_as_duckdb_does() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let out = import(&dir.path().join("models_lookml"), false);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("read 6 LookML file(s): 1 model(s), 5 view(s), 3 explore(s), 1 dashboard(s);"),
        "{stdout}"
    );
    // What stayed behind is listed with its place and reason.
    for line in [
        "views/orcamento.view.lkml:23: view orcamento_mensal: derived_table: datagroup_trigger: persisted (`persist = true`): ponte rebuilds it after any of its source tables loads",
        "views/faturas.view.lkml:16: dimension faturas.status_pagamento: html: Liquid templating is not supported",
        "views/faturas.view.lkml:77: measure faturas.mediana_valor (left out): type `median` has no ponte equivalent",
        "views/unidades.view.lkml:10: dimension unidades.distribuidora: link: ponte has no equivalent",
        "views/faturas.view.lkml:40: dimension_group faturas.mes_referencia: timeframes raw:",
        "energia.model.lkml:8: model: datagroup diario: ponte has no equivalent",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
    let model = std::fs::read_to_string(dir.path().join("models_lookml/energia.toml")).unwrap();
    assert!(model.contains("derived_table = { sql = \"\"\"\nSELECT id_cliente, mes_referencia,"), "{model}");
    assert!(model.contains("persist = true }"), "{model}");
    assert!(
        model.contains("# from views/faturas.view.lkml:68\n[[views.measures]]\nname = \"custo_vencido\""),
        "{model}"
    );

    // The demo's config serves the converted model next to its own.
    let toml = std::fs::read_to_string(&config).unwrap();
    let toml = toml.replace(
        "models = [\"models/comerc.toml\"]",
        "models = [\"models/comerc.toml\", \"models_lookml/energia.toml\"]",
    );
    assert!(toml.contains("models_lookml/energia.toml"), "the demo's config names its models as expected");
    std::fs::write(&config, toml).unwrap();
    let validated = ponte(&["validate", "--config", &config]);
    assert!(validated.status.success(), "{}{}", text(&validated.stdout), text(&validated.stderr));

    let server = Served::start(&config, &CLIENTS);
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let run = suite("lookml_import_suite.py")
        .arg(&landing)
        .env("PONTE_BASE", &server.base)
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    common::assert_passed(&run, &server.log());
}

#[test]
fn strict_refuses_a_project_with_report_entries_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("models");
    let out = import(&out_dir, true);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("--strict: nothing written"), "{}", text(&out.stderr));
    assert!(!out_dir.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no staging folder is left");
}

#[test]
fn a_broken_file_stops_the_import_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("m.model.lkml"), "include: \"*.view\"\nexplore: v {}\n").unwrap();
    std::fs::write(project.join("v.view.lkml"), "view: v {\n  dimension: d {\n    sql: ${TABLE}.d\n  }\n}\n").unwrap();
    let out_dir = dir.path().join("models");
    let out = ponte(&["import", "lookml", project.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("v.view.lkml:3:10: expected `;;` to end the SQL block"), "{stderr}");
    assert!(!out_dir.exists());
}
