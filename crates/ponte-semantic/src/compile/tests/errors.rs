//! Refusals: limits, names, sorts, fan-out; and always-filters.

use super::*;
use crate::compile::QueryParam;

fn with_limit(limit: &str) -> Result<CompiledQuery, QueryError> {
    let body =
        serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "limit": limit});
    run(&body.to_string(), &df())
}

#[test]
fn limits_are_whole_numbers_capped() {
    for (limit, expected) in [("10", 10), ("5000", 5000), ("20000", 5000), ("-1", 1_000_000), ("", 500), (" 7 ", 7)] {
        let q = with_limit(limit).unwrap();
        assert_eq!(q.limit, expected, "{limit}");
        assert!(q.sql.ends_with(&format!("\nLIMIT {expected}")));
    }
    assert_eq!(ok(r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"]}"#, &df()).limit, 500);
    assert_eq!(with_limit("99999999999999999999999").unwrap().limit, 5000);
}

#[test]
fn bad_limits_are_refused_where_the_request_is_read() {
    for bad in ["1e9", "abc", "-5", "0", "+5", "5.0", "1; DROP TABLE x"] {
        let body =
            serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "limit": bad});
        let e = serde_json::from_value::<QueryRequest>(body).unwrap_err();
        assert!(e.to_string().starts_with(&format!("bad limit `{bad}`")), "{bad}: {e}");
        let e = QueryRequest::from_url_params("comerc", "faturas", [("limit", bad)]).unwrap_err();
        assert_eq!(e, QueryError::BadLimit(crate::limit::BadLimit { limit: bad.to_owned() }), "{bad}");
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn unknown_names_say_what_and_where() {
    let e = err(r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_totl"]}"#);
    assert_eq!(
        e.to_string(),
        "unknown field `faturas.custo_totl` in explore `faturas`; did you mean `faturas.custo_total`?"
    );
    let e = err(r#"{"model": "comerc", "view": "faturas", "fields": ["orcamento.valor_orcado"]}"#);
    assert!(matches!(e, QueryError::UnknownField { .. }), "a view outside the explore: {e}");
    let e = err(r#"{"model": "comerc", "view": "fatura", "fields": ["faturas.custo_total"]}"#);
    assert_eq!(e.to_string(), "unknown explore `fatura` in model `comerc`; did you mean `faturas`?");
    assert_eq!(e.status(), 404);
    let e = err(r#"{"model": "shop", "view": "faturas", "fields": ["faturas.custo_total"]}"#);
    assert_eq!(e, QueryError::UnknownModel { model: "shop".into() });
    let e = err(r#"{"model": "comerc", "view": "faturas", "fields": []}"#);
    assert_eq!(e, QueryError::NoFields);
}

#[test]
fn bad_filters_and_sorts_name_the_field() {
    let e = err(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": {"faturas.demanda_medida_kw": ">> 5"}}"#,
    );
    let QueryError::BadFilter { field, message } = &e else { panic!("{e}") };
    assert_eq!(field, "faturas.demanda_medida_kw");
    assert!(message.contains(">> 5"), "{message}");
    let e =
        err(r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": ["unidades.uf"]}"#);
    assert_eq!(e.to_string(), "bad sort `unidades.uf`: `unidades.uf` is not one of the query's fields");
    let e = err(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": ["faturas.custo_total sideways"]}"#,
    );
    assert!(matches!(e, QueryError::BadSort { .. }));
}

#[test]
fn pivots_must_be_selected_dimensions_with_a_measure_and_a_sane_column_limit() {
    let pivot = |fields: &str, pivots: &str, extra: &str| {
        err(&format!(r#"{{"model": "comerc", "view": "faturas", "fields": {fields}, "pivots": {pivots}{extra}}}"#))
            .to_string()
    };
    let both = r#"["faturas.status_pagamento", "faturas.custo_total"]"#;
    assert_eq!(
        pivot(r#"["faturas.custo_total"]"#, r#"["unidades.uf"]"#, ""),
        "bad pivot: `unidades.uf` is not in `fields`; a query pivots on fields it selects"
    );
    assert_eq!(
        pivot(both, r#"["faturas.custo_total"]"#, ""),
        "bad pivot: `faturas.custo_total` is a measure; a query pivots on dimensions"
    );
    assert_eq!(
        pivot(both, r#"["faturas.status_pagamento", "faturas.status_pagamento"]"#, ""),
        "bad pivot: `faturas.status_pagamento` is pivoted twice"
    );
    assert_eq!(
        pivot(r#"["faturas.status_pagamento"]"#, r#"["faturas.status_pagamento"]"#, ""),
        "bad pivot: a pivoted query needs a measure to spread across the pivot's columns"
    );
    assert!(pivot(both, r#"["faturas.nada"]"#, "").starts_with("unknown field `faturas.nada`"));
    let with_limit = |limit: &str| {
        format!(
            r#"{{"model": "comerc", "view": "faturas", "fields": {both}, "pivots": ["faturas.status_pagamento"], "column_limit": {limit}}}"#
        )
    };
    for bad in [r#""0""#, r#""201""#, r#""-1""#, r#""x""#, "7.5"] {
        match run(&with_limit(bad), &df()) {
            Err(QueryError::BadPivot { reason }) => assert!(reason.contains("`column_limit`"), "{reason}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(ok(&with_limit("200"), &df()).pivot.unwrap().column_limit, 200);
    assert_eq!(ok(&with_limit(r#"" 7 ""#), &df()).pivot.unwrap().column_limit, 7);
    // Neither text nor a number: refused where the body is read.
    assert!(serde_json::from_str::<QueryRequest>(&with_limit("[]")).is_err());
}

#[test]
fn a_min_of_dates_takes_no_number_filter() {
    let text = r#"
[model]
name = "m"
[[views]]
name = "v"
sql_table_name = "t"
dimensions = [{ name = "id", type = "number", primary_key = true }]
measures = [{ name = "first_day", type = "min", sql = "day" }]
[[explores]]
name = "v"
"#;
    let model = crate::model::parse_model(text, "m.toml".as_ref()).unwrap();
    let columns = WarehouseColumns::from([(
        "t".to_owned(),
        BTreeMap::from([("id".to_owned(), ColumnKind::Integer), ("day".to_owned(), ColumnKind::Date)]),
    )]);
    let body = request(r#"{"model": "m", "view": "v", "fields": ["v.first_day"], "filters": {"v.first_day": ">5"}}"#);
    let e = compile(&model, &body, &Caller::default(), &Target::new(Dialect::DataFusion, &columns), now()).unwrap_err();
    assert!(matches!(e, QueryError::WrongFilterKind { .. }), "{e}");
}

#[test]
fn a_measure_a_join_repeats_is_a_symmetric_aggregate() {
    // Many invoices per unit: a unit's contracted demand is summed over the
    // unit's rows once each (numbered by key within the group), not once
    // per invoice.
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "unidades.demanda_contratada_total_kw"]}"#,
        &df(),
    );
    assert_eq!(
        q.sql,
        r#"SELECT
  "unidades__uf",
  SUM(CASE WHEN "__rn_0" = 1 THEN "__arg_0" END) AS "unidades__demanda_contratada_total_kw"
FROM (
SELECT
  "unidades"."uf" AS "unidades__uf",
  "unidades"."demanda_contratada_kw" AS "__arg_0",
  ROW_NUMBER() OVER (PARTITION BY "unidades"."uf", "unidades"."id_unidade") AS "__rn_0"
FROM "objeto_dados_energia_gestao_faturas_v2" AS "faturas"
LEFT JOIN "objeto_unidades_atributos" AS "unidades" ON "faturas"."id_unidade" = "unidades"."id_unidade"
WHERE "faturas"."id_cliente" = $1
) AS "rows"
GROUP BY "unidades__uf"
ORDER BY "unidades__demanda_contratada_total_kw" DESC
LIMIT 500"#
    );
    // Counting units is distinct on the primary key, so it stays a plain query.
    let q = ok(r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.quantidade_unidades"]}"#, &df());
    assert!(q.sql.contains(r#"COUNT(DISTINCT "unidades"."id_unidade")"#) && !q.sql.contains("ROW_NUMBER"));
    // The invoices' own sum over a many_to_one join is not repeated.
    let q = ok(r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "faturas.custo_total"]}"#, &df());
    assert!(!q.sql.contains("ROW_NUMBER"));
}

#[test]
fn a_one_to_many_join_dedupes_the_repeated_side_and_refuses_it_without_a_key() {
    let text = r#"
[model]
name = "m"
[[views]]
name = "customers"
dimensions = [{ name = "id", type = "number", primary_key = true }]
measures = [{ name = "credit", type = "sum", sql = "credit" }, { name = "count", type = "count" }]
[[views]]
name = "orders"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "customer_id", type = "number" }]
measures = [{ name = "total", type = "sum", sql = "amount" }, { name = "largest", type = "max", sql = "amount" }]
[[explores]]
name = "customers"
[[explores.joins]]
view = "orders"
on = [["customers.id", "orders.customer_id"]]
relationship = "one_to_many"
"#;
    let model = crate::model::parse_model(text, "m.toml".as_ref()).unwrap();
    let columns = WarehouseColumns::new();
    let target = Target::new(Dialect::BigQuery, &columns);
    let go = |fields: &str| {
        let body = request(&format!(r#"{{"model": "m", "view": "customers", "fields": [{fields}]}}"#));
        compile(&model, &body, &Caller::default(), &target, now())
    };
    // Each customer's credit once, however many orders; the orders' own
    // sum over every order.
    let q = go(r#""customers.credit", "orders.total""#).unwrap();
    assert!(q.sql.contains("SUM(CASE WHEN `__rn_0` = 1 THEN `__arg_0` END) AS `customers__credit`"), "{}", q.sql);
    assert!(q.sql.contains("SUM(`__arg_1`) AS `orders__total`"), "{}", q.sql);
    assert!(q.sql.contains("ROW_NUMBER() OVER (PARTITION BY `customers`.`id`) AS `__rn_0`"), "{}", q.sql);
    // Without the join the sum is a plain query; counts on the key and maxima never repeat.
    assert!(!go(r#""customers.credit""#).unwrap().sql.contains("ROW_NUMBER"));
    assert!(!go(r#""customers.count", "orders.largest", "orders.total""#).unwrap().sql.contains("ROW_NUMBER"));
    // The base's count under the one_to_many join counts its keys; alone, its rows.
    let q = go(r#""customers.count", "orders.total""#).unwrap();
    assert!(q.sql.contains("COUNT(DISTINCT `customers`.`id`) AS `customers__count`"), "{}", q.sql);
    let q = go(r#""customers.count""#).unwrap();
    assert!(q.sql.contains("COUNT(*) AS `customers__count`"), "{}", q.sql);
    // A repeated view without a key cannot be deduped: refused, saying why.
    let keyless = crate::model::parse_model(
        &text.replace(
            r#"dimensions = [{ name = "id", type = "number", primary_key = true }]"#,
            r#"dimensions = [{ name = "id", type = "number" }]"#,
        ),
        "m.toml".as_ref(),
    )
    .unwrap();
    let body = request(r#"{"model": "m", "view": "customers", "fields": ["customers.credit", "orders.total"]}"#);
    let e = compile(&keyless, &body, &Caller::default(), &target, now()).unwrap_err();
    assert!(
        matches!(&e, QueryError::FanOut { measure, join, .. } if measure == "customers.credit" && join == "orders"),
        "{e}"
    );
    assert_eq!(e.status(), 422);
    assert!(e.to_string().contains("has no primary key"), "{e}");
}

#[test]
fn always_filters_apply_and_can_be_changed() {
    let text = r#"
[model]
name = "m"
time_zone = "UTC"
[[views]]
name = "orders"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "status" }, { name = "day", type = "date" }]
measures = [{ name = "count", type = "count" }]
[[explores]]
name = "orders"
always_filter = { "orders.status" = "complete" }
"#;
    let model = crate::model::parse_model(text, "m.toml".as_ref()).unwrap();
    let columns = WarehouseColumns::new();
    let target = Target::new(Dialect::DataFusion, &columns);
    let go = |filters: &str| {
        let body = request(&format!(
            r#"{{"model": "m", "view": "orders", "fields": ["orders.count"], "filters": {filters}}}"#
        ));
        compile(&model, &body, &Caller::default(), &target, now()).unwrap()
    };
    let q = go(r#"{"orders.day": "2024-05-01"}"#);
    assert!(
        q.sql
            .contains("WHERE \"orders\".\"status\" = $1\n  AND (\"orders\".\"day\" >= $2 AND \"orders\".\"day\" < $3)"),
        "{}",
        q.sql
    );
    assert_eq!(q.params[0], QueryParam::String("complete".into()));
    let q = go(r#"{"orders.status": "cancelled"}"#);
    assert!(q.sql.contains("WHERE \"orders\".\"status\" = $1\n"));
    assert_eq!(q.params, [QueryParam::String("cancelled".into())]);
}

#[test]
fn unknown_json_keys_and_nulls_are_accepted() {
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": null, "sorts": null,
            "limit": null, "query_timezone": null, "total": true, "vis_config": {}, "filter_config": null, "can": {}}"#,
        &bq(),
    );
    assert_eq!(q.limit, 500);
}

#[test]
fn a_huge_name_gets_no_suggestion_and_is_not_echoed_whole() {
    let name = format!("faturas.custo_total{}", "x".repeat(1_000_000));
    for body in [
        serde_json::json!({"model": "comerc", "view": "faturas", "fields": [name]}),
        serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": [name]}),
        serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": {&name: "1"}}),
        serde_json::json!({"model": "comerc", "view": name, "fields": ["faturas.custo_total"]}),
    ] {
        let e = err(&body.to_string());
        let text = e.to_string();
        assert!(text.len() < 300 && text.contains("(1000019 bytes)") && !text.contains("did you mean"), "{text}");
    }
}

#[test]
fn too_many_fields_or_sorts_are_refused() {
    let many: Vec<&str> = vec!["faturas.custo_total"; crate::compile::MAX_FIELDS + 1];
    let e = err(&serde_json::json!({"model": "comerc", "view": "faturas", "fields": many}).to_string());
    assert_eq!(e, QueryError::TooMany { what: "fields", count: 501, limit: 500 });
    let body =
        serde_json::json!({"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "sorts": many});
    assert_eq!(err(&body.to_string()), QueryError::TooMany { what: "sorts", count: 501, limit: 500 });
}
