//! Running the `ponte` binary from tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `ponte` with `args`, ignoring any PONTE_CONFIG of the caller.
pub fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte")).args(args).env_remove("PONTE_CONFIG").output().expect("ponte runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
