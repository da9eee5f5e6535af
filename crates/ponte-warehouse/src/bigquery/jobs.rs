//! Load jobs: their ids, their configuration, and waiting for them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::BigQueryWarehouse;
use super::client::is_not_found;
use super::schema::fields_json;
use crate::{Commit, TableWrite, WarehouseError, WriteMode};

/// The longest pause between two polls of a running job.
const MAX_POLL_WAIT: Duration = Duration::from_secs(5);
/// Error reasons after which the same job, run again, may succeed.
const RETRYABLE_JOB_REASONS: &[&str] = &["backendError", "rateLimitExceeded", "internalError", "jobBackendError"];

/// A job id for a write: derived from the idempotency key when there is one
/// (so a retried trigger finds its job), unique otherwise. Job ids allow
/// letters, digits, `_` and `-`, up to 1024 characters.
pub(crate) fn job_id(write: &TableWrite<'_>) -> String {
    let key = match write.idempotency_key {
        Some(key) => key.to_owned(),
        None => {
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            format!(
                "{}_{}_{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%6fZ"),
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            )
        }
    };
    let id = format!("ponte_load_{}_{key}", write.table);
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(1024).collect()
}

/// Where a load job's data comes from.
pub(crate) enum JobSource<'a> {
    /// Objects BigQuery reads itself (`gs://…`).
    Uris(&'a [String]),
    /// A parquet file uploaded with the job.
    Upload,
}

impl BigQueryWarehouse {
    /// The jobs.insert body of a parquet load job.
    pub(crate) fn load_job(&self, write: &TableWrite<'_>, job_id: &str, source: JobSource<'_>) -> Value {
        let mut load = json!({
            "destinationTable": {
                "projectId": self.project,
                "datasetId": self.dataset,
                "tableId": write.table,
            },
            "sourceFormat": "PARQUET",
            "writeDisposition": match write.mode {
                WriteMode::Truncate => "WRITE_TRUNCATE",
                WriteMode::Append => "WRITE_APPEND",
            },
            "createDisposition": "CREATE_IF_NEEDED",
            "schema": { "fields": fields_json(&write.schema.fields) },
            "parquetOptions": { "enableListInference": true },
        });
        if !write.cluster_by.is_empty() {
            load["clustering"] = json!({ "fields": write.cluster_by });
        }
        if let JobSource::Uris(uris) = source {
            load["sourceUris"] = json!(uris);
        }
        json!({
            "jobReference": self.job_reference(job_id),
            "configuration": { "load": load, "labels": { "ponte": "load" } },
        })
    }

    pub(crate) fn job_reference(&self, job_id: &str) -> Value {
        let mut reference = json!({ "projectId": self.project, "jobId": job_id });
        if let Some(location) = &self.location {
            reference["location"] = json!(location);
        }
        reference
    }

    fn location_query(&self) -> Vec<(&'static str, String)> {
        self.location.iter().map(|l| ("location", l.clone())).collect()
    }

