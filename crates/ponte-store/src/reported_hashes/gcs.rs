//! GCS's reports: the `x-goog-hash` header of a HEAD of the XML API.

use std::fmt;

use async_trait::async_trait;
use object_store::gcp::GcpCredentialProvider;
use object_store::path::Path;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use ponte_config::Store;

use super::{Asked, HashReporter, ReportedHashes, base64_digest, http_client, request_error};
use crate::StoreError;

/// GCS's reports, read with a HEAD of the XML API (the API object_store
/// uses, at the same base URL and with the same credentials).
pub(super) struct GcsHashes {
    client: reqwest::Client,
    base: String,
    bucket: String,
    prefix: String,
    credentials: GcpCredentialProvider,
}

impl GcsHashes {
    pub(super) fn new(store: &Store, bucket: &str, prefix: &str) -> Result<Self, StoreError> {
        let build = |source| StoreError::Build { store: store.name.clone(), url: store.url.to_string(), source };
        let gcs = crate::open::gcs(store, bucket)?.build().map_err(build)?;
        let base = store.options.endpoint.as_deref().unwrap_or("https://storage.googleapis.com").trim_end_matches('/');
        Ok(Self {
            client: http_client(store, "GCS")?,
            base: base.to_owned(),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            credentials: gcs.credentials().clone(),
        })
    }
}

impl fmt::Debug for GcsHashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GcsHashes({}/{})", self.base, self.bucket)
    }
}

#[async_trait]
impl HashReporter for GcsHashes {
    fn asked(&self) -> Asked {
        Asked::Always
    }

    async fn hashes(&self, key: &Path) -> Result<Option<ReportedHashes>, object_store::Error> {
        let name = if self.prefix.is_empty() { key.to_string() } else { format!("{}/{key}", self.prefix) };
        let url = format!(
            "{}/{}/{}",
            self.base,
            utf8_percent_encode(&self.bucket, NON_ALPHANUMERIC),
            utf8_percent_encode(&name, NON_ALPHANUMERIC)
        );
        let credential = self.credentials.get_credential().await?;
        let response =
            self.client.head(&url).bearer_auth(&credential.bearer).send().await.map_err(|e| request_error("GCS", e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = response.error_for_status().map_err(|e| request_error("GCS", e))?;
        let headers = response.headers();
        let mut reported = ReportedHashes {
            e_tag: headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned),
            etag_is_md5: true,
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
    for part in value.split(',') {
        match part.trim().split_once('=') {
            Some(("crc32c", b64)) => {
                if let Some(bytes) = base64_digest::<4>(b64) {
                    into.crc32c = Some(u32::from_be_bytes(bytes));
                }
            }
            Some(("md5", b64)) => {
                if let Some(bytes) = base64_digest::<16>(b64) {
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
}
