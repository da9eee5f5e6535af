//! The plan: what a run will do to each key, decided before anything moves.
//!
//! A plan is a plain value computed from the two listings, the job's
//! settings and the fingerprints of earlier copies, with no I/O, so it can be
//! printed (`--dry-run`), tested and checked for safety before it runs.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_config::{MaxDelete, OverwriteWhen};
use ponte_state::Fingerprint;
use serde::Serialize;

use ponte_store::same_tag;

use crate::listing::ObjectInfo;

/// What happens to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `+` new in the sink.
    Copy,
    /// `~` replaces what the sink has.
    Update,
    /// `-` removed from the sink.
    Delete,
    /// `=` left alone.
    Skip,
}

impl Action {
    /// The one-character mark `--dry-run` prints.
    pub fn mark(self) -> char {
        match self {
            Self::Copy => '+',
            Self::Update => '~',
            Self::Delete => '-',
            Self::Skip => '=',
        }
    }
}

/// Why a key got its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not in the sink.
    New,
    /// Sizes differ.
    SizeDiffers,
    /// Both sides expose an MD5 and they differ.
    Md5Differs,
    /// Both sides expose the same MD5.
    SameMd5,
    /// Neither MD5s nor the last copy's fingerprint can show the sink is
    /// current: copied to be sure (never decided on size alone).
    NoComparableHash,
    /// Source and sink are as the last copy left them.
    SameAsLastCopy,
    /// Source and sink are as the last copy left them, and the source's
    /// listing carries no ETag: its size and modification time are those
    /// it was listed with when copied (never size alone).
    SameSizeAndMtimeAsLastCopy,
    /// `overwrite_when = "always"`.
    OverwriteAlways,
    /// `overwrite_when = "never"` and the sink has it.
    OverwriteNever,
    /// Modified less than `min_age` before the run.
    TooNew,
    /// Only in the sink, and `delete_unique_in_sink` is set.
    NotInSource,
}

/// One key's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    /// Key relative to the source (and sink) root.
    pub key: String,
    /// What happens.
    pub action: Action,
    /// The rule that chose the action (new, changed, same, unique in sink…).
    pub reason: Reason,
    /// Bytes involved: the source's for copies and skips, the sink's for deletes.
    pub size: u64,
}

/// The settings of a job that planning reads.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// When to overwrite.
    pub overwrite_when: OverwriteWhen,
    /// Delete sink-only keys.
    pub delete_unique_in_sink: bool,
    /// Skip sources younger than this.
    pub min_age: Option<Duration>,
    /// When the run started (for `min_age`).
    pub now: DateTime<Utc>,
}

/// A whole plan, in key order, with what the listings found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// One entry per key in scope on either side.
    pub items: Vec<PlanItem>,
    /// Objects and bytes the source listing found.
    pub source_objects: u64,
    /// See `source_objects`.
    pub source_bytes: u64,
    /// Objects the sink listing found (in scope).
    pub sink_objects: u64,
    /// Objects and bytes only in the sink.
    pub sink_only_objects: u64,
    /// See `sink_only_objects`.
    pub sink_only_bytes: u64,
}

impl Plan {
    /// Items with a given action.
    pub fn with(&self, action: Action) -> impl Iterator<Item = &PlanItem> {
        self.items.iter().filter(move |i| i.action == action)
    }

    /// How many items have a given action, and their bytes.
    pub fn count(&self, action: Action) -> (u64, u64) {
        self.with(action).fold((0, 0), |(n, b), i| (n + 1, b + i.size))
    }
}

