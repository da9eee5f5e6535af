//! The clock: publishes each schedule's fires, once each, and decides what
//! to do about fires missed while no daemon ran.
//!
//! Every schedule (and every transfer job with a schedule of its own) has
//! its last handled fire in the state DB. A fire is recorded and its message
//! published in one transaction, so a crash between the two cannot lose it
//! or publish it twice. The first time a daemon sees a schedule it starts
//! counting from that moment: nothing is "missed" before a schedule existed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_config::{Config, CronSchedule, Misfire, MisfirePolicy};
use ponte_state::{NewMessage, RunKind, RunStatus, StateDb, Subscriber, Trigger};

use crate::SchedulerError;
use crate::bus::Bus;
use crate::fire::next_fire;

/// A fire published this late is still on time (the daemon ticks every
/// second; a busy machine may lag a little).
const ON_TIME: Duration = Duration::from_secs(60);

/// Fires counted when catching up, at most: a minutely schedule down for a
/// year stops counting here.
const MAX_COUNTED: usize = 100_000;

/// What the clock did for one schedule at one tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireAction {
    /// Published on time.
    Published {
        /// The schedule key (`schedule:<name>` or `transfer:<name>`).
        key: String,
        /// The fire time.
        fire: DateTime<Utc>,
        /// The message.
        message_id: String,
    },
    /// Missed fires, published once for the latest (`run_once`).
    CaughtUp {
        /// The schedule key.
        key: String,
        /// How many were missed.
        missed: usize,
        /// The message.
        message_id: String,
    },
    /// Missed fires, not published (`skip`, or older than the window).
    Skipped {
        /// The schedule key.
        key: String,
        /// How many were missed.
        missed: usize,
    },
}

/// One schedule the clock keeps: a config schedule or a transfer's own.
struct Timed<'c> {
    key: String,
    kind: RunKind,
    name: &'c str,
    cron: &'c CronSchedule,
    misfire: Misfire,
    message: Box<dyn Fn(String) -> (NewMessage, Vec<Subscriber>) + 'c>,
}

fn timed<'c>(config: &'c Config, bus: Bus<'c>) -> Vec<Timed<'c>> {
    let mut out: Vec<Timed<'c>> = Vec::new();
    for s in &config.schedules {
        out.push(Timed {
            key: format!("schedule:{}", s.name),
            kind: RunKind::Schedule,
            name: &s.name,
            cron: &s.cron,
            misfire: s.misfire,
            message: Box::new(move |origin| (Bus::schedule_message(s, origin), bus.subscribers(&s.topic))),
        });
    }
    for t in &config.transfers {
        if let Some(cron) = &t.schedule {
            out.push(Timed {
                key: format!("transfer:{}", t.name),
                kind: RunKind::Transfer,
                name: &t.name,
                cron,
                misfire: t.misfire,
                message: Box::new(move |origin| Bus::transfer_message(t, origin)),
            });
        }
    }
    out
}

/// Handles every fire due at `now`: publishes on-time fires, applies the
/// misfire policy to missed ones, and records what it did.
pub fn tick(config: &Config, state: &StateDb, now: DateTime<Utc>) -> Result<Vec<FireAction>, SchedulerError> {
    let bus = Bus::new(config, state);
    let mut actions = Vec::new();
    for t in timed(config, bus) {
        let Some(last) = state.last_fire(&t.key)? else {
            // First sight of this schedule: start counting now.
            state.record_fire(&t.key, now, None)?;
            continue;
        };
        let mut due = Vec::new();
        let mut cursor = last;
        while let Some(next) = next_fire(t.cron, cursor).map(|n| n.with_timezone(&Utc)) {
            if next > now || due.len() >= MAX_COUNTED {
                break;
            }
            due.push(next);
            cursor = next;
        }
        let Some(&latest) = due.last() else { continue };
        let late = (now - latest).to_std().unwrap_or_default();
        let origin = format!("{}:{}", t.kind, t.name);
        if due.len() == 1 && late <= ON_TIME {
            let (message, subscribers) = (t.message)(origin);
            if let Some(Some(m)) = state.record_fire(&t.key, latest, Some((&message, &subscribers)))? {
                tracing::info!(schedule = %t.key, message_id = %m.id, "fired for {latest}");
                actions.push(FireAction::Published { key: t.key.clone(), fire: latest, message_id: m.id });
            }
            continue;
        }
        let detail = serde_json::json!({
            "missed": due.len(),
            "first_missed": due[0].to_rfc3339(),
            "last_missed": latest.to_rfc3339(),
            "policy": match t.misfire.policy { MisfirePolicy::RunOnce => "run_once", MisfirePolicy::Skip => "skip" },
            "window_seconds": t.misfire.window.as_secs(),
        });
        if t.misfire.policy == MisfirePolicy::RunOnce && late <= t.misfire.window {
            let (message, subscribers) = (t.message)(format!("{origin} (missed fire)"));
            if let Some(Some(m)) = state.record_fire(&t.key, latest, Some((&message, &subscribers)))? {
                state.record_event(t.kind, t.name, &Trigger::Misfire, RunStatus::Succeeded, Some(&detail), None)?;
                tracing::warn!(schedule = %t.key, message_id = %m.id, "{} fire(s) missed while no daemon ran; published once for {latest}", due.len());
                actions.push(FireAction::CaughtUp { key: t.key.clone(), missed: due.len(), message_id: m.id });
            }
        } else if state.record_fire(&t.key, latest, None)?.is_some() {
            let why = if t.misfire.policy == MisfirePolicy::Skip {
                "misfire policy is skip".to_owned()
            } else {
                format!("the latest is older than misfire_window ({}s)", t.misfire.window.as_secs())
            };
            let error = format!("{} fire(s) missed while no daemon ran, not run: {why}", due.len());
            state.record_event(t.kind, t.name, &Trigger::Misfire, RunStatus::Skipped, Some(&detail), Some(&error))?;
            tracing::warn!(schedule = %t.key, "{error}");
            actions.push(FireAction::Skipped { key: t.key.clone(), missed: due.len() });
        }
    }
    Ok(actions)
}
