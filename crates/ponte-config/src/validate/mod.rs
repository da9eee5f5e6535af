//! Raw config → typed [`Config`], collecting every problem with its place.
//!
//! Each section has its own module; they share a [`Checker`] that records
//! diagnostics. A section that has problems still yields what it can (or
//! nothing), so later sections can check their references against it and
//! the user sees every problem in one run.

mod pipeline;
mod role;
mod server;
mod stores;
mod transfers;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use chrono_tz::Tz;
use toml::Spanned;

use crate::cron::parse_time_zone;
use crate::diagnostic::{Diagnostic, SourceText};
use crate::model::{Config, Project};
use crate::raw::{RawConfig, RawProject};
use crate::store_url::resolve_path;
use crate::toml_file::Misspellings;

/// Records diagnostics against one config file.
pub(crate) struct Checker<'a> {
    pub src: SourceText<'a>,
    pub base_dir: &'a Path,
    pub diagnostics: Vec<Diagnostic>,
    /// Every store and topic name written in the file, valid or not: a
    /// reference to one that has problems of its own is not reported again.
    pub declared: BTreeSet<String>,
    /// Misspelt keys: the required key one stands for is not reported missing.
    misspelt: Misspellings,
}

impl<'a> Checker<'a> {
    pub fn new(src: SourceText<'a>, base_dir: &'a Path, misspelt: Misspellings) -> Self {
        Self { src, base_dir, diagnostics: Vec::new(), declared: BTreeSet::new(), misspelt }
    }

    /// A problem at `span` of the config file.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = self.src.diagnostic(Some(span), message);
        self.diagnostics.push(d);
    }

    /// A problem in another file the config points to.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The value of a required key, or a diagnostic at the enclosing table
    /// (unless the key is there, misspelt, and already reported).
    pub fn required<'v, T>(
        &mut self,
        value: &'v Option<Spanned<T>>,
        table: Range<usize>,
        key: &str,
        place: &str,
    ) -> Option<&'v Spanned<T>> {
        if value.is_none() && !self.misspelt.explains_missing(key, &table) {
            self.error(table, format!("{place}: missing required key `{key}`"));
        }
        value.as_ref()
    }

    /// A name for a transfer, schedule, topic or function: a letter, then
    /// letters, digits, `_`, `-` or `.`, at most 255 characters (what Cloud
    /// Scheduler, Pub/Sub and Storage Transfer all accept).
    pub fn resource_name(&mut self, name: &Spanned<String>, what: &str) -> bool {
        let n = name.get_ref();
        let ok = n.len() <= 255
            && n.starts_with(|c: char| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            self.error(
                name.span(),
                format!("bad {what} name `{n}`: expected a letter followed by letters, digits, `_`, `-` or `.` (at most 255)"),
            );
        }
        ok
    }

    /// An environment variable's name (never its value).
    pub fn env_name(&mut self, name: &Spanned<String>) -> Option<String> {
        let n = name.get_ref();
        let ok = n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Some(n.clone())
        } else {
            self.error(
                name.span(),
                format!("`{n}` is not an environment variable name; keys ending in `_env` name the variable that holds a secret, never the secret itself"),
            );
            None
        }
    }

    /// A duration such as `90s`, `15m`, `1h 30m`.
    pub fn duration(&mut self, value: &Spanned<String>) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    value.span(),
                    format!("bad duration `{}`: {e}; expected e.g. `30s`, `15m`, `2h`", value.get_ref()),
                );
                None
            }
        }
    }

    /// One of a fixed set of words ([`crate::suggest::choice`]).
    pub fn choice<T: Copy>(&mut self, value: &Spanned<String>, key: &str, options: &[(&str, T)]) -> Option<T> {
        crate::suggest::choice(value.get_ref(), &format!("`{key}` value"), options)
            .map_err(|message| self.error(value.span(), message))
            .ok()
    }

    /// A time zone, or the default when none is written.
    pub fn time_zone(&mut self, value: Option<&Spanned<String>>, default: Tz) -> Tz {
        match value {
            None => default,
            Some(v) => match parse_time_zone(v.get_ref()) {
                Ok(tz) => tz,
                Err(e) => {
                    self.error(v.span(), e.to_string());
                    default
                }
            },
        }
    }

    /// Reports names seen twice in a list; returns the first span of each.
    pub fn unique_names<'v>(
        &mut self,
        what: &str,
        names: impl IntoIterator<Item = &'v Spanned<String>>,
    ) -> BTreeMap<String, Range<usize>> {
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for name in names {
            if let Some(first) = seen.get(name.get_ref()) {
                let line = self.src.position(first.start).line;
                self.error(
                    name.span(),
                    format!("duplicate {what} name `{}` (first defined on line {line})", name.get_ref()),
                );
            } else {
                seen.insert(name.get_ref().clone(), name.span());
            }
        }
        seen
    }
}

