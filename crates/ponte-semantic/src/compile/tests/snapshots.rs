//! Exact SQL and parameters for representative queries, both dialects.

use chrono::NaiveDate;

use super::*;
use crate::compile::{FieldKind, QueryParam};

fn date(y: i32, m: u32, d: u32) -> QueryParam {
    QueryParam::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

const COST_BY_MONTH: &str = r#"{"model": "comerc", "view": "faturas",
    "fields": ["faturas.mes_referencia_month", "faturas.custo_total"],
    "sorts": ["faturas.mes_referencia_month"], "limit": "100",
    "pivots": null, "vis_config": {"type": "looker_column"}, "client_id": "abc"}"#;

#[test]
fn a_measure_by_month_on_datafusion() {
    let q = ok(COST_BY_MONTH, &df());
    assert_eq!(
        q.sql,
        r#"SELECT
  CAST(date_trunc('month', "faturas"."mes_referencia") AS DATE) AS "faturas__mes_referencia_month",
  SUM("faturas"."valor_total") AS "faturas__custo_total"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "faturas"
WHERE "faturas"."id_cliente" = $1
GROUP BY CAST(date_trunc('month', "faturas"."mes_referencia") AS DATE)
ORDER BY "faturas__mes_referencia_month"
LIMIT 100"#
    );
    assert_eq!(q.params, [QueryParam::Int(7)]);
    assert_eq!(q.limit, 100);
    let names: Vec<(&str, &str, FieldKind, &str)> =
        q.columns.iter().map(|c| (c.name.as_str(), c.alias.as_str(), c.kind, c.field_type.as_str())).collect();
    assert_eq!(
        names,
        [
            ("faturas.mes_referencia_month", "faturas__mes_referencia_month", FieldKind::Dimension, "date_month"),
            ("faturas.custo_total", "faturas__custo_total", FieldKind::Measure, "sum"),
        ]
    );
    assert_eq!(q.columns[1].value_format.as_deref(), Some("R$ #,##0.00"));
    assert_eq!(q.columns[1].label, "Custo total");
}

#[test]
fn a_measure_by_month_on_bigquery() {
    let q = ok(COST_BY_MONTH, &bq());
    assert_eq!(
        q.sql,
        "SELECT
  DATE_TRUNC(`faturas`.`mes_referencia`, MONTH) AS `faturas__mes_referencia_month`,
  SUM(`faturas`.`valor_total`) AS `faturas__custo_total`
FROM `objeto_dados_energia_gestao_faturas_v2` AS `faturas`
WHERE `faturas`.`id_cliente` = $1
GROUP BY DATE_TRUNC(`faturas`.`mes_referencia`, MONTH)
ORDER BY `faturas__mes_referencia_month`
LIMIT 100"
    );
    assert_eq!(q.params, [QueryParam::Int(7)]);
}

