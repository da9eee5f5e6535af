//! Tests of model files: the demo model, each kind of problem with its
//! place, and the check against warehouse columns.

mod columns;
mod demo;
mod derived;
mod errors;

use std::path::Path;

use super::{Model, ModelErrors, parse_model};

/// A small sound model that the error tests break one piece at a time.
const BASE: &str = r#"[model]
name = "shop"

[[views]]
name = "orders"
sql_table_name = "orders"
dimensions = [
  { name = "id", type = "number", primary_key = true },
  { name = "customer_id", type = "number" },
  { name = "status", type = "string" },
]
dimension_groups = [{ name = "created", type = "time", sql = "created_at", timeframes = ["date", "month"] }]
measures = [
  { name = "count", type = "count" },
  { name = "total", type = "sum", sql = "amount" },
  { name = "average_total", type = "number", sql = "${total} / ${count}" },
]

[[views]]
name = "customers"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "name" }]

[[explores]]
name = "orders"
access_filters = [{ field = "orders.customer_id", user_attribute = "customer_id" }]
always_filter = { "orders.created_date" = "7 days" }

[[explores.joins]]
view = "customers"
on = [["orders.customer_id", "customers.id"]]

[[looks]]
id = 1
title = "Totals by month"
query = { explore = "orders", fields = ["orders.created_month", "orders.total"], sorts = ["orders.created_month desc"], limit = "100" }

[[dashboards]]
id = "overview"
title = "Overview"
filters = [{ name = "Month", explore = "orders", field = "orders.created_month" }]

[[dashboards.elements]]
title = "Total"
type = "single_value"
query = { explore = "orders", fields = ["orders.total"] }
listen = { "Month" = "orders.created_month" }
layout = { row = 0, col = 0, width = 6, height = 4 }
"#;

fn parse(text: &str) -> Result<Model, ModelErrors> {
    parse_model(text, Path::new("shop.toml"))
}

/// The problems of a model text as `line:column: message`.
fn problems(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| match d.position {
                Some(p) => format!("{}:{}: {}", p.line, p.column, d.message),
                None => d.message.clone(),
            })
            .collect(),
    }
}

/// `line:column` of the `nth` (0-based) occurrence of `needle` in `text`.
fn at(text: &str, needle: &str, nth: usize) -> String {
    let offset = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` not in text")).0;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    format!("{line}:{column}")
}

/// Replaces exactly one occurrence, so a test cannot silently miss its edit.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur once in BASE");
    BASE.replace(from, to)
}

/// Asserts a single problem, at the place of `needle`, containing `message`.
fn assert_one(text: &str, needle: &str, nth: usize, message: &str) {
    let found = problems(text);
    let expected = format!("{}: ", at(text, needle, nth));
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    assert!(found[0].starts_with(&expected), "expected at {expected} got {}", found[0]);
    assert!(found[0].contains(message), "expected `{message}` in {}", found[0]);
}

#[test]
fn base_model_is_sound() {
    assert_eq!(problems(BASE), Vec::<String>::new());
}
