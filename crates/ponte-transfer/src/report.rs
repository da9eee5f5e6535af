//! What a run did, in Storage Transfer Service's own terms: the counters of
//! `TransferCounters` and an `ErrorSummary` per error code with up to five
//! sample `ErrorLogEntry`s, so dashboards built on STS reports read ponte's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::PlanItem;

/// STS's counters (`TransferCounters`), plus two of ponte's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Objects in scope at the source.
    pub objects_found_from_source: u64,
    /// Their bytes.
    pub bytes_found_from_source: u64,
    /// Objects in scope only at the sink.
    pub objects_found_only_from_sink: u64,
    /// Their bytes.
    pub bytes_found_only_from_sink: u64,
    /// Source objects not copied because the sink is current (or too new, or never overwrite).
    pub objects_from_source_skipped_by_sync: u64,
    /// Their bytes.
    pub bytes_from_source_skipped_by_sync: u64,
    /// Objects copied.
    pub objects_copied_to_sink: u64,
    /// Their bytes.
    pub bytes_copied_to_sink: u64,
    /// Sink objects deleted.
    pub objects_deleted_from_sink: u64,
    /// Their bytes.
    pub bytes_deleted_from_sink: u64,
    /// Source objects whose copy failed.
    pub objects_from_source_failed: u64,
    /// Their bytes.
    pub bytes_from_source_failed: u64,
    /// Sink objects whose delete failed.
    pub objects_failed_to_delete_from_sink: u64,
    /// Their bytes.
    pub bytes_failed_to_delete_from_sink: u64,
    /// ponte: source objects that disappeared between listing and copy (skipped, not failed).
    pub objects_vanished_from_source: u64,
    /// ponte: objects copied because no MD5 or earlier fingerprint could show the sink was current.
    pub objects_copied_without_comparable_hash: u64,
    /// ponte: skipped objects (counted in `objects_from_source_skipped_by_sync`)
    /// whose source lists no ETag, found unchanged because their size and
    /// modification time are those listed when they were last copied. A
    /// rewrite that keeps both cannot be told from no change, as for
    /// rclone's size and modtime check.
    pub objects_skipped_by_size_and_mtime: u64,
    /// ponte: copies whose MD5 matched the source's or the sink's report
    /// (an ETag, GCS's `x-goog-hash`, an S3 multipart upload's parts).
    pub objects_verified_by_md5: u64,
    /// ponte: copies whose CRC32C matched a report (GCS, an S3 checksum).
    pub objects_verified_by_crc32c: u64,
    /// ponte: copies whose CRC-32 matched an S3 checksum.
    pub objects_verified_by_crc32: u64,
    /// ponte: copies whose CRC-64/NVME matched an S3 checksum.
    pub objects_verified_by_crc64nvme: u64,
    /// ponte: copies checked by their size only: neither store reported a
    /// hash of the bytes (between local folders; an S3 object encrypted
    /// with KMS that has no checksum, copied to a folder).
    pub objects_verified_by_size_only: u64,
}

/// STS's error codes (google.rpc.Code names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Unclassified.
    Unknown,
    /// Bad request.
    InvalidArgument,
    /// Object not found.
    NotFound,
    /// Object already exists.
    AlreadyExists,
    /// Permission denied.
    PermissionDenied,
    /// No or bad credentials.
    Unauthenticated,
    /// A precondition failed (the object changed).
    FailedPrecondition,
    /// Not supported by the store.
    Unimplemented,
    /// The service was unavailable.
    Unavailable,
    /// The bytes did not match their hash.
    DataLoss,
}

impl ErrorCode {
    /// The code an object_store error maps to.
    pub fn of(e: &object_store::Error) -> Self {
        use object_store::Error as E;
        match e {
            E::NotFound { .. } => Self::NotFound,
            E::AlreadyExists { .. } => Self::AlreadyExists,
            E::Precondition { .. } | E::NotModified { .. } => Self::FailedPrecondition,
            E::PermissionDenied { .. } => Self::PermissionDenied,
            E::Unauthenticated { .. } => Self::Unauthenticated,
            E::NotSupported { .. } | E::NotImplemented { .. } => Self::Unimplemented,
            E::InvalidPath { .. } => Self::InvalidArgument,
            _ => Self::Unknown,
        }
    }
}

/// One error code's count and samples (STS's `ErrorSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorSummary {
    /// The code.
    pub error_code: ErrorCode,
    /// How many objects hit it.
    pub error_count: u64,
    /// Up to five samples.
    pub error_log_entries: Vec<ErrorLogEntry>,
}

/// One sample error (STS's `ErrorLogEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorLogEntry {
    /// The object, as a URL.
    pub url: String,
    /// What happened.
    pub error_details: Vec<String>,
}

/// Samples kept per error code.
const SAMPLES: usize = 5;

/// Collects errors by code.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    by_code: BTreeMap<ErrorCode, ErrorSummary>,
}

impl Errors {
    pub fn add(&mut self, code: ErrorCode, url: String, detail: String) {
        let s = self.by_code.entry(code).or_insert(ErrorSummary {
            error_code: code,
            error_count: 0,
            error_log_entries: Vec::new(),
        });
        s.error_count += 1;
        if s.error_log_entries.len() < SAMPLES {
            s.error_log_entries.push(ErrorLogEntry { url, error_details: vec![detail] });
        }
    }

    pub fn into_summaries(self) -> Vec<ErrorSummary> {
        self.by_code.into_values().collect()
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything was copied and deleted as planned.
    Succeeded,
    /// Some objects failed; deletes were not carried out.
    Failed,
    /// `--dry-run`: nothing was changed.
    DryRun,
}

/// A run's report: a plain value, printed as a table or JSON and stored in
/// the run history.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// The job.
    pub job: String,
    /// How it ended.
    pub outcome: Outcome,
    /// When it started (RFC 3339).
    pub start_time: String,
    /// Seconds it took.
    pub duration_seconds: f64,
    /// STS's counters.
    pub counters: Counters,
    /// Errors by code (STS's `errorBreakdowns`).
    pub error_breakdowns: Vec<ErrorSummary>,
    /// Why planned deletes were not carried out, when they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_skipped: Option<String>,
    /// The plan's items, for `--dry-run` (copies, updates and deletes; skips are counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlanItem>>,
}

impl TransferReport {
    /// Whether everything asked for was done (a dry run counts as done).
    pub fn succeeded(&self) -> bool {
        self.outcome != Outcome::Failed
    }
}
