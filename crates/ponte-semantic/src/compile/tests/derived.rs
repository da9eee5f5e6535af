//! Derived tables: the SQL written for each dialect from the parsed tree,
//! and access filters that hold over them on every path (queries, drills,
//! symmetric aggregates, strangers).

use super::*;
use crate::compile::QueryParam;

const BY_UNIT_MONTH: &str = r#"{"model": "comerc", "view": "faturas_mensais",
    "fields": ["unidades.nome_unidade", "faturas_mensais.mes_month", "faturas_mensais.custo_total", "faturas_mensais.maior_demanda_kw"],
    "filters": {"faturas_mensais.posicao_custo": "1"}, "sorts": ["faturas_mensais.mes_month desc"], "limit": "50"}"#;

#[test]
fn a_derived_view_is_its_select_in_from_on_datafusion() {
    let q = ok(BY_UNIT_MONTH, &df());
    assert_eq!(
        q.sql,
        r#"SELECT
  "unidades"."nome_unidade" AS "unidades__nome_unidade",
  CAST(date_trunc('month', "faturas_mensais"."mes_referencia") AS DATE) AS "faturas_mensais__mes_month",
  SUM("faturas_mensais"."valor_total") AS "faturas_mensais__custo_total",
  MAX("faturas_mensais"."demanda_maxima_kw") AS "faturas_mensais__maior_demanda_kw"
FROM (
SELECT "f"."id_cliente" AS "id_cliente", "f"."id_unidade" AS "id_unidade", "f"."mes_referencia" AS "mes_referencia", COUNT(*) AS "faturas", SUM("f"."valor_total") AS "valor_total", SUM(("f"."consumo_ponta_kwh" + "f"."consumo_fora_ponta_kwh")) AS "consumo_kwh", MAX("f"."demanda_medida_kw") AS "demanda_maxima_kw", RANK() OVER (PARTITION BY "f"."id_unidade" ORDER BY SUM("f"."valor_total") DESC NULLS FIRST) AS "posicao_custo"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "f"
GROUP BY "f"."id_cliente", "f"."id_unidade", "f"."mes_referencia"
) AS "faturas_mensais"
LEFT JOIN "objeto_unidades_atributos" AS "unidades" ON "faturas_mensais"."id_unidade" = "unidades"."id_unidade"
WHERE "faturas_mensais"."id_cliente" = $1
  AND "faturas_mensais"."posicao_custo" = $2
GROUP BY "unidades"."nome_unidade", CAST(date_trunc('month', "faturas_mensais"."mes_referencia") AS DATE)
ORDER BY "faturas_mensais__mes_month" DESC
LIMIT 50"#
    );
    // `posicao_custo` is a RANK(): an integer column, bound as one.
    assert_eq!(q.params, [QueryParam::Int(7), QueryParam::Int(1)]);
}

#[test]
fn a_derived_view_is_its_select_in_from_on_bigquery() {
    let q = ok(BY_UNIT_MONTH, &bq());
    assert_eq!(
        q.sql,
        "SELECT
  `unidades`.`nome_unidade` AS `unidades__nome_unidade`,
  DATE_TRUNC(`faturas_mensais`.`mes_referencia`, MONTH) AS `faturas_mensais__mes_month`,
  SUM(`faturas_mensais`.`valor_total`) AS `faturas_mensais__custo_total`,
  MAX(`faturas_mensais`.`demanda_maxima_kw`) AS `faturas_mensais__maior_demanda_kw`
FROM (
SELECT `f`.`id_cliente` AS `id_cliente`, `f`.`id_unidade` AS `id_unidade`, `f`.`mes_referencia` AS `mes_referencia`, COUNT(*) AS `faturas`, SUM(`f`.`valor_total`) AS `valor_total`, SUM((`f`.`consumo_ponta_kwh` + `f`.`consumo_fora_ponta_kwh`)) AS `consumo_kwh`, MAX(`f`.`demanda_medida_kw`) AS `demanda_maxima_kw`, RANK() OVER (PARTITION BY `f`.`id_unidade` ORDER BY SUM(`f`.`valor_total`) DESC NULLS FIRST) AS `posicao_custo`
FROM `objeto_dados_energia_gestao_faturas_v2` AS `f`
GROUP BY `f`.`id_cliente`, `f`.`id_unidade`, `f`.`mes_referencia`
) AS `faturas_mensais`
LEFT JOIN `objeto_unidades_atributos` AS `unidades` ON `faturas_mensais`.`id_unidade` = `unidades`.`id_unidade`
WHERE `faturas_mensais`.`id_cliente` = $1
  AND `faturas_mensais`.`posicao_custo` = $2
GROUP BY `unidades`.`nome_unidade`, DATE_TRUNC(`faturas_mensais`.`mes_referencia`, MONTH)
ORDER BY `faturas_mensais__mes_month` DESC
LIMIT 50"
    );
}

