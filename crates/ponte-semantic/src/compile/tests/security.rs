//! Row-level security on every entry point, and hostile input that must
//! never reach SQL text.

use super::*;
use crate::compile::{QueryParam, compile_element, compile_look};

const COST: &str = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"]}"#;

fn strangers() -> [Caller; 3] {
    let with = |k: &str, v: &str| Caller { user_attributes: BTreeMap::from([(k.to_owned(), v.to_owned())]) };
    [Caller::default(), with("id_cliente", " , "), with("id_usuario", "7")]
}

fn assert_denied(result: Result<CompiledQuery, QueryError>) {
    match result {
        Err(QueryError::AccessDenied { attribute, .. }) => assert_eq!(attribute, "id_cliente"),
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

#[test]
fn every_explore_gets_the_access_filter() {
    for (explore, field, column) in [
        ("faturas", "faturas.custo_total", r#""faturas"."id_cliente" = $1"#),
        ("orcado_vs_realizado", "orcamento.valor_orcado", r#""orcamento"."id_cliente" = $1"#),
        ("unidades", "unidades.nome_unidade", r#""unidades"."id_cliente" = $1"#),
        ("faturas_mensais", "faturas_mensais.custo_total", r#""faturas_mensais"."id_cliente" = $1"#),
    ] {
        let json = format!(r#"{{"model": "comerc", "view": "{explore}", "fields": ["{field}"]}}"#);
        let q = ok(&json, &df());
        assert!(q.sql.contains(&format!("WHERE {column}")), "{explore}: {}", q.sql);
        assert_eq!(q.params, [QueryParam::Int(7)]);
        for caller in strangers() {
            for target in [df(), bq()] {
                assert_denied(compile(demo(), &request(&json), &caller, &target, now()));
            }
        }
    }
}

#[test]
fn several_attribute_values_are_an_in_list() {
    let caller = Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), "7, 9".to_owned())]) };
    let q = compile(demo(), &request(COST), &caller, &bq(), now()).unwrap();
    assert!(q.sql.contains("WHERE `faturas`.`id_cliente` IN ($1, $2)"));
    assert_eq!(q.params, [QueryParam::Int(7), QueryParam::Int(9)]);
}

#[test]
fn an_attribute_that_is_not_a_number_is_denied() {
    let caller = Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), "7 OR 1=1".to_owned())]) };
    assert_denied(compile(demo(), &request(COST), &caller, &df(), now()));
}

#[test]
fn looks_get_the_access_filter() {
    for id in [1, 2, 3] {
        let q = compile_look(demo(), id, &customer(), &df(), now()).unwrap();
        assert!(q.sql.contains("\"id_cliente\" = $1"), "look {id}: {}", q.sql);
        assert_eq!(q.params[0], QueryParam::Int(7));
        for caller in strangers() {
            assert_denied(compile_look(demo(), id, &caller, &bq(), now()));
        }
    }
}

#[test]
fn dashboard_tiles_get_the_access_filter_and_the_dashboard_filters() {
    let none = BTreeMap::new();
    for index in 0..6 {
        let q = compile_element(demo(), "visao_geral", index, &none, &customer(), &df(), now()).unwrap();
        assert!(q.sql.contains("\"id_cliente\" = $1"), "tile {index}: {}", q.sql);
        for caller in strangers() {
            assert_denied(compile_element(demo(), "visao_geral", index, &none, &caller, &bq(), now()));
        }
    }
    // Defaults: both empty (any value), so only the access filter applies.
    let q = compile_element(demo(), "visao_geral", 0, &none, &customer(), &bq(), now()).unwrap();
    assert!(!q.sql.contains("mes_referencia") && !q.sql.contains("unidades"), "{}", q.sql);
    // A chosen month applies.
    let month = BTreeMap::from([("Mês".to_owned(), "12 months".to_owned())]);
    let q = compile_element(demo(), "visao_geral", 0, &month, &customer(), &bq(), now()).unwrap();
    assert!(q.sql.contains("`faturas`.`mes_referencia` >= $2"));
    // A chosen value replaces the default and pulls in its join.
    let values = BTreeMap::from([("Unidade".to_owned(), "Loja Centro".to_owned()), ("Mês".to_owned(), "".to_owned())]);
    let q = compile_element(demo(), "visao_geral", 0, &values, &customer(), &bq(), now()).unwrap();
    assert!(q.sql.contains("AND `unidades`.`nome_unidade` = $2"));
    assert!(!q.sql.contains("mes_referencia"));
    assert_eq!(q.params, [QueryParam::Int(7), QueryParam::String("Loja Centro".into())]);
    // The tile on the `unidades` explore listens only to "Unidade".
    let q = compile_element(demo(), "visao_geral", 5, &values, &customer(), &df(), now()).unwrap();
    assert!(q.sql.contains(
        r#"WHERE "unidades"."id_cliente" = $1
  AND "unidades"."nome_unidade" = $2"#
    ));
}

#[test]
fn unknown_dashboard_pieces_are_refused() {
    let none = BTreeMap::new();
    let e = compile_element(demo(), "visao_gera", 0, &none, &customer(), &df(), now()).unwrap_err();
    assert!(matches!(e, QueryError::UnknownDashboard { .. }));
    let e = compile_element(demo(), "visao_geral", 6, &none, &customer(), &df(), now()).unwrap_err();
    assert_eq!(e.to_string(), "dashboard `visao_geral` has 6 element(s); there is no element 6");
    let typo = BTreeMap::from([("Mes".to_owned(), "3 months".to_owned())]);
    let e = compile_element(demo(), "visao_geral", 0, &typo, &customer(), &df(), now()).unwrap_err();
    assert_eq!(e.to_string(), "dashboard `visao_geral` has no filter named `Mes`; did you mean `Mês`?");
    assert_eq!(e.status(), 400);
    let e = compile_look(demo(), 99, &customer(), &df(), now()).unwrap_err();
    assert_eq!(e.status(), 404);
}

