//! `[[transfers]]`, with Storage Transfer Service's own rules.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::{Checker, store_path};
use crate::cron::CronSchedule;
use crate::model::{
    EventStream, MaxDelete, OverwriteWhen, Project, Store, Topic, TransferJob, TransferSink, TransferSource,
};
use crate::raw::{IntOrString, RawEventStream, RawTransfer};
use crate::{SqsQueue, StoreUrl};

/// Objects in flight per transfer when none is configured. Small objects
/// cost a round trip each, so this many hide a server's per-request
/// latency: 20,000 objects of 1-64 KB from an S3 server on loopback whose
/// answers take about 40 ms took 25.9 s at 32, 9.2 s at 128 (both cores
/// then busy between client and server) and 12.0 s at 256. Memory does not
/// grow with it: every copy claims its bytes from the run's memory budget
/// first, so large objects are held back by the budget, not by this.
pub(crate) const DEFAULT_CONCURRENCY: usize = 128;

pub(super) fn transfers(
    raw: &[Spanned<RawTransfer>],
    stores: &BTreeMap<String, Arc<Store>>,
    topics: &[Topic],
    project: &Project,
    checker: &mut Checker<'_>,
) -> Vec<TransferJob> {
    checker.unique_names("transfer", raw.iter().filter_map(|t| t.get_ref().name.as_ref()));
    raw.iter().enumerate().filter_map(|(i, t)| transfer(i, t, stores, topics, project, checker)).collect()
}

fn transfer(
    index: usize,
    spanned: &Spanned<RawTransfer>,
    stores: &BTreeMap<String, Arc<Store>>,
    topics: &[Topic],
    project: &Project,
    checker: &mut Checker<'_>,
) -> Option<TransferJob> {
    let t = spanned.get_ref();
    let span = spanned.span();
    let name = checker.required(&t.name, span.clone(), "name", &format!("transfers[{index}]"));
    if let Some(n) = name {
        checker.resource_name(n, "transfer");
    }
    let place = name.map_or_else(|| format!("transfers[{index}]"), |n| format!("transfer `{}`", n.get_ref()));

    let source = checker.required(&t.source, span.clone(), "source", &place).and_then(|src| {
        let s = src.get_ref();
        let store = store_ref(s.store.as_ref(), src.span(), &format!("{place} source"), stores, checker)?;
        let include = s.include_prefixes.as_deref().unwrap_or_default();
        let exclude = s.exclude_prefixes.as_deref().unwrap_or_default();
        check_prefixes(include, exclude, checker);
        Some(TransferSource {
            store,
            path: store_path(s.path.as_ref()),
            include_prefixes: include.iter().map(|p| p.get_ref().clone()).collect(),
            exclude_prefixes: exclude.iter().map(|p| p.get_ref().clone()).collect(),
        })
    });
    let sink = checker.required(&t.sink, span.clone(), "sink", &place).and_then(|snk| {
        let s = snk.get_ref();
        let store = store_ref(s.store.as_ref(), snk.span(), &format!("{place} sink"), stores, checker)?;
        Some(TransferSink { store, path: store_path(s.path.as_ref()) })
    });
    if let (Some(src), Some(snk)) = (&source, &sink) {
        let a = location(&src.store, &src.path);
        let b = location(&snk.store, &snk.path);
        if a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/")) {
            let at = t.sink.as_ref().map(Spanned::span).unwrap_or(span.clone());
            checker
                .error(at, format!("{place}: source `{a}` and sink `{b}` overlap; a sync could delete its own source"));
        }
    }

    let overwrite_when = t.overwrite_when.as_ref().and_then(|v| {
        checker.choice(
            v,
            "overwrite_when",
            &[
                ("different", OverwriteWhen::Different),
                ("never", OverwriteWhen::Never),
                ("always", OverwriteWhen::Always),
            ],
        )
    });
    let delete_unique_in_sink = t.delete_unique_in_sink.as_ref().is_some_and(|v| *v.get_ref());
    let max_delete = t.max_delete.as_ref().and_then(|v| max_delete(v, checker)).unwrap_or_default();
    let min_age = t.min_age.as_ref().and_then(|v| checker.duration(v));
    if delete_unique_in_sink && let Some(age) = &t.min_age {
        checker.error(
            age.span(),
            format!("{place}: `delete_unique_in_sink` cannot be combined with a time-based condition (`min_age`), as in Storage Transfer Service: objects it skips for age would be deleted from the sink"),
        );
    }
    let concurrency = match &t.concurrency {
        None => DEFAULT_CONCURRENCY,
        Some(c) => match usize::try_from(*c.get_ref()) {
            Ok(v) if (1..=1024).contains(&v) => v,
            _ => {
                checker.error(c.span(), format!("concurrency {} is out of range 1-1024", c.get_ref()));
                DEFAULT_CONCURRENCY
            }
        },
    };
    let schedule = t.schedule.as_ref().and_then(|s| {
        let raw = s.get_ref();
        let tz = checker.time_zone(raw.time_zone.as_ref(), project.time_zone);
        let cron = checker.required(&raw.cron, s.span(), "cron", &format!("{place} schedule"))?;
        match CronSchedule::parse(cron.get_ref(), tz) {
            Ok(c) => Some(c),
            Err(e) => {
                checker.error(cron.span(), format!("bad cron expression: {e}"));
                None
            }
        }
    });
    let misfire = t
        .schedule
        .as_ref()
        .map(|s| super::misfire(s.get_ref().misfire.as_ref(), s.get_ref().misfire_window.as_ref(), checker))
        .unwrap_or_default();
    let notify_topic = t.notify_topic.as_ref().and_then(|n| topic_ref(n, topics, checker));
    let event_stream = t.event_stream.as_ref().and_then(|e| event_stream(e, source.as_ref(), &place, checker));

    Some(TransferJob {
        name: name?.get_ref().clone(),
        description: t.description.as_ref().map(|d| d.get_ref().clone()),
        source: source?,
        sink: sink?,
        overwrite_when: overwrite_when.unwrap_or_default(),
        delete_unique_in_sink,
        max_delete,
        min_age,
        concurrency,
        schedule,
        misfire,
        notify_topic,
        event_stream,
    })
}

