//! Schedules, topics and the run history: unix-cron in IANA time zones (as
//! Cloud Scheduler reads them), messages published on topics and delivered
//! at least once to subscribed functions from a durable SQLite queue, with
//! backoff, dead-lettering and one run at a time per function.
//!
//! Status: still to come; this crate marks its place in the workspace.