#[test]
fn weeks_start_on_monday_in_both_dialects() {
    let json = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.emissao_week", "faturas.emissao_date"]}"#;
    let q = ok(json, &df());
    assert!(q.sql.contains(r#"CAST(date_trunc('week', "faturas"."data_emissao") AS DATE) AS "faturas__emissao_week""#));
    assert!(q.sql.contains(r#"CAST("faturas"."data_emissao" AS DATE) AS "faturas__emissao_date""#));
    let q = ok(json, &bq());
    assert!(q.sql.contains("DATE_TRUNC(`faturas`.`data_emissao`, ISOWEEK) AS `faturas__emissao_week`"));
    assert!(q.sql.contains("`faturas`.`data_emissao` AS `faturas__emissao_date`"));
    // Only dimensions: grouped (Looker's DISTINCT), sorted by the first
    // time field descending (Looker's default for a time series).
    assert!(q.sql.contains("\nGROUP BY DATE_TRUNC(`faturas`.`data_emissao`, ISOWEEK), `faturas`.`data_emissao`\n"));
    assert!(q.sql.contains("\nORDER BY `faturas__emissao_week` DESC\nLIMIT 500"));
}

#[test]
fn a_timestamp_timeframe_is_seen_in_the_query_time_zone() {
    // The demo's dimension groups are all on DATE columns; a warehouse that
    // stores `mes_referencia` as a TIMESTAMP gets the zone conversion.
    let mut columns = demo_columns().clone();
    columns
        .get_mut("objeto_dados_energia_gestao_faturas_v2")
        .unwrap()
        .insert("data_emissao".into(), ColumnKind::Timestamp);
    let json = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.emissao_month", "faturas.custo_total"],
        "filters": {"faturas.emissao_date": "2024-03-10"}, "query_timezone": "America/New_York"}"#;
    let q = ok(json, &Target::new(Dialect::BigQuery, &columns));
    assert_eq!(
        q.sql,
        "SELECT
  DATE_TRUNC(DATE(`faturas`.`data_emissao`, $1), MONTH) AS `faturas__emissao_month`,
  SUM(`faturas`.`valor_total`) AS `faturas__custo_total`
FROM `objeto_dados_energia_gestao_faturas_v2` AS `faturas`
WHERE `faturas`.`id_cliente` = $2
  AND (`faturas`.`data_emissao` >= $3 AND `faturas`.`data_emissao` < $4)
GROUP BY DATE_TRUNC(DATE(`faturas`.`data_emissao`, $1), MONTH)
ORDER BY `faturas__emissao_month` DESC
LIMIT 500"
    );
    // 2024-03-10 in New York is 23 hours long (clocks spring forward).
    assert_eq!(
        q.params,
        [
            QueryParam::String("America/New_York".into()),
            QueryParam::Int(7),
            QueryParam::Timestamp(Utc.with_ymd_and_hms(2024, 3, 10, 5, 0, 0).unwrap()),
            QueryParam::Timestamp(Utc.with_ymd_and_hms(2024, 3, 11, 4, 0, 0).unwrap()),
        ]
    );
    let q = ok(json, &Target::new(Dialect::DataFusion, &columns));
    assert!(q.sql.contains(
        r#"CAST(date_trunc('month', to_local_time("faturas"."data_emissao" AT TIME ZONE 'America/New_York')) AS DATE)"#
    ));
}

#[test]
fn a_join_is_pulled_in_only_by_a_field_that_needs_it() {
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "faturas.consumo_total_kwh"],
            "sorts": ["unidades.uf asc"]}"#,
        &df(),
    );
    assert_eq!(
        q.sql,
        r#"SELECT
  "unidades"."uf" AS "unidades__uf",
  (SUM("faturas"."consumo_ponta_kwh") + SUM("faturas"."consumo_fora_ponta_kwh")) AS "faturas__consumo_total_kwh"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "faturas"
LEFT JOIN "objeto_unidades_atributos" AS "unidades" ON "faturas"."id_unidade" = "unidades"."id_unidade"
WHERE "faturas"."id_cliente" = $1
GROUP BY "unidades"."uf"
ORDER BY "unidades__uf"
LIMIT 500"#
    );
    assert!(!q.sql.contains("clientes"), "clientes is not needed");
    // A filter alone also pulls its view in.
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": {"clientes.segmento": "Industrial"}}"#,
        &bq(),
    );
    assert!(q.sql.contains(
        "LEFT JOIN `objeto_estrutura_atendimento` AS `clientes` ON `faturas`.`id_cliente` = `clientes`.`id_cliente`"
    ));
    assert!(!q.sql.contains("unidades"));
    assert_eq!(q.params, [QueryParam::Int(7), QueryParam::String("Industrial".into())]);
}

#[test]
fn a_number_measure_divides_with_nullif() {
    let json = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_medio_kwh"]}"#;
    let q = ok(json, &df());
    assert!(q.sql.starts_with(
        r#"SELECT
  (CAST(SUM("faturas"."valor_total") AS DOUBLE) / NULLIF((SUM("faturas"."consumo_ponta_kwh") + SUM("faturas"."consumo_fora_ponta_kwh")), 0)) AS "faturas__custo_medio_kwh"
FROM"#
    ));
    let q = ok(json, &bq());
    assert!(q.sql.contains(
        "(SUM(`faturas`.`valor_total`) / NULLIF((SUM(`faturas`.`consumo_ponta_kwh`) + SUM(`faturas`.`consumo_fora_ponta_kwh`)), 0)) AS `faturas__custo_medio_kwh`"
    ));
    // Only measures: no GROUP BY; sorted by the first measure, descending.
    assert!(!q.sql.contains("GROUP BY"));
    assert!(q.sql.contains("ORDER BY `faturas__custo_medio_kwh` DESC"));
}

