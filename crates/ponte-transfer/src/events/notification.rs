//! Reading one SQS message as an S3 event notification: which objects of
//! which bucket it names. The event's kind does not matter to us: a run
//! looks each named object up on both sides and does what the objects say
//! (copy what the source has, delete what it no longer has), so events
//! that arrive out of order, twice, or late change nothing twice.

use serde::Deserialize;

/// What a message says.
#[derive(Debug, PartialEq, Eq)]
pub enum Notification {
    /// Objects of a bucket changed: `(bucket, key)`, keys decoded.
    Objects(Vec<(String, String)>),
    /// The `s3:TestEvent` S3 sends when a notification is configured.
    Test,
}

/// A message that is not an S3 event notification, and why.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Poison(pub String);

#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records")]
    records: Option<Vec<Record>>,
    #[serde(rename = "Event")]
    event: Option<String>,
    /// An SNS envelope around the notification (S3 → SNS → SQS).
    #[serde(rename = "Type")]
    sns_type: Option<String>,
    #[serde(rename = "Message")]
    sns_message: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "eventSource")]
    event_source: Option<String>,
    s3: Option<RecordS3>,
}

#[derive(Deserialize)]
struct RecordS3 {
    bucket: Named,
    object: Key,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Key {
    key: String,
}

/// Reads a message body: an S3 event notification, sent to SQS directly
/// or through SNS.
pub fn parse(body: &str) -> Result<Notification, Poison> {
    parse_at(body, 0)
}

fn parse_at(body: &str, depth: u8) -> Result<Notification, Poison> {
    let n: S3Notification = serde_json::from_str(body)
        .map_err(|e| Poison(format!("the body is not an S3 event notification (not its JSON: {e})")))?;
    if n.event.as_deref() == Some("s3:TestEvent") {
        return Ok(Notification::Test);
    }
    if n.sns_type.as_deref() == Some("Notification")
        && let Some(inner) = &n.sns_message
        && depth == 0
    {
        return parse_at(inner, 1);
    }
    let Some(records) = n.records else {
        return Err(Poison("the body is JSON but not an S3 event notification (no `Records`)".into()));
    };
    let mut objects = Vec::with_capacity(records.len());
    for (i, record) in records.into_iter().enumerate() {
        if record.event_source.as_deref() != Some("aws:s3") {
            return Err(Poison(format!(
                "record {i} is not an S3 event (eventSource {:?})",
                record.event_source.unwrap_or_default()
            )));
        }
        let Some(s3) = record.s3 else { return Err(Poison(format!("record {i} has no `s3` object"))) };
        objects.push((s3.bucket.name, decode_key(&s3.object.key).map_err(|why| Poison(format!("record {i}: {why}")))?));
    }
    Ok(Notification::Objects(objects))
}

/// S3 writes keys in notifications form-encoded: `+` for a space, `%XX`
/// for other bytes.
fn decode_key(key: &str) -> Result<String, String> {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| format!("key `{key}` does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_s3s_records_with_form_encoded_keys() {
        // As S3 (and moto) sends them: `dados/a b+ç.bin` written as below.
        let body = r#"{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "lake"}, "object": {"key": "dados%2Fa+b%2B%C3%A7.bin", "size": 1}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
            "s3": {"bucket": {"name": "lake"}, "object": {"key": "x/y.parquet"}}}]}"#;
        assert_eq!(
            parse(body).unwrap(),
            Notification::Objects(vec![
                ("lake".into(), "dados/a b+ç.bin".into()),
                ("lake".into(), "x/y.parquet".into())
            ])
        );
    }

    #[test]
    fn test_events_and_sns_envelopes_are_understood() {
        let test = r#"{"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "lake"}"#;
        assert_eq!(parse(test).unwrap(), Notification::Test);
        let inner = r#"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"lake"},"object":{"key":"k"}}}]}"#;
        let sns = serde_json::json!({ "Type": "Notification", "Message": inner }).to_string();
        assert_eq!(parse(&sns).unwrap(), Notification::Objects(vec![("lake".into(), "k".into())]));
    }

    #[test]
    fn anything_else_is_poison_with_a_reason() {
        assert!(parse("not json").unwrap_err().0.starts_with("the body is not an S3 event notification"));
        assert_eq!(
            parse(r#"{"hello": 1}"#).unwrap_err().0,
            "the body is JSON but not an S3 event notification (no `Records`)"
        );
        let other = r#"{"Records":[{"eventSource":"aws:sqs"}]}"#;
        assert_eq!(parse(other).unwrap_err().0, "record 0 is not an S3 event (eventSource \"aws:sqs\")");
        let bad_key = r#"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"%FF"}}}]}"#;
        assert_eq!(parse(bad_key).unwrap_err().0, "record 0: key `%FF` does not decode to UTF-8");
    }
}
