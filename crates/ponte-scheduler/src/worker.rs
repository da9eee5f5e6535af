//! Running one delivery and settling it: acknowledged when its run
//! succeeded (or was skipped because another run held the lock), retried
//! with exponential backoff when it failed, dead-lettered after its last
//! attempt.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ponte_config::{Backoff, Config};
use ponte_state::{Delivery, RunKind, RunStatus, StateDb, Trigger};
use serde::Serialize;

use crate::SchedulerError;
use crate::bus::{Bus, Target};

/// Runs what a delivery is for. The binary implements it over the loader
/// and the transfer engine, whose runs go through
/// [`StateDb::run_recorded`] (history and one-run-at-a-time lock) with
/// [`run_trigger`]'s trigger.
#[async_trait]
pub trait Runner: Send + Sync {
    /// Runs `target` once for `delivery`'s message.
    async fn run(&self, target: &Target, delivery: &Delivery) -> RunOutcome;
}

/// How a run went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RunOutcome {
    /// Done; the run's report.
    Succeeded {
        /// The report, as JSON.
        report: serde_json::Value,
    },
    /// Not run: another run of the same target was in progress. Counts as
    /// handled, as a Storage Transfer Service start that finds its job
    /// running does.
    Skipped {
        /// The run in progress that made this one step aside.
        reason: String,
    },
    /// Failed; the message will be delivered again (or dead-lettered).
    Failed {
        /// The error, with its causes.
        error: String,
    },
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Settled {
    /// Acknowledged: done.
    Acked,
    /// To be delivered again at this time.
    Retry {
        /// When.
        at: DateTime<Utc>,
    },
    /// Given up: kept with its last error.
    DeadLettered,
}

/// One delivery's run and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    /// The message.
    pub message_id: String,
    /// Who ran.
    pub target: String,
    /// Which attempt this was, from 1.
    pub attempt: u32,
    /// The subscriber's limit.
    pub max_attempts: u32,
    /// How the run went.
    #[serde(flatten)]
    pub outcome: RunOutcome,
    /// What became of the delivery.
    pub settled: Settled,
}

/// Runs one claimed delivery and settles it in the queue.
pub async fn deliver(
    config: &Config,
    state: &StateDb,
    runner: &dyn Runner,
    delivery: Delivery,
) -> Result<DeliveryReport, SchedulerError> {
    let id = delivery.message.id.clone();
    let Some(target) = Target::parse(&delivery.subscriber).filter(|t| exists(config, t)) else {
        // The config no longer has this subscriber: nothing can run it.
        let error = format!("`{}` is not in the config any more", delivery.subscriber);
        state.dead_letter(&id, &delivery.subscriber, &error)?;
        return Ok(report(&delivery, RunOutcome::Failed { error }, Settled::DeadLettered));
    };
    // Killed after the run's success was recorded but before the ack: the
    // message is done; running it again would be a second success.
    if let Some(run) = state.succeeded_run_for_message(target.run_kind(), target.name(), &id)? {
        state.ack(&id, &delivery.subscriber)?;
        let reason = format!("already ran to success in run {}; acknowledged without running again", run.0);
        tracing::info!(subscriber = %target, message_id = %id, "{reason}");
        return Ok(report(&delivery, RunOutcome::Skipped { reason }, Settled::Acked));
    }
    // The message's data opens the function's log, as in the reference
    // deployment's Cloud Function.
    tracing::info!(
        target: "ponte::function",
        subscriber = %target,
        message_id = %id,
        attempt = delivery.attempt,
        origin = %delivery.message.origin,
        "message data: {}",
        String::from_utf8_lossy(&delivery.message.data)
    );
    let outcome = runner.run(&target, &delivery).await;
    let settled = match &outcome {
        RunOutcome::Succeeded { report } => {
            state.ack(&id, &delivery.subscriber)?;
            if let Target::Transfer(name) = &target
                && let Some(job) = config.transfer(name)
                && let Err(e) = Bus::new(config, state).notify_transfer(job, report)
            {
                tracing::warn!(transfer = %name, "could not publish the transfer's notification: {e}");
            }
            Settled::Acked
        }
        RunOutcome::Skipped { .. } => {
            state.ack(&id, &delivery.subscriber)?;
            Settled::Acked
        }
        RunOutcome::Failed { error } if delivery.attempt >= delivery.max_attempts => {
            state.dead_letter(&id, &delivery.subscriber, error)?;
            state.record_event(
                RunKind::Message,
                target.name(),
                &Trigger::DeadLetter { message_id: id.clone() },
                RunStatus::DeadLettered,
                Some(&serde_json::json!({ "message_id": id, "attempts": delivery.attempt, "origin": delivery.message.origin })),
                Some(&format!("dead-lettered after {} attempts; last error: {error}", delivery.attempt)),
            )?;
            tracing::error!(subscriber = %target, message_id = %id, "dead-lettered after {} attempts: {error}", delivery.attempt);
            Settled::DeadLettered
        }
        RunOutcome::Failed { error } => {
            let wait = backoff(config, &target).after(delivery.attempt);
            let at = Utc::now() + chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::MAX);
            state.nack(&id, &delivery.subscriber, error, at)?;
            tracing::warn!(subscriber = %target, message_id = %id, attempt = delivery.attempt, "failed, retrying in {}s: {error}", wait.as_secs());
            Settled::Retry { at }
        }
    };
    Ok(report(&delivery, outcome, settled))
}

