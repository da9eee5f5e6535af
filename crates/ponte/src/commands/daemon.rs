//! `ponte run`: the daemon.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ponte_scheduler::DaemonOptions;
use ponte_state::StateDb;

use super::runner::PonteRunner;

pub fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = Arc::new(ponte_config::load(config_path)?);
    let state = Arc::new(StateDb::open(&config.project.state_dir)?);
    let runtime = crate::runtime()?;
    let summary = runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        let runner = Arc::new(PonteRunner { config: config.clone(), state: state.clone(), warehouse });
        let options = DaemonOptions::for_config(&config);
        tracing::info!(
            "ponte daemon: {} schedule(s), {} scheduled transfer(s), {} function(s); state in {}",
            config.schedules.len(),
            config.transfers.iter().filter(|t| t.schedule.is_some()).count(),
            config.functions.len(),
            config.project.state_dir.display()
        );
        eprintln!("ponte daemon running (the HTTP server is still to come); SIGTERM or Ctrl-C stops it");
        let stop = stop_signal().await?;
        anyhow::Ok(ponte_scheduler::run_daemon(config.clone(), state.clone(), runner, options, stop).await?)
    })?;
    eprintln!(
        "ponte daemon stopped: {} delivery(ies) run, {} abandoned at shutdown (to be delivered again)",
        summary.delivered, summary.abandoned
    );
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
    })
}
