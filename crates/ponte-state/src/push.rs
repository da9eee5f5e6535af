//! Pub/Sub push envelopes: the JSON body a push subscription POSTs
//! (`{"message": {"data", "attributes", "messageId", "publishTime"},
//! "subscription"}`), decoded into the message it carries.
//!
//! Decoding is a pure function of the body, kept apart from the HTTP
//! handler that authenticates, routes and runs the message, so it can be
//! tested (and fuzzed) without a server.
//!
//! ```
//! let body = br#"{"message":{"data":"aGk=","messageId":"42"},"subscription":"projects/p/subscriptions/s"}"#;
//! let pushed = ponte_state::PushedMessage::decode(body)?;
//! assert_eq!((pushed.message_id.as_str(), pushed.data.as_slice()), ("42", &b"hi"[..]));
//! let message = pushed.into_message("faturas".into());
//! assert_eq!(message.external_id.as_deref(), Some("pubsub:42"));
//! # Ok::<(), ponte_state::PushError>(())
//! ```

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

use crate::NewMessage;

/// A message as a push subscription delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedMessage {
    /// The subscription that pushed it (`projects/p/subscriptions/NAME`).
    pub subscription: String,
    /// Pub/Sub's id for the message; never empty.
    pub message_id: String,
    /// The payload, base64-decoded (empty when the message had none).
    pub data: Vec<u8>,
    /// The message's attributes.
    pub attributes: BTreeMap<String, String>,
}

/// Why a push body is not a usable Pub/Sub message. The messages are what
/// the push endpoint answers with (a 400), so they say what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Not JSON, or JSON of another shape.
    #[error("not a Pub/Sub push envelope: {reason}")]
    NotAnEnvelope {
        /// The JSON parser's explanation, with line and column.
        reason: String,
    },
    /// Neither `messageId` nor `message_id` is a non-empty string.
    #[error("the pushed message has no messageId")]
    NoMessageId,
    /// `message.data` is not standard base64.
    #[error("message.data is not base64: {reason}")]
    DataNotBase64 {
        /// The decoder's explanation, with the offending offset.
        reason: String,
    },
}

/// The push envelope. Pub/Sub sends some fields twice (camelCase and
/// snake_case); both are read, unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Envelope {
    message: RawMessage,
    subscription: String,
}

#[derive(Debug, Deserialize)]
struct RawMessage {
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, String>>,
    #[serde(rename = "messageId", default)]
    message_id: Option<String>,
    #[serde(rename = "message_id", default)]
    message_id_snake: Option<String>,
}

impl PushedMessage {
    /// Decodes a push request's body. The camelCase `messageId` wins over
    /// `message_id` when both are present; an empty or absent `data` is an
    /// empty payload.
    pub fn decode(body: &[u8]) -> Result<Self, PushError> {
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| PushError::NotAnEnvelope { reason: e.to_string() })?;
        let message_id = envelope
            .message
            .message_id
            .or(envelope.message.message_id_snake)
            .filter(|id| !id.is_empty())
            .ok_or(PushError::NoMessageId)?;
        let data = match envelope.message.data.as_deref() {
            None | Some("") => Vec::new(),
            Some(d) => BASE64.decode(d).map_err(|e| PushError::DataNotBase64 { reason: e.to_string() })?,
        };
        Ok(PushedMessage {
            subscription: envelope.subscription,
            message_id,
            data,
            attributes: envelope.message.attributes.unwrap_or_default(),
        })
    }

    /// The message to publish on `topic`: it remembers the subscription it
    /// came from, and its messageId makes a redelivery the same message.
    pub fn into_message(self, topic: String) -> NewMessage {
        NewMessage {
            topic,
            data: self.data,
            attributes: self.attributes,
            origin: format!("push:{}", self.subscription),
            external_id: Some(format!("pubsub:{}", self.message_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_spellings_and_defaults() {
        let body = br#"{"message":{"attributes":{"origem":"cloud-scheduler"},"data":"Y2FycmVnYXI=",
            "messageId":"1","message_id":"1","publishTime":"2026-11-25T11:00:00.123Z"},
            "subscription":"projects/comerc/subscriptions/f","deliveryAttempt":1}"#;
        let pushed = PushedMessage::decode(body).unwrap();
        assert_eq!(pushed.message_id, "1");
        assert_eq!(pushed.data, b"carregar");
        assert_eq!(pushed.attributes["origem"], "cloud-scheduler");
        let snake = PushedMessage::decode(br#"{"message":{"message_id":"7"},"subscription":"s"}"#).unwrap();
        assert_eq!((snake.message_id.as_str(), snake.data.len(), snake.attributes.len()), ("7", 0, 0));
        let message = snake.into_message("t".into());
        assert_eq!((message.origin.as_str(), message.external_id.as_deref()), ("push:s", Some("pubsub:7")));
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cases: [(&[u8], &str); 5] = [
            (b"{not json", "not a Pub/Sub push envelope"),
            (br#"{"message":{"messageId":"1"}}"#, "not a Pub/Sub push envelope: missing field `subscription`"),
            (br#"{"message":{"data":"***","messageId":"2"},"subscription":"s"}"#, "not base64"),
            (br#"{"message":{"data":""},"subscription":"s"}"#, "no messageId"),
            (br#"{"message":{"messageId":""},"subscription":"s"}"#, "no messageId"),
        ];
        for (body, says) in cases {
            let err = PushedMessage::decode(body).unwrap_err().to_string();
            assert!(err.contains(says), "{}: {err}", String::from_utf8_lossy(body));
        }
    }
}
