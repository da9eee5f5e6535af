//! Running a command over one named item or `--all`, and reporting each:
//! a report per item for people, one JSON value (or array) for machines,
//! exit 0 only when every item succeeded.

use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;

/// The items a command runs over: the one named, or all with `--all`.
pub fn select<'c, T>(
    items: &'c [T],
    all: bool,
    name: Option<&str>,
    what: &str,
    name_of: impl Fn(&T) -> &str,
    config: &std::path::Path,
) -> anyhow::Result<Vec<&'c T>> {
    if all {
        return Ok(items.iter().collect());
    }
    let name = name.unwrap_or_default();
    match items.iter().find(|i| name_of(i) == name) {
        Some(item) => Ok(vec![item]),
        None => {
            let names: Vec<&str> = items.iter().map(&name_of).collect();
            bail!("no {what} named `{name}` in {}; {what}s: {}", config.display(), names.join(", "))
        }
    }
}

/// How one item went: its report and whether it counts as a success.
pub struct Outcome<R> {
    pub report: R,
    pub succeeded: bool,
}

/// Runs `one` for each item. With `json`, prints one JSON value (an array
/// when `all`); otherwise `print` shows each report and errors go to stderr.
pub fn run_each<T, R: Serialize>(
    items: Vec<&T>,
    json: bool,
    all: bool,
    label: impl Fn(&T) -> serde_json::Value,
    mut one: impl FnMut(&T) -> anyhow::Result<Outcome<R>>,
    print: impl Fn(&R),
) -> anyhow::Result<ExitCode> {
    let mut values = Vec::new();
    let mut ok = true;
    for item in items {
        match one(item) {
            Ok(outcome) => {
                ok &= outcome.succeeded;
                if !json {
                    print(&outcome.report);
                }
                values.push(serde_json::to_value(&outcome.report)?);
            }
            Err(error) => {
                ok = false;
                let message = crate::error_text::error_text(&error);
                if json {
                    let mut value = label(item);
                    value["error"] = message.into();
                    values.push(value);
                } else {
                    eprintln!("error: {message}");
                }
            }
        }
    }
    if json {
        let out = if all { serde_json::Value::Array(values) } else { values.pop().unwrap_or_default() };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
