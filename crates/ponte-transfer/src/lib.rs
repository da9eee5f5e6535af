//! Mirroring a source prefix into a sink with Storage Transfer Service's
//! semantics: list both sides, compute a plan (copy / update / skip /
//! delete) as a plain value, execute it with bounded concurrency and
//! streaming integrity checks, and report STS's counters.
//!
//! Deletes wait until every copy succeeded and are refused outright when the
//! source side is empty or they exceed `max_delete`.
//!
//! Status: still to come; this crate marks its place in the workspace.
