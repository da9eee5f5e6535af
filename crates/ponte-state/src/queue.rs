//! The durable message queue: messages published on topics, one delivery
//! per subscriber, kept until the subscriber acknowledges it.
//!
//! A message and its deliveries are written in one transaction, so a
//! published message always reaches every subscriber that existed when it
//! was published. A delivery is claimed (leased) before its run starts and
//! acknowledged only after the run ended; a process that dies in between
//! leaves the delivery leased, and the next daemon hands it out again
//! ([`StateDb::release_leases`]). That is at-least-once delivery: a
//! subscriber may see a message twice, never zero times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::db::{StateDb, StateError};

/// A message to publish.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// The topic (empty for a message addressed straight to its subscriber,
    /// as a transfer's own schedule does).
    pub topic: String,
    /// The payload.
    pub data: Vec<u8>,
    /// Attributes, as Pub/Sub carries them.
    pub attributes: BTreeMap<String, String>,
    /// Who published it: `schedule:<name>`, `trigger:<name>`, `transfer:<name>`, `push:<subscription>`.
    pub origin: String,
    /// The id the message had elsewhere (a Pub/Sub messageId): a second
    /// publication with the same id is the same message, not a new one.
    pub external_id: Option<String>,
}

/// A published message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Unique, increasing, decimal (Pub/Sub's messageIds are decimal too).
    pub id: String,
    /// The topic.
    pub topic: String,
    /// The payload.
    #[serde(skip)]
    pub data: Vec<u8>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// When it was published.
    pub publish_time: DateTime<Utc>,
    /// Who published it.
    pub origin: String,
}

/// A subscriber of a message, with its retry limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// `function:<name>` or `transfer:<name>`.
    pub name: String,
    /// Deliveries before the message is dead-lettered for this subscriber.
    pub max_attempts: u32,
}

/// A delivery handed to a worker.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The message.
    pub message: Message,
    /// Who it is for.
    pub subscriber: String,
    /// This attempt, from 1.
    pub attempt: u32,
    /// The subscriber's limit.
    pub max_attempts: u32,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A worker is running it.
    Leased,
    /// Done: the run succeeded, or was skipped because another held the lock.
    Acked,
    /// Given up after its last attempt failed.
    Dead,
}