/// The access filter is on the derived view's output column, in the outer
/// WHERE; a caller without the attribute is refused, never shown all rows.
#[test]
fn the_access_filter_holds_over_a_derived_view() {
    let json = r#"{"model": "comerc", "view": "faturas_mensais", "fields": ["faturas_mensais.custo_total"]}"#;
    for target in [df(), bq()] {
        let q = ok(json, &target);
        let outer = q.sql.rsplit_once(") AS ").expect("the derived SELECT is in FROM").1;
        assert!(outer.contains("WHERE ") && outer.contains("id_cliente") && outer.contains(" = $1"), "{}", q.sql);
        assert_eq!(q.params, [QueryParam::Int(7)]);
        for caller in [
            Caller::default(),
            Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), "7 OR 1=1".to_owned())]) },
        ] {
            let e = compile(demo(), &request(json), &caller, &target, now()).unwrap_err();
            assert!(matches!(e, QueryError::AccessDenied { .. }), "{e}");
        }
    }
}

/// A measure of the joined units repeated by the derived rows is deduped
/// (symmetric aggregate): the derived SELECT and the access filter are in
/// the inner level, where the rows are chosen.
#[test]
fn a_symmetric_aggregate_over_a_derived_view_keeps_the_access_filter() {
    let json = r#"{"model": "comerc", "view": "faturas_mensais",
        "fields": ["faturas_mensais.mes_year", "unidades.demanda_contratada_total_kw", "faturas_mensais.custo_total"]}"#;
    for target in [df(), bq()] {
        let q = ok(json, &target);
        assert!(q.sql.contains("ROW_NUMBER()"), "deduped: {}", q.sql);
        let inner = q.sql.split("FROM (").nth(2).expect("the derived SELECT inside the rows level");
        assert!(inner.contains("objeto_dados_energia_gestao_faturas_v2"), "{}", q.sql);
        assert!(q.sql.contains("id_cliente` = $1") || q.sql.contains("id_cliente\" = $1"), "{}", q.sql);
        assert_eq!(q.params[0], QueryParam::Int(7));
    }
}

/// A drill into a derived measure keeps the access filter, and the
/// clicked value is a parameter.
#[test]
fn a_drill_into_a_derived_measure_keeps_the_access_filter() {
    use crate::compile::{DrillTo, drill_request};
    let tile = request(
        r#"{"model": "comerc", "view": "faturas_mensais", "fields": ["unidades.nome_unidade", "faturas_mensais.custo_total"]}"#,
    );
    let clicked = [("unidades.nome_unidade".to_owned(), Some("Loja' OR 1=1 --".to_owned()))];
    let drill = drill_request(demo(), &tile, "faturas_mensais.custo_total", &clicked, DrillTo::Rows).unwrap();
    for target in [df(), bq()] {
        let q = compile(demo(), &drill, &customer(), &target, now()).unwrap();
        assert!(!q.sql.contains("Loja"), "{}", q.sql);
        assert_eq!(q.params[0], QueryParam::Int(7));
        let e = compile(demo(), &drill, &Caller::default(), &target, now()).unwrap_err();
        assert!(matches!(e, QueryError::AccessDenied { .. }), "{e}");
    }
}

/// A model joining a derived view into a table's explore: the join reads
/// the derived SELECT, quoted for the dialect, string literals escaped.
#[test]
fn a_joined_derived_view_is_written_per_dialect() {
    let model = crate::model::parse_model(
        r#"
[model]
name = "m"

[[views]]
name = "pedidos"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "loja", type = "string" }, { name = "cliente", type = "number" }]
measures = [{ name = "n", type = "count" }]

