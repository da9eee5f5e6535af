//! `ponte.toml`: the one file that describes a ponte deployment.
//!
//! Reading a config goes parse → resolve names → validate → a typed,
//! immutable [`Config`] that every stage takes by reference. Every problem is
//! reported at once, each with `file:line:column` and what was expected, so
//! `ponte validate` fixes a broken config in one pass.
//!
//! ```no_run
//! let config = ponte_config::load("examples/comerc/ponte.toml".as_ref())?;
//! for job in &config.transfers {
//!     println!("{} → {}", job.name, job.sink.store.url);
//! }
//! # Ok::<(), ponte_config::ConfigError>(())
//! ```
//!
//! The crate also reads BigQuery JSON schema files ([`schema`]) and checks
//! cron expressions the way Cloud Scheduler does ([`cron`]).

mod backoff;
pub mod cron;
mod diagnostic;
mod model;
mod raw;
pub mod schema;
mod store_url;
pub mod suggest;
pub mod unknown_keys;
mod validate;

use std::path::{Path, PathBuf};

pub use backoff::Backoff;
pub use cron::{CronError, CronSchedule, parse_time_zone};
pub use diagnostic::{Diagnostic, Position, SourceText};
pub use model::*;
pub use raw::IntOrString;
pub use schema::{FieldMode, FieldSchema, FieldType, SchemaFile, TableSchema};
pub use store_url::{StoreUrl, StoreUrlError, resolve_path};

use raw::RawConfig;
use unknown_keys::{UnknownKey, expected_config_keys, segments};

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a sound config.
    #[error("{} has {} problem(s):\n{}", path.display(), diagnostics.len(), render(diagnostics))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
}

/// Reads and validates a config file. Relative paths inside it resolve
/// against its folder.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    let absolute = resolve_path(&std::env::current_dir().unwrap_or_default(), path);
    let base_dir = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(path, &text, &base_dir)
}

/// Validates config text. `path` names the file in messages; relative paths
/// in the config resolve against `base_dir`.
pub fn parse(path: &Path, text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
    let src = SourceText { path, text };
    let invalid = |diagnostics| ConfigError::Invalid { path: path.to_owned(), diagnostics };

    let document = toml::de::DeTable::parse(text).map_err(|e| invalid(vec![src.diagnostic(e.span(), e.message())]))?;
    let spans = document.get_ref().clone();
    let mut unknown: Vec<UnknownKey> = Vec::new();
    let raw: RawConfig = serde_ignored::deserialize(toml::de::Deserializer::from(document), |path| {
        unknown.push(UnknownKey { path: segments(&path) });
    })
    .map_err(|e| invalid(vec![src.diagnostic(e.span(), e.message().trim_end().to_owned())]))?;

    let mut checker = validate::Checker::new(src, base_dir);
    for key in &unknown {
        let expected = expected_config_keys(key);
        let mut message = match key.parent_display().as_str() {
            "" => format!("unknown key `{}`", key.key()),
            parent => format!("unknown key `{}` in {parent}", key.key()),
        };
        if let Some(best) = suggest::closest(key.key(), expected.iter().copied()) {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        if !expected.is_empty() {
            message.push_str(&format!(" (expected one of: {})", expected.join(", ")));
        }
        let span = key.span(&spans).unwrap_or(0..0);
        checker.error(span, message);
    }
    let config = validate::validate(&raw, &mut checker);
    let mut diagnostics = checker.diagnostics;
    match config {
        Some(config) if diagnostics.is_empty() => Ok(config),
        _ => {
            // Config-file problems first, in file order; then other files'.
            diagnostics
                .sort_by(|a, b| (a.file != path, &a.file, a.position).cmp(&(b.file != path, &b.file, b.position)));
            Err(invalid(diagnostics))
        }
    }
}
