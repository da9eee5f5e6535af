//! Finding every unknown key of a TOML file, with where it is and which
//! keys were expected there: for `ponte.toml` here, and for the semantic
//! layer's model files, which bring their own map of expected keys.
//!
//! serde's `deny_unknown_fields` stops at the first unknown key; instead we
//! let serde ignore them, collect their paths with `serde_ignored`, locate
//! each in toml's spanned document tree, and ask the raw type at that path
//! for its field names (serde derives keep those as the `fields` argument of
//! `deserialize_struct`).

use std::cell::Cell;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::de::{DeTable, DeValue};

use crate::raw;

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// An unknown key: its path (the last segment is the key itself).
#[derive(Debug, Clone)]
pub struct UnknownKey {
    /// From the document's root to the key.
    pub path: Vec<Segment>,
}

impl UnknownKey {
    /// The key itself.
    pub fn key(&self) -> &str {
        match self.path.last() {
            Some(Segment::Key(k)) => k,
            _ => "",
        }
    }

    /// Where the key sits, written the way a user reads the file
    /// (`transfers[2].source`); empty at the top level.
    pub fn parent_display(&self) -> String {
        display_path(&self.path[..self.path.len().saturating_sub(1)])
    }

    /// The byte span of the key in the document, when it can be found.
    pub fn span(&self, doc: &DeTable<'_>) -> Option<Range<usize>> {
        self.find(doc).map(|(key, _)| key)
    }

    /// The byte span of the table holding the key (the span serde gives that
    /// table's `Spanned` value); `None` at the top level or when not found.
    pub fn table_span(&self, doc: &DeTable<'_>) -> Option<Range<usize>> {
        self.find(doc).and_then(|(_, table)| table)
    }

    /// The key's span and its table's.
    fn find(&self, doc: &DeTable<'_>) -> Option<(Range<usize>, Option<Range<usize>>)> {
        let (last, parents) = self.path.split_last()?;
        let Segment::Key(last) = last else { return None };
        let mut table = doc;
        let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
        for seg in parents {
            let next = match (seg, value.map(toml::Spanned::get_ref)) {
                (Segment::Key(k), None) => lookup(table, k)?,
                (Segment::Key(k), Some(DeValue::Table(t))) => lookup(t, k)?,
                (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i)?,
                _ => return None,
            };
            value = Some(next);
            if let DeValue::Table(t) = next.get_ref() {
                table = t;
            }
        }
        let table_span = match value {
            None => None,
            Some(v) if matches!(v.get_ref(), DeValue::Table(_)) => Some(v.span()),
            Some(_) => return None,
        };
        let key = table.iter().find(|(k, _)| k.get_ref() == last).map(|(k, _)| k.span())?;
        Some((key, table_span))
    }

    /// The path of the table holding the key, array indexes written `[]`,
    /// for matching against the raw types' layout (`["transfers", "[]", "source"]`).
    pub fn parents(&self) -> Vec<&str> {
        self.path[..self.path.len().saturating_sub(1)]
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.as_str(),
                Segment::Index(_) => "[]",
            })
            .collect()
    }
}

/// The keys a table of `ponte.toml` accepts at `key`'s place, from the raw
/// types themselves.
pub(crate) fn expected_config_keys(key: &UnknownKey) -> &'static [&'static str] {
    match key.parents().as_slice() {
        [] => fields_of::<raw::RawConfig>(),
        ["project"] => fields_of::<raw::RawProject>(),
        ["stores", _] => fields_of::<raw::RawStore>(),
        ["stores", _, "retry"] => fields_of::<raw::RawRetry>(),
        ["warehouse"] => fields_of::<raw::RawWarehouse>(),
        ["transfers", "[]"] => fields_of::<raw::RawTransfer>(),
        ["transfers", "[]", "source"] => fields_of::<raw::RawTransferSource>(),
        ["transfers", "[]", "sink"] => fields_of::<raw::RawTransferSink>(),
        ["transfers", "[]", "schedule"] => fields_of::<raw::RawCron>(),
        ["transfers", "[]", "event_stream"] => fields_of::<raw::RawEventStream>(),
        ["schedules", "[]"] => fields_of::<raw::RawSchedule>(),
        ["topics", "[]"] => fields_of::<raw::RawTopic>(),
        ["functions", "[]"] => fields_of::<raw::RawFunction>(),
        ["functions", "[]", "load"] => fields_of::<raw::RawLoad>(),
        ["semantic"] => fields_of::<raw::RawSemantic>(),
        ["server"] => fields_of::<raw::RawServer>(),
        ["server", "embed_secrets", "[]"] => fields_of::<raw::RawEmbedSecret>(),
        ["server", "api_clients", "[]"] => fields_of::<raw::RawApiClient>(),
        _ => &[],
    }
}

/// `a.b[2].c`
pub fn display_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn lookup<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
    table.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

/// Turns a `serde_ignored` path into segments, dropping the steps that only
/// exist because of `Spanned` wrappers and `Option`s.
pub fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut Vec<Segment>) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(Segment::Index(*index));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                if !key.starts_with("$__serde_spanned_private") {
                    out.push(Segment::Key(key.clone()));
                }
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = Vec::new();
    walk(path, &mut out);
    out
}

/// The field names serde's derive gave a struct type.
pub fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let probe = FieldProbe { fields: Cell::new(&[]) };
    let _ = T::deserialize(&probe);
    probe.fields.get()
}

/// A deserializer that fails at once, after noting the field list a struct
/// asked for.
struct FieldProbe {
    fields: Cell<&'static [&'static str]>,
}

#[derive(Debug)]
struct ProbeDone;

impl std::fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("probe")
    }
}

impl std::error::Error for ProbeDone {}

impl de::Error for ProbeDone {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        ProbeDone
    }
}

impl<'de> de::Deserializer<'de> for &FieldProbe {
    type Error = ProbeDone;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ProbeDone> {
        self.fields.set(fields);
        Err(ProbeDone)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_the_raw_types() {
        let keys = fields_of::<raw::RawTransferSink>();
        assert_eq!(keys, &["store", "path"]);
    }
}
