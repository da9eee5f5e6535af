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

mod aws_role;
mod backoff;
pub mod cron;
mod diagnostic;
mod model;
mod raw;
pub mod schema;
mod sqs_queue;
mod store_url;
pub mod suggest;
pub mod toml_file;
pub mod unknown_keys;
mod validate;

use std::path::{Path, PathBuf};

pub use aws_role::{RoleArn, RoleArnError, RoleFederation, SessionName, WebIdentitySource};
pub use backoff::Backoff;
pub use cron::{CronError, CronSchedule, parse_time_zone};
pub use diagnostic::{Diagnostic, Position, SourceText};
pub use model::*;
pub use raw::IntOrString;
pub use schema::{FieldMode, FieldSchema, FieldType, SchemaFile, TableSchema};
pub use sqs_queue::{SqsQueue, SqsQueueError};
pub use store_url::{StoreUrl, StoreUrlError, resolve_path};

use raw::RawConfig;
use unknown_keys::expected_config_keys;

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

    let file: toml_file::TomlFile<RawConfig> =
        toml_file::read(src, expected_config_keys).map_err(|d| invalid(vec![d]))?;
    let raw = file.raw;
    let mut checker = validate::Checker::new(src, base_dir, file.misspelt);
    file.unknown_keys.into_iter().for_each(|d| checker.push(d));
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
