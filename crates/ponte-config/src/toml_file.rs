//! Reading one TOML file into its raw serde type, reporting every unknown
//! key at once: the one reader behind `ponte.toml` and the model files, so
//! both report a syntax error, a wrong type and a misspelt key the same way.

use std::ops::Range;

use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostic, SourceText};
use crate::suggest;
use crate::unknown_keys::{UnknownKey, segments};

/// The keys a table accepts where an unknown key was found (empty when the
/// place is not known).
pub type ExpectedKeys = fn(&UnknownKey) -> &'static [&'static str];

/// A file read into its raw type `T`, and what was wrong with its keys.
#[derive(Debug)]
pub struct TomlFile<T> {
    /// The raw value.
    pub raw: T,
    /// One diagnostic per unknown key, in file order.
    pub unknown_keys: Vec<Diagnostic>,
    /// The unknown keys that look like a misspelling of an expected one.
    pub misspelt: Misspellings,
}

/// Which table holds each misspelt key and which key it was likely meant to
/// be, so that the "missing required key" the misspelling causes is not
/// reported as a second problem.
#[derive(Debug, Default, Clone)]
pub struct Misspellings(Vec<(Range<usize>, &'static str)>);

impl Misspellings {
    /// Whether `key` was written misspelt in the table spanning `table`.
    pub fn explains_missing(&self, key: &str, table: &Range<usize>) -> bool {
        self.0.iter().any(|(span, meant)| *meant == key && span == table)
    }
}

/// Reads `src` into `T`. A syntax error or a value of the wrong type stops
/// the read: it is returned alone, since nothing after it can be trusted.
pub fn read<T: DeserializeOwned>(src: SourceText<'_>, expected: ExpectedKeys) -> Result<TomlFile<T>, Diagnostic> {
    let document = toml::de::DeTable::parse(src.text).map_err(|e| src.diagnostic(e.span(), e.message()))?;
    let spans = document.get_ref().clone();
    let mut unknown: Vec<UnknownKey> = Vec::new();
    let raw: T = serde_ignored::deserialize(toml::de::Deserializer::from(document), |path| {
        unknown.push(UnknownKey { path: segments(&path) });
    })
    .map_err(|e| src.diagnostic(e.span(), e.message().trim_end().to_owned()))?;

    let mut misspelt = Misspellings::default();
    let mut unknown_keys: Vec<Diagnostic> = unknown
        .iter()
        .map(|key| {
            let expected = expected(key);
            let span = key.span(&spans).unwrap_or(0..0);
            let meant = suggest::closest(key.key(), expected.iter().copied());
            if let (Some(meant), Some(table)) = (meant, key.table_span(&spans)) {
                misspelt.0.push((table, meant));
            }
            let message = match key.parent_display().as_str() {
                "" => format!("unknown key `{}`", key.key()),
                parent => format!("unknown key `{}` in {parent}", key.key()),
            };
            let message = suggest::with_options(message, key.key(), expected);
            src.diagnostic(Some(span), message)
        })
        .collect();
    unknown_keys.sort_by_key(|d| d.position);
    Ok(TomlFile { raw, unknown_keys, misspelt })
}
