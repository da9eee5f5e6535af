//! The comerc demo model parses clean and offers what the demo needs.

use std::path::PathBuf;

use crate::model::{FieldRef, FilterType, MeasureKind, NumberExpr, Timeframe, load_model};

pub(super) fn demo_path() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .join("../../examples/comerc/models/comerc.toml")
}

#[test]
fn demo_model_parses_clean() {
    let model = load_model(&demo_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.name, "comerc");
    assert_eq!(model.locale, "pt-BR");
    assert_eq!(model.time_zone, chrono_tz::America::Sao_Paulo);
    assert_eq!(model.views.len(), 8);
    let names: Vec<&str> = model.explores.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["faturas", "orcado_vs_realizado", "unidades", "faturas_mensais"]);
    let derived = model.view("faturas_mensais").unwrap().derived.as_ref().expect("a derived view");
    assert_eq!(derived.query.sources(), ["objeto_dados_energia_gestao_faturas_v2"]);
    assert!(!derived.persist);
    assert_eq!(model.looks.len(), 3);
    let dashboard = model.dashboard("visao_geral").expect("overview dashboard");
    assert_eq!(dashboard.elements.len(), 6);
    let filters: Vec<&str> = dashboard.filters.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(filters, ["Mês", "Unidade"]);
}

#[test]
fn every_demo_explore_filters_rows_by_customer() {
    let model = load_model(&demo_path()).unwrap();
    for explore in &model.explores {
        assert_eq!(explore.access_filters.len(), 1, "{}", explore.name);
        let filter = &explore.access_filters[0];
        assert_eq!(filter.user_attribute, "id_cliente");
        assert!(filter.field.ends_with(".id_cliente"), "{}", filter.field);
        let field = explore.resolve_field(&filter.field).unwrap();
        assert!(!field.is_measure());
    }
}

#[test]
fn demo_fields_resolve_with_what_the_compiler_needs() {
    let model = load_model(&demo_path()).unwrap();
    let faturas = model.explore("faturas").unwrap();

    let month = faturas.resolve_field("faturas.mes_referencia_month").unwrap();
    assert!(matches!(month.field, FieldRef::Timeframe(_, Timeframe::Month)));
    assert_eq!(month.column().unwrap().name, "mes_referencia");
    assert_eq!(month.filter_type(), FilterType::Date);

    let unit = faturas.resolve_field("unidades.nome_unidade").unwrap();
    assert_eq!(unit.view.name, "unidades");
    assert_eq!(unit.view.table.name, "objeto_unidades_atributos");
    assert_eq!(unit.filter_type(), FilterType::String);

    let total = faturas.resolve_field("faturas.consumo_total_kwh").unwrap();
    let FieldRef::Measure(m) = total.field else { panic!("a measure") };
    let MeasureKind::Number(expr) = &m.kind else { panic!("a number measure") };
    assert_eq!(expr.measures(), ["consumo_ponta_kwh", "consumo_fora_ponta_kwh"]);
    assert!(matches!(expr, NumberExpr::Binary { .. }));

    assert!(faturas.resolve_field("faturas.nope").is_none());
    assert!(faturas.resolve_field("orcamento.valor_orcado").is_none(), "not joined in this explore");
    assert!(faturas.resolve_field("faturas.mes_referencia_date").is_none(), "timeframe not offered");
    assert!(faturas.resolve_field("custo_total").is_none(), "names are view.field");
}
