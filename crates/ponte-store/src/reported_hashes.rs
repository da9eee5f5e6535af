//! What a store says the bytes of an object hash to, asked separately from
//! the object_store client, which keeps it to itself: GCS reports every
//! object's CRC32C (and the MD5 of a non-composite one) in the `x-goog-hash`
//! header of a HEAD. A copy compares the CRC32C it computed while streaming
//! with that report, the check Storage Transfer Service makes, so bytes
//! changed on the way to GCS or from it never pass as a copy.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use object_store::gcp::GcpCredentialProvider;
use object_store::path::Path;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use ponte_config::{Store, StoreUrl};

use crate::StoreError;

/// The hashes a store reports for an object's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportedHashes {
    /// CRC32C (Castagnoli), when reported.
    pub crc32c: Option<u32>,
    /// MD5, when reported (GCS: not for composite or XML-multipart objects).
    pub md5: Option<[u8; 16]>,
    /// The version the report is for (the object's ETag), to tell a report
    /// of the bytes just copied from one of a newer write.
    pub e_tag: Option<String>,
}

/// Asks a store what an object's bytes hash to.
#[async_trait]
pub trait HashReporter: Send + Sync + fmt::Debug {
    /// The hashes of the object at `key` (relative to the store's URL, as
    /// object_store paths are); `None` when the object does not exist.
    async fn hashes(&self, key: &Path) -> Result<Option<ReportedHashes>, object_store::Error>;
}

/// The reporter for `store`, when its backend reports hashes (`gs://`).
pub fn hash_reporter(store: &Store) -> Result<Option<Arc<dyn HashReporter>>, StoreError> {
    let StoreUrl::Gcs { bucket, prefix } = &store.url else { return Ok(None) };
    let build = |source| StoreError::Build { store: store.name.clone(), url: store.url.to_string(), source };
    let gcs = crate::open::gcs(store, bucket)?.build().map_err(build)?;
    let client = reqwest::Client::builder()
        .https_only(!store.options.allow_http)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| build(object_store::Error::Generic { store: "GCS", source: Box::new(e) }))?;
    let base = store.options.endpoint.as_deref().unwrap_or("https://storage.googleapis.com").trim_end_matches('/');
    Ok(Some(Arc::new(GcsHashes {
        client,
        base: base.to_owned(),
        bucket: bucket.clone(),
        prefix: prefix.clone(),
        credentials: gcs.credentials().clone(),
    })))
}

/// GCS's reports, read with a HEAD of the XML API (the API object_store
/// uses, at the same base URL and with the same credentials).
struct GcsHashes {
    client: reqwest::Client,
    base: String,
    bucket: String,
    prefix: String,
    credentials: GcpCredentialProvider,
}

impl fmt::Debug for GcsHashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GcsHashes({}/{})", self.base, self.bucket)
    }
}

#[async_trait]
impl HashReporter for GcsHashes {
    async fn hashes(&self, key: &Path) -> Result<Option<ReportedHashes>, object_store::Error> {
        let name = if self.prefix.is_empty() { key.to_string() } else { format!("{}/{key}", self.prefix) };
        let url = format!(
            "{}/{}/{}",
            self.base,
            utf8_percent_encode(&self.bucket, NON_ALPHANUMERIC),
            utf8_percent_encode(&name, NON_ALPHANUMERIC)
        );
        let credential = self.credentials.get_credential().await?;
        let generic =
            |e: Box<dyn std::error::Error + Send + Sync>| object_store::Error::Generic { store: "GCS", source: e };
        let response =
            self.client.head(&url).bearer_auth(&credential.bearer).send().await.map_err(|e| generic(Box::new(e)))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = response.error_for_status().map_err(|e| generic(Box::new(e)))?;
        let headers = response.headers();
        let mut reported = ReportedHashes {
            e_tag: headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned),
            ..ReportedHashes::default()
        };
        for value in headers.get_all("x-goog-hash") {
            let Ok(value) = value.to_str() else { continue };
            parse_goog_hash(value, &mut reported);
        }
        Ok(Some(reported))
    }
}

/// Reads `crc32c=<base64>,md5=<base64>` (either may be absent; GCS may
/// also send one header per hash) into `into`.
fn parse_goog_hash(value: &str, into: &mut ReportedHashes) {
    let decode = |b64: &str| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok();
    for part in value.split(',') {
        match part.trim().split_once('=') {
            Some(("crc32c", b64)) => {
                if let Some(bytes) = decode(b64).and_then(|b| <[u8; 4]>::try_from(b).ok()) {
                    into.crc32c = Some(u32::from_be_bytes(bytes));
                }
            }
            Some(("md5", b64)) => {
                if let Some(bytes) = decode(b64).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
                    into.md5 = Some(bytes);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goog_hash_headers_give_crc32c_and_md5() {
        let mut r = ReportedHashes::default();
        // "hello world": CRC32C 0xc99465aa, MD5 5eb63bbb…
        parse_goog_hash("crc32c=yZRlqg==,md5=XrY7u+Ae7tCTyyK7j1rNww==", &mut r);
        assert_eq!(r.crc32c, Some(0xc994_65aa));
        assert_eq!(r.crc32c, Some(crc32c::crc32c(b"hello world")));
        assert_eq!(hex(r.md5.unwrap()), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        // One header per hash, and a composite object's CRC32C alone.
        let mut r = ReportedHashes::default();
        parse_goog_hash("crc32c=yZRlqg==", &mut r);
        assert_eq!((r.crc32c, r.md5), (Some(0xc994_65aa), None));
        // Garbage is no report, not a wrong one.
        let mut r = ReportedHashes::default();
        parse_goog_hash("crc32c=???,md5=AAAA", &mut r);
        assert_eq!(r, ReportedHashes::default());
    }

    fn hex(bytes: [u8; 16]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn only_gcs_stores_report_hashes() {
        let store = |url: &str| Store {
            name: "t".into(),
            url: StoreUrl::parse(url, std::path::Path::new("/")).unwrap(),
            options: ponte_config::StoreOptions::default(),
        };
        assert!(hash_reporter(&store("file:///tmp/x")).unwrap().is_none());
        assert!(hash_reporter(&store("memory://m")).unwrap().is_none());
        assert!(hash_reporter(&store("s3://bucket/p")).unwrap().is_none());
    }
}
