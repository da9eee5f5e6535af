//! `ponte_config::parse` on `ponte.toml` text, with relative paths resolved
//! against the example deployment (so its schema files are found).
//!
//! Properties: never panics; an invalid config comes with at least one
//! diagnostic, and every diagnostic about the config file has a line and
//! column inside the text; a valid config parses the same way twice.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ponte_config::{ConfigError, parse};

fuzz_target!(|data: &[u8]| {
    let Some(text) = ponte_fuzz::text(data) else { return };
    let path = Path::new("ponte.toml");
    let base_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/comerc"));
    match parse(path, text, base_dir) {
        Ok(config) => {
            let again = parse(path, text, base_dir).expect("a valid config is valid twice");
            assert_eq!(format!("{config:?}"), format!("{again:?}"));
        }
        Err(ConfigError::Invalid { diagnostics, .. }) => ponte_fuzz::assert_located(&diagnostics, path, text),
        Err(e @ ConfigError::Read { .. }) => panic!("parse reads no config file: {e}"),
    }
});
