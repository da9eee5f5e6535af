//! The converter on small projects: what becomes what, what is reported
//! (with its line), and that ponte's own model reader accepts the result.

use std::path::Path;

use ponte_lookml::convert::{Conversion, ConvertError, convert_dir};

fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Conversion, ConvertError>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let conversion = convert_dir(dir.path());
    (dir, conversion)
}

fn entries(c: &Conversion) -> Vec<String> {
    c.report.entries.iter().map(ToString::to_string).collect()
}

fn assert_reported(c: &Conversion, expected: &str) {
    let all = entries(c);
    assert!(all.iter().any(|e| e.starts_with(expected)), "no entry starting `{expected}` in:\n{}", all.join("\n"));
}

/// The converted text, read back by ponte's model reader (the oracle for
/// "this is a model ponte accepts").
fn model(c: &Conversion, name: &str) -> ponte_semantic::model::Model {
    let (file, text) = c.files().into_iter().find(|(f, _)| f == &format!("{name}.toml")).expect("the model file");
    ponte_semantic::model::parse_model(&text, Path::new(&file)).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const ORDERS: &str = r#"view: orders {
  sql_table_name: orders ;;
  dimension: id { primary_key: yes type: number }
  dimension: user_id { type: number }
  dimension: status {}
  dimension: amount { type: number sql: ${TABLE}.amount_cents / 100.0 ;; value_format_name: usd }
  dimension_group: created { type: time timeframes: [time, date, month] sql: ${TABLE}.created_at ;; }
  measure: count { type: count drill_fields: [detail*, extra*] }
  measure: total { type: sum sql: ${amount} ;; filters: [orders.status: "done"] }
  measure: legacy { type: count filters: { field: status value: "-cancelled" } }
  measure: foreign { type: count filters: [users.region: "EU"] }
  measure: share { type: number sql: ${total} / NULLIF(${count}, 0) ;; }
  measure: odd_format { type: sum sql: ${TABLE}.x ;; value_format_name: my_format colour: red }
  set: detail { fields: [id, status] }
}
"#;

const USERS: &str = "view: users {\n  dimension: id { primary_key: yes type: number }\n  dimension: region {}\n  dimension: account_id { type: number }\n  dimension: email { required_access_grants: [pii] }\n}\nview: accounts {\n  dimension: id { primary_key: yes type: number }\n}\nview: salaries {\n  required_access_grants: [hr]\n}\n";

#[test]
fn views_convert_with_their_fields_and_leave_the_rest_in_the_report() {
    let (_dir, c) = project(&[
        ("shop.model.lkml", "include: \"/views/*.view\"\nexplore: orders {}\n"),
        ("views/orders.view.lkml", ORDERS),
        ("views/users.view.lkml", USERS),
    ]);
    let c = c.unwrap();
    let m = model(&c, "shop");
    let explore = m.explore("orders").unwrap();
    for field in ["orders.total", "orders.legacy", "orders.created_month", "orders.amount", "orders.odd_format"] {
        explore.resolve_field(field).unwrap_or_else(|| panic!("{field}"));
    }
    for gone in ["orders.foreign", "orders.share", "orders.created_time"] {
        assert!(explore.resolve_field(gone).is_none(), "{gone}");
    }
    let view = &c.models[0].views.iter().find(|v| v.name == "orders").unwrap();
    let total = view.measures.iter().find(|m| m.name == "total").unwrap();
    assert_eq!(total.filters, [("status".to_owned(), "done".to_owned())]);
    assert_eq!(total.origin.line, 9);
    let legacy = view.measures.iter().find(|m| m.name == "legacy").unwrap();
    assert_eq!(legacy.filters, [("status".to_owned(), "-cancelled".to_owned())]);
    let count = view.measures.iter().find(|m| m.name == "count").unwrap();
    assert_eq!(count.drill_fields, ["id", "status"]);
    let amount = view.dimensions.iter().find(|d| d.name == "amount").unwrap();
    assert_eq!(amount.value_format.as_deref(), Some("$#,##0.00"));
    assert_eq!(amount.sql.as_deref(), Some("${TABLE}.amount_cents / 100.0"));

    for e in [
        "views/orders.view.lkml:7: dimension_group orders.created: timeframes time: ponte has no equivalent",
        "views/orders.view.lkml:8: measure orders.count: drill_fields extra*: no set `extra` in view orders",
        "views/orders.view.lkml:11: measure orders.foreign: filters (left out): a measure's filters may only name dimensions of its own view",
        "views/orders.view.lkml:12: measure orders.share: sql (left out): ponte's SQL checker refuses it",
        "views/orders.view.lkml:13: measure orders.odd_format: value_format_name my_format: not one of Looker's built-in formats",
        "views/orders.view.lkml:13: measure orders.odd_format: colour: not a key the converter knows",
    ] {
        assert_reported(&c, e);
    }
    assert!(!entries(&c).iter().any(|e| e.contains("converted model")), "{:#?}", entries(&c));
}

