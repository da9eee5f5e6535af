//! `check_columns` against the demo's real BigQuery schema file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::demo::demo_path;
use crate::model::{ColumnKind, check_columns, columns_of_schema_file, load_model};

type Tables = BTreeMap<String, BTreeMap<String, ColumnKind>>;

fn demo_tables() -> Tables {
    let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .join("../../examples/comerc/schemas/comerc.json");
    columns_of_schema_file(&ponte_config::schema::load_schema_file(&path).unwrap())
}

fn faturas_insert(tables: &mut Tables, column: &str, kind: ColumnKind) {
    tables.get_mut("objeto_dados_energia_gestao_faturas_v2").unwrap().insert(column.into(), kind);
}

fn messages(tables: &Tables) -> Vec<String> {
    let model = load_model(&demo_path()).unwrap();
    check_columns(&model, tables)
        .iter()
        .map(|d| {
            let p = d.position.expect("every column problem has a place");
            format!("{}:{}: {}", p.line, p.column, d.message)
        })
        .collect()
}

#[test]
fn demo_model_fits_the_demo_schema() {
    let tables = demo_tables();
    assert_eq!(tables.len(), 7);
    assert_eq!(messages(&tables), Vec::<String>::new());
}

#[test]
fn a_missing_column_is_reported_where_the_model_names_it() {
    let mut tables = demo_tables();
    tables.get_mut("objeto_dados_energia_gestao_faturas_v2").unwrap().remove("consumo_ponta_kwh");
    let found = messages(&tables);
    // The dimension `consumo_ponta` and the measure `consumo_ponta_kwh` both
    // read it, and so does the derived table `faturas_mensais`.
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[..2].iter().all(|m| m.contains("column `consumo_ponta_kwh` is not in table")), "{found:#?}");
    assert!(
        found[2].ends_with("view `faturas_mensais`: derived table: column `consumo_ponta_kwh` is not in `f`"),
        "{found:#?}"
    );
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let line = text.lines().position(|l| l.contains(r#"sql = "consumo_ponta_kwh", label = "Consumo na"#)).unwrap() + 1;
    assert!(found[0].starts_with(&format!("{line}:")), "{found:#?}");
}

#[test]
fn a_type_that_does_not_fit_the_column_is_reported() {
    let mut tables = demo_tables();
    let faturas = tables.get_mut("objeto_dados_energia_gestao_faturas_v2").unwrap();
    faturas.insert("demanda_medida_kw".into(), ColumnKind::String);
    faturas.insert("mes_referencia".into(), ColumnKind::Integer);
    let found = messages(&tables);
    assert!(
        found
            .iter()
            .any(|m| m.contains("`faturas.demanda_medida_kw` is of type number") && m.contains("is a string column")),
        "{found:#?}"
    );
    // `max` compares strings too, so the measure over that column still fits.
    assert!(!found.iter().any(|m| m.contains("demanda_maxima_kw")), "{found:#?}");
    faturas_insert(&mut tables, "valor_total", ColumnKind::Boolean);
    let found = messages(&tables);
    assert!(found.iter().any(|m| m.contains("`faturas.custo_total` adds numbers, but")), "{found:#?}");
    assert!(found.iter().any(|m| m.contains("`faturas.mes_referencia` is a time dimension group")), "{found:#?}");
    assert!(found.iter().any(|m| m.contains("`faturas.competencia` is a date or time")), "{found:#?}");
}

#[test]
fn a_missing_table_is_reported_once_with_a_suggestion() {
    let mut tables = demo_tables();
    let columns = tables.remove("dados_infomerc").unwrap();
    tables.insert("dados_infomerc_v2".into(), columns);
    let found = messages(&tables);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("table `dados_infomerc` is not in the warehouse; did you mean `dados_infomerc_v2`?"));
}

#[test]
fn every_column_an_expression_reads_must_exist() {
    let mut tables = demo_tables();
    tables.get_mut("objeto_dados_energia_gestao_faturas_v2").unwrap().remove("demanda_contratada_kw");
    let found = messages(&tables);
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let line = text.lines().position(|l| l.contains("name = \"demanda_excedente\"")).unwrap() + 1;
    assert!(
        found.iter().any(|m| m.starts_with(&format!("{line}:"))
            && m.contains("`faturas.demanda_excedente`: column `demanda_contratada_kw` is not in table")),
        "{found:#?}"
    );
}

#[test]
fn an_expression_must_give_its_fields_type() {
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let broken = text
        .replace(
            r#"sql = "GREATEST(${TABLE}.demanda_medida_kw - ${TABLE}.demanda_contratada_kw, 0)""#,
            r#"sql = "UPPER(${TABLE}.status_pagamento)""#,
        )
        .replace("ELSE 'Até R$ 10 mil' END", "ELSE 0 END");
    let model = crate::model::parse_model(&broken, &demo_path()).unwrap();
    let found: Vec<String> = check_columns(&model, &demo_tables()).into_iter().map(|d| d.message).collect();
    assert!(
        found.contains(&"`faturas.demanda_excedente` is a number, but its `sql` gives a string".to_owned()),
        "{found:#?}"
    );
    assert!(
        found.contains(&"`faturas.faixa_valor`: `CASE`'s results mix a string and a number (`0`)".to_owned()),
        "{found:#?}"
    );
    // A measure over the dimension trusts its declared type: one report, at the dimension.
    assert_eq!(found.len(), 2, "{found:#?}");
}
