//! The conformance suite on the embedded warehouse, in a local folder and
//! in an in-memory object store.

mod conformance;

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use ponte_warehouse::EmbeddedWarehouse;

#[tokio::test]
async fn embedded_in_a_folder_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = EmbeddedWarehouse::new(Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()), 1);
    conformance::run_all(&warehouse, "folder").await;
}

#[tokio::test]
async fn embedded_in_an_object_store_conforms() {
    let warehouse = EmbeddedWarehouse::new(Arc::new(InMemory::new()), 0);
    conformance::run_all(&warehouse, "memory").await;
}
