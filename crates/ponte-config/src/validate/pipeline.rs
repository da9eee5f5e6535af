//! `[[topics]]`, `[[schedules]]` and `[[functions]]`: what fires, what
//! carries the message and what runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use toml::Spanned;

use super::transfers::{list_or_none, store_ref, topic_ref};
use super::{Checker, misfire, store_path};
use crate::cron::CronSchedule;
use crate::diagnostic::{Diagnostic, Position};
use crate::model::{Function, LoadSpec, Project, Schedule, Store, Topic, WriteMode};
use crate::raw::{RawFunction, RawSchedule, RawTopic};
use crate::schema::{FieldMode, FieldType, SchemaError, SchemaFile, TableSchema, load_schema_file};
use crate::store_url::resolve_path;

/// Deliveries of a message to a function before it is dead-lettered.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Pub/Sub's default retry policy: 10 s, doubling, at most 600 s.
const DEFAULT_MIN_BACKOFF: std::time::Duration = std::time::Duration::from_secs(10);
const DEFAULT_MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(600);

pub(super) fn topics(raw: &[Spanned<RawTopic>], checker: &mut Checker<'_>) -> Vec<Topic> {
    checker.unique_names("topic", raw.iter().filter_map(|t| t.get_ref().name.as_ref()));
    let mut out = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let Some(name) = checker.required(&t.get_ref().name, t.span(), "name", &format!("topics[{i}]")) else {
            continue;
        };
        if checker.resource_name(name, "topic") && !out.iter().any(|x: &Topic| &x.name == name.get_ref()) {
            out.push(Topic {
                name: name.get_ref().clone(),
                description: t.get_ref().description.as_ref().map(|d| d.get_ref().clone()),
            });
        }
    }
    out
}

pub(super) fn schedules(
    raw: &[Spanned<RawSchedule>],
    topics: &[Topic],
    project: &Project,
    checker: &mut Checker<'_>,
) -> Vec<Schedule> {
    checker.unique_names("schedule", raw.iter().filter_map(|s| s.get_ref().name.as_ref()));
    let mut out = Vec::new();
    for (i, spanned) in raw.iter().enumerate() {
        let s = spanned.get_ref();
        let span = spanned.span();
        let name = checker.required(&s.name, span.clone(), "name", &format!("schedules[{i}]"));
        if let Some(n) = name {
            checker.resource_name(n, "schedule");
        }
        let place = name.map_or_else(|| format!("schedules[{i}]"), |n| format!("schedule `{}`", n.get_ref()));
        let tz = checker.time_zone(s.time_zone.as_ref(), project.time_zone);
        let cron = checker.required(&s.cron, span.clone(), "cron", &place).and_then(|c| {
            match CronSchedule::parse(c.get_ref(), tz) {
                Ok(cron) => Some(cron),
                Err(e) => {
                    checker.error(c.span(), format!("bad cron expression: {e}"));
                    None
                }
            }
        });
        let topic = checker.required(&s.topic, span, "topic", &place).and_then(|t| topic_ref(t, topics, checker));
        let misfire = misfire(s.misfire.as_ref(), s.misfire_window.as_ref(), checker);
        let (Some(name), Some(cron), Some(topic)) = (name, cron, topic) else { continue };
        out.push(Schedule {
            name: name.get_ref().clone(),
            description: s.description.as_ref().map(|d| d.get_ref().clone()),
            cron,
            topic,
            data: s.data.as_ref().map(|d| d.get_ref().clone()).unwrap_or_default(),
            attributes: s.attributes.iter().flatten().map(|(k, v)| (k.clone(), v.get_ref().clone())).collect(),
            misfire,
        });
    }
    out
}