/// The trigger a run started for a delivery records. [`deliver`] finds
/// earlier runs of the same message by its id, so runners must use it.
pub fn run_trigger(delivery: &Delivery) -> Trigger {
    Trigger::Message { id: delivery.message.id.clone(), origin: delivery.message.origin.clone() }
}

fn report(delivery: &Delivery, outcome: RunOutcome, settled: Settled) -> DeliveryReport {
    DeliveryReport {
        message_id: delivery.message.id.clone(),
        target: delivery.subscriber.clone(),
        attempt: delivery.attempt,
        max_attempts: delivery.max_attempts,
        outcome,
        settled,
    }
}

fn exists(config: &Config, target: &Target) -> bool {
    match target {
        Target::Function(n) => config.function(n).is_some(),
        Target::Transfer(n) => config.transfer(n).is_some(),
    }
}

/// A function's retry policy; transfers use Pub/Sub's defaults.
fn backoff(config: &Config, target: &Target) -> Backoff {
    match target {
        Target::Function(n) => config.function(n).map_or(DEFAULT_BACKOFF, |f| f.backoff()),
        Target::Transfer(_) => DEFAULT_BACKOFF,
    }
}

const DEFAULT_BACKOFF: Backoff = Backoff { first: Duration::from_secs(10), max: Duration::from_secs(600) };

#[cfg(test)]
mod tests {
    use super::*;

    use ponte_state::NewMessage;

    /// Counts its runs; every run succeeds.
    struct Counting(std::sync::atomic::AtomicUsize);

    #[async_trait]
    impl Runner for Counting {
        async fn run(&self, _: &Target, _: &Delivery) -> RunOutcome {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            RunOutcome::Succeeded { report: serde_json::Value::Null }
        }
    }

    #[test]
    fn a_redelivered_message_whose_run_already_succeeded_is_acked_by_id_without_running_again() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.json"), r#"[{"name": "id", "type": "INTEGER"}]"#).unwrap();
        let text = r#"
[project]
name = "t"
[stores.landing]
url = "memory://landing"
[[topics]]
name = "loads"
[[schedules]]
name = "daily"
cron = "0 8 * * *"
time_zone = "UTC"
topic = "loads"
[[functions]]
name = "f"
trigger_topic = "loads"
[functions.load]
store = "landing"
prefix = "p/"
table = "t"
schema_file = "s.json"
"#;
        let config = ponte_config::parse(&dir.path().join("ponte.toml"), text, dir.path()).unwrap();
        let state = StateDb::open(&dir.path().join("state")).unwrap();
        let bus = Bus::new(&config, &state);
        let message = |data: &str| NewMessage { data: data.into(), origin: "test".into(), ..NewMessage::default() };
        bus.publish("loads", message("go")).unwrap();
        let runner = Counting(Default::default());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

        // A process ran the delivery to success, recorded it, and died
        // before its ack: the lease is released at the next start.
        let first = state.claim_delivery(Utc::now(), None).unwrap().unwrap();
        let run = state.start_run(RunKind::Load, "f", &run_trigger(&first)).unwrap();
        state.finish_run(run, RunStatus::Succeeded, None, None).unwrap();
        state.release_leases().unwrap();
        // The run is known by its message id, not by how its trigger is
        // worded: a version that words it differently still finds it.
        let db = rusqlite::Connection::open(dir.path().join("state/ponte.db")).unwrap();
        db.execute("UPDATE runs SET trigger = 'delivery of the test message'", []).unwrap();

        let again = state.claim_delivery(Utc::now(), None).unwrap().expect("redelivered");
        let report = runtime.block_on(deliver(&config, &state, &runner, again)).unwrap();
        assert_eq!(runner.0.load(std::sync::atomic::Ordering::SeqCst), 0, "not run again");
        assert!(matches!(report.outcome, RunOutcome::Skipped { .. }), "{report:?}");
        assert_eq!(report.settled, Settled::Acked);
        assert!(state.claim_delivery(Utc::now(), None).unwrap().is_none(), "acked");

        // Another message on the same function still runs.
        bus.publish("loads", message("again")).unwrap();
        let next = state.claim_delivery(Utc::now(), None).unwrap().unwrap();
        runtime.block_on(deliver(&config, &state, &runner, next)).unwrap();
        assert_eq!(runner.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
