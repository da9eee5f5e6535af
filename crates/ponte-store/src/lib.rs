//! Object stores by URL: `s3://`, `gs://`, `file://` and `memory://`, all
//! behind `object_store::ObjectStore`, built from a [`ponte_config::Store`]
//! with its endpoint, region, retry and credential settings (credentials
//! always read from the environment variables the config names).
//!
//! It will also hold the wrappers that tests put around a real store — fault
//! injection and added latency — as implementations of the same trait, the
//! way `object_store`'s own `throttle` and `limit` wrappers are.
//!
//! Status: the transfer engine brings this crate to life; for now it only
//! marks the place in the workspace.