impl DeliveryState {
    fn parse(s: &str) -> Self {
        match s {
            "leased" => Self::Leased,
            "acked" => Self::Acked,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// A delivery as the database holds it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryStatus {
    /// The message id.
    pub message_id: String,
    /// The subscriber.
    pub subscriber: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

const MESSAGE_COLUMNS: &str = "m.id, m.topic, m.data, m.attributes, m.publish_time, m.origin";

fn message_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    let attributes: String = r.get(3)?;
    let publish_time: String = r.get(4)?;
    Ok(Message {
        id: r.get::<_, i64>(0)?.to_string(),
        topic: r.get(1)?,
        data: r.get(2)?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        publish_time: DateTime::parse_from_rfc3339(&publish_time).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
        origin: r.get(5)?,
    })
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl StateDb {
    /// Publishes `message` to `subscribers` in one transaction. With an
    /// `external_id` seen before, returns the earlier message and adds nothing.
    pub fn publish(&self, message: &NewMessage, subscribers: &[Subscriber]) -> Result<Message, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let published = insert_message(&tx, message, subscribers).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(published)
    }

    /// Records that schedule `key` fired at `fire_time` and, unless
    /// `message` is `None` (a fire skipped by the misfire policy), publishes
    /// the message — both in one transaction, so a crash can neither lose a
    /// fire nor publish it twice. Returns `Ok(None)` when that fire (or a
    /// later one) was already recorded.
    pub fn record_fire(
        &self,
        key: &str,
        fire_time: DateTime<Utc>,
        message: Option<(&NewMessage, &[Subscriber])>,
    ) -> Result<Option<Option<Message>>, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let last: Option<i64> = tx
            .query_row("SELECT last_fire_ms FROM schedule_fires WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        if last.is_some_and(|l| l >= millis(fire_time)) {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO schedule_fires (key, last_fire_ms) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET last_fire_ms = excluded.last_fire_ms",
            params![key, millis(fire_time)],
        )
        .map_err(|e| self.err(e))?;
        let published = match message {
            Some((m, subs)) => Some(insert_message(&tx, m, subs).map_err(|e| self.err(e))?),
            None => None,
        };
        tx.commit().map_err(|e| self.err(e))?;
        Ok(Some(published))
    }

    /// The last fire recorded for schedule `key`.
    pub fn last_fire(&self, key: &str) -> Result<Option<DateTime<Utc>>, StateError> {
        let conn = self.conn();
        let ms: Option<i64> = conn
            .query_row("SELECT last_fire_ms FROM schedule_fires WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }

    /// Claims the delivery that has waited longest among those due at
    /// `now`, optionally only of one message; marks it leased and counts
    /// the attempt.
    pub fn claim_delivery(&self, now: DateTime<Utc>, message_id: Option<&str>) -> Result<Option<Delivery>, StateError> {
        let conn = self.conn();
        let only: Option<i64> = message_id.and_then(|m| m.parse().ok());
        if message_id.is_some() && only.is_none() {
            return Ok(None);
        }
        let claimed: Option<(i64, String, u32, u32)> = conn
            .query_row(
                "UPDATE deliveries SET state = 'leased', attempts = attempts + 1, leased_at_ms = ?1
                 WHERE rowid = (
                     SELECT rowid FROM deliveries
                     WHERE state = 'pending' AND next_attempt_ms <= ?1 AND (?2 IS NULL OR message_id = ?2)
                     ORDER BY next_attempt_ms, message_id LIMIT 1)
                 RETURNING message_id, subscriber, attempts, max_attempts",
                params![millis(now), only],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, subscriber, attempt, max_attempts)) = claimed else { return Ok(None) };
        let message = conn
            .query_row(&format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?1"), [id], message_from)
            .map_err(|e| self.err(e))?;
        Ok(Some(Delivery { message, subscriber, attempt, max_attempts }))
    }

    /// The run succeeded (or was skipped): the delivery is done.
    pub fn ack(&self, message_id: &str, subscriber: &str) -> Result<(), StateError> {
        self.settle(message_id, subscriber, "acked", None, None)
    }

    /// The run failed: try again at `retry_at`.
    pub fn nack(
        &self,
        message_id: &str,
        subscriber: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StateError> {
        self.settle(message_id, subscriber, "pending", Some(error), Some(retry_at))
    }

    /// The last attempt failed: keep the message, with its error, and stop.
    pub fn dead_letter(&self, message_id: &str, subscriber: &str, error: &str) -> Result<(), StateError> {
        self.settle(message_id, subscriber, "dead", Some(error), None)
    }

    fn settle(
        &self,
        message_id: &str,
        subscriber: &str,
        state: &str,
        error: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE deliveries SET state = ?3, last_error = coalesce(?4, last_error),
                 next_attempt_ms = coalesce(?5, next_attempt_ms), leased_at_ms = NULL
             WHERE message_id = ?1 AND subscriber = ?2",
            params![message_id.parse::<i64>().unwrap_or(-1), subscriber, state, error, retry_at.map(millis)],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Hands every leased delivery out again: called by a daemon that holds
    /// the daemon lock, so their workers are gone (killed, or stopped before
    /// their runs ended). Returns how many.
    pub fn release_leases(&self) -> Result<usize, StateError> {
        let conn = self.conn();
        conn.execute("UPDATE deliveries SET state = 'pending', leased_at_ms = NULL WHERE state = 'leased'", [])
            .map_err(|e| self.err(e))
    }

    /// Puts one leased delivery back without counting the attempt: its run
    /// never started (the daemon was stopping).
    pub fn unclaim(&self, message_id: &str, subscriber: &str) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE deliveries SET state = 'pending', leased_at_ms = NULL, attempts = max(attempts - 1, 0)
             WHERE message_id = ?1 AND subscriber = ?2 AND state = 'leased'",
            params![message_id.parse::<i64>().unwrap_or(-1), subscriber],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every delivery of one message.
    pub fn deliveries(&self, message_id: &str) -> Result<Vec<DeliveryStatus>, StateError> {
        self.select_deliveries("WHERE message_id = ?1 ORDER BY subscriber", message_id.parse::<i64>().unwrap_or(-1))
    }

    /// Deliveries that are not done (pending, leased or dead), oldest first, at most `limit`.
    pub fn open_deliveries(&self, limit: usize) -> Result<Vec<DeliveryStatus>, StateError> {
        self.select_deliveries("WHERE state != 'acked' ORDER BY message_id LIMIT ?1", limit as i64)
    }

    /// When the next pending delivery is due, if any is waiting.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, StateError> {
        let conn = self.conn();
        let ms: Option<i64> = conn
            .query_row("SELECT min(next_attempt_ms) FROM deliveries WHERE state = 'pending'", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }

    /// One message by id.
    pub fn message(&self, message_id: &str) -> Result<Option<Message>, StateError> {
        let conn = self.conn();
        conn.query_row(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?1"),
            [message_id.parse::<i64>().unwrap_or(-1)],
            message_from,
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    fn select_deliveries(&self, tail: &str, arg: i64) -> Result<Vec<DeliveryStatus>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT message_id, subscriber, state, attempts, last_error FROM deliveries {tail}"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([arg], |r| {
                Ok(DeliveryStatus {
                    message_id: r.get::<_, i64>(0)?.to_string(),
                    subscriber: r.get(1)?,
                    state: DeliveryState::parse(&r.get::<_, String>(2)?),
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

fn insert_message(
    tx: &rusqlite::Transaction<'_>,
    message: &NewMessage,
    subscribers: &[Subscriber],
) -> rusqlite::Result<Message> {
    if let Some(external) = &message.external_id {
        let earlier = tx
            .query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.external_id = ?1"),
                [external],
                message_from,
            )
            .optional()?;
        if let Some(earlier) = earlier {
            return Ok(earlier);
        }
    }
    let now = Utc::now();
    let attributes = serde_json::to_string(&message.attributes).unwrap_or_else(|_| "{}".into());
    tx.execute(
        "INSERT INTO messages (topic, data, attributes, publish_time, origin, external_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            message.topic,
            message.data,
            attributes,
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            message.origin,
            message.external_id
        ],
    )?;
    let id = tx.last_insert_rowid();
    for s in subscribers {
        tx.execute(
            "INSERT INTO deliveries (message_id, subscriber, state, attempts, max_attempts, next_attempt_ms)
             VALUES (?1, ?2, 'pending', 0, ?3, ?4)",
            params![id, s.name, s.max_attempts, millis(now)],
        )?;
    }
    Ok(Message {
        id: id.to_string(),
        topic: message.topic.clone(),
        data: message.data.clone(),
        attributes: message.attributes.clone(),
        publish_time: DateTime::from_timestamp_millis(millis(now)).unwrap_or(now),
        origin: message.origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(names: &[&str]) -> Vec<Subscriber> {
        names.iter().map(|n| Subscriber { name: (*n).into(), max_attempts: 2 }).collect()
    }

    fn msg(data: &str) -> NewMessage {
        NewMessage { topic: "t".into(), data: data.into(), origin: "test".into(), ..NewMessage::default() }
    }

    #[test]
    fn a_message_reaches_every_subscriber_once_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let m = db.publish(&msg("hello"), &subs(&["function:a", "function:b"])).unwrap();
        let now = Utc::now() + chrono::Duration::seconds(1);
        let d1 = db.claim_delivery(now, None).unwrap().unwrap();
        let d2 = db.claim_delivery(now, None).unwrap().unwrap();
        assert!(db.claim_delivery(now, None).unwrap().is_none(), "both are leased");
        assert_eq!(d1.message.data, b"hello");
        assert_eq!((d1.attempt, d2.attempt), (1, 1));
        db.ack(&m.id, &d1.subscriber).unwrap();
        // The second worker dies; a new daemon hands its delivery out again.
        assert_eq!(db.release_leases().unwrap(), 1);
        let again = db.claim_delivery(now, None).unwrap().unwrap();
        assert_eq!((again.subscriber.as_str(), again.attempt), (d2.subscriber.as_str(), 2));
        db.dead_letter(&m.id, &again.subscriber, "boom").unwrap();
        let states: Vec<_> = db.deliveries(&m.id).unwrap().into_iter().map(|d| (d.state, d.last_error)).collect();
        assert_eq!(states, vec![(DeliveryState::Acked, None), (DeliveryState::Dead, Some("boom".into()))]);
    }

    #[test]
    fn a_failed_delivery_waits_for_its_retry_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let m = db.publish(&msg("x"), &subs(&["function:a"])).unwrap();
        let now = Utc::now() + chrono::Duration::seconds(1);
        let d = db.claim_delivery(now, Some(&m.id)).unwrap().unwrap();
        db.nack(&m.id, &d.subscriber, "first failure", now + chrono::Duration::seconds(10)).unwrap();
        assert!(db.claim_delivery(now, None).unwrap().is_none());
        assert_eq!(
            db.next_due().unwrap().unwrap().timestamp_millis(),
            (now + chrono::Duration::seconds(10)).timestamp_millis()
        );
        let d = db.claim_delivery(now + chrono::Duration::seconds(11), None).unwrap().unwrap();
        assert_eq!(d.attempt, 2);
    }

    #[test]
    fn a_fire_is_recorded_and_published_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let t = DateTime::parse_from_rfc3339("2026-01-05T11:00:00Z").unwrap().with_timezone(&Utc);
        let subs = subs(&["function:a"]);
        let first = db.record_fire("schedule:s", t, Some((&msg("x"), &subs))).unwrap();
        assert!(matches!(first, Some(Some(_))));
        assert!(db.record_fire("schedule:s", t, Some((&msg("x"), &subs))).unwrap().is_none(), "the same fire twice");
        assert_eq!(db.last_fire("schedule:s").unwrap(), Some(t));
        assert_eq!(db.open_deliveries(10).unwrap().len(), 1);
    }

    #[test]
    fn an_external_id_is_published_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let m = NewMessage { external_id: Some("123".into()), ..msg("x") };
        let a = db.publish(&m, &subs(&["function:a"])).unwrap();
        let b = db.publish(&m, &subs(&["function:a"])).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(db.open_deliveries(10).unwrap().len(), 1);
    }
}