#[test]
fn access_control_fails_closed() {
    let (_dir, c) = project(&[
        ("views/orders.view.lkml", ORDERS),
        ("views/users.view.lkml", USERS),
        (
            "shop.model.lkml",
            r#"include: "/views/*.view"
explore: kept {
  view_name: orders
  access_filter: { field: orders.user_id user_attribute: uid }
}
explore: half_filter {
  from: orders
  access_filter: { field: orders.user_id }
}
explore: grants {
  from: orders
  required_access_grants: [finance]
}
explore: guarded_join {
  view_name: orders
  access_filter: { field: orders.user_id user_attribute: uid }
  join: users { sql_on: ${orders.user_id} = ${users.id} ;; required_access_grants: [pii] }
}
explore: hidden_where {
  view_name: orders
  sql_always_where: ${orders.user_id} = {{ _user_attributes['uid'] }} ;;
}
explore: filter_on_dropped_join {
  from: orders
  access_filter: { field: users.region user_attribute: region }
  join: users { sql_on: ${orders.user_id} = ${users.id} OR ${users.id} IS NULL ;; }
}
"#,
        ),
    ]);
    let c = c.unwrap();
    let names: Vec<&str> = c.models[0].explores.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["kept", "guarded_join"]);
    assert!(c.models[0].explores[1].joins.is_empty());
    assert_eq!(c.models[0].explores[0].access_filters, [("orders.user_id".to_owned(), "uid".to_owned())]);
    for e in [
        "shop.model.lkml:8: explore half_filter (left out): an access_filter needs `field` and `user_attribute`",
        "shop.model.lkml:12: explore grants (left out): ponte has no equivalent: access grants",
        "shop.model.lkml:17: explore guarded_join: join users (left out): ponte has no equivalent: access grants",
        "shop.model.lkml:21: explore hidden_where (left out): ponte has no equivalent: a hidden WHERE/HAVING",
        "shop.model.lkml:26: explore filter_on_dropped_join: join users (left out): only `${a.x} = ${b.y}` equalities",
        "shop.model.lkml:25: explore filter_on_dropped_join (left out): the access filter on `users.region` names a view",
    ] {
        assert_reported(&c, e);
    }
    assert_reported(
        &c,
        "views/users.view.lkml:5: dimension users.email (left out): ponte has no equivalent: access grants",
    );
    assert_reported(&c, "views/users.view.lkml:11: view salaries (left out): ponte has no equivalent: access grants");
    let m = model(&c, "shop");
    assert!(m.explore("kept").unwrap().resolve_field("orders.total").is_some());
}

