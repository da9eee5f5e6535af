//! A small SQS client for event-driven transfers: receive (long poll) and
//! delete, over SQS's JSON protocol (`X-Amz-Target: AmazonSQS.*`), signed
//! with SigV4 by object_store's signer and the credentials of the `s3://`
//! store whose bucket notifies the queue, so a store with `role_arn` reads
//! its queue through the same assumed role and holds no key either.

use std::fmt;
use std::time::Duration;

use object_store::aws::{AmazonS3ConfigKey, AwsAuthorizer, AwsCredentialProvider};
use object_store::client::HttpRequestBody;
use ponte_config::{SqsQueue, Store, StoreUrl};
use serde::Deserialize;

use crate::StoreError;

/// Messages asked for per receive: SQS's most.
const MAX_MESSAGES: u32 = 10;
/// The largest response read: ten messages of SQS's 1 MiB most, and room.
const MAX_RESPONSE: usize = 16 << 20;

/// One received message.
#[derive(Debug, Clone)]
pub struct SqsMessage {
    /// SQS's id for it (the same on every delivery).
    pub id: String,
    /// What deletes this delivery of it.
    pub receipt_handle: String,
    /// The body: an S3 event notification, if the queue is used as meant.
    pub body: String,
    /// How many times SQS has handed it out, this time included.
    pub receive_count: u32,
}

/// Why a request to the queue failed. Names the queue and the store whose
/// credentials were used; never a credential.
#[derive(Debug, thiserror::Error)]
pub enum SqsError {
    /// The request did not get an answer.
    #[error("SQS queue `{queue}`: {action} did not get an answer")]
    Unreachable {
        /// The queue.
        queue: String,
        /// The API action.
        action: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// Credentials could not be had for the request.
    #[error("SQS queue `{queue}`: no credentials from store `{store}`")]
    Credentials {
        /// The queue.
        queue: String,
        /// The store whose credentials sign.
        store: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
    /// SQS answered with an error.
    #[error("SQS queue `{queue}` refused {action} (HTTP {status}): {code}: {message}{hint}")]
    Refused {
        /// The queue.
        queue: String,
        /// The API action.
        action: &'static str,
        /// The HTTP status.
        status: u16,
        /// SQS's error code (`QueueDoesNotExist`, `AccessDenied`, …).
        code: String,
        /// SQS's message.
        message: String,
        /// What to do about it, when we know.
        hint: String,
    },
    /// SQS answered with something that is not its JSON.
    #[error("SQS queue `{queue}`: {action} answered with an unreadable body: {why}")]
    Unreadable {
        /// The queue.
        queue: String,
        /// The API action.
        action: &'static str,
        /// What was wrong.
        why: String,
    },
}

/// A queue, and how to sign requests to it.
pub struct SqsClient {
    client: reqwest::Client,
    queue: SqsQueue,
    /// Where requests go: the queue URL's scheme and host.
    endpoint: String,
    region: String,
    store: String,
    credentials: AwsCredentialProvider,
}

impl fmt::Debug for SqsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqsClient({})", self.queue)
    }
}

