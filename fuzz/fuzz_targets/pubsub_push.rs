//! `PushedMessage::decode` on Pub/Sub push bodies.
//!
//! Properties: never panics; a refusal's message starts with what the
//! push endpoint says (its 400 body); a decoded message has a non-empty
//! id, its data re-encodes to the base64 text that was sent (standard
//! base64 decoding is canonical), it survives a round trip through a
//! freshly written envelope, and the message it publishes keys
//! redeliveries by that id and names its subscription.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use libfuzzer_sys::fuzz_target;
use ponte_state::{PushError, PushedMessage};

fuzz_target!(|data: &[u8]| {
    let pushed = match PushedMessage::decode(data) {
        Ok(pushed) => pushed,
        Err(e) => {
            let text = e.to_string();
            let prefix = match e {
                PushError::NotAnEnvelope { .. } => "not a Pub/Sub push envelope: ",
                PushError::NoMessageId => "the pushed message has no messageId",
                PushError::DataNotBase64 { .. } => "message.data is not base64: ",
            };
            assert!(text.starts_with(prefix), "{text}");
            return;
        }
    };
    assert!(!pushed.message_id.is_empty());

    // What was sent, read independently. serde_json skips the fields the
    // envelope ignores without validating them (invalid UTF-8 or a lone
    // surrogate escape there is let through), so the body may not be JSON.
    if let Ok(sent) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Some(text) = sent["message"]["data"].as_str().filter(|t| !t.is_empty()) {
            assert_eq!(BASE64.encode(&pushed.data), text, "data round trip");
        } else {
            assert!(pushed.data.is_empty());
        }
        assert_eq!(sent["subscription"].as_str(), Some(pushed.subscription.as_str()));
    }

    let envelope = serde_json::json!({
        "message": {
            "data": BASE64.encode(&pushed.data),
            "attributes": pushed.attributes,
            "messageId": pushed.message_id,
        },
        "subscription": pushed.subscription,
    });
    let again = PushedMessage::decode(envelope.to_string().as_bytes()).expect("a written envelope decodes");
    assert_eq!(again, pushed);

    let id = pushed.message_id.clone();
    let message = pushed.into_message("topic".into());
    assert_eq!(message.external_id, Some(format!("pubsub:{id}")));
    assert!(message.origin.starts_with("push:"));
});
