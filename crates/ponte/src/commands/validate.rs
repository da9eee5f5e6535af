//! `ponte validate`

use std::path::Path;
use std::process::ExitCode;

use ponte_config::{Config, ConfigError, StoreUrl, Warehouse};

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    match ponte_config::load(path) {
        Ok(config) => {
            println!("{}: ok", path.display());
            print_summary(&config);
            Ok(ExitCode::SUCCESS)
        }
        Err(ConfigError::Invalid { diagnostics, .. }) => {
            for d in &diagnostics {
                eprintln!("{d}");
            }
            let n = diagnostics.len();
            eprintln!("{n} problem{} found in {}", if n == 1 { "" } else { "s" }, path.display());
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}

fn print_summary(c: &Config) {
    println!(
        "  project {} · {} store(s) · {} transfer(s) · {} schedule(s) · {} topic(s) · {} function(s)",
        c.project.name,
        c.stores.len(),
        c.transfers.len(),
        c.schedules.len(),
        c.topics.len(),
        c.functions.len()
    );
    match &c.warehouse {
        Warehouse::Embedded { location: StoreUrl::File { path }, .. } => {
            println!("  warehouse: embedded, {}", path.display())
        }
        Warehouse::Embedded { location, .. } => println!("  warehouse: embedded, {location}"),
        Warehouse::BigQuery { project, dataset, .. } => println!("  warehouse: BigQuery {project}.{dataset}"),
    }
}
