//! A store wrapper that fails a share of requests and adds latency, for
//! testing that what sits on top converges anyway. It implements the same
//! trait as the store it wraps, the way object_store's own `throttle` does,
//! so the code under test cannot tell it apart from a flaky network.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result, UploadPart,
};

/// How often to fail and how slow to be.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    /// Share of requests (0.0–1.0) that fail with a transient error.
    pub failure_rate: f64,
    /// Added to every request.
    pub latency: Duration,
    /// Share of reads (0.0–1.0) whose bytes arrive with one bit flipped, as
    /// a faulty network or disk would deliver them.
    pub corrupt_rate: f64,
    /// Seeds which requests fail, so a test run can be repeated.
    pub seed: u64,
}

/// Wraps a store; see the module docs.
#[derive(Debug)]
pub struct FaultInjectingStore {
    inner: Arc<dyn ObjectStore>,
    plan: FaultPlan,
    calls: Arc<AtomicU64>,
    injected: Arc<AtomicU64>,
}

impl FaultInjectingStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>, plan: FaultPlan) -> Self {
        Self { inner, plan, calls: Arc::default(), injected: Arc::default() }
    }

    /// Faults injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    async fn enter(&self, op: &'static str) -> Result<()> {
        enter(&self.plan, &self.calls, &self.injected, op).await
    }
}

/// A uniform draw in [0, 1) for the n-th call.
fn draw(seed: u64, n: u64) -> f64 {
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

async fn enter(plan: &FaultPlan, calls: &AtomicU64, injected: &AtomicU64, op: &'static str) -> Result<()> {
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    let n = calls.fetch_add(1, Ordering::Relaxed);
    if draw(plan.seed, n) < plan.failure_rate {
        injected.fetch_add(1, Ordering::Relaxed);
        return Err(object_store::Error::Generic { store: "faults", source: format!("injected fault in {op}").into() });
    }
    Ok(())
}

impl fmt::Display for FaultInjectingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultInjecting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for FaultInjectingStore {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.enter("put").await?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.enter("put_multipart").await?;
        let upload = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(FaultyUpload {
            inner: upload,
            plan: self.plan,
            calls: self.calls.clone(),
            injected: self.injected.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.enter("get").await?;
        let result = self.inner.get_opts(location, options).await?;
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        if self.plan.corrupt_rate == 0.0
            || draw(self.plan.seed ^ 0xc0, n) >= self.plan.corrupt_rate
            || result.meta.size == 0
        {
            return Ok(result);
        }
        self.injected.fetch_add(1, Ordering::Relaxed);
        let (meta, range, attributes) = (result.meta.clone(), result.range.clone(), result.attributes.clone());
        let mut first = true;
        let stream = result
            .into_stream()
            .map(move |chunk| {
                let chunk = chunk?;
                if first && !chunk.is_empty() {
                    first = false;
                    let mut bytes = chunk.to_vec();
                    bytes[0] ^= 0x01;
                    return Ok(Bytes::from(bytes));
                }
                Ok(chunk)
            })
            .boxed();
        Ok(GetResult { payload: GetResultPayload::Stream(stream), meta, range, attributes })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.enter("get_ranges").await?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        let (plan, calls, injected) = (self.plan, self.calls.clone(), self.injected.clone());
        let inner = self.inner.clone();
        // Each delete may fail on its own; the rest go through.
        let checked = locations
            .then(move |loc| {
                let (calls, injected) = (calls.clone(), injected.clone());
                async move {
                    let loc = loc?;
                    enter(&plan, &calls, &injected, "delete").await?;
                    Ok(loc)
                }
            })
            .boxed();
        inner.delete_stream(checked)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let (plan, calls, injected) = (self.plan, self.calls.clone(), self.injected.clone());
        let inner = self.inner.list(prefix);
        futures::stream::once(async move { enter(&plan, &calls, &injected, "list").await })
            .flat_map(move |r| match r {
                Ok(()) => futures::stream::empty().boxed(),
                Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
            })
            .chain(inner)
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.enter("list").await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.enter("copy").await?;
        self.inner.copy_opts(from, to, options).await
    }
}

#[derive(Debug)]
struct FaultyUpload {
    inner: Box<dyn MultipartUpload>,
    plan: FaultPlan,
    calls: Arc<AtomicU64>,
    injected: Arc<AtomicU64>,
}

#[async_trait]
impl MultipartUpload for FaultyUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let part = self.inner.put_part(data);
        let (plan, calls, injected) = (self.plan, self.calls.clone(), self.injected.clone());
        Box::pin(async move {
            enter(&plan, &calls, &injected, "put_part").await?;
            part.await
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        enter(&self.plan, &self.calls, &self.injected, "complete").await?;
        self.inner.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        self.inner.abort().await
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    /// With no faults the wrapper is invisible: object_store's own
    /// conformance suite passes through it.
    #[tokio::test]
    async fn without_faults_it_passes_object_stores_conformance_suite() {
        use object_store::integration::*;
        let s = FaultInjectingStore::new(
            Arc::new(InMemory::new()),
            FaultPlan { failure_rate: 0.0, latency: Duration::ZERO, corrupt_rate: 0.0, seed: 1 },
        );
        put_get_delete_list(&s).await;
        get_opts(&s).await;
        list_uses_directories_correctly(&s).await;
        list_with_delimiter(&s).await;
        rename_and_copy(&s).await;
        copy_if_not_exists(&s).await;
        stream_get(&s).await;
        multipart_out_of_order(&s).await;
    }

    #[tokio::test]
    async fn fails_about_the_share_asked_for() {
        let store = FaultInjectingStore::new(
            Arc::new(InMemory::new()),
            FaultPlan { failure_rate: 0.25, latency: Duration::ZERO, corrupt_rate: 0.0, seed: 9 },
        );
        let mut failed = 0;
        for i in 0..2000 {
            if store.put(&Path::from(format!("k{i}")), "x".into()).await.is_err() {
                failed += 1;
            }
        }
        assert!((400..600).contains(&failed), "{failed}");
        assert_eq!(store.injected(), failed);
    }
}