pub(super) fn functions(
    raw: &[Spanned<RawFunction>],
    stores: &BTreeMap<String, Arc<Store>>,
    topics: &[Topic],
    published: &BTreeSet<String>,
    checker: &mut Checker<'_>,
) -> Vec<Function> {
    checker.unique_names("function", raw.iter().filter_map(|f| f.get_ref().name.as_ref()));
    let mut schemas: BTreeMap<PathBuf, Option<Arc<SchemaFile>>> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, spanned) in raw.iter().enumerate() {
        let f = spanned.get_ref();
        let span = spanned.span();
        let name = checker.required(&f.name, span.clone(), "name", &format!("functions[{i}]"));
        if let Some(n) = name {
            checker.resource_name(n, "function");
        }
        let place = name.map_or_else(|| format!("functions[{i}]"), |n| format!("function `{}`", n.get_ref()));
        let trigger = checker.required(&f.trigger_topic, span.clone(), "trigger_topic", &place).and_then(|t| {
            let topic = topic_ref(t, topics, checker)?;
            if !published.contains(&topic) {
                checker.error(
                    t.span(),
                    format!("{place} waits on topic `{topic}`, but nothing publishes it: no schedule's `topic` or transfer's `notify_topic` names it"),
                );
            }
            Some(topic)
        });
        let max_attempts = match &f.max_attempts {
            None => DEFAULT_MAX_ATTEMPTS,
            Some(n) => match u32::try_from(*n.get_ref()) {
                Ok(v) if (1..=100).contains(&v) => v,
                _ => {
                    checker.error(n.span(), format!("max_attempts {} is out of range 1-100", n.get_ref()));
                    DEFAULT_MAX_ATTEMPTS
                }
            },
        };
        let min_backoff = f.min_backoff.as_ref().and_then(|d| checker.duration(d)).unwrap_or(DEFAULT_MIN_BACKOFF);
        let max_backoff = f.max_backoff.as_ref().and_then(|d| checker.duration(d)).unwrap_or(DEFAULT_MAX_BACKOFF);
        if let Some(max) = &f.max_backoff
            && max_backoff < min_backoff
        {
            checker.error(max.span(), format!("{place}: max_backoff is shorter than min_backoff"));
        }
        let load = checker.required(&f.load, span, "load", &place).and_then(|l| {
            let raw = l.get_ref();
            let lplace = format!("{place} load");
            let store = store_ref(raw.store.as_ref(), l.span(), &lplace, stores, checker);
            let table = checker.required(&raw.table, l.span(), "table", &lplace);
            if let Some(t) = table {
                let v = t.get_ref();
                if v.is_empty() || v.len() > 1024 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    checker.error(
                        t.span(),
                        format!("bad table name `{v}`: letters, digits and underscores, at most 1024"),
                    );
                }
            }
            let schema_key = checker.required(&raw.schema_file, l.span(), "schema_file", &lplace);
            let write = raw.write.as_ref().and_then(|w| {
                checker.choice(w, "write", &[("truncate", WriteMode::Truncate), ("append", WriteMode::Append)])
            });
            let schema_path = schema_key.map(|k| resolve_path(checker.base_dir, k.get_ref()));
            let file = match (schema_key, &schema_path) {
                (Some(key), Some(path)) => {
                    schemas.entry(path.clone()).or_insert_with(|| schema_file(path, key, checker)).clone()
                }
                _ => None,
            };
            let schema = match (&file, table) {
                (Some(file), Some(t)) => match file.table(t.get_ref()) {
                    Some(s) => Some(Arc::new(s.clone())),
                    None => {
                        checker.error(
                            t.span(),
                            format!(
                                "schema file {} has no table `{}` (it has: {})",
                                file.path.display(),
                                t.get_ref(),
                                list_or_none(&file.table_names())
                            ),
                        );
                        None
                    }
                },
                _ => None,
            };
            let cluster_by = raw
                .cluster_by
                .as_ref()
                .map(|columns| cluster_columns(columns, schema.as_deref(), &lplace, checker))
                .unwrap_or_default();
            Some(LoadSpec {
                store: store?,
                prefix: store_path(raw.prefix.as_ref()),
                table: table?.get_ref().clone(),
                schema_file: schema_path?,
                schema: schema?,
                write: write.unwrap_or_default(),
                allow_empty: raw.allow_empty.as_ref().is_some_and(|v| *v.get_ref()),
                cluster_by,
            })
        });
        let (Some(name), Some(trigger_topic), Some(load)) = (name, trigger, load) else { continue };
        out.push(Function {
            name: name.get_ref().clone(),
            description: f.description.as_ref().map(|d| d.get_ref().clone()),
            trigger_topic,
            max_attempts,
            min_backoff,
            max_backoff,
            load,
        });
    }
    out
}

