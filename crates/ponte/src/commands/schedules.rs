//! `ponte schedules next`

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, Utc};

pub fn next(config_path: &Path, name: &str, count: usize, after: Option<DateTime<Utc>>) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let cron = match (config.schedule(name), config.transfer(name)) {
        (Some(s), _) => &s.cron,
        (None, Some(t)) => match &t.schedule {
            Some(c) => c,
            None => bail!("transfer job `{name}` has no schedule of its own"),
        },
        (None, None) => {
            let mut names: Vec<&str> = config.schedules.iter().map(|s| s.name.as_str()).collect();
            names.extend(config.transfers.iter().filter(|t| t.schedule.is_some()).map(|t| t.name.as_str()));
            bail!("no schedule named `{name}` in {}; schedules: {}", config.path.display(), names.join(", "))
        }
    };
    let after = after.unwrap_or_else(Utc::now);
    let mut printed = 0;
    for fire in ponte_scheduler::fire::fire_times(cron, after).take(count) {
        println!("{}", fire.to_rfc3339());
        printed += 1;
    }
    if printed < count {
        eprintln!("`{}` ({}) fires only {printed} more time(s)", name, cron);
    }
    Ok(ExitCode::SUCCESS)
}
