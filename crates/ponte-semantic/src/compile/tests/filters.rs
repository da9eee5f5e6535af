//! Each filter type's SQL: every value bound, NULLs kept by negations.

use chrono::NaiveDate;

use super::*;
use crate::compile::{MAX_FILTER_CONDITIONS, MAX_FILTER_VALUES, QueryParam};

/// The WHERE clause (without the access filter) and the parameters after
/// the access filter's `$1`, for one filter on the `unidades` explore.
fn filtered(field: &str, expression: &str, target: &Target<'_>) -> (String, Vec<QueryParam>) {
    let body = serde_json::json!({
        "model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": { field: expression },
    });
    let q = ok(&body.to_string(), target);
    let start = q.sql.find("WHERE ").expect("a WHERE clause");
    let end = q.sql.find("\nORDER BY").unwrap();
    let clause = q.sql[start..end].trim_start_matches("WHERE \"faturas\".\"id_cliente\" = $1\n  AND ");
    let clause = clause.trim_start_matches("WHERE `faturas`.`id_cliente` = $1\n  AND ");
    assert_eq!(q.params[0], QueryParam::Int(7), "the access filter comes first");
    (clause.to_owned(), q.params[1..].to_vec())
}

fn s(v: &str) -> QueryParam {
    QueryParam::String(v.to_owned())
}