#[test]
fn a_count_counts_rows_of_the_base_and_keys_where_a_join_may_repeat_them() {
    // The explore's base, nothing joined: rows, as Looker writes it.
    let q = ok(
        r#"{"model": "comerc", "view": "unidades", "fields": ["unidades.quantidade_unidades", "unidades.unidades_ativas"]}"#,
        &bq(),
    );
    assert!(q.sql.contains("COUNT(*) AS `unidades__quantidade_unidades`"), "{}", q.sql);
    assert!(q.sql.contains(
        "COUNT(CASE WHEN COALESCE(`unidades`.`ativa`, FALSE) = $1 THEN 1 END) AS `unidades__unidades_ativas`"
    ));
    assert_eq!(q.params, [QueryParam::Bool(true), QueryParam::Int(7)]);
    // A many_to_one join repeats the joined view's rows, not the base's.
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "faturas.quantidade_faturas", "unidades.quantidade_unidades"]}"#,
        &bq(),
    );
    assert!(q.sql.contains("COUNT(*) AS `faturas__quantidade_faturas`"), "{}", q.sql);
    assert!(q.sql.contains("COUNT(DISTINCT `unidades`.`id_unidade`) AS `unidades__quantidade_unidades`"), "{}", q.sql);
}

#[test]
fn a_look_compiles_like_its_query() {
    let q = crate::compile::compile_look(demo(), 2, &customer(), &df(), now()).unwrap();
    assert!(q.sql.contains(
        r#"WHERE "faturas"."id_cliente" = $1
  AND ("faturas"."mes_referencia" >= $2 AND "faturas"."mes_referencia" < $3)"#
    ));
    // Look 2 filters on the year 2025.
    assert_eq!(q.params, [QueryParam::Int(7), date(2025, 1, 1), date(2026, 1, 1)]);
    assert!(q.sql.ends_with("ORDER BY \"faturas__mes_referencia_month\"\nLIMIT 500"));
    assert_eq!(q.columns.len(), 5);
}

#[test]
fn the_one_to_one_join_of_budget_and_invoices_is_allowed() {
    let q = crate::compile::compile_look(demo(), 3, &customer(), &bq(), now()).unwrap();
    assert!(q.sql.contains(
        "LEFT JOIN `objeto_dados_energia_gestao_faturas_v2` AS `faturas` ON `orcamento`.`id_unidade` = `faturas`.`id_unidade` AND `orcamento`.`mes_referencia` = `faturas`.`mes_referencia`"
    ));
    assert!(q.sql.contains("WHERE `orcamento`.`id_cliente` = $1"));
}

