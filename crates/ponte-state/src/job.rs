//! What a run is of ([`RunKind`]) and what started it ([`Trigger`]): the
//! typed values every crate passes when it records a run. The history
//! keeps a trigger's display text for people and its message id in a
//! column of its own, so code that looks a run up by message never reads
//! the text back.

use std::fmt;

use serde::Serialize;

/// What sort of job a history row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A transfer job's sync.
    Transfer,
    /// A function's load into the warehouse.
    Load,
    /// A queued message's own events (dead-lettered).
    Message,
    /// A schedule's events (fires missed while no daemon ran).
    Schedule,
}

impl RunKind {
    /// The name stored in the history and the lock file: fixed, because
    /// old state folders hold it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Load => "load",
            Self::Message => "message",
            Self::Schedule => "schedule",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::Transfer, Self::Load, Self::Message, Self::Schedule].into_iter().find(|k| k.as_str() == s)
    }

    /// How messages name a job of this kind to a person: a load is run by
    /// the config's `[[functions]]` entry, so users know it as a function.
    pub fn job_noun(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Load => "function",
            Self::Message => "message",
            Self::Schedule => "schedule",
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What started a run (or caused an event) in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// `ponte sync` or `ponte load` from a shell.
    Cli,
    /// `ponte demo` filling its warehouse.
    Demo,
    /// A delivery of a queued message: a schedule's fire, a transfer's
    /// notification, a Pub/Sub push, `ponte trigger` or `ponte publish`.
    /// A redelivered message is recognised by `id`.
    Message {
        /// The queue's message id.
        id: String,
        /// Who published it (the message's origin), for people reading
        /// the history.
        origin: String,
    },
    /// The queue giving up on a message: the dead-letter event's own row.
    DeadLetter {
        /// The queue's message id.
        message_id: String,
    },
    /// The clock handling fires missed while no daemon ran.
    Misfire,
    /// A transfer's event stream: S3 event notifications read from an SQS
    /// queue, naming the objects the run copies or deletes.
    Events {
        /// The queue, as the config names it.
        queue: String,
        /// The notifications this run acts on.
        messages: usize,
    },
}

impl Trigger {
    /// The queued message this run or event belongs to, if any.
    pub fn message_id(&self) -> Option<&str> {
        match self {
            Self::Message { id, .. } => Some(id),
            Self::DeadLetter { message_id } => Some(message_id),
            Self::Cli | Self::Demo | Self::Misfire | Self::Events { .. } => None,
        }
    }
}

/// The text `ponte runs` shows. Earlier versions stored exactly this text
/// and nothing else, so its shape is kept: `message:<id> (<origin>)`.
impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cli => f.write_str("cli"),
            Self::Demo => f.write_str("demo"),
            Self::Message { id, origin } => write!(f, "message:{id} ({origin})"),
            Self::DeadLetter { message_id } => write!(f, "message:{message_id}"),
            Self::Misfire => f.write_str("misfire"),
            Self::Events { queue, messages } => write!(f, "events:{messages} ({queue})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in [RunKind::Transfer, RunKind::Load, RunKind::Message, RunKind::Schedule] {
            assert_eq!(RunKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RunKind::parse("Load"), None);
    }

    #[test]
    fn triggers_display_as_earlier_versions_stored_them() {
        let message = Trigger::Message { id: "7".into(), origin: "schedule:daily".into() };
        assert_eq!(message.to_string(), "message:7 (schedule:daily)");
        assert_eq!(message.message_id(), Some("7"));
        assert_eq!(Trigger::DeadLetter { message_id: "7".into() }.to_string(), "message:7");
        assert_eq!((Trigger::Cli.to_string(), Trigger::Cli.message_id()), ("cli".into(), None));
        assert_eq!(Trigger::Misfire.to_string(), "misfire");
        let events = Trigger::Events { queue: "arn:aws:sqs:us-east-1:123456789012:q".into(), messages: 3 };
        assert_eq!(
            (events.to_string().as_str(), events.message_id()),
            ("events:3 (arn:aws:sqs:us-east-1:123456789012:q)", None)
        );
    }
}