/// `event_stream = { queue = "…" }`: a queue of S3 event notifications,
/// so only for an `s3://` source.
fn event_stream(
    spanned: &Spanned<RawEventStream>,
    source: Option<&TransferSource>,
    place: &str,
    checker: &mut Checker<'_>,
) -> Option<EventStream> {
    let queue =
        checker.required(&spanned.get_ref().queue, spanned.span(), "queue", &format!("{place} event_stream"))?;
    let queue = match SqsQueue::parse(queue.get_ref()) {
        Ok(q) => (q, queue.span()),
        Err(e) => {
            checker.error(queue.span(), e.to_string());
            return None;
        }
    };
    let source = source?;
    if !matches!(source.store.url, StoreUrl::S3 { .. }) {
        checker.error(
            spanned.span(),
            format!(
                "{place}: `event_stream` needs an `s3://` source (S3 sends the event notifications); store `{}` is {}",
                source.store.name, source.store.url
            ),
        );
        return None;
    }
    if queue.0.is_http() && !source.store.options.allow_http {
        checker.error(
            queue.1,
            format!(
                "{place}: the queue URL is plain http, but store `{}` does not set `allow_http = true`",
                source.store.name
            ),
        );
        return None;
    }
    Some(EventStream { queue: queue.0 })
}