/// Looker's default sort when a query names none: the first time field
/// descending, else the first measure descending, else the first field
/// ascending. (ponte used to sort a time series by its measure.)
#[test]
fn without_sorts_a_time_series_is_newest_first() {
    for (fields, order_by) in [
        (
            r#"["unidades.uf", "faturas.custo_total", "faturas.mes_referencia_month"]"#,
            "ORDER BY `faturas__mes_referencia_month` DESC",
        ),
        (r#"["unidades.uf", "faturas.custo_total"]"#, "ORDER BY `faturas__custo_total` DESC"),
        (r#"["unidades.uf", "faturas.status_pagamento"]"#, "ORDER BY `unidades__uf`\n"),
    ] {
        let json = format!(r#"{{"model": "comerc", "view": "faturas", "fields": {fields}}}"#);
        let q = ok(&json, &bq());
        assert!(q.sql.contains(order_by), "{fields}: {}", q.sql);
    }
}

const BY_VALUE_BAND: &str = r#"{"model": "comerc", "view": "faturas",
    "fields": ["faturas.faixa_valor", "faturas.demanda_excedente_kw"],
    "filters": {"faturas.faixa_valor": "-Até R$ 10 mil"},
    "sorts": ["faturas.faixa_valor"], "limit": "10"}"#;

#[test]
fn model_expressions_are_written_from_their_tree_in_both_dialects() {
    let q = ok(BY_VALUE_BAND, &df());
    let band = r#"CASE WHEN (("faturas"."valor_total") >= 100000) THEN 'Acima de R$ 100 mil' WHEN (("faturas"."valor_total") >= 10000) THEN 'R$ 10 mil a 100 mil' ELSE 'Até R$ 10 mil' END"#;
    assert_eq!(
        q.sql,
        format!(
            r#"SELECT
  {band} AS "faturas__faixa_valor",
  SUM((CASE WHEN ("faturas"."demanda_medida_kw" - "faturas"."demanda_contratada_kw") IS NULL THEN NULL ELSE GREATEST(("faturas"."demanda_medida_kw" - "faturas"."demanda_contratada_kw"), 0) END)) AS "faturas__demanda_excedente_kw"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "faturas"
WHERE "faturas"."id_cliente" = $1
  AND ({band} <> $2 OR {band} IS NULL)
GROUP BY {band}
ORDER BY "faturas__faixa_valor"
LIMIT 10"#
        )
    );
    assert_eq!(q.params, [QueryParam::Int(7), QueryParam::String("Até R$ 10 mil".into())]);
    let q = ok(BY_VALUE_BAND, &bq());
    assert!(
        q.sql.starts_with(
            "SELECT\n  CASE WHEN ((`faturas`.`valor_total`) >= 100000) THEN 'Acima de R$ 100 mil' WHEN ((`faturas`.`valor_total`) >= 10000)"
        ),
        "{}",
        q.sql
    );
    assert!(q.sql.contains("SUM((GREATEST((`faturas`.`demanda_medida_kw` - `faturas`.`demanda_contratada_kw`), 0)))"));
}

#[test]
fn an_expression_naming_another_views_field_joins_that_view() {
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.unidade_uf", "faturas.quantidade_faturas"],
            "sorts": ["faturas.unidade_uf"], "limit": "10"}"#,
        &df(),
    );
    let label = r#"((("unidades"."nome_unidade") || ' (') || ("unidades"."uf")) || ')')"#;
    assert!(q.sql.contains(&format!("  ({label} AS \"faturas__unidade_uf\"")), "{}", q.sql);
    assert!(
        q.sql.contains("LEFT JOIN \"objeto_unidades_atributos\" AS \"unidades\" ON"),
        "the view is joined: {}",
        q.sql
    );
    assert!(q.sql.contains(&format!("GROUP BY ({label}")), "{}", q.sql);
    // A filter on it alone joins the view too.
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.quantidade_faturas"],
            "filters": {"faturas.unidade_uf": "%(SP)"}}"#,
        &bq(),
    );
    assert!(q.sql.contains("LEFT JOIN `objeto_unidades_atributos` AS `unidades` ON"), "{}", q.sql);
}

const COST_BY_MONTH_AND_STATUS: &str = r#"{"model": "comerc", "view": "faturas",
    "fields": ["faturas.mes_referencia_month", "faturas.status_pagamento", "faturas.custo_total"],
    "pivots": ["faturas.status_pagamento"], "sorts": ["faturas.status_pagamento desc", "faturas.custo_total desc"],
    "limit": "12", "column_limit": "3"}"#;

#[test]
fn a_pivoted_query_ranks_its_rows_and_pivot_columns_on_datafusion() {
    let q = ok(COST_BY_MONTH_AND_STATUS, &df());
    assert_eq!(
        q.sql,
        r#"SELECT "faturas__mes_referencia_month", "faturas__status_pagamento", "faturas__custo_total", "__pivot_row_rank", "__pivot_col_rank", "__pivot_columns"
FROM (
SELECT *, DENSE_RANK() OVER (ORDER BY "__pivot_min_rank") AS "__pivot_row_rank", ROW_NUMBER() OVER (PARTITION BY "__pivot_col_rank" ORDER BY "__pivot_min_rank") AS "__pivot_col_first_row"
FROM (
SELECT *, MIN("__pivot_rank") OVER (PARTITION BY "faturas__mes_referencia_month") AS "__pivot_min_rank", MIN("__pivot_col_rank") OVER (PARTITION BY "faturas__mes_referencia_month") AS "__pivot_row_first_col"
FROM (
SELECT *, RANK() OVER (ORDER BY "faturas__custo_total" DESC NULLS LAST, "__pivot_col_rank") AS "__pivot_rank", MAX("__pivot_col_rank") OVER () AS "__pivot_columns"
FROM (
SELECT *, DENSE_RANK() OVER (ORDER BY "faturas__status_pagamento" DESC NULLS LAST) AS "__pivot_col_rank"
FROM (
SELECT
  CAST(date_trunc('month', "faturas"."mes_referencia") AS DATE) AS "faturas__mes_referencia_month",
  "faturas"."status_pagamento" AS "faturas__status_pagamento",
  SUM("faturas"."valor_total") AS "faturas__custo_total"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "faturas"
WHERE "faturas"."id_cliente" = $1
GROUP BY CAST(date_trunc('month', "faturas"."mes_referencia") AS DATE), "faturas"."status_pagamento"
) AS "__pivot_groups"
) AS "__pivot_columns_ranked"
) AS "__pivot_cells_ranked"
) AS "__pivot_rows_placed"
) AS "__pivot_rows_ranked"
WHERE ("__pivot_row_rank" <= 12 AND ("__pivot_col_rank" <= 3 OR "__pivot_col_rank" = "__pivot_row_first_col"))
  OR ("__pivot_col_rank" <= 3 AND "__pivot_col_first_row" = 1)
ORDER BY "__pivot_row_rank", "__pivot_col_rank""#
    );
    assert_eq!(q.params, [QueryParam::Int(7)]);
    let layout = q.pivot.expect("a pivoted query has a layout");
    assert_eq!(layout.fields, ["faturas.status_pagamento"]);
    assert_eq!((layout.column_limit, layout.row_limit), (3, 12));
}

