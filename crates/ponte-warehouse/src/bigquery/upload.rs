//! Resumable uploads: a load job's parquet file sent in chunks while it is
//! being written, so memory holds one chunk whatever the table's size.
//!
//! The protocol (Google's resumable media upload): a POST with the job as
//! metadata opens a session whose URL comes back in `Location`; each chunk
//! is a PUT with `Content-Range: bytes a-b/*` (a multiple of 256 KiB, the
//! answer is 308 until the last), the last says the total, and its answer
//! is the job. After a failed PUT the session is asked how much it holds
//! (`Content-Range: bytes */*`) and the upload resumes from there. A session
//! that is never finished creates no job, so an abandoned write changes no
//! table.

use std::sync::Arc;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use parquet::arrow::async_writer::AsyncFileWriter;
use parquet::errors::ParquetError;
use reqwest::StatusCode;
use serde_json::Value;

use super::client::{ApiError, Client, read_json};
use crate::WarehouseError;

/// Bytes per PUT: a multiple of 256 KiB, as the protocol requires.
pub(crate) const CHUNK: usize = 8 * 1024 * 1024;
const OPERATION: &str = "resumable upload";

/// An open upload session.
pub(crate) struct ResumableUpload {
    client: Arc<Client>,
    session: String,
    /// Bytes written but not yet sent.
    pending: Vec<u8>,
    /// Bytes the server holds.
    sent: u64,
    /// The job, once the last chunk is in.
    job: Option<Value>,
}

/// Whether a status means "more please" (308 Resume Incomplete).
fn incomplete(status: StatusCode) -> bool {
    status.as_u16() == 308
}

impl ResumableUpload {
    /// Opens a session for `job` (a jobs.insert body).
    pub async fn start(client: Arc<Client>, project: &str, job: &Value) -> Result<Self, WarehouseError> {
        let url = client.upload_url(&format!("projects/{project}/jobs"));
        let response = client
            .send(
                "jobs.insert (upload)",
                |http| {
                    http.post(&url)
                        .query(&[("uploadType", "resumable")])
                        .header("X-Upload-Content-Type", "application/octet-stream")
                        .json(job)
                },
                |s| s.is_success(),
            )
            .await?;
        let session = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| WarehouseError::Http {
                operation: "jobs.insert (upload)".into(),
                message: "the answer names no upload session (no Location header)".into(),
            })?
            .to_owned();
        Ok(Self { client, session, pending: Vec::with_capacity(CHUNK), sent: 0, job: None })
    }

    /// The job the finished upload created.
    pub fn into_job(self) -> Option<Value> {
        self.job
    }

    /// Cancels the session; best effort (an unfinished session expires anyway).
    pub async fn cancel(self) {
        let result = self.client.send_once(|http| http.delete(&self.session)).await;
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not cancel the upload session");
        }
    }

    /// Sends `pending[..len]`; `last` says it ends the file.
    async fn send(&mut self, len: usize, last: bool) -> Result<(), WarehouseError> {
        let end = self.sent + len as u64;
        let mut attempt = 1;
        loop {
            // After a failure, this resumes from what the server holds.
            let start = self.sent;
            let remaining = (end - start) as usize;
            let range = match (remaining, last) {
                (0, true) => format!("bytes */{end}"),
                (_, true) => format!("bytes {start}-{}/{end}", end - 1),
                (_, false) => format!("bytes {start}-{}/*", end - 1),
            };
            let body = Bytes::copy_from_slice(&self.pending[..remaining]);
            let result = self
                .client
                .send_once(|http| {
                    http.put(&self.session).header(reqwest::header::CONTENT_RANGE, &range).body(body.clone())
                })
                .await;
            let failure = match result {
                Ok(r) if incomplete(r.status()) => {
                    self.accept(held_bytes(&r).unwrap_or(0), end)?;
                    if self.sent == end && !last {
                        return Ok(());
                    }
                    // The server kept less than was sent: send the rest.
                    continue;
                }
                Ok(r) if r.status().is_success() && last => {
                    self.job = Some(read_json(OPERATION, r).await?);
                    self.sent = end;
                    self.pending.clear();
                    return Ok(());
                }
                Ok(r) => {
                    let status = r.status();
                    let body = r.text().await.unwrap_or_default();
                    let error = ApiError::parse(status, &body);
                    if !error.retryable() {
                        return Err(error.into_error(OPERATION));
                    }
                    format!("HTTP {status}")
                }
                Err(e) => e.to_string(),
            };
            if attempt >= self.client.retry.attempts {
                return Err(WarehouseError::Http { operation: OPERATION.into(), message: failure });
            }
            let wait = self.client.retry.backoff.after(attempt);
            tracing::warn!(attempt, error = %failure, "upload chunk failed; asking the session what it holds");
            tokio::time::sleep(wait).await;
            attempt += 1;
            let status = self
                .client
                .send_once(|http| http.put(&self.session).header(reqwest::header::CONTENT_RANGE, "bytes */*"))
                .await;
            if let Ok(r) = status
                && incomplete(r.status())
            {
                self.accept(held_bytes(&r).unwrap_or(0), end)?;
            }
        }
    }

    /// Records that the server holds `held` bytes in all (at most `end`),
    /// dropping them from `pending`, which starts at `self.sent`.
    fn accept(&mut self, held: u64, end: u64) -> Result<(), WarehouseError> {
        if held < self.sent || held > end {
            return Err(WarehouseError::Http {
                operation: OPERATION.into(),
                message: format!("the session holds {held} bytes, but {} were confirmed before", self.sent),
            });
        }
        self.pending.drain(..(held - self.sent) as usize);
        self.sent = held;
        Ok(())
    }
}

/// `Range: bytes=0-N` → N + 1; no header → nothing held.
fn held_bytes(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(reqwest::header::RANGE)?.to_str().ok()?;
    let last: u64 = value.strip_prefix("bytes=")?.split('-').nth(1)?.parse().ok()?;
    Some(last + 1)
}

fn to_parquet(e: WarehouseError) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileWriter for ResumableUpload {
    fn write(&mut self, bs: Bytes) -> BoxFuture<'_, parquet::errors::Result<()>> {
        async move {
            self.pending.extend_from_slice(&bs);
            while self.pending.len() >= CHUNK {
                self.send(CHUNK, false).await.map_err(to_parquet)?;
            }
            Ok(())
        }
        .boxed()
    }

    fn complete(&mut self) -> BoxFuture<'_, parquet::errors::Result<()>> {
        async move { self.send(self.pending.len(), true).await.map_err(to_parquet) }.boxed()
    }
}
