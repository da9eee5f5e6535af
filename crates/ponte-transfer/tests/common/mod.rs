//! Helpers for the transfer tests: jobs from TOML, stores, trees of objects.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use ponte_config::{Config, TransferJob};
use ponte_state::StateDb;

/// A config holding one transfer `t` from `source_url` to `sink_url`, with
/// extra TOML lines for the job.
pub fn job(dir: &Path, source_url: &str, sink_url: &str, source_extra: &str, job_extra: &str) -> TransferJob {
    let text = format!(
        r#"
[stores.src]
url = "{source_url}"
[stores.dst]
url = "{sink_url}"

[[transfers]]
name = "t"
source = {{ store = "src"{source_extra} }}
sink = {{ store = "dst" }}
delete_unique_in_sink = true
{job_extra}
"#
    );
    let config: Config = ponte_config::parse(&dir.join("ponte.toml"), &text, dir).unwrap_or_else(|e| panic!("{e}"));
    config.transfers[0].clone()
}

/// A job like [`job`]'s whose `s3://` stores are moto at `endpoint`, as a
/// user's config would name it, so what the transfer opens from the config
/// itself (S3's checksum reports) reaches moto too. moto takes any
/// credentials, and a config names its keys by environment variable:
/// `PATH` is one every process has, so the test changes no environment.
pub fn moto_job(dir: &Path, endpoint: &str, source_url: &str, sink_url: &str) -> TransferJob {
    let options = |url: &str| {
        if url.starts_with("s3://") {
            format!(
                "endpoint = \"{endpoint}\"\nallow_http = true\nregion = \"us-east-1\"\n\
                 access_key_id_env = \"PATH\"\nsecret_access_key_env = \"PATH\"\n"
            )
        } else {
            String::new()
        }
    };
    let text = format!(
        "[stores.src]\nurl = \"{source_url}\"\n{}[stores.dst]\nurl = \"{sink_url}\"\n{}\n\
         [[transfers]]\nname = \"t\"\nsource = {{ store = \"src\" }}\nsink = {{ store = \"dst\" }}\n",
        options(source_url),
        options(sink_url)
    );
    let config: Config = ponte_config::parse(&dir.join("ponte.toml"), &text, dir).unwrap_or_else(|e| panic!("{e}"));
    config.transfers[0].clone()
}

pub fn local(dir: &Path) -> Arc<dyn ObjectStore> {
    std::fs::create_dir_all(dir).unwrap();
    Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir).unwrap().with_automatic_cleanup(true))
}

pub fn s3(endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id(ponte_testkit::ACCESS_KEY)
            .with_secret_access_key(ponte_testkit::SECRET_KEY)
            .build()
            .unwrap(),
    )
}

/// Puts objects under keys written as users see them (`Path::parse`:
/// `Path::from` would percent-encode non-ASCII characters).
pub async fn put_all(store: &Arc<dyn ObjectStore>, files: &[(&str, Vec<u8>)]) {
    for (key, bytes) in files {
        store.put(&StorePath::parse(*key).unwrap(), bytes.clone().into()).await.unwrap();
    }
}

/// Every object of a store, key → bytes.
pub async fn snapshot(store: &Arc<dyn ObjectStore>) -> BTreeMap<String, Vec<u8>> {
    let metas: Vec<_> = store.list(None).try_collect().await.unwrap();
    let mut out = BTreeMap::new();
    for m in metas {
        let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
        out.insert(m.location.to_string(), bytes.to_vec());
    }
    out
}

pub fn state(dir: &Path) -> StateDb {
    StateDb::open(&dir.join("state")).unwrap()
}

/// Deterministic bytes of a given length.
pub fn bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}
