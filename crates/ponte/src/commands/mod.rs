//! One module per subcommand.

mod daemon;
mod demo;
mod demo_data;
mod derived;
mod each;
mod embed_url;
mod import_lookml;
mod load;
mod portal;
mod query;
mod runner;
mod runs;
mod schedules;
mod sql;
mod sync;
mod trigger;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Cli, Command, ImportCommand, SchedulesCommand};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `trigger --server` asks a running server, which has the config.
    let needs_config = match &cli.command {
        Command::Demo(_) | Command::DemoData(_) | Command::Import(_) => false,
        Command::Trigger(args) => args.server.is_none(),
        _ => true,
    };
    let config = match cli.config.clone() {
        Some(path) => path,
        None if needs_config && !PathBuf::from("ponte.toml").exists() => {
            let here = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into());
            anyhow::bail!(
                "no ponte.toml in {here}: run ponte from the folder of your config, pass --config FILE \
                 (or set PONTE_CONFIG), or run `ponte demo` to write and run an example deployment"
            );
        }
        None => PathBuf::from("ponte.toml"),
    };
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::DemoData(args) => demo_data::run(&args),
        Command::Validate => validate::run(&config),
        Command::Sync(args) => sync::run(&config, &args),
        Command::Load(args) => load::run(&config, &args),
        Command::Sql { statement } => sql::run(&config, &statement),
        Command::Trigger(args) => trigger::run(&config, &args),
        Command::Publish(args) => trigger::publish(&config, &args),
        Command::Schedules(SchedulesCommand::Next { schedule, count, after }) => {
            schedules::next(&config, &schedule, count, after)
        }
        Command::Runs { limit, json, details } => runs::run(&config, limit, json, details),
        Command::Query(args) => query::run(&config, &args),
        Command::EmbedUrl(args) => embed_url::run(&config, &args),
        Command::Serve { bind } => daemon::serve(&config, bind.as_deref()),
        Command::Run { bind } => daemon::run(&config, bind.as_deref()),
        Command::Import(ImportCommand::Lookml(args)) => import_lookml::run(&args),
    }
}
