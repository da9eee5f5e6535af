//! What a store can do, said by the store crate that opens it, so the code
//! on top (the transfer engine) asks a value instead of matching URL
//! schemes.

use std::path::PathBuf;

use ponte_config::{Store, StoreUrl};

/// What a store's ETags say about an object's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtagSemantics {
    /// S3: a single-part object's ETag is its MD5; a multipart upload's is
    /// the MD5 of its parts' MD5s followed by `-<parts>`.
    Md5OrPartsMd5,
    /// GCS: a single-part (non-composite) object's ETag is its MD5.
    Md5,
    /// Local folders and memory: an ETag names a version, not content.
    Opaque,
}

impl EtagSemantics {
    /// Whether an ETag that looks like an MD5 is the object's MD5.
    pub fn holds_md5(self) -> bool {
        self != Self::Opaque
    }

    /// Whether a multipart upload's ETag is made of its parts' MD5s, so a
    /// writer can check it against the parts it sent.
    pub fn holds_parts_md5(self) -> bool {
        self == Self::Md5OrPartsMd5
    }
}

/// What a store can do, as far as copying to and from it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// What its ETags say.
    pub etags: EtagSemantics,
    /// A ranged read is a seek, not a request: an object is best read in
    /// part-sized ranges pinned to one version (a local folder). Remote
    /// stores are read with one streaming request per object instead.
    pub cheap_ranged_reads: bool,
    /// The folder whose files the objects are, for a local store. A killed
    /// writer leaves the files of its interrupted writes there (see
    /// [`crate::remove_staging_files`]), and a writer may keep scratch
    /// files beside the objects; remote stores' writes are atomic and
    /// leave nothing behind.
    pub local_folder: Option<PathBuf>,
}

impl Capabilities {
    /// What the store `store` configures can do.
    pub fn of(store: &Store) -> Self {
        match &store.url {
            StoreUrl::File { path } => {
                Self { etags: EtagSemantics::Opaque, cheap_ranged_reads: true, local_folder: Some(path.clone()) }
            }
            StoreUrl::Memory { .. } => {
                Self { etags: EtagSemantics::Opaque, cheap_ranged_reads: false, local_folder: None }
            }
            StoreUrl::S3 { .. } => {
                Self { etags: EtagSemantics::Md5OrPartsMd5, cheap_ranged_reads: false, local_folder: None }
            }
            StoreUrl::Gcs { .. } => Self { etags: EtagSemantics::Md5, cheap_ranged_reads: false, local_folder: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use ponte_config::StoreOptions;

    use super::*;

    fn of(url: &str) -> Capabilities {
        let url = StoreUrl::parse(url, std::path::Path::new("/base")).unwrap();
        Capabilities::of(&Store { name: "t".into(), url, options: StoreOptions::default() })
    }

    #[test]
    fn each_backend_says_what_it_can_do() {
        let s3 = of("s3://bucket/p");
        assert!(s3.etags.holds_md5() && s3.etags.holds_parts_md5() && !s3.cheap_ranged_reads);
        let gcs = of("gs://bucket");
        assert!(gcs.etags.holds_md5() && !gcs.etags.holds_parts_md5() && gcs.local_folder.is_none());
        let folder = of("file:///data/x");
        assert!(!folder.etags.holds_md5() && folder.cheap_ranged_reads);
        assert_eq!(folder.local_folder, Some(PathBuf::from("/data/x")));
        let memory = of("memory://m");
        assert_eq!(
            (memory.etags, memory.cheap_ranged_reads, memory.local_folder),
            (EtagSemantics::Opaque, false, None)
        );
    }
}