#[test]
fn a_hostile_field_name_is_an_unknown_field() {
    let e = err(r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total; DROP TABLE x"]}"#);
    assert_eq!(
        e.to_string(),
        "unknown field `faturas.custo_total; DROP TABLE x` in explore `faturas`; did you mean `faturas.custo_total`?"
    );
    assert_eq!(e.status(), 400);
    for json in [
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": {"faturas.x\" = 1 --": "1"}}"#,
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": ["faturas.custo_total; DROP TABLE x"]}"#,
        r#"{"model": "comerc", "view": "faturas; DROP TABLE x", "fields": ["faturas.custo_total"]}"#,
    ] {
        assert!(run(json, &df()).is_err(), "{json}");
    }
}

#[test]
fn a_hostile_filter_value_is_only_a_parameter() {
    let hostile = "'; DROP TABLE x; --";
    for target in [df(), bq()] {
        let body = serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "faturas.custo_total"],
            "filters": {"unidades.uf": hostile}, "query_timezone": "America/Sao_Paulo"});
        let q = ok(&body.to_string(), &target);
        assert!(!q.sql.contains("DROP"), "{}", q.sql);
        assert!(!q.sql.contains('\''), "no string literal at all: {}", q.sql);
        assert_eq!(q.params, [QueryParam::Int(7), QueryParam::String(hostile.into())]);
    }
    // The access filter's value too.
    let caller = Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), hostile.to_owned())]) };
    assert_denied(compile(demo(), &request(COST), &caller, &df(), now()));
}

#[test]
fn a_hostile_time_zone_is_refused() {
    let e = err(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "query_timezone": "UTC'); DROP TABLE x; --"}"#,
    );
    assert!(matches!(e, QueryError::BadTimeZone { .. }), "{e}");
}

/// A drill into a tile of the demo dashboard, compiled in both dialects:
/// the tile's access filter is there, the clicked month is a bound
/// parameter (never SQL text), and the drill lists the view's drill fields.
#[test]
fn a_drill_keeps_the_access_filter_and_binds_the_clicked_values() {
    use crate::compile::{DrillTo, drill_request, element_request};
    let tile = element_request(demo(), "visao_geral", 3, &BTreeMap::new()).unwrap();
    let clicked = [("faturas.mes_referencia_month".to_owned(), Some("2025-03' OR '1'='1".to_owned()))];
    for target in [df(), bq()] {
        let drill = drill_request(demo(), &tile, "faturas.custo_total", &clicked, DrillTo::Rows).unwrap();
        // A value that is no month is refused by the compiler, not run.
        let refused = compile(demo(), &drill, &customer(), &target, now()).unwrap_err();
        assert!(refused.to_string().contains("faturas.mes_referencia_month"), "{refused}");
        let month = [("faturas.mes_referencia_month".to_owned(), Some("2025-03".to_owned()))];
        let drill = drill_request(demo(), &tile, "faturas.custo_total", &month, DrillTo::Rows).unwrap();
        let q = compile(demo(), &drill, &customer(), &target, now()).unwrap();
        let names: Vec<&str> = q.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names[0], "faturas.id_fatura", "{names:?}");
        assert!(names.contains(&"unidades.nome_unidade"), "{names:?}");
        assert!(q.sql.contains("\"id_cliente\"") || q.sql.contains("`id_cliente`"), "{}", q.sql);
        assert!(!q.sql.contains("2025-03"), "the clicked month is a parameter: {}", q.sql);
        let params = format!("{:?}", q.params);
        assert!(params.contains("2025-03-01") && params.contains("2025-04-01"), "the month's bounds: {params}");
        for stranger in strangers() {
            assert_denied(compile(demo(), &drill, &stranger, &target, now()));
        }
    }
}

/// A cross-filter narrows a tile of the demo's second dashboard in both
/// dialects: the clicked unit is a bound parameter and the access filter
/// stays; a tile whose explore lacks the field is not touched.
#[test]
fn a_cross_filter_keeps_the_access_filter_and_binds_the_clicked_value() {
    use crate::compile::{add_cross_filter, element_request};
    let clicked = ("unidades.nome_unidade".to_owned(), Some("Hotel X' OR 1=1 --".to_owned()));
    for target in [df(), bq()] {
        let mut tile = element_request(demo(), "analise_unidades", 0, &BTreeMap::new()).unwrap();
        assert!(add_cross_filter(demo(), &mut tile, &clicked));
        let q = compile(demo(), &tile, &customer(), &target, now()).unwrap();
        assert!(!q.sql.contains("Hotel X"), "the value is a parameter: {}", q.sql);
        assert!(format!("{:?}", q.params).contains("Hotel X' OR 1=1 --"), "{:?}", q.params);
        assert!(q.sql.contains("id_cliente"), "{}", q.sql);
        for stranger in strangers() {
            assert_denied(compile(demo(), &tile, &stranger, &target, now()));
        }
    }
    // The units table of the first dashboard reads the `unidades` explore,
    // which has no invoice month: a month cross-filter leaves it alone.
    let month = ("faturas.mes_referencia_month".to_owned(), Some("2025-10".to_owned()));
    let mut units = element_request(demo(), "visao_geral", 5, &BTreeMap::new()).unwrap();
    let before = units.filters.clone();
    assert!(!add_cross_filter(demo(), &mut units, &month));
    assert_eq!(units.filters, before);
}