    /// The job, if it exists.
    pub(crate) async fn get_job(&self, job_id: &str) -> Result<Option<Value>, WarehouseError> {
        let url = self.client.api_url(&format!("projects/{}/jobs/{job_id}", self.project));
        match self.client.json("jobs.get", Method::GET, &url, &self.location_query(), None).await {
            Ok(job) => Ok(Some(job)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Inserts a job that reads its data itself; a job already there under
    /// that id (a retried trigger) is taken as it is.
    pub(crate) async fn insert_job(&self, body: &Value) -> Result<Value, WarehouseError> {
        let url = self.client.api_url(&format!("projects/{}/jobs", self.project));
        match self.client.json("jobs.insert", Method::POST, &url, &[], Some(body)).await {
            Err(WarehouseError::Api { status: 409, .. }) => {
                let id = body["jobReference"]["jobId"].as_str().unwrap_or_default();
                tracing::info!(job = id, "job already exists (a retried run); waiting for it");
                self.get_job(id).await?.ok_or_else(|| WarehouseError::Job {
                    job_id: id.to_owned(),
                    message: "BigQuery said the job exists, then that it does not".into(),
                })
            }
            other => other,
        }
    }

    /// Polls a job until it is DONE; its errors become a [`WarehouseError::Job`].
    pub(crate) async fn wait_for(&self, mut job: Value) -> Result<Value, WarehouseError> {
        let job_id = job["jobReference"]["jobId"].as_str().unwrap_or_default().to_owned();
        let mut wait = Duration::from_millis(200);
        while job["status"]["state"].as_str() != Some("DONE") {
            tokio::time::sleep(wait).await;
            wait = (wait * 3 / 2).min(MAX_POLL_WAIT);
            job = self.get_job(&job_id).await?.ok_or_else(|| WarehouseError::Job {
                job_id: job_id.clone(),
                message: "the job disappeared while running".into(),
            })?;
            tracing::debug!(job = %job_id, state = job["status"]["state"].as_str().unwrap_or("?"), "polled job");
        }
        match job["status"].get("errorResult") {
            None | Some(Value::Null) => Ok(job),
            Some(_) => Err(WarehouseError::Job { job_id, message: job_errors(&job) }),
        }
    }

    /// Runs a load job that reads its data itself: finds it if a previous
    /// try of this run created it, inserts it otherwise, waits for it, and
    /// runs it again under a new id when it fails for a passing reason.
    pub(crate) async fn run_load_job(&self, write: &TableWrite<'_>, uris: &[String]) -> Result<Commit, WarehouseError> {
        let base_id = job_id(write);
        let mut try_number = 1;
        loop {
            let id = if try_number == 1 { base_id.clone() } else { format!("{base_id}_retry{try_number}") };
            let job = match self.get_job(&id).await? {
                Some(job) => job,
                None => self.insert_job(&self.load_job(write, &id, JobSource::Uris(uris))).await?,
            };
            match self.wait_for(job).await {
                Ok(job) => return Ok(commit_of(write.table, &id, &job)),
                Err(WarehouseError::Job { message, .. })
                    if try_number < self.client.retry.attempts && retryable_job_failure(&message) =>
                {
                    let wait = self.client.retry.backoff.after(try_number);
                    tracing::warn!(job = %id, error = %message, "load job failed for a passing reason; running it again");
                    tokio::time::sleep(wait).await;
                    try_number += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn retryable_job_failure(message: &str) -> bool {
    RETRYABLE_JOB_REASONS.iter().any(|r| message.starts_with(&format!("{r}:")))
}

/// A finished job's errors, the main one first, at most 5 more, one per line.
pub(crate) fn job_errors(job: &Value) -> String {
    let line = |e: &Value| {
        let reason = e["reason"].as_str().unwrap_or("error");
        let message = e["message"].as_str().unwrap_or("(no message)");
        match e["location"].as_str() {
            Some(location) if !location.is_empty() => format!("{reason}: {message} (at {location})"),
            _ => format!("{reason}: {message}"),
        }
    };
    let main = line(&job["status"]["errorResult"]);
    let mut lines = vec![main.clone()];
    if let Some(errors) = job["status"]["errors"].as_array() {
        let others: Vec<String> = errors.iter().map(line).filter(|l| *l != main).collect();
        lines.extend(others.iter().take(5).cloned());
        if others.len() > 5 {
            lines.push(format!("… and {} more", others.len() - 5));
        }
    }
    lines.join("\n  ")
}

/// What a finished load job wrote.
pub(crate) fn commit_of(table: &str, job_id: &str, job: &Value) -> Commit {
    let stat = |key: &str| {
        let v = &job["statistics"]["load"][key];
        v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()).unwrap_or(0)
    };
    Commit {
        table: table.to_owned(),
        snapshot: job_id.to_owned(),
        rows: stat("outputRows"),
        bytes: stat("outputBytes"),
    }
}
