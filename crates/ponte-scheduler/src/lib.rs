//! Schedules, topics and the daemon: what Cloud Scheduler, Pub/Sub and the
//! Cloud Functions runtime do in the reference deployment, in one process,
//! durable across crashes.
//!
//! - [`fire`]: unix-cron in IANA time zones, as Cloud Scheduler reads it,
//!   with DST gaps and repeats spelled out.
//! - [`bus`]: topics and subscriptions over the durable queue in the state
//!   DB: a message stays until its subscriber acknowledges it.
//! - [`worker`]: runs a delivery through a [`Runner`] and settles it —
//!   acknowledged, retried with exponential backoff, or dead-lettered.
//! - [`clock`]: publishes each fire exactly once and applies the misfire
//!   policy to fires missed while no daemon ran.
//! - [`daemon`] and [`trigger`]: the long-running loop, and "force run".
//!
//! The crate runs nothing itself: the binary implements [`Runner`] over the
//! loader and the transfer engine.
//!
//! ```
//! # use chrono::{DateTime, Utc};
//! let tz = ponte_config::parse_time_zone("America/Sao_Paulo").unwrap();
//! let schedule = ponte_config::CronSchedule::parse("0 8 * * 1-5", tz).unwrap();
//! let after: DateTime<Utc> = "2026-01-02T12:00:00Z".parse().unwrap();
//! let next = ponte_scheduler::fire::next_fire(&schedule, after).unwrap();
//! assert_eq!(next.to_rfc3339(), "2026-01-05T08:00:00-03:00");
//! ```

pub mod bus;
pub mod clock;
pub mod daemon;
pub mod fire;
pub mod trigger;
pub mod worker;

use std::path::PathBuf;

pub use bus::{Bus, Target};
pub use daemon::{DaemonOptions, DaemonSummary, run_daemon};
pub use trigger::{RanBy, TriggerReport, TriggeredDelivery, trigger};
pub use worker::{DeliveryReport, RunOutcome, Runner, Settled, deliver, run_trigger};

/// Why scheduling could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The state database failed.
    #[error(transparent)]
    State(#[from] ponte_state::StateError),
    /// Another daemon holds the state folder.
    #[error("another ponte daemon is running on the state folder {}; stop it first", state_dir.display())]
    DaemonRunning {
        /// The state folder.
        state_dir: PathBuf,
    },
    /// No schedule or transfer job has that name.
    #[error("no schedule or transfer job named `{name}`; known: {known}")]
    UnknownSchedule {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A topic the config does not declare.
    #[error("no topic named `{topic}` in the config")]
    UnknownTopic {
        /// The topic.
        topic: String,
    },
    /// The daemon did not attempt the deliveries in time.
    #[error("the daemon has not run message {message_id} within {seconds}s; `ponte runs` will show how it went")]
    DaemonTimeout {
        /// The message.
        message_id: String,
        /// How long was waited.
        seconds: u64,
    },
}
