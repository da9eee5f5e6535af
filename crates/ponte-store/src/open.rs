//! Building a store from its config.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use object_store::aws::AmazonS3Builder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use ponte_config::{RetryOptions, Store, StoreUrl};

use crate::prefixed::PrefixedStore;

/// Whether the caller will write: a `file://` store that will be written is
/// created when missing; one that is only read must already exist (a typo'd
/// source folder is an error, not an empty listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only read and list.
    ReadOnly,
    /// Read, write and delete.
    ReadWrite,
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A credential's environment variable is not set. Names the variable,
    /// never a value.
    #[error("store `{store}`: environment variable {var} (named by `{key}`) is not set")]
    MissingEnv {
        /// The store.
        store: String,
        /// The config key that names the variable.
        key: &'static str,
        /// The variable.
        var: String,
    },
    /// A `file://` store read from does not exist.
    #[error("store `{store}`: folder {} does not exist", path.display())]
    MissingFolder {
        /// The store.
        store: String,
        /// The folder.
        path: std::path::PathBuf,
    },
    /// A `file://` store's folder could not be created.
    #[error("store `{store}`: cannot create folder {}", path.display())]
    CreateFolder {
        /// The store.
        store: String,
        /// The folder.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A `role_arn` store's token source is missing (see [`RoleError`]).
    #[error(transparent)]
    Role(#[from] crate::RoleError),
    /// object_store refused the settings.
    #[error("store `{store}` ({url}): cannot open")]
    Build {
        /// The store.
        store: String,
        /// Its URL.
        url: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
}

/// In-process stores by name: `memory://x` opened twice is one store.
static MEMORY: LazyLock<Mutex<HashMap<String, Arc<InMemory>>>> = LazyLock::new(Default::default);

/// Opens a store. Paths given to it are relative to the URL's prefix.
pub fn open(store: &Store, access: Access) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let build = |source| StoreError::Build { store: store.name.clone(), url: store.url.to_string(), source };
    let (inner, prefix): (Arc<dyn ObjectStore>, &str) = match &store.url {
        StoreUrl::File { path } => {
            if access == Access::ReadWrite {
                std::fs::create_dir_all(path).map_err(|source| StoreError::CreateFolder {
                    store: store.name.clone(),
                    path: path.clone(),
                    source,
                })?;
            } else if !path.is_dir() {
                return Err(StoreError::MissingFolder { store: store.name.clone(), path: path.clone() });
            }
            // Deleting a folder's last object removes the folder, as an object store would.
            let folder = LocalFileSystem::new_with_prefix(path).map_err(build)?.with_automatic_cleanup(true);
            (Arc::new(folder), "")
        }
        StoreUrl::Memory { name } => {
            let mut stores = MEMORY.lock().expect("no panics while held");
            (stores.entry(name.clone()).or_insert_with(|| Arc::new(InMemory::new())).clone(), "")
        }
        StoreUrl::S3 { bucket, prefix } => (Arc::new(s3(store, bucket)?.build().map_err(build)?), prefix),
        StoreUrl::Gcs { bucket, prefix } => (Arc::new(gcs(store, bucket)?.build().map_err(build)?), prefix),
    };
    Ok(if prefix.is_empty() { inner } else { Arc::new(PrefixedStore::new(inner, prefix)) })
}

fn env(store: &Store, key: &'static str, var: Option<&String>) -> Result<Option<String>, StoreError> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(StoreError::MissingEnv { store: store.name.clone(), key, var: var.clone() }),
    }
}

fn retry(r: &RetryOptions) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig { init_backoff: r.init_backoff, max_backoff: r.max_backoff, base: 2.0 },
        max_retries: r.max_retries,
        retry_timeout: r.retry_timeout,
    }
}

