//! `ponte validate`

use std::path::Path;
use std::process::ExitCode;

use ponte_config::{Config, ConfigError, Diagnostic, StoreUrl, Warehouse};
use ponte_semantic::model::{Model, check_columns, columns_of_config, load_model};

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let config = match ponte_config::load(path) {
        Ok(config) => config,
        Err(ConfigError::Invalid { diagnostics, .. }) => return Ok(report(&diagnostics, path)),
        Err(other) => return Err(other.into()),
    };
    // The model files, each against the tables the config loads.
    let tables = columns_of_config(&config);
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut models: Vec<Model> = Vec::new();
    for file in &config.semantic.models {
        match load_model(file) {
            Ok(model) => {
                problems.extend(check_columns(&model, &tables));
                models.push(model);
            }
            Err(errors) => problems.extend(errors.diagnostics),
        }
    }
    if !problems.is_empty() {
        return Ok(report(&problems, path));
    }
    println!("{}: ok", path.display());
    print_summary(&config, &models);
    Ok(ExitCode::SUCCESS)
}

fn report(diagnostics: &[Diagnostic], path: &Path) -> ExitCode {
    for d in diagnostics {
        eprintln!("{d}");
    }
    let n = diagnostics.len();
    eprintln!("{n} problem{} found in {} and the files it names", if n == 1 { "" } else { "s" }, path.display());
    ExitCode::FAILURE
}

fn print_summary(c: &Config, models: &[Model]) {
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
        Warehouse::Embedded(e) => match &e.location {
            StoreUrl::File { path } => println!("  warehouse: embedded, {}", path.display()),
            location => println!("  warehouse: embedded, {location}"),
        },
        Warehouse::BigQuery(b) => println!("  warehouse: BigQuery {}.{}", b.project, b.dataset),
    }
    for m in models {
        println!(
            "  model {}: {} view(s) · {} explore(s) · {} look(s) · {} dashboard(s)",
            m.name,
            m.views.len(),
            m.explores.len(),
            m.looks.len(),
            m.dashboards.len()
        );
    }
}
