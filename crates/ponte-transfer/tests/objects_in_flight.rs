//! How many large objects a sync reads at once: as many as the memory
//! budget holds (four parts of 8 MiB each), 128 MiB by default from a
//! remote store, so four; 64 MiB when asked, so two. The source answers
//! each read after a delay, as a server that hashes an object before it
//! answers does, so every copy the budget lets start is open at once.

mod common;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::{bytes, job, put_all, snapshot, state};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use ponte_transfer::{SyncOptions, quiet, sync_stores};

/// One byte over a part, so each object is copied in parts and its copy
/// claims a large object's share of the budget.
const SIZE: usize = 8 * 1024 * 1024 + 1;
const OBJECTS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_source_has_four_large_objects_in_flight_by_default() {
    assert_eq!(most_reads_at_once(SyncOptions::default()).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_budget_has_fewer_in_flight() {
    let options = SyncOptions { memory_budget: Some(64 * 1024 * 1024), ..SyncOptions::default() };
    assert_eq!(most_reads_at_once(options).await, 2);
}

/// Syncs [`OBJECTS`] objects of [`SIZE`] bytes between two memory stores
/// and returns the most reads of the source that were open at once.
async fn most_reads_at_once(options: SyncOptions) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let inner: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let files: Vec<(String, Vec<u8>)> = (0..OBJECTS).map(|i| (format!("big/{i}.bin"), bytes(i as u8, SIZE))).collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    put_all(&inner, &refs).await;
    let source = Arc::new(CountingReads { inner: inner.clone(), open: Arc::default(), most: Arc::default() });
    let sink: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let t = job(dir.path(), "memory://src", "memory://dst", "", "");
    let report = sync_stores(&t, source.clone(), sink.clone(), &state(dir.path()), &options, quiet()).await.unwrap();
    assert_eq!(report.counters.objects_copied_to_sink, OBJECTS as u64, "{report:?}");
    assert_eq!(snapshot(&sink).await, snapshot(&inner).await, "every object copied whole");
    source.most.load(Ordering::SeqCst)
}

/// A store whose reads answer after a delay and that counts the reads
/// open at once (from the request until its body is dropped).
#[derive(Debug)]
struct CountingReads {
    inner: Arc<dyn ObjectStore>,
    open: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

/// Ends one open read when the body is dropped.
struct OpenRead(Arc<AtomicUsize>);

impl Drop for OpenRead {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl fmt::Display for CountingReads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountingReads({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingReads {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let open = OpenRead(self.open.clone());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let result = self.inner.get_opts(location, options).await?;
        let (meta, range, attributes) = (result.meta.clone(), result.range.clone(), result.attributes.clone());
        let body = result.into_stream().map(move |chunk| {
            let _open = &open;
            chunk
        });
        Ok(GetResult { payload: GetResultPayload::Stream(body.boxed()), meta, range, attributes })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}
