//! What the scheduler runs: a function's load or a transfer job's sync,
//! through the same code paths as `ponte load` and `ponte sync`, so the run
//! history, locks and reports are the same whoever started the run.

use std::sync::Arc;

use async_trait::async_trait;
use ponte_config::Config;
use ponte_scheduler::{RunOutcome, Runner, Target};
use ponte_state::{Delivery, Started, StateDb};
use ponte_transfer::{SyncOptions, TransferError};
use ponte_warehouse::Warehouse;

/// Runs loads and syncs for the scheduler.
pub struct PonteRunner {
    pub config: Arc<Config>,
    pub state: Arc<StateDb>,
    pub warehouse: Arc<dyn Warehouse>,
}

#[async_trait]
impl Runner for PonteRunner {
    async fn run(&self, target: &Target, delivery: &Delivery) -> RunOutcome {
        let trigger = ponte_scheduler::run_trigger(delivery);
        match target {
            Target::Function(name) => {
                let Some(f) = self.config.function(name) else {
                    return RunOutcome::Failed { error: format!("no function named `{name}`") };
                };
                match super::load::load_one(&self.config, f, &self.state, self.warehouse.as_ref(), &trigger, false)
                    .await
                {
                    Ok(Started::Ran(report)) => {
                        RunOutcome::Succeeded { report: serde_json::to_value(report).unwrap_or_default() }
                    }
                    Ok(Started::AlreadyRunning(already)) => RunOutcome::Skipped { reason: already.to_string() },
                    Err(e) => RunOutcome::Failed { error: crate::error_text::error_text(&e) },
                }
            }
            Target::Transfer(name) => {
                let Some(job) = self.config.transfer(name) else {
                    return RunOutcome::Failed { error: format!("no transfer job named `{name}`") };
                };
                let options = SyncOptions { trigger, ..SyncOptions::default() };
                match super::sync::sync_one(job, &self.state, &options, false).await {
                    Ok(report) if report.succeeded() => {
                        RunOutcome::Succeeded { report: serde_json::to_value(&report).unwrap_or_default() }
                    }
                    Ok(report) => RunOutcome::Failed {
                        error: format!(
                            "{} object(s) failed to copy, {} to delete",
                            report.counters.objects_from_source_failed,
                            report.counters.objects_failed_to_delete_from_sink
                        ),
                    },
                    Err(TransferError::AlreadyRunning(already)) => RunOutcome::Skipped { reason: already.to_string() },
                    Err(e) => RunOutcome::Failed { error: crate::error_text::error_text(&anyhow::Error::new(e)) },
                }
            }
        }
    }
}