/// Computes the plan. Pure: no I/O.
pub fn plan(
    source: &BTreeMap<String, ObjectInfo>,
    sink: &BTreeMap<String, ObjectInfo>,
    fingerprints: &HashMap<String, Fingerprint>,
    settings: &PlanSettings,
) -> Plan {
    let mut p = Plan {
        source_objects: source.len() as u64,
        source_bytes: source.values().map(|o| o.size).sum(),
        sink_objects: sink.len() as u64,
        ..Plan::default()
    };
    let too_new = |o: &ObjectInfo| {
        settings.min_age.is_some_and(|age| {
            let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
            o.last_modified > settings.now - age
        })
    };
    let mut s = source.iter().peekable();
    let mut k = sink.iter().peekable();
    loop {
        let item = match (s.peek(), k.peek()) {
            (None, None) => break,
            (Some((sk, src)), Some((kk, _))) if sk < kk => {
                let item = new_item(sk, src, too_new(src));
                s.next();
                item
            }
            (Some((sk, src)), None) => {
                let item = new_item(sk, src, too_new(src));
                s.next();
                item
            }
            (Some((sk, src)), Some((kk, dst))) if sk == kk => {
                let (action, reason) = if too_new(src) {
                    (Action::Skip, Reason::TooNew)
                } else {
                    compare(sk, src, dst, fingerprints.get(sk.as_str()), settings.overwrite_when)
                };
                let item = PlanItem { key: (*sk).clone(), action, reason, size: src.size };
                s.next();
                k.next();
                item
            }
            (_, Some((kk, dst))) => {
                p.sink_only_objects += 1;
                p.sink_only_bytes += dst.size;
                let item = settings.delete_unique_in_sink.then(|| PlanItem {
                    key: (*kk).clone(),
                    action: Action::Delete,
                    reason: Reason::NotInSource,
                    size: dst.size,
                });
                k.next();
                match item {
                    Some(i) => i,
                    None => continue,
                }
            }
        };
        p.items.push(item);
    }
    p
}

fn new_item(key: &str, src: &ObjectInfo, too_new: bool) -> PlanItem {
    let (action, reason) = if too_new { (Action::Skip, Reason::TooNew) } else { (Action::Copy, Reason::New) };
    PlanItem { key: key.to_owned(), action, reason, size: src.size }
}

fn compare(
    _key: &str,
    src: &ObjectInfo,
    dst: &ObjectInfo,
    last: Option<&Fingerprint>,
    overwrite_when: OverwriteWhen,
) -> (Action, Reason) {
    match overwrite_when {
        OverwriteWhen::Never => return (Action::Skip, Reason::OverwriteNever),
        OverwriteWhen::Always => return (Action::Update, Reason::OverwriteAlways),
        OverwriteWhen::Different => {}
    }
    if src.size != dst.size {
        return (Action::Update, Reason::SizeDiffers);
    }
    if let Some(f) = last {
        // The sink's ETag is the one its PUT answered, the listed one now
        // from a listing: compared as entity tags, not as text.
        let same_sink =
            f.sink_size == dst.size && f.sink_etag.is_some() && same_tag(f.sink_etag.as_deref(), dst.e_tag.as_deref());
        if same_sink && same_source(f, src) {
            let reason = if src.e_tag.is_some() { Reason::SameAsLastCopy } else { Reason::SameSizeAndMtimeAsLastCopy };
            return (Action::Skip, reason);
        }
    }
    // After the fingerprint: an ETag that looks like an MD5 may not be one
    // (S3's SSE-KMS objects), and a verified copy neither side has changed
    // since needs no second opinion.
    if let (Some(a), Some(b)) = (src.md5(), dst.md5()) {
        return if a == b { (Action::Skip, Reason::SameMd5) } else { (Action::Update, Reason::Md5Differs) };
    }
    (Action::Update, Reason::NoComparableHash)
}

/// Whether the source is as it was listed when last copied. A listing is
/// compared with the listing the copy was planned from: size and
/// modification time always, and the ETag where the listing has one, so
/// an object is never taken for unchanged on its size alone. A fingerprint
/// recorded before ponte kept the listing is compared with what the copy's
/// GET said, as it was then (a listing without ETags never matches it, so
/// the object is copied once more and fingerprinted anew).
fn same_source(f: &Fingerprint, src: &ObjectInfo) -> bool {
    match &f.listed {
        Some(listed) => {
            listed.size == src.size
                && listed.mtime_us == src.last_modified.timestamp_micros()
                && same_tag(listed.etag.as_deref(), src.e_tag.as_deref())
        }
        None => {
            f.source_size == src.size
                && same_tag(f.source_etag.as_deref(), src.e_tag.as_deref())
                && f.source_mtime_us == src.last_modified.timestamp_micros()
        }
    }
}

