//! object_store's `PrefixStore`, with the location of a read's metadata
//! given relative to the prefix like every other answer.
//!
//! object_store 0.13.2's `PrefixStore::get_opts` returns the inner store's
//! metadata unchanged, so a `head` (which 0.13 answers through `get_opts`)
//! names `prefix/key` instead of `key` (apache/arrow-rs-object-store#664,
//! fixed upstream after 0.13.2; DataFusion 55 builds against 0.13). Through
//! it DataFusion found no file of a table kept on `gs://bucket/prefix` or
//! `s3://bucket/prefix` and answered every query over it with no rows. This
//! wrapper can go when ponte moves to an object_store with the fix.

use std::fmt;
use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, PutResult, Result,
};

/// A store seen below a key prefix of another.
#[derive(Debug)]
pub(crate) struct PrefixedStore<T: ObjectStore> {
    inner: PrefixStore<T>,
}

impl<T: ObjectStore> PrefixedStore<T> {
    pub(crate) fn new(store: T, prefix: impl Into<Path>) -> Self {
        Self { inner: PrefixStore::new(store, prefix) }
    }
}

impl<T: ObjectStore> fmt::Display for PrefixedStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

#[async_trait]
impl<T: ObjectStore> ObjectStore for PrefixedStore<T> {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let mut result = self.inner.get_opts(location, options).await?;
        // The inner store names the object by its full key; the caller asked
        // by the key below the prefix, and gets that back.
        result.meta.location = location.clone();
        Ok(result)
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

    fn list_with_offset(&self, prefix: Option<&Path>, offset: &Path) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test]
    async fn a_head_names_the_object_below_the_prefix() {
        let store = PrefixedStore::new(InMemory::new(), "warehouse");
        let key = Path::from("t/snapshots/1/part-00000.parquet");
        store.put(&key, "rows".into()).await.unwrap();
        assert_eq!(store.head(&key).await.unwrap().location, key);
        assert_eq!(store.get(&key).await.unwrap().meta.location, key);
        // object_store's own PrefixStore, which this wraps, does not.
        let plain = PrefixStore::new(InMemory::new(), "warehouse");
        plain.put(&key, "rows".into()).await.unwrap();
        assert_ne!(plain.head(&key).await.unwrap().location, key, "fixed upstream: PrefixedStore can go");
    }

    #[tokio::test]
    async fn it_passes_object_stores_conformance_suite() {
        use object_store::integration::*;
        let s = PrefixedStore::new(InMemory::new(), "some/prefix");
        put_get_delete_list(&s).await;
        get_opts(&s).await;
        list_uses_directories_correctly(&s).await;
        list_with_delimiter(&s).await;
        rename_and_copy(&s).await;
        copy_if_not_exists(&s).await;
        stream_get(&s).await;
        multipart_out_of_order(&s).await;
    }
}
