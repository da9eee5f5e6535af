//! Listing one side of a transfer: every object in scope, by relative key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};
use ponte_config::Backoff;
use ponte_state::Listed;

use crate::scope::Scope;

/// What a listing says of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Bytes.
    pub size: u64,
    /// The store's ETag, as listed.
    pub e_tag: Option<String>,
    /// Last modification.
    pub last_modified: DateTime<Utc>,
}

impl ObjectInfo {
    /// The MD5 the ETag stands for, where the store says so: a single-part
    /// S3 object's or a non-composite GCS object's ETag is the hex MD5 of its
    /// bytes. Local folders and in-memory stores use other ETags.
    pub fn md5(&self) -> Option<String> {
        ponte_store::md5_of_tag(self.e_tag.as_deref()?)
    }

    /// What a fingerprint keeps of this listing, for the next plan to
    /// compare its own listing with.
    pub fn listed(&self) -> Listed {
        Listed { size: self.size, mtime_us: self.last_modified.timestamp_micros(), etag: self.e_tag.clone() }
    }
}

/// Folders listed at once: enough to hide a remote store's round trips,
/// few enough to stay polite to it (S3 allows thousands of listings a
/// second per prefix).
const LISTINGS_IN_FLIGHT: usize = 16;

/// Attempts at each listing (a folder's first level, or one subfolder):
/// split by subfolder a side takes several listings where it took one, so
/// each is retried on its own rather than failing the whole run.
const LISTING_ATTEMPTS: u32 = 3;
const LISTING_BACKOFF: Backoff = Backoff { first: Duration::from_millis(100), max: Duration::from_secs(5) };

/// Every object under `root` in `scope`, keyed by its path relative to
/// `root`, in key order.
///
/// Each folder to list is listed one level deep first (with a delimiter),
/// then each of its subfolders in full, several at once. A flat listing
/// is a chain of requests, each waiting for the one before it (1,000 keys a
/// page on S3 and GCS); split by subfolder the pages come in side by side,
/// and servers that answer a listing by walking their folders walk one
/// subfolder each time instead of all of them. The cost is one request per
/// 1,000 subfolders.
pub async fn list_side(
    store: &Arc<dyn ObjectStore>,
    root: &str,
    scope: &Scope,
) -> object_store::Result<BTreeMap<String, ObjectInfo>> {
    let mut out = BTreeMap::new();
    let root_prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
    let mut add = |meta: ObjectMeta| {
        let Some(key) = meta.location.as_ref().strip_prefix(root_prefix.as_str()) else { return };
        if scope.contains(key) {
            out.insert(
                key.to_owned(),
                ObjectInfo { size: meta.size, e_tag: meta.e_tag, last_modified: meta.last_modified },
            );
        }
    };
    for folder in scope.folders_to_list() {
        let full = match (root.is_empty(), folder.is_empty()) {
            (true, true) => None,
            (true, false) => Some(Path::from(folder.as_str())),
            (false, true) => Some(Path::from(root)),
            (false, false) => Some(Path::from(format!("{root}/{folder}"))),
        };
        let top = with_retries(|| store.list_with_delimiter(full.as_ref())).await?;
        top.objects.into_iter().for_each(&mut add);
        let mut subfolders = futures::stream::iter(top.common_prefixes)
            .map(|prefix| {
                let store = store.clone();
                async move { with_retries(|| store.list(Some(&prefix)).try_collect::<Vec<_>>()).await }
            })
            .buffer_unordered(LISTINGS_IN_FLIGHT);
        while let Some(objects) = subfolders.try_next().await? {
            objects.into_iter().for_each(&mut add);
        }
    }
    Ok(out)
}

/// `listing`, tried again after a failure that another attempt may not
/// meet (a lost connection, a server error), up to [`LISTING_ATTEMPTS`].
async fn with_retries<T, F, Fut>(listing: F) -> object_store::Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = object_store::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match listing().await {
            Err(e) if attempt < LISTING_ATTEMPTS && worth_retrying(&e) => {
                tracing::debug!(attempt, error = %e, "listing failed; retrying");
                tokio::time::sleep(LISTING_BACKOFF.after(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether another attempt could succeed: not when the store refused us or
/// the request itself is wrong.
fn worth_retrying(e: &object_store::Error) -> bool {
    !matches!(
        e,
        object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
            | object_store::Error::InvalidPath { .. }
            | object_store::Error::NotSupported { .. }
            | object_store::Error::NotImplemented { .. }
    )
}

/// The store path of a relative key below `root`. Keys come from listings,
/// already in object_store's encoded form, so they are parsed, not encoded
/// again (a `%` in a key must not become `%25`).
pub fn path_of(root: &str, key: &str) -> Path {
    let full = if root.is_empty() { key.to_owned() } else { format!("{root}/{key}") };
    Path::parse(&full).unwrap_or_else(|_| Path::from(full))
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::*;

    /// The listing split by subfolder finds what one flat listing finds:
    /// objects beside the subfolders, nested ones, and only those in scope.
    #[tokio::test]
    async fn listing_by_subfolder_finds_what_a_flat_listing_finds() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let keys = [
            "root/top.bin",
            "root/a/1.bin",
            "root/a/deep/2.bin",
            "root/b/3.bin",
            "root/dados_infomerc/4.bin",
            "root/dados/5.bin",
            "elsewhere/6.bin",
        ];
        for key in keys {
            store.put(&Path::from(key), PutPayload::from_static(b"x")).await.unwrap();
        }
        let flat = |scope: Scope| {
            let store = store.clone();
            async move {
                let all: Vec<ObjectMeta> = store.list(Some(&Path::from("root"))).try_collect().await.unwrap();
                let mut keys: Vec<String> = all
                    .iter()
                    .map(|m| m.location.as_ref().strip_prefix("root/").unwrap().to_owned())
                    .filter(|k| scope.contains(k))
                    .collect();
                keys.sort();
                keys
            }
        };
        let scopes = [
            Scope::default(),
            Scope { include: vec!["dados".into()], exclude: vec![] },
            Scope { include: vec!["a/deep/".into(), "top".into()], exclude: vec![] },
            Scope { include: vec![], exclude: vec!["a/".into()] },
        ];
        for scope in scopes {
            let listed: Vec<String> = list_side(&store, "root", &scope).await.unwrap().into_keys().collect();
            assert_eq!(listed, flat(scope.clone()).await, "{scope:?}");
        }
        let everything = list_side(&store, "", &Scope::default()).await.unwrap();
        assert_eq!(everything.len(), keys.len());
    }
}
