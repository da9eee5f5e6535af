//! Derived tables in model files: refusals located at their `sql`, and
//! the check of their tables and columns against the warehouse.

use std::collections::BTreeMap;

use super::{assert_one, edit, parse, problems};
use crate::model::{ColumnKind, check_columns};

/// The base model with `customers` defined by `sql`.
fn with_derived(sql: &str) -> String {
    edit(r#"name = "customers""#, &format!("name = \"customers\"\nderived_table = {{ sql = \"{sql}\" }}"))
}

#[test]
fn a_derived_view_reads_its_select() {
    let model = parse(&with_derived("SELECT customer_id AS id, MAX(status) AS name FROM orders GROUP BY customer_id"))
        .unwrap_or_else(|e| panic!("{e}"));
    let view = model.view("customers").unwrap();
    let derived = view.derived.as_ref().unwrap();
    assert_eq!(derived.query.columns(), ["id", "name"]);
    assert_eq!(derived.query.sources(), ["orders"]);
    assert_eq!(view.table.name, "customers", "its columns go by the view's name");
}

#[test]
fn hostile_derived_sql_is_refused_where_it_is_written() {
    for (sql, reason) in [
        ("SELECT id FROM customers; DROP TABLE orders", "a derived table is one SELECT; `;` is not allowed"),
        ("SELECT id FROM customers -- all rows", "comments are not allowed"),
        ("DELETE FROM orders", "a derived table is one SELECT; `DELETE` is not allowed"),
        ("SELECT id, pg_sleep(10) AS s FROM customers", "function `PG_SLEEP` is not allowed"),
        ("SELECT id FROM secret.customers", "`secret.customers` names another dataset"),
        ("SELECT id FROM read_csv('/etc/passwd')", "table function `read_csv(…)` is not allowed"),
    ] {
        let text = with_derived(sql);
        let needle = format!("\"{}", sql.split(' ').next().unwrap());
        assert_one(&text, &needle, 0, &format!("view `customers`: derived table refused: {reason}"));
    }
}

#[test]
fn a_view_reads_a_table_or_a_derived_table_not_both() {
    let text = edit(
        r#"sql_table_name = "orders""#,
        "sql_table_name = \"orders\"\nderived_table = { sql = \"SELECT id FROM orders\" }",
    );
    assert_one(&text, r#""orders""#, 1, "view `orders` has both `sql_table_name` and `derived_table`");
    let text = edit(r#"name = "customers""#, "name = \"customers\"\nderived_table = { persist = true }");
    assert_one(&text, "{ persist", 0, "view `customers` derived_table is missing `sql`");
    let text = edit(
        r#"name = "customers""#,
        "name = \"customers\"\nderived_table = { sql = \"SELECT id FROM orders\", persit = true }",
    );
    assert_one(&text, "persit", 0, "did you mean `persist`?");
}

#[test]
fn a_derived_table_is_checked_against_the_warehouse() {
    let orders = BTreeMap::from([
        ("id".to_owned(), ColumnKind::Integer),
        ("customer_id".to_owned(), ColumnKind::Integer),
        ("status".to_owned(), ColumnKind::String),
        ("amount".to_owned(), ColumnKind::Numeric),
        ("created_at".to_owned(), ColumnKind::Timestamp),
    ]);
    let tables = BTreeMap::from([("orders".to_owned(), orders)]);
    let check = |sql: &str| -> Vec<String> {
        let model = parse(&with_derived(sql)).unwrap_or_else(|e| panic!("{e}"));
        check_columns(&model, &tables).into_iter().map(|d| d.message).collect()
    };
    assert_eq!(
        check("SELECT customer_id AS id, MAX(status) AS name FROM orders GROUP BY customer_id"),
        [] as [String; 0]
    );
    assert_eq!(
        check("SELECT id, name FROM clients"),
        ["view `customers`: derived table: table `clients` is not in the warehouse"]
    );
    assert_eq!(
        check("SELECT customer_id AS id, nome AS name FROM orders"),
        ["view `customers`: derived table: column `nome` is not in any table of this `FROM`"]
    );
    assert_eq!(
        check("SELECT customer_id AS id, SUM(status) AS name FROM orders GROUP BY customer_id"),
        ["view `customers`: derived table: `SUM` takes a number, but column `status` is a string"]
    );
    // The view's fields are checked against the derived table's columns.
    assert_eq!(
        check("SELECT customer_id AS id, status AS nome FROM orders"),
        ["`customers.name`: column `name` is not in table `customers`; did you mean `nome`?"]
    );
    // Named as a warehouse table, its columns would be mistaken for the table's.
    let mut with_customers = tables.clone();
    with_customers.insert("customers".to_owned(), BTreeMap::new());
    let model = parse(&with_derived("SELECT customer_id AS id, status AS name FROM orders")).unwrap();
    let found: Vec<String> = check_columns(&model, &with_customers).into_iter().map(|d| d.message).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("has the name of a warehouse table"), "{found:#?}");
    assert!(problems(&with_derived("SELECT id FROM orders")).is_empty());
    // Persisted, every column needs a type: NULL has none until cast.
    let persisted = |sql: &str| {
        let text = edit(
            r#"name = "customers""#,
            &format!("name = \"customers\"\nderived_table = {{ sql = \"{sql}\", persist = true }}"),
        );
        let model = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        check_columns(&model, &tables).into_iter().map(|d| d.message).collect::<Vec<_>>()
    };
    let found = persisted("SELECT customer_id AS id, NULL AS name FROM orders");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("column `name` has no type ponte can keep"), "{found:#?}");
    assert!(persisted("SELECT customer_id AS id, CAST(NULL AS STRING) AS name FROM orders").is_empty());
}