[[views]]
name = "lojas_ativas"
derived_table = { sql = "WITH l AS (SELECT loja, COUNT(*) AS pedidos FROM pedidos WHERE status <> 'it''s' GROUP BY loja) SELECT l.loja, l.pedidos FROM l" }
dimensions = [{ name = "loja", type = "string", primary_key = true }, { name = "pedidos", type = "number" }]

[[explores]]
name = "pedidos"
access_filters = [{ field = "pedidos.cliente", user_attribute = "id_cliente" }]

[[explores.joins]]
view = "lojas_ativas"
on = [["pedidos.loja", "lojas_ativas.loja"]]
relationship = "many_to_one"
"#,
        std::path::Path::new("m.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tables = WarehouseColumns::from([(
        "pedidos".to_owned(),
        BTreeMap::from([
            ("id".to_owned(), ColumnKind::Integer),
            ("loja".to_owned(), ColumnKind::String),
            ("cliente".to_owned(), ColumnKind::Integer),
            ("status".to_owned(), ColumnKind::String),
        ]),
    )]);
    assert_eq!(crate::model::check_columns(&model, &tables), []);
    let columns = crate::model::derived::with_derived_columns(std::slice::from_ref(&model), &tables);
    let json = r#"{"model": "m", "view": "pedidos", "fields": ["lojas_ativas.pedidos", "pedidos.n"]}"#;
    let q = compile(&model, &request(json), &customer(), &Target::new(Dialect::DataFusion, &columns), now()).unwrap();
    assert!(
        q.sql.contains(
            "LEFT JOIN (\nWITH \"l\" AS (\nSELECT \"loja\" AS \"loja\", COUNT(*) AS \"pedidos\"\nFROM \"pedidos\"\nWHERE (\"status\" <> 'it''s')\nGROUP BY \"loja\"\n)\nSELECT \"l\".\"loja\" AS \"loja\", \"l\".\"pedidos\" AS \"pedidos\"\nFROM \"l\"\n) AS \"lojas_ativas\" ON"
        ),
        "{}",
        q.sql
    );
    assert!(q.sql.contains("WHERE \"pedidos\".\"cliente\" = $1"), "{}", q.sql);
    let q = compile(&model, &request(json), &customer(), &Target::new(Dialect::BigQuery, &columns), now()).unwrap();
    assert!(q.sql.contains("WHERE (`status` <> 'it\\'s')"), "{}", q.sql);
    assert!(q.sql.contains(") AS `lojas_ativas` ON"), "{}", q.sql);
}

/// A persisted derived view is read from its table (named after the
/// view); its SELECT is written for the rebuild only.
#[test]
fn a_persisted_derived_view_reads_its_table() {
    let model = crate::model::parse_model(
        r#"
[model]
name = "m"

[[views]]
name = "lojas"
derived_table = { sql = "SELECT loja, cliente, SUM(valor) AS total FROM pedidos GROUP BY loja, cliente", persist = true }
dimensions = [{ name = "loja", type = "string" }, { name = "cliente", type = "number" }]
measures = [{ name = "total", type = "sum", sql = "total" }]

[[explores]]
name = "lojas"
access_filters = [{ field = "lojas.cliente", user_attribute = "id_cliente" }]
"#,
        std::path::Path::new("m.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let columns = WarehouseColumns::new();
    let json = r#"{"model": "m", "view": "lojas", "fields": ["lojas.loja", "lojas.total"]}"#;
    let q = compile(&model, &request(json), &customer(), &Target::new(Dialect::DataFusion, &columns), now()).unwrap();
    assert!(q.sql.contains("FROM \"lojas\" AS \"lojas\"\nWHERE \"lojas\".\"cliente\" = $1"), "{}", q.sql);
    let q = compile(&model, &request(json), &customer(), &Target::new(Dialect::BigQuery, &columns), now()).unwrap();
    assert!(q.sql.contains("FROM `lojas` AS `lojas`\nWHERE `lojas`.`cliente` = $1"), "{}", q.sql);
    let view = model.view("lojas").unwrap();
    assert_eq!(
        crate::compile::derived_table_sql(view, Dialect::BigQuery).unwrap(),
        "SELECT `loja` AS `loja`, `cliente` AS `cliente`, SUM(`valor`) AS `total`\nFROM `pedidos`\nGROUP BY `loja`, `cliente`"
    );
}