#[test]
fn joins_become_field_pairs_and_a_join_on_a_dropped_one_is_dropped_too() {
    let (_dir, c) = project(&[
        ("views/orders.view.lkml", ORDERS),
        ("views/users.view.lkml", USERS),
        ("views/monthly.view.lkml", "view: monthly {\n  derived_table: { sql: SELECT 1 AS id ;; }\n}\n"),
        (
            "shop.model.lkml",
            r#"include: "/views/*.view"
explore: orders {
  join: users { type: inner relationship: many_to_one foreign_key: user_id }
  join: accounts { sql_on: ${users.account_id} = ${accounts.id} AND ${orders.id} = ${accounts.id} ;; relationship: one_to_one }
}
explore: by_alias {
  view_name: orders
  join: users { sql_on: lower(${orders.status}) = ${users.region} ;; }
  join: accounts { sql_on: ${users.account_id} = ${accounts.id} ;; }
  join: monthly { sql_on: ${orders.id} = ${monthly.id} ;; }
}
explore: monthly {}
"#,
        ),
    ]);
    let c = c.unwrap();
    let orders = &c.models[0].explores[0];
    assert_eq!(orders.joins[0].on, [("orders.user_id".to_owned(), "users.id".to_owned())]);
    assert_eq!(orders.joins[1].on.len(), 2);
    assert!(c.models[0].explores[1].joins.is_empty());
    assert_reported(&c, "shop.model.lkml:8: explore by_alias: join users (left out)");
    assert_reported(&c, "shop.model.lkml:9: explore by_alias: join accounts (left out): its condition names `users`");
    assert_reported(&c, "shop.model.lkml:10: explore by_alias: join monthly (left out): view `monthly` is not among");
    assert_reported(&c, "shop.model.lkml:12: explore monthly (left out): its view `monthly` is not among");
    assert_reported(&c, "views/monthly.view.lkml:2: view monthly: derived_table");
    let m = model(&c, "shop");
    assert!(m.explore("orders").unwrap().resolve_field("accounts.id").is_some());
}

#[test]
fn includes_and_files_are_accounted_for() {
    let (_dir, c) = project(&[
        ("a.model.lkml", "include: \"/views/orders.view\"\ninclude: \"/nowhere/*.view\"\nexplore: orders {}\n"),
        ("views/orders.view.lkml", ORDERS),
        ("views/users.view.lkml", USERS),
        ("manifest.lkml", "project_name: \"shop\"\n"),
    ]);
    let c = c.unwrap();
    assert_eq!(c.files_read, 4);
    assert_eq!(c.models[0].views.len(), 1);
    assert_reported(&c, "a.model.lkml:2: include nowhere/*.view.lkml: matches no file");
    assert_reported(&c, "views/users.view.lkml:0: file: no model includes it");
    assert_reported(&c, "manifest.lkml:0: file: no model includes it");
}

#[test]
fn a_model_ponte_would_refuse_is_reported_against_the_written_file() {
    // `label_text` reads a view the project does not have: the written
    // model would not load, and the report says so.
    let (_dir, c) =
        project(&[("m.model.lkml", "view: v {\n  dimension: label_text { sql: ${nowhere.x} ;; }\n}\nexplore: v {}\n")]);
    let c = c.unwrap();
    assert!(
        entries(&c).iter().any(|e| e.starts_with("m.toml:") && e.contains("ponte's model reader refuses it")),
        "{:#?}",
        entries(&c)
    );
}

#[test]
fn fields_that_need_a_field_left_out_are_left_out_too() {
    let (_dir, c) = project(&[(
        "m.model.lkml",
        r#"view: v {
  dimension: region { sql: {% if x %}a{% else %}b{% endif %} ;; }
  dimension: region_upper { sql: UPPER(${region}) ;; }
  dimension: kept { type: number drill_fields: [region, kept, other.thing] label: "{{ _user_attributes['lang'] }} label" }
  measure: by_region { type: count_distinct sql: ${region_upper} ;; }
  measure: filtered { type: count filters: [region: "x"] }
  measure: total { type: sum sql: ${kept} ;; }
  measure: share { type: number sql: ${total} / ${by_region} ;; }
}
explore: v {}
"#,
    )]);
    let c = c.unwrap();
    for e in [
        "m.model.lkml:2: dimension v.region: sql (left out): Liquid templating",
        "m.model.lkml:3: dimension v.region_upper (left out): it refers to `region`, which was not converted",
        "m.model.lkml:4: dimension v.kept: drill_fields region (removed)",
        "m.model.lkml:4: dimension v.kept: label: Liquid templating is not supported",
        "m.model.lkml:5: measure v.by_region (left out): it refers to `region_upper`",
        "m.model.lkml:6: measure v.filtered (left out): it refers to `region`",
        "m.model.lkml:8: measure v.share (left out): it refers to `by_region`",
    ] {
        assert_reported(&c, e);
    }
    let m = model(&c, "m");
    let explore = m.explore("v").unwrap();
    assert!(explore.resolve_field("v.total").is_some());
    assert_eq!(c.models[0].views[0].dimensions[0].drill_fields, ["kept", "other.thing"]);
    assert_eq!(c.models[0].views[0].dimensions[0].label, None);
}

