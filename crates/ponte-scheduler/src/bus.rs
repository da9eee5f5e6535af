//! Topics and subscriptions: who receives a message, and publishing it
//! into the durable queue.

use std::collections::BTreeMap;
use std::fmt;

use ponte_config::{Config, Schedule, TransferJob};
use ponte_state::{Message, NewMessage, RunKind, StateDb, Subscriber};

use crate::SchedulerError;

/// What a delivery runs: a function (subscribed to a topic) or a transfer
/// job (fired by its own schedule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A `[[functions]]` entry, by name.
    Function(String),
    /// A `[[transfers]]` entry, by name.
    Transfer(String),
}

impl Target {
    /// How the queue names it: `function:<name>` or `transfer:<name>`.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// The target a queue name stands for.
    pub fn parse(key: &str) -> Option<Self> {
        match key.split_once(':')? {
            ("function", name) => Some(Self::Function(name.to_owned())),
            ("transfer", name) => Some(Self::Transfer(name.to_owned())),
            _ => None,
        }
    }

    /// The kind its runs are recorded under in the run history.
    pub fn run_kind(&self) -> RunKind {
        match self {
            Self::Function(_) => RunKind::Load,
            Self::Transfer(_) => RunKind::Transfer,
        }
    }

    /// The name alone.
    pub fn name(&self) -> &str {
        match self {
            Self::Function(n) | Self::Transfer(n) => n,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Function(n) => write!(f, "function:{n}"),
            Self::Transfer(n) => write!(f, "transfer:{n}"),
        }
    }
}

/// Transfer jobs are retried as often as functions are by default.
const TRANSFER_MAX_ATTEMPTS: u32 = 5;

/// Routes messages by the config and writes them to the queue.
#[derive(Debug, Clone, Copy)]
pub struct Bus<'a> {
    config: &'a Config,
    state: &'a StateDb,
}

impl<'a> Bus<'a> {
    /// A bus over `config`'s topics and functions, queueing in `state`.
    pub fn new(config: &'a Config, state: &'a StateDb) -> Self {
        Self { config, state }
    }

    /// The functions subscribed to `topic`.
    pub fn subscribers(&self, topic: &str) -> Vec<Subscriber> {
        self.config
            .functions
            .iter()
            .filter(|f| f.trigger_topic == topic)
            .map(|f| Subscriber { name: Target::Function(f.name.clone()).key(), max_attempts: f.max_attempts })
            .collect()
    }

    /// Publishes on a declared topic; every subscribed function gets a delivery.
    pub fn publish(&self, topic: &str, message: NewMessage) -> Result<Message, SchedulerError> {
        if !self.config.topics.iter().any(|t| t.name == topic) {
            return Err(SchedulerError::UnknownTopic { topic: topic.to_owned() });
        }
        let message = NewMessage { topic: topic.to_owned(), ..message };
        Ok(self.state.publish(&message, &self.subscribers(topic))?)
    }

    /// The message a schedule publishes, as Cloud Scheduler's Pub/Sub
    /// target sends it: its data and attributes.
    pub fn schedule_message(schedule: &Schedule, origin: String) -> NewMessage {
        NewMessage {
            topic: schedule.topic.clone(),
            data: schedule.data.clone().into_bytes(),
            attributes: schedule.attributes.clone(),
            origin,
            external_id: None,
        }
    }

    /// The message a transfer job's own schedule queues for it.
    pub fn transfer_message(job: &TransferJob, origin: String) -> (NewMessage, Vec<Subscriber>) {
        let message = NewMessage { origin, ..NewMessage::default() };
        (
            message,
            vec![Subscriber { name: Target::Transfer(job.name.clone()).key(), max_attempts: TRANSFER_MAX_ATTEMPTS }],
        )
    }

    /// Publishes a finished transfer's notification on its `notify_topic`,
    /// shaped as Storage Transfer Service's Pub/Sub notifications: the
    /// attributes say what happened, the data is the run's report as JSON.
    pub fn notify_transfer(
        &self,
        job: &TransferJob,
        report: &serde_json::Value,
    ) -> Result<Option<Message>, SchedulerError> {
        let Some(topic) = &job.notify_topic else { return Ok(None) };
        let attributes = BTreeMap::from([
            ("eventType".to_owned(), "TRANSFER_OPERATION_SUCCESS".to_owned()),
            ("transferJobName".to_owned(), job.name.clone()),
            ("payloadFormat".to_owned(), "JSON_API_V1".to_owned()),
        ]);
        let message = NewMessage {
            data: serde_json::to_vec(report).unwrap_or_default(),
            attributes,
            origin: format!("transfer:{}", job.name),
            ..NewMessage::default()
        };
        self.publish(topic, message).map(Some)
    }
}