pub(crate) fn s3(store: &Store, bucket: &str) -> Result<AmazonS3Builder, StoreError> {
    let o = &store.options;
    // from_env picks up AWS_* variables and instance credentials when the
    // config names no variables of its own.
    let mut b = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_virtual_hosted_style_request(o.virtual_hosted_style)
        .with_client_options(ClientOptions::new().with_allow_http(o.allow_http))
        .with_retry(retry(&o.retry));
    if let Some(region) = &o.region {
        b = b.with_region(region);
    }
    if let Some(endpoint) = &o.endpoint {
        b = b.with_endpoint(endpoint);
    }
    if let Some(v) = env(store, "access_key_id_env", o.access_key_id_env.as_ref())? {
        b = b.with_access_key_id(v);
    }
    if let Some(v) = env(store, "secret_access_key_env", o.secret_access_key_env.as_ref())? {
        b = b.with_secret_access_key(v);
    }
    if let Some(v) = env(store, "session_token_env", o.session_token_env.as_ref())? {
        b = b.with_token(v);
    }
    if let Some(role) = &o.role {
        // Takes precedence over every credential from_env found.
        b = b.with_credentials(crate::assumed_role::provider(store, role)?);
    }
    Ok(b)
}

/// The GCS client builder for `store` (also used for its hash reports).
pub(crate) fn gcs(store: &Store, bucket: &str) -> Result<GoogleCloudStorageBuilder, StoreError> {
    let o = &store.options;
    let mut b = GoogleCloudStorageBuilder::from_env()
        .with_bucket_name(bucket)
        .with_client_options(ClientOptions::new().with_allow_http(o.allow_http))
        .with_retry(retry(&o.retry));
    if let Some(endpoint) = &o.endpoint {
        b = b.with_base_url(endpoint);
    }
    if let Some(v) = env(store, "service_account_path_env", o.service_account_path_env.as_ref())? {
        b = b.with_service_account_path(v);
    }
    if let Some(v) = env(store, "service_account_key_env", o.service_account_key_env.as_ref())? {
        b = b.with_service_account_key(v);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;
    use object_store::path::Path;
    use ponte_config::StoreOptions;

    use super::*;

    fn store(url: StoreUrl) -> Store {
        Store { name: "t".into(), url, options: StoreOptions::default() }
    }

    #[tokio::test]
    async fn memory_stores_with_one_name_share_objects() {
        let a = open(&store(StoreUrl::Memory { name: "shared-test".into() }), Access::ReadWrite).unwrap();
        let b = open(&store(StoreUrl::Memory { name: "shared-test".into() }), Access::ReadOnly).unwrap();
        a.put(&Path::from("k"), "v".into()).await.unwrap();
        assert_eq!(b.get(&Path::from("k")).await.unwrap().bytes().await.unwrap(), "v");
    }

    #[test]
    fn a_missing_read_only_folder_is_an_error_and_a_writable_one_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b");
        let err = open(&store(StoreUrl::File { path: path.clone() }), Access::ReadOnly).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        open(&store(StoreUrl::File { path: path.clone() }), Access::ReadWrite).unwrap();
        assert!(path.is_dir());
    }

    /// Keys as a listing returns them (`Path::parse`, not `Path::from`, which
    /// percent-encodes non-ASCII) are file names byte for byte.
    #[tokio::test]
    async fn non_ascii_keys_are_file_names() {
        use futures::TryStreamExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ação=1.txt"), "y").unwrap();
        let s = open(&store(StoreUrl::File { path: dir.path().to_owned() }), Access::ReadWrite).unwrap();
        let listed: Vec<_> = s.list(None).try_collect().await.unwrap();
        assert_eq!(listed[0].location.as_ref(), "ação=1.txt");
        s.put(&Path::parse("relatório/日本.bin").unwrap(), "x".into()).await.unwrap();
        assert!(dir.path().join("relatório/日本.bin").is_file());
        s.delete(&Path::parse("relatório/日本.bin").unwrap()).await.unwrap();
        assert!(!dir.path().join("relatório").exists(), "empty folders are removed");
    }

    #[test]
    fn a_missing_credential_names_the_variable_not_a_value() {
        let mut s = store(StoreUrl::S3 { bucket: "bucket".into(), prefix: String::new() });
        s.options.access_key_id_env = Some("PONTE_TEST_SURELY_UNSET_KEY".into());
        let err = open(&s, Access::ReadOnly).unwrap_err().to_string();
        assert_eq!(
            err,
            "store `t`: environment variable PONTE_TEST_SURELY_UNSET_KEY (named by `access_key_id_env`) is not set"
        );
    }
}