/// Validates the whole raw config.
pub(crate) fn validate(raw: &RawConfig, checker: &mut Checker<'_>) -> Option<Config> {
    checker.declared = raw
        .stores
        .keys()
        .map(|k| format!("store:{k}"))
        .chain(raw.topics.iter().filter_map(|t| t.get_ref().name.as_ref()).map(|n| format!("topic:{}", n.get_ref())))
        .collect();
    let project = project(raw.project.as_ref(), checker);
    let stores = stores::stores(&raw.stores, checker);
    let warehouse = stores::warehouse(raw.warehouse.as_ref(), &project, &stores, checker);
    let topics = pipeline::topics(&raw.topics, checker);
    let transfers = transfers::transfers(&raw.transfers, &stores, &topics, &project, checker);
    let schedules = pipeline::schedules(&raw.schedules, &topics, &project, checker);
    // A topic counts as published when any schedule or transfer names it,
    // even one with problems of its own: those are reported there, not again
    // as a function waiting on nothing.
    let published: BTreeSet<String> = raw
        .schedules
        .iter()
        .filter_map(|s| s.get_ref().topic.as_ref())
        .chain(raw.transfers.iter().filter_map(|t| t.get_ref().notify_topic.as_ref()))
        .map(|t| t.get_ref().clone())
        .collect();
    let functions = pipeline::functions(&raw.functions, &stores, &topics, &published, checker);
    let semantic = server::semantic(raw.semantic.as_ref(), checker);
    let server = server::server(raw.server.as_ref(), checker);
    if !checker.diagnostics.is_empty() {
        return None;
    }
    Some(Config {
        path: checker.src.path.to_path_buf(),
        base_dir: checker.base_dir.to_path_buf(),
        project,
        stores,
        warehouse: warehouse?,
        transfers,
        schedules,
        topics,
        functions,
        semantic,
        server: server?,
    })
}

fn project(raw: Option<&Spanned<RawProject>>, checker: &mut Checker<'_>) -> Project {
    let name = raw.and_then(|p| p.get_ref().name.as_ref());
    let state_dir = raw.and_then(|p| p.get_ref().state_dir.as_ref());
    let tz = raw.and_then(|p| p.get_ref().time_zone.as_ref());
    let grace = raw.and_then(|p| p.get_ref().shutdown_grace.as_ref()).and_then(|g| checker.duration(g));
    if let Some(name) = name
        && name.get_ref().trim().is_empty()
    {
        checker.error(name.span(), "project name is empty");
    }
    Project {
        name: name.map_or_else(|| "ponte".to_owned(), |n| n.get_ref().clone()),
        state_dir: resolve_path(checker.base_dir, state_dir.map_or(".ponte", |s| s.get_ref().as_str())),
        time_zone: checker.time_zone(tz, Tz::UTC),
        shutdown_grace: grace.unwrap_or(std::time::Duration::from_secs(30)),
    }
}

/// `misfire` and `misfire_window` of a schedule.
pub(crate) fn misfire(
    policy: Option<&Spanned<String>>,
    window: Option<&Spanned<String>>,
    checker: &mut Checker<'_>,
) -> crate::model::Misfire {
    use crate::model::{Misfire, MisfirePolicy};
    let default = Misfire::default();
    Misfire {
        policy: policy
            .and_then(|p| {
                checker.choice(p, "misfire", &[("run_once", MisfirePolicy::RunOnce), ("skip", MisfirePolicy::Skip)])
            })
            .unwrap_or(default.policy),
        window: window.and_then(|w| checker.duration(w)).unwrap_or(default.window),
    }
}

/// Trims the `/` a user may write around a path inside a store.
pub(crate) fn store_path(value: Option<&Spanned<String>>) -> String {
    value.map(|v| v.get_ref().trim_matches('/').to_owned()).unwrap_or_default()
}
