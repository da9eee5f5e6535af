//! What a store says the bytes of an object hash to, asked separately from
//! the object_store client, which keeps it to itself. A copy compares the
//! hashes it computed while streaming with these reports, so bytes changed
//! on the way never pass as a copy:
//!
//! - GCS reports every object's CRC32C (and the MD5 of a non-composite one)
//!   in the `x-goog-hash` header of a HEAD: the check Storage Transfer
//!   Service makes, asked after every copy.
//! - S3 reports an object's additional checksums (CRC-32, CRC32C,
//!   CRC-64/NVME) to a HEAD that asks for them, and whether the object is
//!   encrypted with KMS or a customer key, whose ETags are not MD5s. Asked
//!   only when the ETag cannot verify a copy (a multipart upload's ETag,
//!   or one that disagrees with the bytes), so a plain object costs no
//!   request more.

mod gcs;
mod s3;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::path::Path;
use ponte_config::{Store, StoreUrl};

use crate::StoreError;

/// The hashes a store reports for an object's bytes. Only hashes of the
/// whole object are kept: a composite checksum (a hash of the parts'
/// hashes, S3's `COMPOSITE` type) cannot be compared with a stream's hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportedHashes {
    /// CRC32C (Castagnoli), when reported.
    pub crc32c: Option<u32>,
    /// CRC-32 (the zlib one), when reported (S3).
    pub crc32: Option<u32>,
    /// CRC-64/NVME, when reported (S3: every object uploaded since late
    /// 2024 without a checksum of its own).
    pub crc64nvme: Option<u64>,
    /// MD5, when reported (GCS: not for composite or XML-multipart objects).
    pub md5: Option<[u8; 16]>,
    /// The version the report is for (the object's ETag), to tell a report
    /// of the bytes just copied from one of a newer write.
    pub e_tag: Option<String>,
    /// Whether an ETag of this object that looks like an MD5 is one. Not
    /// for S3 objects encrypted with SSE-KMS, DSSE-KMS or SSE-C: their
    /// ETags are 32 hex digits that are not a digest of the data.
    pub etag_is_md5: bool,
}

impl ReportedHashes {
    /// Whether the report holds any hash of the whole object.
    pub fn any(&self) -> bool {
        self.crc32c.is_some() || self.crc32.is_some() || self.crc64nvme.is_some() || self.md5.is_some()
    }
}

/// When a copy asks a store for its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// After every copy (GCS: its CRC32C is the only check of a multipart
    /// upload, and the one Storage Transfer Service makes).
    Always,
    /// Only when the object's ETag cannot verify the copy (S3: a request
    /// per object would double the requests of a sync of small files).
    WhenEtagCannotVerify,
}

/// Asks a store what an object's bytes hash to.
#[async_trait]
pub trait HashReporter: Send + Sync + fmt::Debug {
    /// When a copy should ask.
    fn asked(&self) -> Asked;

    /// The hashes of the object at `key` (relative to the store's URL, as
    /// object_store paths are); `None` when the object does not exist.
    async fn hashes(&self, key: &Path) -> Result<Option<ReportedHashes>, object_store::Error>;
}

/// The reporter for `store`, when its backend reports hashes (`gs://`,
/// `s3://`).
pub fn hash_reporter(store: &Store) -> Result<Option<Arc<dyn HashReporter>>, StoreError> {
    match &store.url {
        StoreUrl::Gcs { bucket, prefix } => Ok(Some(Arc::new(gcs::GcsHashes::new(store, bucket, prefix)?))),
        StoreUrl::S3 { bucket, prefix } => Ok(Some(Arc::new(s3::S3Hashes::new(store, bucket, prefix)?))),
        StoreUrl::File { .. } | StoreUrl::Memory { .. } => Ok(None),
    }
}

/// The HTTP client a reporter sends its HEADs with: HTTPS only unless the
/// store allows HTTP (a local test server), and a bound on each request.
fn http_client(store: &Store, backend: &'static str) -> Result<reqwest::Client, StoreError> {
    reqwest::Client::builder()
        .https_only(!store.options.allow_http)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| StoreError::Build {
            store: store.name.clone(),
            url: store.url.to_string(),
            source: object_store::Error::Generic { store: backend, source: Box::new(e) },
        })
}

/// A reporter's request error as object_store's, so callers classify both alike.
fn request_error(backend: &'static str, e: reqwest::Error) -> object_store::Error {
    object_store::Error::Generic { store: backend, source: Box::new(e) }
}

/// The whole of a base64 digest of `N` bytes, or nothing: a value that is
/// not one (a composite checksum's `…-3`, garbage) is no report, not a
/// wrong one.
fn base64_digest<const N: usize>(b64: &str) -> Option<[u8; N]> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok().and_then(|b| <[u8; N]>::try_from(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cloud_stores_report_hashes() {
        let store = |url: &str| Store {
            name: "t".into(),
            url: StoreUrl::parse(url, std::path::Path::new("/")).unwrap(),
            options: ponte_config::StoreOptions::default(),
        };
        assert!(hash_reporter(&store("file:///tmp/x")).unwrap().is_none());
        assert!(hash_reporter(&store("memory://m")).unwrap().is_none());
        let s3 = hash_reporter(&store("s3://bucket/p")).unwrap().expect("S3 reports checksums");
        assert_eq!(s3.asked(), Asked::WhenEtagCannotVerify);
    }

    #[test]
    fn digests_are_whole_or_nothing() {
        assert_eq!(base64_digest::<4>("yZRlqg=="), Some(0xc994_65aau32.to_be_bytes()));
        assert_eq!(base64_digest::<4>("yZRlqg==-3"), None);
        assert_eq!(base64_digest::<8>("yZRlqg=="), None);
        assert_eq!(base64_digest::<4>("???"), None);
    }
}