#[test]
fn a_pivoted_query_partitions_by_json_text_on_bigquery_and_defaults_its_column_limit() {
    let json = r#"{"model": "comerc", "view": "faturas",
        "fields": ["faturas.mes_referencia_month", "faturas.status_pagamento", "faturas.custo_total"],
        "pivots": ["faturas.status_pagamento"]}"#;
    let q = ok(json, &bq());
    // No sorts: the pivot ascending, rows by the time field newest first.
    assert!(
        q.sql.contains("DENSE_RANK() OVER (ORDER BY `faturas__status_pagamento` NULLS LAST) AS `__pivot_col_rank`")
    );
    assert!(
        q.sql.contains("RANK() OVER (ORDER BY `faturas__mes_referencia_month` DESC NULLS LAST, `__pivot_col_rank`)")
    );
    assert!(q.sql.contains("MIN(`__pivot_rank`) OVER (PARTITION BY TO_JSON_STRING(`faturas__mes_referencia_month`))"));
    assert!(q.sql.contains("WHERE (`__pivot_row_rank` <= 500 AND (`__pivot_col_rank` <= 50 OR"), "{}", q.sql);
    // Only pivots and measures: one row of columns.
    let across = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.status_pagamento", "faturas.custo_total"],
        "pivots": ["faturas.status_pagamento"], "limit": "-1"}"#;
    let q = ok(across, &df());
    assert!(q.sql.contains(r#"MIN("__pivot_rank") OVER () AS "__pivot_min_rank""#), "{}", q.sql);
    assert!(q.sql.contains(r#"WHERE ("__pivot_row_rank" <= 5000 AND"#), "all rows of a pivot is a page's rows");
}

#[test]
fn a_sort_on_one_pivot_column_orders_rows_by_that_columns_value() {
    let json = r#"{"model": "comerc", "view": "faturas",
        "fields": ["faturas.mes_referencia_month", "faturas.status_pagamento", "faturas.custo_total"],
        "pivots": ["faturas.status_pagamento"], "sorts": ["faturas.custo_total desc 2"]}"#;
    for (target, key) in [
        (
            df(),
            r#"MAX(CASE WHEN "__pivot_col_rank" = 3 THEN "faturas__custo_total" END) OVER (PARTITION BY "faturas__mes_referencia_month") AS "__pivot_sort_0""#,
        ),
        (
            bq(),
            "MAX(CASE WHEN `__pivot_col_rank` = 3 THEN `faturas__custo_total` END) OVER (PARTITION BY TO_JSON_STRING(`faturas__mes_referencia_month`)) AS `__pivot_sort_0`",
        ),
    ] {
        let q = ok(json, &target);
        assert!(q.sql.contains(key), "{}", q.sql);
        let rank = if target.dialect == Dialect::DataFusion {
            r#"RANK() OVER (ORDER BY "__pivot_sort_0" DESC NULLS LAST, "__pivot_col_rank")"#
        } else {
            "RANK() OVER (ORDER BY `__pivot_sort_0` DESC NULLS LAST, `__pivot_col_rank`)"
        };
        assert!(q.sql.contains(rank), "{}", q.sql);
    }
    // Unpivoted, Looker's pivot number changes nothing; a bad one is refused.
    let plain = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": ["faturas.custo_total desc 0"]}"#;
    assert!(ok(plain, &df()).sql.ends_with("ORDER BY \"faturas__custo_total\" DESC\nLIMIT 500"));
    let bad = r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": ["faturas.custo_total desc x"]}"#;
    assert!(matches!(err(bad), QueryError::BadSort { .. }));
}