/// Why a plan's deletes are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The source side is empty but the sink side is not.
    #[error(
        "refusing to delete {sink_objects} object(s) from the sink: the source side is empty \
         (a mistyped or empty prefix?); nothing was changed. Run with --force if the source really is empty now"
    )]
    EmptySource {
        /// Objects that would go.
        sink_objects: u64,
    },
    /// More deletes than `max_delete` allows.
    #[error(
        "refusing to delete {deletes} of {sink_objects} object(s) in the sink: more than max_delete allows ({limit}); \
         nothing was changed. Check the source, raise max_delete, or run with --force"
    )]
    TooManyDeletes {
        /// Planned deletes.
        deletes: u64,
        /// Objects in the sink's scope.
        sink_objects: u64,
        /// The limit, as configured.
        limit: String,
    },
}

/// Checks a plan's deletes against the safety rules.
pub fn check_deletes(plan: &Plan, max_delete: MaxDelete) -> Result<(), Refusal> {
    let (deletes, _) = plan.count(Action::Delete);
    if deletes == 0 {
        return Ok(());
    }
    if plan.source_objects == 0 {
        return Err(Refusal::EmptySource { sink_objects: plan.sink_objects });
    }
    if deletes > max_delete.limit(plan.sink_objects) {
        let limit = match max_delete {
            MaxDelete::Count(n) => format!("{n} objects"),
            MaxDelete::Percent(p) => format!("{p}% = {} objects", max_delete.limit(plan.sink_objects)),
        };
        return Err(Refusal::TooManyDeletes { deletes, sink_objects: plan.sink_objects, limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(size: u64, e_tag: &str, secs: i64) -> ObjectInfo {
        ObjectInfo { size, e_tag: Some(e_tag.into()), last_modified: DateTime::from_timestamp(secs, 0).unwrap() }
    }

    fn settings() -> PlanSettings {
        PlanSettings {
            overwrite_when: OverwriteWhen::Different,
            delete_unique_in_sink: true,
            min_age: None,
            now: DateTime::from_timestamp(10_000, 0).unwrap(),
        }
    }

    const MD5_A: &str = "\"0cc175b9c0f1b6a831c399e269772661\"";
    const MD5_B: &str = "\"92eb5ffee6ae2fec3ad71c777531578f\"";

    #[test]
    fn every_case_gets_its_action() {
        let source: BTreeMap<String, ObjectInfo> = [
            ("new", obj(1, "x", 1)),
            ("resized", obj(2, "x", 1)),
            ("same-md5", obj(1, MD5_A, 1)),
            ("other-md5", obj(1, MD5_A, 1)),
            ("fingerprinted", obj(1, "s1", 5)),
            ("kms-print", obj(1, MD5_A, 5)),
            ("quoted-print", obj(1, "XrY7u+Ae7tCTyyK7j1rNww==", 5)),
            ("stale-print", obj(1, "s2", 6)),
            ("unknown", obj(1, "s3", 1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let sink: BTreeMap<String, ObjectInfo> = [
            ("resized", obj(1, "y", 1)),
            ("same-md5", obj(1, MD5_A, 1)),
            ("other-md5", obj(1, MD5_B, 1)),
            ("fingerprinted", obj(1, "d1", 7)),
            ("kms-print", obj(1, MD5_B, 7)),
            ("quoted-print", obj(1, "W/\"d4\"", 7)),
            ("stale-print", obj(1, "d2", 7)),
            ("unknown", obj(1, "d3", 1)),
            ("gone", obj(9, "z", 1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let print = |etag: &str, mtime: i64, sink: &str| Fingerprint {
            source_etag: Some(etag.into()),
            source_size: 1,
            source_mtime_us: mtime * 1_000_000,
            sink_etag: Some(sink.into()),
            sink_size: 1,
            md5: String::new(),
            crc32c: 0,
            // Recorded before fingerprints kept the source's listing.
            listed: None,
        };
        let prints: HashMap<String, Fingerprint> = [
            ("fingerprinted".to_owned(), print("s1", 5, "d1")),
            // An SSE-KMS source's ETag looks like an MD5 and is not one: the
            // verified copy neither side changed since wins over it.
            ("kms-print".to_owned(), print(MD5_A, 5, MD5_B)),
            // Recorded from the copy's GET and PUT (quoted) and listed bare
            // or weak: the same versions, as a GCS-compatible server lists them.
            ("quoted-print".to_owned(), print("\"XrY7u+Ae7tCTyyK7j1rNww==\"", 5, "\"d4\"")),
            // The source changed since the last copy (other mtime).
            ("stale-print".to_owned(), print("s2", 5, "d2")),
        ]
        .into();
        let p = plan(&source, &sink, &prints, &settings());
        let got: Vec<(&str, Action, Reason)> = p.items.iter().map(|i| (i.key.as_str(), i.action, i.reason)).collect();
        assert_eq!(
            got,
            vec![
                ("fingerprinted", Action::Skip, Reason::SameAsLastCopy),
                ("gone", Action::Delete, Reason::NotInSource),
                ("kms-print", Action::Skip, Reason::SameAsLastCopy),
                ("new", Action::Copy, Reason::New),
                ("other-md5", Action::Update, Reason::Md5Differs),
                ("quoted-print", Action::Skip, Reason::SameAsLastCopy),
                ("resized", Action::Update, Reason::SizeDiffers),
                ("same-md5", Action::Skip, Reason::SameMd5),
                ("stale-print", Action::Update, Reason::NoComparableHash),
                ("unknown", Action::Update, Reason::NoComparableHash),
            ]
        );
        assert_eq!((p.source_objects, p.sink_objects, p.sink_only_objects, p.sink_only_bytes), (9, 9, 1, 9));
    }

    /// The decision table for fingerprints that keep the source's listing:
    /// a listing is compared with a listing, size and mtime always, the
    /// ETag where listed, never size alone; the sink as its PUT left it.
    #[test]
    fn a_listing_is_compared_with_the_listing_of_the_last_copy() {
        let untagged = |size: u64, secs: i64| ObjectInfo {
            size,
            e_tag: None,
            last_modified: DateTime::from_timestamp(secs, 0).unwrap() + chrono::Duration::milliseconds(250),
        };
        let with_tag = |size: u64, tag: &str, secs: i64| ObjectInfo { e_tag: Some(tag.into()), ..untagged(size, secs) };
        // Key, source as listed now, sink as listed now, the source's
        // listing at the last copy, and the action and reason expected.
        let cases: Vec<(&str, ObjectInfo, ObjectInfo, ObjectInfo, Action, Reason)> = vec![
            (
                "unchanged",
                untagged(4, 5),
                with_tag(4, "d", 7),
                untagged(4, 5),
                Action::Skip,
                Reason::SameSizeAndMtimeAsLastCopy,
            ),
            // Rewritten in place with as many bytes: a new mtime.
            (
                "rewritten",
                untagged(4, 6),
                with_tag(4, "d", 7),
                untagged(4, 5),
                Action::Update,
                Reason::NoComparableHash,
            ),
            // Same mtime, another size than was listed (the sink was
            // written to that size by someone else): size and mtime both count.
            (
                "resized-at-source",
                untagged(5, 5),
                with_tag(5, "d", 7),
                untagged(4, 5),
                Action::Update,
                Reason::NoComparableHash,
            ),
            // A sub-second change counts: the listing's precision is kept.
            (
                "subsecond",
                untagged(4, 5),
                with_tag(4, "d", 7),
                ObjectInfo { last_modified: DateTime::from_timestamp(5, 0).unwrap(), ..untagged(4, 5) },
                Action::Update,
                Reason::NoComparableHash,
            ),
            (
                "tagged",
                with_tag(4, "s1", 5),
                with_tag(4, "d", 7),
                with_tag(4, "\"s1\"", 5),
                Action::Skip,
                Reason::SameAsLastCopy,
            ),
            (
                "retagged",
                with_tag(4, "s2", 5),
                with_tag(4, "d", 7),
                with_tag(4, "s1", 5),
                Action::Update,
                Reason::NoComparableHash,
            ),
            // The server lists ETags now and did not then: not comparable.
            (
                "tag-appeared",
                with_tag(4, "s1", 5),
                with_tag(4, "d", 7),
                untagged(4, 5),
                Action::Update,
                Reason::NoComparableHash,
            ),
            // The sink is no longer what the copy's PUT left.
            (
                "sink-rewritten",
                untagged(4, 5),
                with_tag(4, "other", 7),
                untagged(4, 5),
                Action::Update,
                Reason::NoComparableHash,
            ),
        ];
        let source: BTreeMap<String, ObjectInfo> = cases.iter().map(|c| (c.0.to_owned(), c.1.clone())).collect();
        let sink: BTreeMap<String, ObjectInfo> = cases.iter().map(|c| (c.0.to_owned(), c.2.clone())).collect();
        let prints: HashMap<String, Fingerprint> = cases
            .iter()
            .map(|c| {
                let print = Fingerprint {
                    // What the copy's GET said: another ETag and a
                    // whole-second mtime, as S3 and s3s-fs answer a GET.
                    source_etag: Some("\"0cc175b9c0f1b6a831c399e269772661\"".into()),
                    source_size: c.3.size,
                    source_mtime_us: c.3.last_modified.timestamp() * 1_000_000,
                    sink_etag: Some("\"d\"".into()),
                    sink_size: c.2.size,
                    md5: String::new(),
                    crc32c: 0,
                    listed: Some(c.3.listed()),
                };
                (c.0.to_owned(), print)
            })
            .collect();
        let p = plan(&source, &sink, &prints, &settings());
        let got: Vec<(&str, Action, Reason)> = p.items.iter().map(|i| (i.key.as_str(), i.action, i.reason)).collect();
        let mut expected: Vec<(&str, Action, Reason)> = cases.iter().map(|c| (c.0, c.4, c.5)).collect();
        expected.sort_by_key(|e| e.0);
        assert_eq!(got, expected);
        // A fingerprint recorded before the listing was kept holds the GET's
        // ETag, which a listing without ETags never matches: copied once
        // more (and fingerprinted with the listing then).
        let legacy: HashMap<String, Fingerprint> =
            prints.into_iter().map(|(k, f)| (k, Fingerprint { listed: None, ..f })).collect();
        let p = plan(&source, &sink, &legacy, &settings());
        let unchanged = p.items.iter().find(|i| i.key == "unchanged").unwrap();
        assert_eq!((unchanged.action, unchanged.reason), (Action::Update, Reason::NoComparableHash));
    }

    #[test]
    fn overwrite_modes_and_min_age() {
        let source: BTreeMap<String, ObjectInfo> =
            [("a".to_owned(), obj(1, MD5_A, 1)), ("young".to_owned(), obj(1, "x", 9_990))].into();
        let sink: BTreeMap<String, ObjectInfo> = [("a".to_owned(), obj(1, MD5_A, 1))].into();
        let mut s = settings();
        s.min_age = Some(Duration::from_secs(60));
        s.overwrite_when = OverwriteWhen::Always;
        let p = plan(&source, &sink, &HashMap::new(), &s);
        assert_eq!(p.items[0].reason, Reason::OverwriteAlways);
        assert_eq!((p.items[1].action, p.items[1].reason), (Action::Skip, Reason::TooNew));
        s.overwrite_when = OverwriteWhen::Never;
        let p = plan(&source, &sink, &HashMap::new(), &s);
        assert_eq!(p.items[0].reason, Reason::OverwriteNever);
    }

    #[test]
    fn deletes_are_refused_on_an_empty_source_or_past_the_limit() {
        let sink: BTreeMap<String, ObjectInfo> = (0..10).map(|i| (format!("k{i}"), obj(1, "x", 1))).collect();
        let empty = plan(&BTreeMap::new(), &sink, &HashMap::new(), &settings());
        assert_eq!(check_deletes(&empty, MaxDelete::Percent(100.0)), Err(Refusal::EmptySource { sink_objects: 10 }));
        let source: BTreeMap<String, ObjectInfo> = (0..4).map(|i| (format!("k{i}"), obj(1, "x", 1))).collect();
        let p = plan(&source, &sink, &HashMap::new(), &settings());
        assert_eq!(p.count(Action::Delete), (6, 6));
        assert!(matches!(check_deletes(&p, MaxDelete::Percent(50.0)), Err(Refusal::TooManyDeletes { deletes: 6, .. })));
        assert!(check_deletes(&p, MaxDelete::Percent(60.0)).is_ok());
        assert!(check_deletes(&p, MaxDelete::Count(5)).is_err());
        assert!(check_deletes(&p, MaxDelete::Count(6)).is_ok());
    }
}
