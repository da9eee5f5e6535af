//! `ponte runs`

use std::path::Path;
use std::process::ExitCode;

use ponte_state::StateDb;

/// `ponte runs`: a table whose columns fit their widest value, or JSON.
/// JSON carries each run's summary (its report's counters, lists as their
/// length), unless `details` asks for whole reports (every file of every
/// load).
pub fn run(config_path: &Path, limit: usize, json: bool, details: bool) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let state = StateDb::open(&config.project.state_dir)?;
    let mut runs = state.runs(limit)?;
    if json {
        if !details {
            for r in &mut runs {
                r.counters = r.counters.take().map(summary);
            }
        }
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    let header = ["id", "kind", "name", "status", "trigger", "started", "seconds", "error"].map(str::to_owned);
    let rows: Vec<[String; 8]> = runs
        .into_iter()
        .map(|r| {
            let seconds = r.finished_at.as_deref().and_then(|f| {
                let (a, b) = (
                    chrono::DateTime::parse_from_rfc3339(&r.started_at).ok()?,
                    chrono::DateTime::parse_from_rfc3339(f).ok()?,
                );
                Some(format!("{:.1}", (b - a).num_milliseconds() as f64 / 1000.0))
            });
            let started = chrono::DateTime::parse_from_rfc3339(&r.started_at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S %:z").to_string())
                .unwrap_or(r.started_at.clone());
            [
                r.id.0.to_string(),
                r.kind.to_string(),
                r.name,
                r.status.to_string(),
                r.trigger,
                started,
                seconds.unwrap_or_default(),
                r.error.unwrap_or_default().replace('\n', " "),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, width))| match i {
                // The id and the seconds are numbers: right-aligned.
                0 | 6 => format!("{cell:>width$}"),
                7 => cell.clone(),
                _ => format!("{cell:<width$}"),
            })
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

/// A report with every list replaced by its length.
fn summary(report: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match report {
        Value::Array(items) => Value::from(items.len()),
        Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, summary(v))).collect()),
        other => other,
    }
}
