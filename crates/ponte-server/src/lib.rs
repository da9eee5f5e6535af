//! The HTTP face of ponte: a Looker API 4.0 compatible subset that the
//! official SDKs can call, signed-embed login compatible with Looker's URLs,
//! server-rendered dashboards and explores, the Pub/Sub push endpoint,
//! `/metrics` and health checks.
//!
//! Status: still to come; this crate marks its place in the workspace.