/// BigQuery's limit on clustering columns, kept for both warehouses so one
/// config runs on either.
const MAX_CLUSTER_COLUMNS: usize = 4;

/// `cluster_by`: top-level columns of the table's schema, named once each,
/// of a type both warehouses can order (BigQuery's clustering types, less
/// GEOGRAPHY and RANGE). Returns the names as the schema spells them.
fn cluster_columns(
    columns: &Spanned<Vec<Spanned<String>>>,
    schema: Option<&TableSchema>,
    place: &str,
    checker: &mut Checker<'_>,
) -> Vec<String> {
    if columns.get_ref().len() > MAX_CLUSTER_COLUMNS {
        checker.error(
            columns.span(),
            format!(
                "{place}: cluster_by names {} columns; at most {MAX_CLUSTER_COLUMNS} (BigQuery's limit)",
                columns.get_ref().len()
            ),
        );
    }
    let mut out: Vec<String> = Vec::new();
    for column in columns.get_ref() {
        let name = column.get_ref();
        // Without a schema (its own problem is reported) the names can't be checked.
        let Some(schema) = schema else { continue };
        let Some(field) = schema.field(name) else {
            let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
            checker.error(
                column.span(),
                format!(
                    "{place}: cluster_by names `{name}`, which is not a column of the table (its columns: {})",
                    names.join(", ")
                ),
            );
            continue;
        };
        let orderable = matches!(
            field.field_type,
            FieldType::String
                | FieldType::Int64
                | FieldType::Numeric
                | FieldType::BigNumeric
                | FieldType::Bool
                | FieldType::Timestamp
                | FieldType::Date
                | FieldType::Datetime
        );
        if field.mode == FieldMode::Repeated || !orderable {
            let what = if field.mode == FieldMode::Repeated {
                "a REPEATED".to_owned()
            } else {
                format!("a {}", field.field_type)
            };
            checker.error(
                column.span(),
                format!(
                    "{place}: cannot cluster by `{name}`, {what} column; clustering columns are single STRING, INTEGER, NUMERIC, BIGNUMERIC, BOOLEAN, TIMESTAMP, DATE or DATETIME values"
                ),
            );
            continue;
        }
        if out.iter().any(|c| c.eq_ignore_ascii_case(&field.name)) {
            checker.error(column.span(), format!("{place}: cluster_by names `{name}` twice"));
            continue;
        }
        out.push(field.name.clone());
    }
    out
}

/// Reads a schema file, turning its problems into diagnostics that name the
/// schema file (and where the config points at it).
fn schema_file(path: &std::path::Path, key: &Spanned<String>, checker: &mut Checker<'_>) -> Option<Arc<SchemaFile>> {
    let referenced = checker.src.position(key.span().start);
    let from = format!("(schema file named at {}:{})", checker.src.path.display(), referenced.line);
    match load_schema_file(path) {
        Ok(f) => Some(Arc::new(f)),
        Err(SchemaError::Io { source, .. }) => {
            checker.error(key.span(), format!("cannot read schema file {}: {source}", path.display()));
            None
        }
        Err(SchemaError::Json { line, column, message, .. }) => {
            checker.push(Diagnostic {
                file: path.to_owned(),
                position: Some(Position { line, column }),
                message: format!("not valid JSON: {message} {from}"),
            });
            None
        }
        Err(SchemaError::Invalid { problems, .. }) => {
            for p in problems {
                checker.push(Diagnostic { file: path.to_owned(), position: None, message: format!("{p} {from}") });
            }
            None
        }
    }
}
