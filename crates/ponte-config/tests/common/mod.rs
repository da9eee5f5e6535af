//! Loading a config text as `validate` does, for the tests of this folder.

#![allow(dead_code)]

use ponte_config::ConfigError;

/// Loads `text` as ponte.toml in a fresh folder (kept while the result is used).
pub fn load(text: &str) -> (tempfile::TempDir, Result<ponte_config::Config, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ponte.toml"), text).unwrap();
    let result = ponte_config::load(&dir.path().join("ponte.toml"));
    (dir, result)
}

/// Every problem of an invalid config, as `validate` prints them
/// (`ponte.toml:LINE:COL: message`).
pub fn problems(text: &str) -> Vec<String> {
    match load(text).1 {
        Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| {
                let text = d.to_string();
                text[text.find("ponte.toml:").expect("the file is named")..].to_owned()
            })
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("config was accepted:\n{text}"),
    }
}
