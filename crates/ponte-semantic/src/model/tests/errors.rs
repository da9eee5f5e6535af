//! Each kind of problem, reported at the right `line:column`.

use std::path::Path;

use super::{BASE, assert_one, at, edit, parse, problems};
use crate::filter_expr::parse_date;
use crate::model::parse_model;

#[test]
fn unknown_key_suggests_the_closest() {
    let text = edit(r#"sql_table_name = "orders""#, r#"sql_tabel_name = "orders""#);
    assert_one(
        &text,
        "sql_tabel_name",
        0,
        "unknown key `sql_tabel_name` in views[0]; did you mean `sql_table_name`? (expected one of:",
    );
}

#[test]
fn a_misspelt_required_key_is_one_problem_not_two() {
    // Without the rule, the dashboard would also be reported missing `title`.
    let text = edit(r#"title = "Overview""#, r#"titel = "Overview""#);
    assert_one(&text, "titel", 0, "unknown key `titel` in dashboards[0]; did you mean `title`?");
}

#[test]
fn unknown_key_in_a_nested_table() {
    let text = edit("layout = { row = 0,", "layout = { rows = 0, row = 0,");
    assert_one(&text, "rows", 0, "unknown key `rows` in dashboards[0].elements[0].layout; did you mean `row`?");
}

#[test]
fn duplicate_view() {
    let text = edit(r#"name = "customers""#, r#"name = "orders""#);
    let found = problems(&text);
    // The explore's join of `customers` now dangles too.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0], format!("{}: duplicate view `orders` (first defined at line 5)", at(&text, r#""orders""#, 2)));
}

#[test]
fn dangling_join_view() {
    let text = edit(r#"view = "customers""#, r#"view = "customer""#);
    let found = problems(&text);
    // The join's view is unknown, so its `on` pair names a view the explore lacks too.
    assert!(found[0].starts_with(&format!("{}: ", at(&text, r#""customer""#, 0))), "{found:#?}");
    assert!(found[0].contains("explore `orders`, join: unknown view `customer`; did you mean `customers`?"));
}

#[test]
fn unknown_field_in_an_access_filter() {
    let text = edit(r#"field = "orders.customer_id""#, r#"field = "orders.customerid""#);
    assert_one(
        &text,
        r#""orders.customerid""#,
        0,
        "explore `orders`, access filter: unknown field `orders.customerid` in explore `orders`; did you mean \
         `orders.customer_id`?",
    );
}

#[test]
fn access_filter_needs_a_user_attribute() {
    let text = edit(r#", user_attribute = "customer_id" }"#, " }");
    assert_one(&text, "{ field", 0, "explore `orders`, access filter is missing `user_attribute`");
}

#[test]
fn bad_filter_expression_in_always_filter_names_the_parser_message() {
    let text = edit(r#"= "7 days""#, r#"= "7 dayz""#);
    let parser_message = parse_date("7 dayz").unwrap_err().to_string();
    assert_one(
        &text,
        r#""7 dayz""#,
        0,
        &format!("explore `orders`, always_filter: bad filter expression for `orders.created_date`: {parser_message}"),
    );
}

#[test]
fn filter_expressions_use_the_grammar_of_the_field_type() {
    // `>5` is a fine number filter but the id is checked as a number, the
    // status as a string (where `>5` is just text), the date as a date.
    let text = edit(
        r#"always_filter = { "orders.created_date" = "7 days" }"#,
        r#"always_filter = { "orders.id" = ">5", "orders.status" = ">5", "orders.created_month" = ">5" }"#,
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("`orders.created_month`"), "{found:#?}");
}

#[test]
fn sql_is_a_column_or_a_checked_expression_and_a_table_a_bare_name() {
    // An expression is parsed, not spliced: `;`, comments, subqueries and
    // functions off the list are refused where they are written.
    parse_model(&edit(r#"sql = "amount""#, r#"sql = "${TABLE}.amount * 2""#), Path::new("shop.toml")).unwrap();
    let text = edit(r#"sql = "amount""#, r#"sql = "amount; DROP TABLE x""#);
    assert_one(&text, r#""amount; DROP"#, 0, "`;` is not allowed");
    let text = edit(r#"sql = "amount""#, r#"sql = "amount -- x""#);
    assert_one(&text, r#""amount -- x""#, 0, "comments are not allowed");
    let text = edit(r#"sql = "amount""#, r#"sql = "pg_sleep(amount)""#);
    assert_one(&text, r#""pg_sleep"#, 0, "function `PG_SLEEP` is not allowed");
    let text = edit(r#"sql_table_name = "orders""#, r#"sql_table_name = "orders; DROP TABLE x""#);
    assert_one(&text, r#""orders; DROP"#, 0, "`sql_table_name` must be a bare column or table name");
}

#[test]
fn number_measure_referencing_an_unknown_measure() {
    let text = edit(r#""${total} / ${count}""#, r#""${total} / ${cont}""#);
    assert_one(
        &text,
        "${cont}",
        0,
        "measure `average_total`: `${cont}` is not a measure of view `orders`; did you mean `count`?",
    );
    let text = edit(r#""${total} / ${count}""#, r#""${total} / ${status}""#);
    assert_one(&text, "${status}", 0, "`${status}` is a dimension");
}

#[test]
fn number_measure_refuses_sql_text() {
    let text = edit(r#""${total} / ${count}""#, r#""1; DROP TABLE x""#);
    assert_one(&text, "; DROP", 0, "measure `average_total`: expected an operator (+ - * /) or the end, found `;`");
    let text = edit(r#""${total} / ${count}""#, r#""SUM(amount)""#);
    assert_one(&text, "SUM(amount)", 0, "a `number` measure combines only");
}

#[test]
fn number_measures_may_not_refer_to_themselves() {
    let text = edit(r#""${total} / ${count}""#, r#""${average_total} + 1""#);
    assert_one(&text, r#""${average_total} + 1""#, 0, "refers to itself");
}

#[test]
fn unknown_types_suggest_the_closest() {
    let text = edit(r#"type = "sum""#, r#"type = "summ""#);
    assert_one(&text, r#""summ""#, 0, "unknown measure type `summ`; did you mean `sum`?");
    let text = edit(r#"timeframes = ["date", "month"]"#, r#"timeframes = ["date", "mnth"]"#);
    let found = problems(&text);
    assert!(found[0].starts_with(&at(&text, r#""mnth""#, 0)), "{found:#?}");
    assert!(found[0].contains("unknown timeframe `mnth`; did you mean `month`?"), "{found:#?}");
}

#[test]
fn count_takes_no_sql() {
    let text = edit(r#"{ name = "count", type = "count" }"#, r#"{ name = "count", type = "count", sql = "id" }"#);
    assert_one(&text, r#""id" }"#, 0, "a `count` measure takes no `sql`");
}

#[test]
fn join_pairs_must_involve_the_joined_view() {
    let text =
        edit(r#"on = [["orders.customer_id", "customers.id"]]"#, r#"on = [["orders.customer_id", "orders.id"]]"#);
    assert_one(&text, r#"["orders.customer_id""#, 0, "each pair must compare a field of `customers`");
}

#[test]
fn look_problems() {
    let text = edit(r#"sorts = ["orders.created_month desc"]"#, r#"sorts = ["orders.count desc"]"#);
    assert_one(
        &text,
        r#""orders.count desc""#,
        0,
        "look 1: sort field `orders.count` is not one of the query's fields",
    );
    let text = edit(r#"limit = "100""#, r#"limit = "lots""#);
    assert_one(&text, r#""lots""#, 0, "look 1: `limit` must be a positive whole number");
    let text = edit(
        r#"query = { explore = "orders", fields = ["orders.created_month""#,
        r#"query = { explore = "order", fields = ["orders.created_month""#,
    );
    assert_one(&text, r#""order""#, 0, "look 1: unknown explore `order`; did you mean `orders`?");
}

/// Regression: a look saved with `limit = 10000` used to pass `validate`
/// and then show 5,000 rows, cut silently when run. A saved query's limit
/// must now fit what a page shows, and the message says the maximum.
#[test]
fn saved_limits_above_the_page_cap_or_every_row_are_refused_where_written() {
    for (limit, needle) in [(r#""10000""#, r#""10000""#), ("5001", "5001"), (r#""-1""#, r#""-1""#), ("-1", "-1 }")] {
        let text = edit(r#"limit = "100""#, &format!("limit = {limit}"));
        assert_one(
            &text,
            needle.trim_end_matches(" }"),
            0,
            "look 1: `limit` must be a positive whole number up to 5000, Looker's row limit for looks and dashboards",
        );
    }
    assert_eq!(problems(&edit(r#"limit = "100""#, "limit = 5000")), Vec::<String>::new());
    let tile = edit(
        r#"query = { explore = "orders", fields = ["orders.total"] }"#,
        r#"query = { explore = "orders", fields = ["orders.total"], limit = 20000 }"#,
    );
    let found = problems(&tile);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with(&format!("{}: ", at(&tile, "20000", 0))), "{found:#?}");
    assert!(found[0].contains("`limit` must be a positive whole number up to 5000"), "{found:#?}");
}

#[test]
fn dashboard_problems() {
    let text = edit(r#"listen = { "Month" = "#, r#"listen = { "Mont" = "#);
    assert_one(&text, r#""Mont""#, 0, r#"listens to unknown dashboard filter "Mont"; did you mean "Month"?"#);
    let text = edit(r#"listen = { "Month" = "orders.created_month" }"#, r#"listen = { "Month" = "orders.status" }"#);
    assert_one(
        &text,
        r#""orders.status""#,
        0,
        "takes String filters but dashboard filter \"Month\" is on a Date field",
    );
    let text = edit("col = 0, width = 6", "col = 20, width = 6");
    assert_one(&text, "{ row = 0", 0, "`col` + `width` is 26, past the 24-column grid");
    let text = edit(r#"type = "single_value""#, r#"type = "single_valeu""#);
    assert_one(&text, r#""single_valeu""#, 0, "unknown tile type `single_valeu`; did you mean `single_value`?");
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let text = BASE
        .replace(r#"sql_table_name = "orders""#, r#"sql_tabel_name = "orders""#)
        .replace(r#"view = "customers""#, r#"view = "customer""#)
        .replace(r#"limit = "100""#, r#"limit = "0""#);
    let found = problems(&text);
    assert!(found.len() >= 3, "{found:#?}");
    assert!(found[0].contains("sql_tabel_name"));
    assert!(found.iter().any(|m| m.contains("unknown view `customer`")));
    assert!(found.last().unwrap().contains("`limit` must be a positive whole number"));
}

#[test]
fn toml_syntax_errors_have_a_place() {
    let text = edit("[[looks]]\nid = 1", "[[looks]]\nid = = 1");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with(&format!("{}:", at(&text, "id = =", 0).split(':').next().unwrap())), "{found:#?}");
}

#[test]
fn model_table_and_name_are_required() {
    let text = BASE.replace("[model]\nname = \"shop\"\n", "");
    assert!(problems(&text).iter().any(|m| m.contains("missing the `[model]` table")));
    let text = edit("name = \"shop\"", "label = \"Shop\"");
    assert_one(&text, "[model]", 0, "[model] is missing `name`");
}

#[test]
fn unknown_time_zone() {
    let text = edit("name = \"shop\"", "name = \"shop\"\ntime_zone = \"America/Sao_Pablo\"");
    assert_one(&text, r#""America/Sao_Pablo""#, 0, "unknown time zone `America/Sao_Pablo`");
}

#[test]
fn unreadable_file_is_one_diagnostic() {
    let err = crate::model::load_model(std::path::Path::new("/nonexistent/model.toml")).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    assert!(err.to_string().contains("cannot read model file"), "{err}");
}

#[test]
fn an_expression_refers_to_dimensions_of_its_own_view_without_loops() {
    let with = |dimension: &str| {
        edit(
            r#"{ name = "status", type = "string" },"#,
            &format!("{{ name = \"status\", type = \"string\" }},\n  {dimension},"),
        )
    };
    // `${field}` and `${view.field}` of the same view are inlined.
    parse(&with(r#"{ name = "big", type = "yesno", sql = "${amount_band} = 'big'" }"#)).unwrap_err();
    let ok = with(r#"{ name = "twice", type = "number", sql = "${orders.customer_id} * 2 + ${id}" }"#);
    let model = parse(&ok).unwrap();
    let twice = model.views[0].dimensions.iter().find(|d| d.name == "twice").unwrap();
    let crate::model::FieldSql::Expression(at) = &twice.sql else { panic!("an expression") };
    assert_eq!(at.expr.fields(), ["customer_id", "id"], "references rewritten to bare names");
    let text = with(r#"{ name = "x", type = "number", sql = "${nope} + 1" }"#);
    assert_one(&text, r#""${nope} + 1""#, 0, "`x`: `${nope}` is not a dimension of view `orders`");
    // Another view's dimension, where every explore of this view joins it.
    parse(&with(r#"{ name = "x", type = "string", sql = "UPPER(${customers.name})" }"#)).unwrap();
    let text = with(r#"{ name = "x", type = "string", sql = "UPPER(${nowhere.name})" }"#);
    assert_one(
        &text,
        r#""UPPER(${nowhere"#,
        0,
        "`orders.x` refers to `${nowhere.name}`, which is not a dimension of a view explore `orders` has",
    );
    let measure = edit(
        r#"{ name = "total", type = "sum", sql = "amount" },"#,
        r#"{ name = "total", type = "sum", sql = "${customers.id}" },"#,
    );
    assert_one(&measure, r#""${customers.id}""#, 0, "a measure aggregates its own view's rows");
    let through = with(r#"{ name = "x", type = "number", sql = "${customers.id}" }"#).replace(
        r#"{ name = "total", type = "sum", sql = "amount" },"#,
        r#"{ name = "total", type = "sum", sql = "${x} * 2" },"#,
    );
    assert!(
        problems(&through).iter().any(|p| p.contains("measure `orders.total` reaches view `customers` through `x`")),
        "{:#?}",
        problems(&through)
    );
    let across = with(r#"{ name = "x", type = "string", sql = "${customers.name}" }"#)
        .replace(r#"{ name = "name" }"#, r#"{ name = "name", sql = "${orders.x}" }"#);
    assert!(
        problems(&across)
            .iter()
            .any(|p| p.contains("refers to itself: ") && p.contains("orders.x → customers.name → orders.x")),
        "{:#?}",
        problems(&across)
    );
    let text = with(r#"{ name = "x", type = "number", sql = "${count} + 1" }"#);
    assert_one(&text, r#""${count} + 1""#, 0, "`${count}` is not a dimension of view `orders`");
    let looped = with(
        r#"{ name = "a", type = "number", sql = "${b} + 1" },
  { name = "b", type = "number", sql = "${a} * 2" }"#,
    );
    let found = problems(&looped);
    assert_eq!(found.len(), 1, "one loop, reported once: {found:#?}");
    assert!(found[0].contains("`orders.a` refers to itself: orders.a → orders.b → orders.a"), "{found:#?}");
    // A measure's filter on a dimension that reads another view would
    // need a join the measure's rows do not have.
    let filtered = with(r#"{ name = "x", type = "yesno", sql = "${customers.id} > 10" }"#).replace(
        r#"{ name = "total", type = "sum", sql = "amount" },"#,
        r#"{ name = "total", type = "sum", sql = "amount", filters = { x = "Yes" } },"#,
    );
    assert!(
        problems(&filtered)
            .iter()
            .any(|p| p.contains("measure `orders.total` reaches view `customers` through `orders.x`")),
        "{:#?}",
        problems(&filtered)
    );
    // Shared references are summarised once: 12 layers of 4 dimensions each
    // referring to all 4 below would be 4^12 paths, yet validation is quick
    // and the written-out size is what is refused.
    let mut layers = String::new();
    for layer in 0..12 {
        for i in 0..4 {
            let sql = if layer == 0 {
                "id".to_owned()
            } else {
                (0..4).map(|j| format!("${{l{}_{j}}}", layer - 1)).collect::<Vec<_>>().join(" + ")
            };
            layers.push_str(&format!(",\n  {{ name = \"l{layer}_{i}\", type = \"number\", sql = \"{sql}\" }}"));
        }
    }
    let wide = with(r#"{ name = "x", type = "number" }"#)
        .replace(r#"{ name = "x", type = "number" },"#, &format!("{{ name = \"x\", type = \"number\" }}{layers},"));
    let found = problems(&wide);
    assert!(found.iter().any(|p| p.contains("`orders.l11_0` is") && p.contains("at most 2000 nodes")), "{found:#?}");
}