#[test]
fn a_folder_without_a_model_is_an_error() {
    let (_dir, c) = project(&[("v.view.lkml", "view: v {}\n")]);
    assert!(matches!(c, Err(ConvertError::NoModels(_))));
}

#[test]
fn derived_tables_convert_when_ponte_accepts_their_select() {
    let (_dir, c) = project(&[
        ("shop.model.lkml", "include: \"/views/*.view\"\nexplore: monthly {}\n"),
        ("views/orders.view.lkml", ORDERS),
        (
            "views/monthly.view.lkml",
            r#"view: monthly {
  derived_table: {
    sql: SELECT user_id, status, COUNT(*) AS n
         FROM orders GROUP BY user_id, status ;;
    datagroup_trigger: nightly
    indexes: ["user_id"]
  }
  dimension: user_id { type: number }
  measure: orders { type: sum sql: ${TABLE}.n ;; }
}
view: live { derived_table: { sql: SELECT id FROM orders ;; } dimension: id { type: number } }
view: templated { derived_table: { sql: SELECT id FROM ${orders.SQL_TABLE_NAME} ;; } }
view: liquid { derived_table: { sql: SELECT id FROM orders WHERE {% condition x %} id {% endcondition %} ;; } }
view: native { derived_table: { explore_source: orders { column: id {} } } }
view: refused { derived_table: { sql: SELECT * FROM orders ;; } }
"#,
        ),
    ]);
    let c = c.unwrap();
    let persisted = c.models[0].views.iter().find(|v| v.name == "monthly").unwrap().derived_table.as_ref().unwrap();
    assert!(persisted.persist && persisted.sql.starts_with("SELECT user_id"), "{persisted:?}");
    let live = c.models[0].views.iter().find(|v| v.name == "live").unwrap().derived_table.as_ref().unwrap();
    assert!(!live.persist);
    assert_reported(&c, "views/monthly.view.lkml:5: view monthly: derived_table: datagroup_trigger: persisted");
    assert_reported(&c, "views/monthly.view.lkml:6: view monthly: derived_table: indexes");
    assert_reported(
        &c,
        "views/monthly.view.lkml:12: view templated: derived_table (left out): ponte has no equivalent",
    );
    assert_reported(&c, "views/monthly.view.lkml:13: view liquid: derived_table (left out): Liquid");
    assert_reported(&c, "views/monthly.view.lkml:14: view native: derived_table (left out): native derived tables");
    assert_reported(&c, "views/monthly.view.lkml:15: view refused: derived_table (left out): ponte's SQL checker");
    let names: Vec<&str> = c.models[0].views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["monthly", "live", "orders"]);
    // ponte's model reader takes the written text as a derived view.
    let m = model(&c, "shop");
    let view = m.view("monthly").unwrap();
    let derived = view.derived.as_ref().expect("a derived view");
    assert!(derived.persist);
    assert_eq!(derived.query.columns(), ["user_id", "status", "n"]);
    assert_eq!(derived.query.sources(), ["orders"]);
}

