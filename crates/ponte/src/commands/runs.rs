//! `ponte runs`

use std::path::Path;
use std::process::ExitCode;

use ponte_state::StateDb;

pub fn run(config_path: &Path, limit: usize, json: bool) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let state = StateDb::open(&config.project.state_dir)?;
    let runs = state.runs(limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>5}  {:<9} {:<44} {:<14} {:<40} {:<25} {:>8}  error",
        "id", "kind", "name", "status", "trigger", "started", "seconds"
    );
    for r in runs {
        let seconds = r.finished_at.as_deref().and_then(|f| {
            let (a, b) = (
                chrono::DateTime::parse_from_rfc3339(&r.started_at).ok()?,
                chrono::DateTime::parse_from_rfc3339(f).ok()?,
            );
            Some(format!("{:.1}", (b - a).num_milliseconds() as f64 / 1000.0))
        });
        println!(
            "{:>5}  {:<9} {:<44} {:<14} {:<40} {:<25} {:>8}  {}",
            r.id.0,
            r.kind,
            r.name,
            r.status.to_string(),
            r.trigger,
            chrono::DateTime::parse_from_rfc3339(&r.started_at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S %:z").to_string())
                .unwrap_or(r.started_at.clone()),
            seconds.unwrap_or_default(),
            r.error.unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