#[test]
fn a_string_list_is_an_in_list() {
    let (sql, params) = filtered("unidades.uf", "SP,RJ", &df());
    assert_eq!(sql, r#""unidades"."uf" IN ($2, $3)"#);
    assert_eq!(params, [s("SP"), s("RJ")]);
    let (sql, _) = filtered("unidades.uf", "SP", &bq());
    assert_eq!(sql, "`unidades`.`uf` = $2");
}

#[test]
fn a_negated_string_keeps_nulls() {
    let (sql, params) = filtered("unidades.uf", "-SP", &df());
    assert_eq!(sql, r#"("unidades"."uf" <> $2 OR "unidades"."uf" IS NULL)"#);
    assert_eq!(params, [s("SP")]);
    let (sql, _) = filtered("unidades.uf", "-SP,-RJ,-NULL", &bq());
    assert_eq!(sql, "((`unidades`.`uf` NOT IN ($2, $3) OR `unidades`.`uf` IS NULL) AND `unidades`.`uf` IS NOT NULL)");
}

#[test]
fn string_patterns_are_like_with_escaped_literals() {
    let (sql, params) = filtered("unidades.nome_unidade", "%100\\%%,Loja%,-%teste%", &df());
    assert_eq!(
        sql,
        r#"(("unidades"."nome_unidade" LIKE $2 ESCAPE '\' OR "unidades"."nome_unidade" LIKE $3 ESCAPE '\') AND ("unidades"."nome_unidade" NOT LIKE $4 ESCAPE '\' OR "unidades"."nome_unidade" IS NULL))"#
    );
    assert_eq!(params, [s("%100\\%%"), s("Loja%"), s("%teste%")]);
    let (sql, _) = filtered("unidades.nome_unidade", "Loja%", &bq());
    assert_eq!(sql, "`unidades`.`nome_unidade` LIKE $2", "BigQuery's LIKE escapes with a backslash already");
}

#[test]
fn null_and_empty_strings() {
    let (sql, params) = filtered("unidades.cidade", "EMPTY", &df());
    assert_eq!(sql, r#"("unidades"."cidade" IS NULL OR "unidades"."cidade" = '')"#);
    assert!(params.is_empty());
    let (sql, _) = filtered("unidades.cidade", "-EMPTY", &df());
    assert_eq!(sql, r#"("unidades"."cidade" IS NOT NULL AND "unidades"."cidade" <> '')"#);
    let (sql, _) = filtered("unidades.cidade", "NULL", &bq());
    assert_eq!(sql, "`unidades`.`cidade` IS NULL");
}

#[test]
fn number_ranges_and_negations() {
    let (sql, params) = filtered("faturas.demanda_medida_kw", "[100, 500)", &df());
    assert_eq!(sql, r#"("faturas"."demanda_medida_kw" >= $2 AND "faturas"."demanda_medida_kw" < $3)"#);
    assert_eq!(params, [QueryParam::Int(100), QueryParam::Int(500)]);
    let (sql, params) = filtered("faturas.demanda_medida_kw", ">=0.5 AND <=10, 20", &bq());
    assert_eq!(
        sql,
        "(`faturas`.`demanda_medida_kw` = $2 OR (`faturas`.`demanda_medida_kw` >= $3 AND `faturas`.`demanda_medida_kw` <= $4))"
    );
    assert_eq!(params, [QueryParam::Int(20), QueryParam::Float(0.5), QueryParam::Int(10)]);
    let (sql, _) = filtered("faturas.demanda_medida_kw", "NOT 5", &df());
    assert_eq!(sql, r#"("faturas"."demanda_medida_kw" <> $2 OR "faturas"."demanda_medida_kw" IS NULL)"#);
    let (sql, _) = filtered("faturas.demanda_medida_kw", "NOT NULL", &df());
    assert_eq!(sql, r#""faturas"."demanda_medida_kw" IS NOT NULL"#);
}

#[test]
fn number_lists_are_in_lists_whole_numbers_exact_and_others_as_floats() {
    let (sql, params) = filtered("faturas.demanda_medida_kw", "1, 2.5, 3, NULL", &df());
    assert_eq!(
        sql,
        r#"("faturas"."demanda_medida_kw" IN ($2, $3) OR CAST("faturas"."demanda_medida_kw" AS DOUBLE) = $4 OR "faturas"."demanda_medida_kw" IS NULL)"#
    );
    assert_eq!(params, [QueryParam::Int(1), QueryParam::Int(3), QueryParam::Float(2.5)]);
    let (sql, params) = filtered("faturas.demanda_medida_kw", "NOT 1, NOT 2, NOT 2.5", &bq());
    assert_eq!(
        sql,
        "((`faturas`.`demanda_medida_kw` NOT IN ($2, $3) OR `faturas`.`demanda_medida_kw` IS NULL) AND (`faturas`.`demanda_medida_kw` <> $4 OR `faturas`.`demanda_medida_kw` IS NULL))"
    );
    assert_eq!(params, [QueryParam::Int(1), QueryParam::Int(2), QueryParam::Float(2.5)]);
}

#[test]
fn long_lists_compile_shallow_and_past_the_limits_are_refused_by_name() {
    let list = |n: usize, item: &dyn Fn(usize) -> String| (0..n).map(item).collect::<Vec<_>>().join(",");
    // Ten thousand values are one IN list.
    let (sql, params) = filtered("faturas.demanda_medida_kw", &list(MAX_FILTER_VALUES, &|i| i.to_string()), &df());
    assert_eq!(sql.matches(" IN (").count(), 1);
    assert_eq!(params.len(), MAX_FILTER_VALUES);
    // As many ranges as allowed nest a few levels deep, not one per range.
    let (sql, _) = filtered("faturas.demanda_medida_kw", &list(MAX_FILTER_CONDITIONS, &|i| format!(">{i}")), &df());
    let mut depth = 0i32;
    let deepest = sql
        .chars()
        .map(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth
        })
        .max()
        .unwrap();
    assert!(deepest <= 4, "{deepest} levels of parentheses");
    for (field, expression, what, limit) in [
        ("faturas.demanda_medida_kw", list(MAX_FILTER_VALUES + 1, &|i| i.to_string()), "values", MAX_FILTER_VALUES),
        (
            "faturas.demanda_medida_kw",
            list(MAX_FILTER_VALUES + 1, &|i| format!("NOT {i}")),
            "values",
            MAX_FILTER_VALUES,
        ),
        (
            "faturas.demanda_medida_kw",
            list(MAX_FILTER_CONDITIONS + 1, &|i| format!(">{i}")),
            "ranges, patterns or periods",
            MAX_FILTER_CONDITIONS,
        ),
        (
            "unidades.nome_unidade",
            list(MAX_FILTER_CONDITIONS + 1, &|i| format!("%x{i}")),
            "ranges, patterns or periods",
            MAX_FILTER_CONDITIONS,
        ),
        (
            "faturas.mes_referencia_month",
            list(MAX_FILTER_CONDITIONS + 1, &|i| (1900 + i).to_string()),
            "ranges, patterns or periods",
            MAX_FILTER_CONDITIONS,
        ),
    ] {
        let body = serde_json::json!({
            "model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": { field: expression },
        });
        let e = err(&body.to_string());
        let count = limit + 1;
        assert_eq!(e, QueryError::FilterTooLarge { field: field.to_owned(), count, what, limit });
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn last_12_months_on_a_date_column_binds_dates() {
    // Now is 2024-05-15 in São Paulo: the current month and the 11 before.
    let (sql, params) = filtered("faturas.mes_referencia_month", "last 12 months", &bq());
    assert_eq!(sql, "(`faturas`.`mes_referencia` >= $2 AND `faturas`.`mes_referencia` < $3)");
    let date = |y, m, d| QueryParam::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    assert_eq!(params, [date(2023, 6, 1), date(2024, 6, 1)]);
    let (sql, params) = filtered("faturas.data_vencimento", "before 2024-01-01, 2024-03", &df());
    assert_eq!(
        sql,
        r#"("faturas"."data_vencimento" < $2 OR ("faturas"."data_vencimento" >= $3 AND "faturas"."data_vencimento" < $4))"#
    );
    assert_eq!(params, [date(2024, 1, 1), date(2024, 3, 1), date(2024, 4, 1)]);
    let (sql, _) = filtered("faturas.pagamento_date", "NULL", &bq());
    assert_eq!(sql, "`faturas`.`data_pagamento` IS NULL");
}

#[test]
fn yesno_filters_take_null_as_no() {
    let (sql, params) = filtered("unidades.ativa", "No", &df());
    assert_eq!(sql, r#"COALESCE("unidades"."ativa", FALSE) = $2"#);
    assert_eq!(params, [QueryParam::Bool(false)]);
    let (sql, params) = filtered("unidades.ativa", "yes", &bq());
    assert_eq!(sql, "COALESCE(`unidades`.`ativa`, FALSE) = $2");
    assert_eq!(params, [QueryParam::Bool(true)]);
}

#[test]
fn a_measure_filter_goes_to_having() {
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["unidades.uf", "faturas.custo_total"],
            "filters": {"faturas.quantidade_faturas": ">10", "unidades.uf": "SP"}}"#,
        &bq(),
    );
    assert!(
        q.sql.contains("\nWHERE `faturas`.`id_cliente` = $1\n  AND `unidades`.`uf` = $2\nGROUP BY `unidades`.`uf`\n")
    );
    assert!(q.sql.contains("\nHAVING COUNT(*) > $3\n"), "{}", q.sql);
    assert_eq!(q.params, [QueryParam::Int(7), s("SP"), QueryParam::Int(10)]);
}

#[test]
fn an_empty_expression_is_no_filter() {
    let q = ok(
        r#"{"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"], "filters": {"unidades.uf": ""}}"#,
        &df(),
    );
    assert!(!q.sql.contains("unidades"), "an 'any value' filter needs no join");
    assert_eq!(q.params, [QueryParam::Int(7)]);
}

#[test]
fn a_date_dimension_whose_expression_gives_a_timestamp_binds_timestamps() {
    let text = r#"
[model]
name = "m"
time_zone = "UTC"
[[views]]
name = "e"
dimensions = [
  { name = "id", type = "number", primary_key = true },
  { name = "dia", type = "date", sql = "CAST(${TABLE}.ts AS TIMESTAMP)" },
  { name = "dia_declarado", type = "date", sql = "COALESCE(ts, ts)" },
]
measures = [{ name = "n", type = "count" }]
[[explores]]
name = "e"
"#;
    let model = crate::model::parse_model(text, "m.toml".as_ref()).unwrap();
    let columns: WarehouseColumns =
        [("e".to_owned(), [("ts".to_owned(), ColumnKind::Date)].into_iter().collect())].into_iter().collect();
    let target = Target::new(Dialect::BigQuery, &columns);
    let run = |field: &str| {
        let body =
            request(&format!(r#"{{"model": "m", "view": "e", "fields": ["e.n"], "filters": {{"{field}": "2024"}}}}"#));
        compile(&model, &body, &Caller::default(), &target, now()).unwrap().params
    };
    assert!(matches!(run("e.dia")[0], QueryParam::Timestamp(_)), "the CAST's type, not the declared date");
    assert!(matches!(run("e.dia_declarado")[0], QueryParam::Date(_)), "COALESCE of a date column is a date");
}
