//! Copying one object: streamed, hashed, verified, never half-visible.
//!
//! Objects up to one part are read whole and written with a single put;
//! larger ones go through a multipart upload, a part at a time with at most
//! two parts in flight. Either way the bytes held per object are bounded by a
//! shared memory budget, and every byte is hashed (MD5 and CRC32C) as it
//! passes. A mismatch with the source's MD5 aborts before the object becomes
//! visible (single puts and multipart completes are atomic); a mismatch with
//! what the sink reports removes the bad copy.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::stream::FuturesOrdered;
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use ponte_state::Fingerprint;
use tokio::sync::Semaphore;

use crate::Observer;
use crate::listing::{md5_of_etag, path_of};
use crate::report::ErrorCode;

/// Bytes per multipart part: above S3's 5 MiB minimum, small enough that a
/// few objects in flight stay within a few tens of MB.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// What kind of ETag the sink reports, so we know what we can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkEtags {
    /// S3: single-part ETag = MD5; multipart = MD5 of part MD5s, `-N`.
    S3,
    /// GCS: single-part (non-composite) ETag = MD5.
    Gcs,
    /// Local folders and memory: no hash to check.
    None,
}

/// How a copy ended, when it did not fail.
#[derive(Debug)]
pub enum CopyOutcome {
    /// Copied; the fingerprint to record.
    Copied(Fingerprint),
    /// The source object was gone when we came to read it.
    Vanished,
}

/// Why a copy failed.
#[derive(Debug, Clone)]
pub struct CopyFailure {
    /// STS's error code for it.
    pub code: ErrorCode,
    /// What went wrong.
    pub message: String,
}

impl CopyFailure {
    fn store(e: &object_store::Error, what: &str) -> Self {
        Self { code: ErrorCode::of(e), message: format!("{what}: {e}") }
    }

    /// Worth another attempt: not for integrity or permission failures.
    pub fn retryable(&self) -> bool {
        !matches!(self.code, ErrorCode::PermissionDenied | ErrorCode::Unauthenticated | ErrorCode::InvalidArgument)
    }
}

/// Everything a copy needs; shared by all copies of a run.
pub struct Copier {
    pub(crate) source: Arc<dyn ObjectStore>,
    pub(crate) sink: Arc<dyn ObjectStore>,
    pub(crate) source_root: String,
    pub(crate) sink_root: String,
    pub(crate) sink_etags: SinkEtags,
    /// Memory budget in KiB.
    pub(crate) budget: Arc<Semaphore>,
    pub(crate) observer: Arc<dyn Observer>,
}

fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

struct Hashes {
    md5: Md5,
    crc32c: u32,
    bytes: u64,
}

impl Hashes {
    fn new() -> Self {
        Self { md5: Md5::new(), crc32c: 0, bytes: 0 }
    }

    fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.crc32c = crc32c::crc32c_append(self.crc32c, chunk);
        self.bytes += chunk.len() as u64;
    }
}