const PEOPLE: &str = r#"view: people {
  dimension: id { primary_key: yes type: number }
  dimension: name {}
  dimension: ssn {}
  dimension: salary { type: number }
  measure: payroll { type: sum sql: ${salary} ;; }
  measure: count { type: count }
  dimension_group: born { type: time timeframes: [date, year] sql: ${TABLE}.born_at ;; }
}
view: teams {
  dimension: id { primary_key: yes type: number }
  dimension: lead_id { type: number }
}
"#;

#[test]
fn a_field_every_explore_hides_is_left_out_of_its_view() {
    let (_dir, c) = project(&[
        ("views/people.view.lkml", PEOPLE),
        (
            "hr.model.lkml",
            r#"include: "/views/*.view"
explore: people { fields: [ALL_FIELDS*, -people.ssn, -people.born_year, -people.salary] }
explore: teams {
  fields: [ALL_FIELDS*, -people.ssn, -people.salary, -people.born_year]
  join: people { sql_on: ${teams.lead_id} = ${people.id} ;; relationship: one_to_one }
}
explore: listed { view_name: teams fields: [teams.id] }
explore: by_set { view_name: teams fields: [ALL_FIELDS*, -teams.detail*] }
"#,
        ),
    ]);
    let c = c.unwrap();
    assert_reported(&c, "hr.model.lkml:2: field people.ssn (left out): every explore that reaches its view hides it");
    assert_reported(&c, "hr.model.lkml:2: field people.born_year (left out)");
    // What named a hidden field goes with it rather than showing it.
    assert_reported(&c, "views/people.view.lkml:6: measure people.payroll (left out): it refers to `salary`");
    assert_reported(&c, "hr.model.lkml:7: explore listed (left out): its `fields` lists the fields to show");
    assert_reported(&c, "hr.model.lkml:8: explore by_set (left out): its `fields` has `-teams.detail*`");
    // The written model, as ponte reads it: the hidden fields are gone from
    // both explores, the others are there.
    let m = model(&c, "hr");
    for explore in ["people", "teams"] {
        let e = m.explore(explore).unwrap();
        for gone in ["people.ssn", "people.salary", "people.born_year", "people.payroll"] {
            assert!(e.resolve_field(gone).is_none(), "{explore} shows {gone}");
        }
        for kept in ["people.name", "people.born_date", "people.count"] {
            assert!(e.resolve_field(kept).is_some(), "{explore} lost {kept}");
        }
    }
    assert!(m.explore("listed").is_none() && m.explore("by_set").is_none());
}

#[test]
fn an_explore_hiding_a_field_another_shows_is_left_out() {
    let (_dir, c) = project(&[
        ("views/people.view.lkml", PEOPLE),
        (
            "hr.model.lkml",
            r#"include: "/views/*.view"
explore: people { fields: [ALL_FIELDS*, -people.ssn] }
explore: everyone { view_name: people }
explore: teams {
  fields: [ALL_FIELDS*, -teams.lead_id]
  join: people { sql_on: ${teams.lead_id} = ${people.id} ;; relationship: one_to_one }
}
explore: leads {
  view_name: teams
  join: people { fields: [people.id] sql_on: ${teams.lead_id} = ${people.id} ;; relationship: one_to_one }
}
"#,
        ),
    ]);
    let c = c.unwrap();
    assert_reported(
        &c,
        "hr.model.lkml:2: explore people (left out): its `fields` hides `people.ssn`, which explore `everyone` shows",
    );
    assert_reported(&c, "hr.model.lkml:5: explore teams (left out): its `fields` hides `teams.lead_id`, which a join");
    assert_reported(
        &c,
        "hr.model.lkml:10: explore leads: join people (left out): ponte has no equivalent: a join's field list",
    );
    let m = model(&c, "hr");
    assert!(m.explore("people").is_none() && m.explore("teams").is_none());
    assert!(m.explore("everyone").unwrap().resolve_field("people.ssn").is_some());
    assert!(m.explore("leads").unwrap().resolve_field("people.ssn").is_none());
}
