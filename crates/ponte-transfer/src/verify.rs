//! The checks a copy passes besides size: the MD5 a store's ETag stands
//! for, and the hashes a store reports for the object through
//! [`ponte_store::HashReporter`] (GCS's CRC32C and MD5; S3's CRC-32,
//! CRC32C and CRC-64/NVME checksums), on either side. An ETag that
//! disagrees with the bytes fails the copy unless the store says its ETags
//! are not MD5s for that object (S3's SSE-KMS and SSE-C): then the
//! object's checksums decide, and an object with none is not failed for a
//! mismatch that proves nothing. The report counts which checks each
//! copied object passed, so "verified by size alone" is a number an
//! operator can see, and see at 0.

use md5::Digest as _;
use object_store::path::Path;
use ponte_store::{Asked, HashReporter, ReportedHashes, same_tag};

use crate::copy::CopyFailure;
use crate::report::ErrorCode;

/// Which checks a copied object passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checks {
    /// Its MD5 matched the source's or the sink's report (an ETag, GCS's
    /// `x-goog-hash`, or the MD5s of an S3 multipart upload's parts).
    pub md5: bool,
    /// Its CRC32C matched a report (GCS, or an S3 checksum).
    pub crc32c: bool,
    /// Its CRC-32 matched an S3 checksum (what AWS SDKs send by default).
    pub crc32: bool,
    /// Its CRC-64/NVME matched an S3 checksum (what S3 computes for every
    /// object uploaded without one).
    pub crc64nvme: bool,
}

impl Checks {
    /// Whether any hash of the bytes was compared: not by size alone.
    pub fn any(self) -> bool {
        self.md5 || self.crc32c || self.crc32 || self.crc64nvme
    }

    pub(crate) fn or(self, other: Self) -> Self {
        Self {
            md5: self.md5 || other.md5,
            crc32c: self.crc32c || other.crc32c,
            crc32: self.crc32 || other.crc32,
            crc64nvme: self.crc64nvme || other.crc64nvme,
        }
    }
}

/// The hashes of the bytes that went through a copy, computed as they
/// streamed.
#[derive(Clone)]
pub(crate) struct Digests {
    md5: md5::Md5,
    crc32c: u32,
    crc32: crc32fast::Hasher,
    crc64nvme: crc64fast_nvme::Digest,
    /// Bytes hashed.
    pub(crate) bytes: u64,
}

impl Digests {
    pub(crate) fn new() -> Self {
        Self {
            md5: md5::Md5::new(),
            crc32c: 0,
            crc32: crc32fast::Hasher::new(),
            crc64nvme: crc64fast_nvme::Digest::new(),
            bytes: 0,
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.crc32c = crc32c::crc32c_append(self.crc32c, chunk);
        self.crc32.update(chunk);
        self.crc64nvme.write(chunk);
        self.bytes += chunk.len() as u64;
    }

    /// The MD5, in lower-case hex.
    pub(crate) fn md5_hex(&self) -> String {
        hex::encode(self.md5.clone().finalize())
    }

    pub(crate) fn crc32c(&self) -> u32 {
        self.crc32c
    }
}

/// What an object's ETag said of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EtagVerdict {
    /// It is an MD5 (or made of the parts' MD5s) and matched.
    Matched,
    /// It looked like an MD5 and did not match; the message to fail with
    /// unless the store says the ETag is not an MD5.
    Mismatched(String),
    /// It says nothing of the bytes (a multipart upload's, a folder's, none).
    Silent,
}

/// Which side a report came from, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    Source,
    Sink,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Sink => "sink",
        }
    }

    /// What became of the bytes when a check of this side failed.
    fn aftermath(self) -> &'static str {
        match self {
            Side::Source => "nothing was kept",
            Side::Sink => "the copy was removed",
        }
    }
}

