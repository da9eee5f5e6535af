//! Listing one side of a transfer: every object in scope, by relative key.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path;
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

/// Every object under `root` in `scope`, keyed by its path relative to
/// `root`, in key order.
pub async fn list_side(
    store: &Arc<dyn ObjectStore>,
    root: &str,
    scope: &Scope,
) -> object_store::Result<BTreeMap<String, ObjectInfo>> {
    let mut out = BTreeMap::new();
    let root_prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
    for folder in scope.folders_to_list() {
        let full = match (root.is_empty(), folder.is_empty()) {
            (true, true) => None,
            (true, false) => Some(Path::from(folder.as_str())),
            (false, true) => Some(Path::from(root)),
            (false, false) => Some(Path::from(format!("{root}/{folder}"))),
        };
        let mut listing = store.list(full.as_ref());
        while let Some(meta) = listing.try_next().await? {
            let Some(key) = meta.location.as_ref().strip_prefix(root_prefix.as_str()) else { continue };
            if scope.contains(key) {
                out.insert(
                    key.to_owned(),
                    ObjectInfo { size: meta.size, e_tag: meta.e_tag, last_modified: meta.last_modified },
                );
            }
        }
    }
    Ok(out)
}

/// The store path of a relative key below `root`. Keys come from listings,
/// already in object_store's encoded form, so they are parsed, not encoded
/// again (a `%` in a key must not become `%25`).
pub fn path_of(root: &str, key: &str) -> Path {
    let full = if root.is_empty() { key.to_owned() } else { format!("{root}/{key}") };
    Path::parse(&full).unwrap_or_else(|_| Path::from(full))
}