impl SqsClient {
    /// The client for `queue`, signing with the credentials of `store` (an
    /// `s3://` store: its keys, session token or assumed role).
    pub fn open(store: &Store, queue: &SqsQueue) -> Result<Self, StoreError> {
        let build = |source| StoreError::Build { store: store.name.clone(), url: store.url.to_string(), source };
        let StoreUrl::S3 { bucket, .. } = &store.url else {
            let source = object_store::Error::NotSupported { source: "an event stream needs an s3:// store".into() };
            return Err(build(source));
        };
        let builder = crate::open::s3(store, bucket)?;
        let region = queue
            .region
            .clone()
            .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Region))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let credentials = builder.build().map_err(build)?.credentials().clone();
        let endpoint = match queue.url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}/", rest.split('/').next().unwrap_or_default()),
            None => queue.url.clone(),
        };
        let client = reqwest::Client::builder()
            .https_only(!store.options.allow_http)
            // A long poll waits 20 s for messages.
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| build(object_store::Error::Generic { store: "SQS", source: Box::new(e) }))?;
        Ok(Self { client, queue: queue.clone(), endpoint, region, store: store.name.clone(), credentials })
    }

    /// The queue, as the config names it.
    pub fn queue(&self) -> &SqsQueue {
        &self.queue
    }

    /// Up to ten messages, waiting up to `wait` (at most 20 s) for the
    /// first; each stays invisible to other receivers for `visibility`
    /// unless deleted, then is handed out again.
    pub async fn receive(&self, wait: Duration, visibility: Duration) -> Result<Vec<SqsMessage>, SqsError> {
        let body = serde_json::json!({
            "QueueUrl": self.queue.url,
            "MaxNumberOfMessages": MAX_MESSAGES,
            "WaitTimeSeconds": wait.as_secs().min(20),
            "VisibilityTimeout": visibility.as_secs(),
            "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
            "AttributeNames": ["ApproximateReceiveCount"],
        });
        let answer: ReceiveAnswer = self.call("ReceiveMessage", &body).await?;
        Ok(answer
            .messages
            .into_iter()
            .map(|m| SqsMessage {
                receive_count: m.attributes.approximate_receive_count.and_then(|c| c.parse().ok()).unwrap_or(1),
                id: m.message_id,
                receipt_handle: m.receipt_handle,
                body: m.body,
            })
            .collect())
    }

    /// Deletes these deliveries (ten per request). A message SQS could not
    /// delete is named in the error; it will be handed out again, and the
    /// copy it asks for is repeated, which changes nothing.
    pub async fn delete(&self, messages: &[SqsMessage]) -> Result<(), SqsError> {
        for batch in messages.chunks(MAX_MESSAGES as usize) {
            let entries: Vec<serde_json::Value> = batch
                .iter()
                .enumerate()
                .map(|(i, m)| serde_json::json!({ "Id": i.to_string(), "ReceiptHandle": m.receipt_handle }))
                .collect();
            let body = serde_json::json!({ "QueueUrl": self.queue.url, "Entries": entries });
            let answer: DeleteAnswer = self.call("DeleteMessageBatch", &body).await?;
            if let Some(failed) = answer.failed.first() {
                return Err(SqsError::Refused {
                    queue: self.queue.to_string(),
                    action: "DeleteMessageBatch",
                    status: 200,
                    code: failed.code.clone(),
                    message: failed.message.clone().unwrap_or_default(),
                    hint: format!(
                        " ({} of {} not deleted; they will be handed out again)",
                        answer.failed.len(),
                        batch.len()
                    ),
                });
            }
        }
        Ok(())
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        action: &'static str,
        body: &serde_json::Value,
    ) -> Result<T, SqsError> {
        let queue = || self.queue.to_string();
        let credential = self.credentials.get_credential().await.map_err(|source| SqsError::Credentials {
            queue: queue(),
            store: self.store.clone(),
            source,
        })?;
        let payload = serde_json::to_vec(body).expect("JSON values serialize");
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AmazonSQS.{action}"))
            .body(HttpRequestBody::from(payload.clone()))
            .map_err(|e| SqsError::Unreadable { queue: queue(), action, why: e.to_string() })?;
        AwsAuthorizer::new(&credential, "sqs", &self.region).authorize(&mut request, None);
        let response = self
            .client
            .post(&self.endpoint)
            .headers(request.headers().clone())
            .body(payload)
            .send()
            .await
            .map_err(|source| SqsError::Unreachable { queue: queue(), action, source })?;
        let status = response.status();
        if response.content_length().is_some_and(|n| n > MAX_RESPONSE as u64) {
            return Err(SqsError::Unreadable { queue: queue(), action, why: "larger than 16 MiB".into() });
        }
        let bytes =
            response.bytes().await.map_err(|source| SqsError::Unreachable { queue: queue(), action, source })?;
        if !status.is_success() {
            let error: ErrorAnswer = serde_json::from_slice(&bytes).unwrap_or_default();
            let code = error.kind.rsplit('#').next().unwrap_or_default().to_owned();
            let hint = match code.as_str() {
                "AccessDenied" | "AccessDeniedException" | "InvalidClientTokenId" | "UnrecognizedClientException" => {
                    format!(
                        "; the credentials of store `{}` need sqs:ReceiveMessage and sqs:DeleteMessage on this queue",
                        self.store
                    )
                }
                "QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue" => {
                    "; check `event_stream.queue` (the queue's ARN or URL) and its region".to_owned()
                }
                _ => String::new(),
            };
            return Err(SqsError::Refused {
                queue: queue(),
                action,
                status: status.as_u16(),
                code: if code.is_empty() { "unknown".into() } else { code },
                message: error
                    .message
                    .or(error.message_capitalised)
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect()),
                hint,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| SqsError::Unreadable { queue: queue(), action, why: e.to_string() })
    }
}

#[derive(Deserialize)]
struct ReceiveAnswer {
    #[serde(rename = "Messages", default)]
    messages: Vec<ReceivedMessage>,
}

#[derive(Deserialize)]
struct ReceivedMessage {
    #[serde(rename = "MessageId")]
    message_id: String,
    #[serde(rename = "ReceiptHandle")]
    receipt_handle: String,
    #[serde(rename = "Body", default)]
    body: String,
    #[serde(rename = "Attributes", default)]
    attributes: MessageAttributes,
}

#[derive(Deserialize, Default)]
struct MessageAttributes {
    #[serde(rename = "ApproximateReceiveCount")]
    approximate_receive_count: Option<String>,
}

#[derive(Deserialize)]
struct DeleteAnswer {
    #[serde(rename = "Failed", default)]
    failed: Vec<DeleteFailure>,
}

#[derive(Deserialize)]
struct DeleteFailure {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// SQS's JSON error: `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "…"}`.
#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(rename = "__type", default)]
    kind: String,
    message: Option<String>,
    /// Some servers (moto) send the message under both spellings.
    #[serde(rename = "Message")]
    message_capitalised: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_in_either_spelling() {
        let aws: ErrorAnswer =
            serde_json::from_str(r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"}"#).unwrap();
        assert_eq!((aws.kind.rsplit('#').next(), aws.message.as_deref()), (Some("QueueDoesNotExist"), Some("gone")));
        let both: ErrorAnswer =
            serde_json::from_str(r#"{"__type":"com.amazonaws.sqs#AccessDenied","message":"no","Message":"no"}"#)
                .unwrap();
        assert_eq!(both.message.as_deref(), Some("no"));
    }
}
