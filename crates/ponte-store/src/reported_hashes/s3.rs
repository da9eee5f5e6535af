//! S3's reports: a HEAD with `x-amz-checksum-mode: ENABLED`, signed with
//! the store's own credentials (SigV4, through object_store's signer).
//! object_store's GET neither asks for the checksums nor passes them on, so
//! the HEAD is ours; it is sent only when an ETag cannot verify a copy.

use std::fmt;

use async_trait::async_trait;
use object_store::aws::{AmazonS3ConfigKey, AwsAuthorizer, AwsCredentialProvider};
use object_store::client::HttpRequestBody;
use object_store::path::Path;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ponte_config::Store;
use reqwest::header::HeaderMap;

use super::{Asked, HashReporter, ReportedHashes, base64_digest, http_client, request_error};
use crate::StoreError;

/// What S3 leaves unescaped in a key's path (RFC 3986 unreserved), as its
/// SigV4 canonical URI and object_store's requests do.
const KEY_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// S3's reports for one bucket.
pub(super) struct S3Hashes {
    client: reqwest::Client,
    /// The bucket's URL, as object_store addresses it (path or virtual-hosted style).
    bucket_url: String,
    prefix: String,
    region: String,
    credentials: AwsCredentialProvider,
}

impl S3Hashes {
    pub(super) fn new(store: &Store, bucket: &str, prefix: &str) -> Result<Self, StoreError> {
        let builder = crate::open::s3(store, bucket)?;
        let region = builder.get_config_value(&AmazonS3ConfigKey::Region).unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        let build = |source| StoreError::Build { store: store.name.clone(), url: store.url.to_string(), source };
        let s3 = builder.build().map_err(build)?;
        // The same addressing object_store's client uses for this bucket.
        let bucket_url = match (endpoint, store.options.virtual_hosted_style) {
            (Some(endpoint), true) => endpoint.trim_end_matches('/').to_owned(),
            (Some(endpoint), false) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            (None, true) => format!("https://{bucket}.s3.{region}.amazonaws.com"),
            (None, false) => format!("https://s3.{region}.amazonaws.com/{bucket}"),
        };
        Ok(Self {
            client: http_client(store, "S3")?,
            bucket_url,
            prefix: prefix.to_owned(),
            region,
            credentials: s3.credentials().clone(),
        })
    }

    fn url(&self, key: &Path) -> String {
        let mut url = self.bucket_url.clone();
        let prefix = self.prefix.split('/').filter(|s| !s.is_empty());
        for segment in prefix.chain(key.as_ref().split('/')) {
            url.push('/');
            url.extend(utf8_percent_encode(segment, KEY_SEGMENT));
        }
        url
    }
}

impl fmt::Debug for S3Hashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S3Hashes({})", self.bucket_url)
    }
}

#[async_trait]
impl HashReporter for S3Hashes {
    fn asked(&self) -> Asked {
        Asked::WhenEtagCannotVerify
    }

    async fn hashes(&self, key: &Path) -> Result<Option<ReportedHashes>, object_store::Error> {
        let url = self.url(key);
        let credential = self.credentials.get_credential().await?;
        let mut request = http::Request::builder()
            .method(http::Method::HEAD)
            .uri(&url)
            .header("x-amz-checksum-mode", "ENABLED")
            .body(HttpRequestBody::empty())
            .map_err(|e| object_store::Error::Generic { store: "S3", source: Box::new(e) })?;
        AwsAuthorizer::new(&credential, "s3", &self.region).authorize(&mut request, None);
        let response = self
            .client
            .head(&url)
            .headers(request.headers().clone())
            .send()
            .await
            .map_err(|e| request_error("S3", e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = response.error_for_status().map_err(|e| request_error("S3", e))?;
        Ok(Some(parse_head(response.headers())))
    }
}

/// The report in a HEAD's headers.
fn parse_head(headers: &HeaderMap) -> ReportedHashes {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // SSE-KMS, DSSE-KMS and SSE-C objects' ETags are not MD5s (S3's
    // "Checking object integrity" and Common Response Headers pages).
    let kms = header("x-amz-server-side-encryption").is_some_and(|v| v.starts_with("aws:kms"));
    let customer_key = header("x-amz-server-side-encryption-customer-algorithm").is_some();
    let mut reported = ReportedHashes {
        e_tag: header("etag").map(str::to_owned),
        etag_is_md5: !kms && !customer_key,
        ..ReportedHashes::default()
    };
    // A composite checksum hashes the parts' checksums, not the bytes.
    if header("x-amz-checksum-type").is_some_and(|t| t.eq_ignore_ascii_case("COMPOSITE")) {
        return reported;
    }
    reported.crc32 = header("x-amz-checksum-crc32").and_then(base64_digest::<4>).map(u32::from_be_bytes);
    reported.crc32c = header("x-amz-checksum-crc32c").and_then(base64_digest::<4>).map(u32::from_be_bytes);
    reported.crc64nvme = header("x-amz-checksum-crc64nvme").and_then(base64_digest::<8>).map(u64::from_be_bytes);
    reported
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn kms_and_customer_keys_make_etags_not_md5s() {
        let plain = parse_head(&headers(&[("etag", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")]));
        assert!(plain.etag_is_md5 && !plain.any());
        for sse in ["aws:kms", "aws:kms:dsse"] {
            assert!(!parse_head(&headers(&[("x-amz-server-side-encryption", sse)])).etag_is_md5, "{sse}");
        }
        assert!(parse_head(&headers(&[("x-amz-server-side-encryption", "AES256")])).etag_is_md5);
        assert!(!parse_head(&headers(&[("x-amz-server-side-encryption-customer-algorithm", "AES256")])).etag_is_md5);
    }

    #[test]
    fn full_object_checksums_are_read_and_composite_ones_passed_over() {
        // "hello world": CRC-32 0x0d4a1185, CRC32C 0xc99465aa.
        let full = parse_head(&headers(&[
            ("x-amz-checksum-crc32", "DUoRhQ=="),
            ("x-amz-checksum-crc32c", "yZRlqg=="),
            ("x-amz-checksum-crc64nvme", "tx17Vl1XIXU="),
            ("x-amz-checksum-type", "FULL_OBJECT"),
        ]));
        assert_eq!(full.crc32, Some(crc32fast::hash(b"hello world")));
        assert_eq!(full.crc32c, Some(0xc994_65aa));
        assert_eq!(full.crc64nvme, Some(u64::from_be_bytes([0xb7, 0x1d, 0x7b, 0x56, 0x5d, 0x57, 0x21, 0x75])));
        let composite =
            parse_head(&headers(&[("x-amz-checksum-crc32", "DUoRhQ==-3"), ("x-amz-checksum-type", "COMPOSITE")]));
        assert!(!composite.any());
    }

    #[test]
    fn keys_are_addressed_as_object_store_addresses_them() {
        let store = Store {
            name: "t".into(),
            url: ponte_config::StoreUrl::parse("s3://bkt/in/box", std::path::Path::new("/")).unwrap(),
            options: ponte_config::StoreOptions {
                endpoint: Some("http://127.0.0.1:9000/".into()),
                allow_http: true,
                ..Default::default()
            },
        };
        let s3 = S3Hashes::new(&store, "bkt", "in/box").unwrap();
        let key = Path::parse("ação/a b+c.parquet").unwrap();
        assert_eq!(s3.url(&key), "http://127.0.0.1:9000/bkt/in/box/a%C3%A7%C3%A3o/a%20b%2Bc.parquet");
    }
}
