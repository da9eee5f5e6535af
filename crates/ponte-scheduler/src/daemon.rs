//! The daemon loop: the clock, the queue and the workers in one process.
//!
//! One daemon per state folder (a lock file, released by the kernel when
//! the process dies). At start it hands out again every delivery a dead
//! daemon had leased, and catches up on missed fires. Then, every tick, it
//! publishes due fires and starts due deliveries on free workers. When
//! `shutdown` resolves it stops taking work, waits up to the grace period
//! for runs in flight, and abandons the rest: their deliveries stay leased
//! and are delivered again by the next daemon.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ponte_config::Config;
use ponte_state::StateDb;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::SchedulerError;
use crate::clock;
use crate::worker::{Runner, deliver};

/// How the daemon runs.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// Deliveries run at once (different targets; one target runs one at a time).
    pub workers: usize,
    /// How often the clock and the queue are looked at.
    pub tick: Duration,
    /// How long runs in flight may take to finish after shutdown is asked.
    pub grace: Duration,
}

impl DaemonOptions {
    /// Defaults for `config`: 4 workers, a 1 s tick, the project's grace.
    pub fn for_config(config: &Config) -> Self {
        Self { workers: 4, tick: Duration::from_secs(1), grace: config.project.shutdown_grace }
    }
}

/// How a daemon ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonSummary {
    /// Deliveries a dead daemon had leased, handed out again at start.
    pub released: usize,
    /// Deliveries run.
    pub delivered: usize,
    /// Runs still going when the grace period ran out, abandoned (their
    /// messages will be delivered again).
    pub abandoned: usize,
}

/// Runs the daemon until `shutdown` resolves.
pub async fn run_daemon(
    config: Arc<Config>,
    state: Arc<StateDb>,
    runner: Arc<dyn Runner>,
    options: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<DaemonSummary, SchedulerError> {
    // `ponte trigger` looks for a daemon by taking this lock for an instant:
    // a daemon starting at that moment waits a little before it concludes
    // that another daemon holds the folder.
    let mut attempts = 0;
    let _lock = loop {
        match state.try_lock_daemon()? {
            Some(lock) => break lock,
            None if attempts < 40 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None => return Err(SchedulerError::DaemonRunning { state_dir: state.dir().to_owned() }),
        }
    };
    let mut summary = DaemonSummary { released: state.release_leases()?, ..DaemonSummary::default() };
    if summary.released > 0 {
        tracing::warn!(
            "{} delivery(ies) were in flight when the last daemon stopped; delivering them again",
            summary.released
        );
    }
    let workers = Arc::new(Semaphore::new(options.workers.max(1)));
    let mut running: JoinSet<()> = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let now = Utc::now();
        // A state database that fails for a moment (a lock held too long by
        // another process, a full disk) must not end the daemon: say so and
        // try again next tick. Nothing is lost: fires and deliveries wait.
        if let Err(e) = clock::tick(&config, &state, now) {
            tracing::error!("schedules not checked this tick: {e}");
        }
        while let Ok(permit) = workers.clone().try_acquire_owned() {
            let delivery = match state.claim_delivery(now, None) {
                Ok(Some(d)) => d,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!("deliveries not claimed this tick: {e}");
                    break;
                }
            };
            summary.delivered += 1;
            let (config, state, runner) = (config.clone(), state.clone(), runner.clone());
            running.spawn(async move {
                let subscriber = delivery.subscriber.clone();
                if let Err(e) = deliver(&config, &state, runner.as_ref(), delivery).await {
                    tracing::error!(%subscriber, "could not settle a delivery: {e}");
                }
                drop(permit);
            });
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(options.tick) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
    if !running.is_empty() {
        tracing::info!("stopping: waiting up to {}s for {} run(s) in flight", options.grace.as_secs(), running.len());
    }
    let drained = tokio::time::timeout(options.grace, async { while running.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        summary.abandoned = running.len();
        tracing::warn!(
            "{} run(s) did not finish within the grace period; their messages will be delivered again",
            running.len()
        );
        running.abort_all();
        while running.join_next().await.is_some() {}
    }
    Ok(summary)
}
