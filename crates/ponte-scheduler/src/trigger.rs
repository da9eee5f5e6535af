//! "Force run": publish a schedule's message now and wait for its
//! subscribers, as Cloud Scheduler's "Force run" button does.
//!
//! With no daemon on the state folder the subscribers run in this process.
//! With one running, the message goes into the shared queue and the
//! daemon runs it; this waits for each delivery's first attempt to end.

use std::time::Duration;

use chrono::Utc;
use ponte_config::Config;
use ponte_state::{DeliveryState, DeliveryStatus, Message, StateDb};
use serde::Serialize;

use crate::SchedulerError;
use crate::bus::Bus;
use crate::worker::{DeliveryReport, RunOutcome, Runner, deliver};

/// What a trigger published and how each subscriber's run went.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerReport {
    /// The schedule or transfer job triggered.
    pub name: String,
    /// The message published.
    pub message: Message,
    /// Ran here, or by the daemon.
    pub ran_by: RanBy,
    /// One per subscriber.
    pub deliveries: Vec<TriggeredDelivery>,
}

impl TriggerReport {
    /// Whether every subscriber succeeded (or skipped because a run was
    /// already going).
    pub fn succeeded(&self) -> bool {
        self.deliveries.iter().all(TriggeredDelivery::succeeded)
    }
}

/// Who ran the deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RanBy {
    /// This process.
    ThisProcess,
    /// The daemon on the same state folder.
    Daemon,
}

/// One subscriber's first attempt.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TriggeredDelivery {
    /// Run here: the full report.
    Ran(DeliveryReport),
    /// Run by the daemon: where the delivery stands.
    Daemon(DeliveryStatus),
}

impl TriggeredDelivery {
    /// Succeeded or skipped.
    pub fn succeeded(&self) -> bool {
        match self {
            Self::Ran(r) => !matches!(r.outcome, RunOutcome::Failed { .. }),
            Self::Daemon(d) => d.state == DeliveryState::Acked,
        }
    }
}

/// Publishes `name`'s message now (a schedule, or a transfer job with or
/// without a schedule) and waits for every subscriber's first attempt.
pub async fn trigger(
    config: &Config,
    state: &StateDb,
    runner: &dyn Runner,
    name: &str,
    daemon_timeout: Duration,
) -> Result<TriggerReport, SchedulerError> {
    let bus = Bus::new(config, state);
    let origin = format!("trigger:{name}");
    let message = if let Some(s) = config.schedule(name) {
        bus.publish(&s.topic, Bus::schedule_message(s, origin))?
    } else if let Some(t) = config.transfer(name) {
        let (message, subscribers) = Bus::transfer_message(t, origin);
        state.publish(&message, &subscribers)?
    } else {
        let mut names: Vec<&str> = config.schedules.iter().map(|s| s.name.as_str()).collect();
        names.extend(config.transfers.iter().map(|t| t.name.as_str()));
        return Err(SchedulerError::UnknownSchedule { name: name.to_owned(), known: names.join(", ") });
    };
    let daemon_running = state.try_lock_daemon()?.is_none();
    if daemon_running {
        let deliveries = wait_for_daemon(state, &message.id, daemon_timeout).await?;
        return Ok(TriggerReport { name: name.to_owned(), message, ran_by: RanBy::Daemon, deliveries });
    }
    let mut deliveries = Vec::new();
    while let Some(delivery) = state.claim_delivery(Utc::now() + chrono::TimeDelta::seconds(1), Some(&message.id))? {
        deliveries.push(TriggeredDelivery::Ran(deliver(config, state, runner, delivery).await?));
    }
    Ok(TriggerReport { name: name.to_owned(), message, ran_by: RanBy::ThisProcess, deliveries })
}

/// Waits until every delivery of `message_id` has been attempted once.
async fn wait_for_daemon(
    state: &StateDb,
    message_id: &str,
    timeout: Duration,
) -> Result<Vec<TriggeredDelivery>, SchedulerError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let deliveries = state.deliveries(message_id)?;
        let attempted = |d: &DeliveryStatus| match d.state {
            DeliveryState::Acked | DeliveryState::Dead => true,
            DeliveryState::Pending => d.attempts > 0,
            DeliveryState::Leased => false,
        };
        if deliveries.iter().all(attempted) {
            return Ok(deliveries.into_iter().map(TriggeredDelivery::Daemon).collect());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(SchedulerError::DaemonTimeout {
                message_id: message_id.to_owned(),
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
