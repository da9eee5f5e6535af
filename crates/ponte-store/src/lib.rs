//! Object stores by URL: `s3://`, `gs://`, `file://` and `memory://`, all
//! behind [`object_store::ObjectStore`], built from a [`ponte_config::Store`]
//! with its endpoint, region and retry settings. Credentials are read from
//! the environment variables the config names, at the moment the store is
//! opened, and never appear in an error message. An `s3://` store with a
//! `role_arn` holds no key at all: it assumes the role with a web identity
//! token (Google's metadata server or a token file) and refreshes the
//! temporary credentials before they expire ([`RoleError`] says why not).
//!
//! ```no_run
//! # fn f(config: &ponte_config::Config) -> Result<(), ponte_store::StoreError> {
//! let landing = ponte_store::open(&config.stores["landing"], ponte_store::Access::ReadWrite)?;
//! # Ok(()) }
//! ```
//!
//! [`Capabilities::of`] says what a store can do (what its ETags mean,
//! whether ranged reads are cheap, which folder a local store is),
//! so callers need not match URL schemes.
//!
//! [`faults`] holds a wrapper that injects failures and latency into any
//! store, for tests of what sits on top.

mod assumed_role;
mod capabilities;
mod entity_tag;
pub mod faults;
mod open;
mod prefixed;
mod reported_hashes;
mod sqs;

pub use assumed_role::RoleError;
pub use capabilities::{Capabilities, EtagSemantics};
pub use entity_tag::{md5_of_tag, opaque_tag, same_tag};

pub use open::{Access, StoreError, open};
pub use reported_hashes::{Asked, HashReporter, ReportedHashes, hash_reporter};
pub use sqs::{SqsClient, SqsError, SqsMessage};

mod staging;
pub use staging::remove_staging_files;