/// Checks one side's view of the object at `path` (version `e_tag`)
/// against the `digests` of the bytes that went through: the ETag's
/// `verdict`, and the store's report when `reporter` should be asked (see
/// [`Asked`]). A report of another version (the object was rewritten since)
/// proves nothing either way and is passed over.
pub(crate) async fn check(
    reporter: Option<&dyn HashReporter>,
    side: Side,
    (path, e_tag): (&Path, Option<&str>),
    verdict: EtagVerdict,
    digests: &Digests,
    key: &str,
) -> Result<Checks, CopyFailure> {
    let by_etag = Checks { md5: verdict == EtagVerdict::Matched, ..Checks::default() };
    let reporter = match (reporter, &verdict) {
        (None, EtagVerdict::Mismatched(message)) => return Err(data_loss(key, message, side)),
        (None, _) => return Ok(by_etag),
        (Some(r), EtagVerdict::Matched) if r.asked() == Asked::WhenEtagCannotVerify => return Ok(by_etag),
        (Some(r), _) => r,
    };
    let reported = reporter.hashes(path).await.map_err(|e| CopyFailure {
        code: ErrorCode::of(&e),
        message: format!("{key}: asking the {} for the object's checksums: {e}", side.name()),
    })?;
    let Some(reported) = reported else {
        return Err(CopyFailure {
            code: ErrorCode::Unavailable,
            message: format!("{key}: the {} no longer has the object, so its checksums cannot be read", side.name()),
        });
    };
    if e_tag.is_some() && reported.e_tag.is_some() && !same_tag(e_tag, reported.e_tag.as_deref()) {
        if let EtagVerdict::Mismatched(message) = verdict {
            // Whether that version's ETag was an MD5 cannot be asked any more.
            return Err(CopyFailure {
                code: ErrorCode::FailedPrecondition,
                message: format!("{key}: {message}, and the object was rewritten since; the next run copies it again"),
            });
        }
        tracing::info!(key, side = side.name(), "rewritten since the copy; its checksums are not compared");
        return Ok(by_etag);
    }
    if let EtagVerdict::Mismatched(message) = &verdict {
        if reported.etag_is_md5 {
            return Err(data_loss(key, message, side));
        }
        tracing::debug!(key, side = side.name(), "the ETag is not an MD5 (KMS or customer-key encryption)");
    }
    compare(&reported, digests, side, key).map(|c| c.or(by_etag))
}

/// Compares each hash `reported` holds with the one computed: a match is a
/// check passed, a mismatch a failure, named by the first hash that
/// disagrees (CRC32C first: GCS's own check, and Storage Transfer
/// Service's).
fn compare(reported: &ReportedHashes, digests: &Digests, side: Side, key: &str) -> Result<Checks, CopyFailure> {
    let mut checks = Checks::default();
    let mismatch = |name: &str, theirs: String, ours: String| {
        Err(data_loss(key, &format!("the {} reports {name} {theirs}, but the bytes hash to {ours}", side.name()), side))
    };
    if let Some(theirs) = reported.crc32c {
        if theirs != digests.crc32c {
            return mismatch("CRC32C", format!("{theirs:08x}"), format!("{:08x}", digests.crc32c));
        }
        checks.crc32c = true;
    }
    if let Some(theirs) = reported.md5 {
        let (theirs, ours) = (hex::encode(theirs), digests.md5_hex());
        if theirs != ours {
            return mismatch("MD5", theirs, ours);
        }
        checks.md5 = true;
    }
    if let Some(theirs) = reported.crc32 {
        let ours = digests.crc32.clone().finalize();
        if theirs != ours {
            return mismatch("CRC-32", format!("{theirs:08x}"), format!("{ours:08x}"));
        }
        checks.crc32 = true;
    }
    if let Some(theirs) = reported.crc64nvme {
        let ours = digests.crc64nvme.sum64();
        if theirs != ours {
            return mismatch("CRC-64/NVME", format!("{theirs:016x}"), format!("{ours:016x}"));
        }
        checks.crc64nvme = true;
    }
    Ok(checks)
}

