//! Tables: the `Warehouse` trait (replace a table atomically from a stream of
//! Arrow batches, append, list, describe, query with bound parameters) and
//! its backends — embedded parquet snapshots with an atomically switched
//! manifest, queried by DataFusion, and BigQuery over its REST API — plus the
//! parquet loader that checks files against a schema before any data moves.
//!
//! Status: still to come; this crate marks its place in the workspace.