impl Copier {
    /// Copies `key` from the source root to the sink root.
    pub async fn copy(&self, key: &str) -> Result<CopyOutcome, CopyFailure> {
        let from = path_of(&self.source_root, key);
        let to = path_of(&self.sink_root, key);
        let get = match self.source.get(&from).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(CopyOutcome::Vanished),
            Err(e) => return Err(CopyFailure::store(&e, "reading source")),
        };
        let meta = get.meta.clone();
        let size = usize::try_from(meta.size).unwrap_or(usize::MAX);
        let source_md5 = meta.e_tag.as_deref().and_then(md5_of_etag);
        let (hashes, sink_etag) = if size <= PART_SIZE {
            let _permit = self.budget.acquire_many(kib(size)).await.expect("budget never closes");
            let mut hashes = Hashes::new();
            let mut buf = BytesMut::with_capacity(size);
            let mut stream = get.into_stream();
            while let Some(chunk) = stream.try_next().await.map_err(|e| CopyFailure::store(&e, "reading source"))? {
                hashes.update(&chunk);
                self.observer.bytes(chunk.len() as u64);
                buf.extend_from_slice(&chunk);
            }
            let md5 = hex::encode(hashes.md5.clone().finalize());
            check_source(&md5, source_md5.as_deref(), key)?;
            let put = self
                .sink
                .put(&to, PutPayload::from(buf.freeze()))
                .await
                .map_err(|e| CopyFailure::store(&e, "writing sink"))?;
            (hashes, put.e_tag)
        } else {
            let _permit = self.budget.acquire_many(kib(PART_SIZE * 3)).await.expect("budget never closes");
            self.multipart(get.into_stream().boxed(), &to, source_md5.as_deref(), key).await?
        };
        let md5 = hex::encode(hashes.md5.finalize());
        if let Err(failure) = self.check_sink(&md5, sink_etag.as_deref()) {
            // The copy is visible and wrong: take it away so no reader uses it.
            let _ = self.sink.delete(&to).await;
            return Err(failure);
        }
        Ok(CopyOutcome::Copied(Fingerprint {
            source_etag: meta.e_tag,
            source_size: meta.size,
            source_mtime_us: meta.last_modified.timestamp_micros(),
            sink_etag,
            sink_size: hashes.bytes,
            md5,
            crc32c: hashes.crc32c,
        }))
    }

    async fn multipart(
        &self,
        mut stream: futures::stream::BoxStream<'static, object_store::Result<Bytes>>,
        to: &object_store::path::Path,
        source_md5: Option<&str>,
        key: &str,
    ) -> Result<(Hashes, Option<String>), CopyFailure> {
        let mut upload = self.sink.put_multipart(to).await.map_err(|e| CopyFailure::store(&e, "starting upload"))?;
        let mut hashes = Hashes::new();
        let mut part_md5s: Vec<u8> = Vec::new();
        let mut parts = 0usize;
        let mut in_flight = FuturesOrdered::new();
        let mut buf = BytesMut::with_capacity(PART_SIZE);
        let result: Result<(), CopyFailure> = async {
            loop {
                let chunk = stream.try_next().await.map_err(|e| CopyFailure::store(&e, "reading source"))?;
                let done = chunk.is_none();
                if let Some(chunk) = chunk {
                    hashes.update(&chunk);
                    self.observer.bytes(chunk.len() as u64);
                    buf.extend_from_slice(&chunk);
                }
                while buf.len() >= PART_SIZE || (done && (!buf.is_empty() || parts == 0)) {
                    let take = buf.len().min(PART_SIZE);
                    let part = buf.split_to(take).freeze();
                    part_md5s.extend_from_slice(&Md5::digest(&part));
                    parts += 1;
                    in_flight.push_back(upload.put_part(PutPayload::from(part)));
                    while in_flight.len() >= 2 {
                        in_flight
                            .next()
                            .await
                            .expect("not empty")
                            .map_err(|e| CopyFailure::store(&e, "writing part"))?;
                    }
                    if buf.is_empty() {
                        break;
                    }
                }
                if done {
                    break;
                }
            }
            while let Some(r) = in_flight.next().await {
                r.map_err(|e| CopyFailure::store(&e, "writing part"))?;
            }
            check_source(&hex::encode(hashes.md5.clone().finalize()), source_md5, key)
        }
        .await;
        if let Err(failure) = result {
            drop(in_flight);
            let _ = upload.abort().await;
            return Err(failure);
        }
        let put = match upload.complete().await {
            Ok(p) => p,
            Err(e) => {
                let _ = upload.abort().await;
                return Err(CopyFailure::store(&e, "completing upload"));
            }
        };
        let etag = put.e_tag;
        if self.sink_etags == SinkEtags::S3
            && let Some(e) = etag.as_deref()
        {
            let expected = format!("{}-{parts}", hex::encode(Md5::digest(&part_md5s)));
            let got = e.trim_matches('"');
            if got.contains('-') && got != expected {
                return Err(CopyFailure {
                    code: ErrorCode::DataLoss,
                    message: format!("sink reports ETag {got} for the upload, expected {expected}"),
                });
            }
        }
        Ok((hashes, etag))
    }

    fn check_sink(&self, md5: &str, sink_etag: Option<&str>) -> Result<(), CopyFailure> {
        if self.sink_etags == SinkEtags::None {
            return Ok(());
        }
        match sink_etag.and_then(md5_of_etag) {
            Some(reported) if reported != md5 => Err(CopyFailure {
                code: ErrorCode::DataLoss,
                message: format!("sink reports MD5 {reported} for the copy, but {md5} was sent"),
            }),
            _ => Ok(()),
        }
    }
}

fn check_source(md5: &str, source_md5: Option<&str>, key: &str) -> Result<(), CopyFailure> {
    match source_md5 {
        Some(expected) if expected != md5 => Err(CopyFailure {
            code: ErrorCode::DataLoss,
            message: format!(
                "{key}: read bytes hash to MD5 {md5}, but the source says {expected}; nothing was written"
            ),
        }),
        _ => Ok(()),
    }
}