fn data_loss(key: &str, message: &str, side: Side) -> CopyFailure {
    CopyFailure { code: ErrorCode::DataLoss, message: format!("{key}: {message}; {}", side.aftermath()) }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;

    /// A store that reports what it is told to, and counts the questions.
    #[derive(Debug)]
    struct Reports {
        asked: Asked,
        report: Option<ReportedHashes>,
        questions: Mutex<u32>,
    }

    #[async_trait]
    impl HashReporter for Reports {
        fn asked(&self) -> Asked {
            self.asked
        }

        async fn hashes(&self, _: &Path) -> Result<Option<ReportedHashes>, object_store::Error> {
            *self.questions.lock().unwrap() += 1;
            Ok(self.report.clone())
        }
    }

    fn s3(report: ReportedHashes) -> Reports {
        Reports { asked: Asked::WhenEtagCannotVerify, report: Some(report), questions: Mutex::new(0) }
    }

    fn digests(bytes: &[u8]) -> Digests {
        let mut d = Digests::new();
        d.update(bytes);
        d
    }

    async fn run(r: &Reports, verdict: EtagVerdict) -> Result<Checks, CopyFailure> {
        let path = Path::from("k");
        check(Some(r), Side::Source, (&path, Some("\"v1\"")), verdict, &digests(b"hello world"), "k").await
    }

    const MISMATCH: fn() -> EtagVerdict = || EtagVerdict::Mismatched("the ETag says 00".into());

    #[tokio::test]
    async fn a_matching_md5_etag_costs_s3_no_request() {
        let r = s3(ReportedHashes::default());
        assert_eq!(run(&r, EtagVerdict::Matched).await.unwrap(), Checks { md5: true, ..Checks::default() });
        assert_eq!(*r.questions.lock().unwrap(), 0);
    }

    #[tokio::test]
    async fn a_kms_etag_that_is_no_md5_is_passed_over_and_the_checksums_decide() {
        let kms = ReportedHashes {
            e_tag: Some("v1".into()),
            crc32: Some(crc32fast::hash(b"hello world")),
            ..ReportedHashes::default()
        };
        let checks = run(&s3(kms.clone()), MISMATCH()).await.unwrap();
        assert_eq!(checks, Checks { crc32: true, ..Checks::default() });
        // A checksum that disagrees is a failure, named.
        let wrong = ReportedHashes { crc32: Some(1), ..kms.clone() };
        let failure = run(&s3(wrong), MISMATCH()).await.unwrap_err();
        assert_eq!(failure.code, ErrorCode::DataLoss);
        assert!(
            failure.message.contains("CRC-32 00000001") && failure.message.contains("nothing was kept"),
            "{failure:?}"
        );
        // No checksum at all: nothing proves it wrong, nothing verified it.
        let bare = ReportedHashes { crc32: None, ..kms };
        assert!(!run(&s3(bare), MISMATCH()).await.unwrap().any());
    }

    #[tokio::test]
    async fn an_md5_etag_that_disagrees_on_a_plain_object_is_data_loss() {
        let plain = ReportedHashes { e_tag: Some("v1".into()), etag_is_md5: true, ..ReportedHashes::default() };
        let failure = run(&s3(plain), MISMATCH()).await.unwrap_err();
        assert_eq!(failure.code, ErrorCode::DataLoss);
        assert_eq!(failure.message, "k: the ETag says 00; nothing was kept");
        // Without a reporter the ETag is the last word too.
        let path = Path::from("k");
        let failure = check(None, Side::Sink, (&path, None), MISMATCH(), &digests(b"x"), "k").await.unwrap_err();
        assert_eq!(failure.message, "k: the ETag says 00; the copy was removed");
    }

    #[tokio::test]
    async fn a_report_of_a_newer_version_proves_nothing() {
        let newer = ReportedHashes { e_tag: Some("v2".into()), crc32: Some(1), ..ReportedHashes::default() };
        assert!(!run(&s3(newer.clone()), EtagVerdict::Silent).await.unwrap().any());
        // But a mismatch it cannot explain is retried, not passed.
        let failure = run(&s3(newer), MISMATCH()).await.unwrap_err();
        assert_eq!(failure.code, ErrorCode::FailedPrecondition);
    }

    #[tokio::test]
    async fn every_full_object_checksum_is_compared() {
        let all = ReportedHashes {
            e_tag: Some("\"v1\"".into()),
            crc32c: Some(crc32c::crc32c(b"hello world")),
            crc32: Some(crc32fast::hash(b"hello world")),
            crc64nvme: Some({
                let mut d = crc64fast_nvme::Digest::new();
                d.write(b"hello world");
                d.sum64()
            }),
            md5: Some(md5::Md5::digest(b"hello world").into()),
            etag_is_md5: false,
        };
        let checks = run(&s3(all), EtagVerdict::Silent).await.unwrap();
        assert_eq!(checks, Checks { md5: true, crc32c: true, crc32: true, crc64nvme: true });
    }
}