/// A store named by a `store = "…"` key.
pub(super) fn store_ref(
    value: Option<&Spanned<String>>,
    table: Range<usize>,
    place: &str,
    stores: &BTreeMap<String, Arc<Store>>,
    checker: &mut Checker<'_>,
) -> Option<Arc<Store>> {
    let Some(name) = value else {
        checker.error(table, format!("{place}: missing required key `store`"));
        return None;
    };
    match stores.get(name.get_ref()) {
        Some(s) => Some(s.clone()),
        None if checker.declared.contains(&format!("store:{}", name.get_ref())) => None,
        None => {
            let known: Vec<&str> = stores.keys().map(String::as_str).collect();
            checker.error(
                name.span(),
                format!("unknown store `{}`; stores defined: {}", name.get_ref(), list_or_none(&known)),
            );
            None
        }
    }
}

/// A topic named by a key; it must be declared under `[[topics]]`.
pub(super) fn topic_ref(name: &Spanned<String>, topics: &[Topic], checker: &mut Checker<'_>) -> Option<String> {
    if topics.iter().any(|t| &t.name == name.get_ref()) {
        Some(name.get_ref().clone())
    } else if checker.declared.contains(&format!("topic:{}", name.get_ref())) {
        None
    } else {
        let known: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
        let guess = crate::suggest::closest(name.get_ref(), known.iter().copied())
            .map(|best| format!("did you mean `{best}`? Or "))
            .unwrap_or_default();
        checker.error(
            name.span(),
            format!(
                "unknown topic `{}`; {guess}declare it under [[topics]] (topics defined: {})",
                name.get_ref(),
                list_or_none(&known)
            ),
        );
        None
    }
}

pub(super) fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

fn location(store: &Store, path: &str) -> String {
    let base = store.url.to_string();
    let base = base.trim_end_matches('/');
    if path.is_empty() { base.to_owned() } else { format!("{base}/{path}") }
}

/// STS's ObjectConditions rules for include and exclude prefixes.
fn check_prefixes(include: &[Spanned<String>], exclude: &[Spanned<String>], checker: &mut Checker<'_>) {
    for (kind, list) in [("include", include), ("exclude", exclude)] {
        for p in list {
            let v = p.get_ref();
            if v.is_empty() {
                checker.error(p.span(), format!("an {kind} prefix may not be empty"));
            } else if v.starts_with('/') {
                checker.error(p.span(), format!("{kind} prefix `{v}` must omit the leading slash"));
            } else if v.contains(['\r', '\n']) {
                checker.error(p.span(), format!("{kind} prefix may not contain a line break"));
            } else if v.len() > 1024 {
                checker.error(p.span(), format!("{kind} prefix is longer than 1024 bytes"));
            }
        }
        if list.len() > 1000 {
            checker.error(list[1000].span(), format!("at most 1000 {kind} prefixes are allowed"));
        }
        for (i, a) in list.iter().enumerate() {
            for b in &list[..i] {
                let (x, y) = (a.get_ref(), b.get_ref());
                if x.starts_with(y.as_str()) || y.starts_with(x.as_str()) {
                    checker.error(
                        a.span(),
                        format!("{kind} prefix `{x}` overlaps `{y}`: no {kind} prefix may be a prefix of another"),
                    );
                }
            }
        }
    }
    if !include.is_empty() {
        for e in exclude {
            if !include.iter().any(|i| e.get_ref().starts_with(i.get_ref().as_str())) {
                checker.error(
                    e.span(),
                    format!("exclude prefix `{}` must start with one of the include prefixes", e.get_ref()),
                );
            }
        }
    }
}

fn max_delete(value: &Spanned<IntOrString>, checker: &mut Checker<'_>) -> Option<MaxDelete> {
    let parsed = match value.get_ref() {
        IntOrString::Int(n) if *n >= 0 => Some(MaxDelete::Count(*n as u64)),
        IntOrString::Int(_) => None,
        IntOrString::String(s) => match s.trim().strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().ok().filter(|p| (0.0..=100.0).contains(p)).map(MaxDelete::Percent),
            None => s.trim().parse::<u64>().ok().map(MaxDelete::Count),
        },
    };
    if parsed.is_none() {
        checker.error(
            value.span(),
            "bad `max_delete`: expected a count such as 100 or a percentage of the sink such as \"10%\" (0-100%)",
        );
    }
    parsed
}
