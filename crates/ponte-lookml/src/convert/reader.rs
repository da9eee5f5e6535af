//! Reading a LookML block key by key, remembering which keys were used so
//! that every other key becomes a report entry: the guarantee that nothing
//! is dropped silently lives here, in one place.

use std::cell::RefCell;
use std::path::Path;

use super::report::{Reason, Report};
use crate::tree::{Block, Pair, Scalar, ScalarKind, Value};

/// Keys that have no ponte equivalent, with what they would have done;
/// any other unused key is reported as unknown.
const NO_EQUIVALENT: &[(&str, &str)] = &[
    ("html", "ponte renders values itself (no per-field HTML)"),
    ("link", "no per-field links"),
    ("sql_trigger_value", "ponte reloads tables on its own schedules"),
    ("datagroup_trigger", "ponte reloads tables on its own schedules"),
    ("persist_for", "ponte caches by its own rules"),
    ("persist_with", "ponte caches by its own rules"),
    ("datagroup", "ponte reloads tables on its own schedules"),
    ("parameter", "no parameters (they only feed Liquid)"),
    ("filter", "no filter-only fields (they only feed Liquid)"),
    ("set", "sets are expanded where drill_fields use them"),
    ("view_label", "no view labels"),
    ("group_label", "no field groups"),
    ("group_item_label", "no field groups"),
    ("tags", "no tags"),
    ("suggestions", "suggestions come from the data"),
    ("suggest_dimension", "suggestions come from the data"),
    ("suggest_explore", "suggestions come from the data"),
    ("suggestable", "suggestions come from the data"),
    ("can_filter", "every field can be filtered"),
    ("order_by_field", "no custom sort fields"),
    ("required_access_grants", "no access grants"),
    ("required_fields", "no required fields"),
    ("convert_tz", "dates follow the model's time zone"),
    ("datatype", "the column's type comes from the schema file"),
    ("extends", "no extends: write the extended view out"),
    ("extension", "no extends"),
    ("fields", "no field lists"),
    ("sql_always_where", "no hidden WHERE: use an access filter or always_filter"),
    ("sql_always_having", "no hidden HAVING"),
    ("conditionally_filter", "no conditional filters"),
    ("symmetric_aggregates", "symmetric aggregates are always on"),
    ("precision", "no precision setting"),
    ("sql_distinct_key", "symmetric aggregates use the primary key"),
    ("allow_fill", "no fill"),
    ("hidden", "nothing to hide it in"),
    ("connection", "the warehouse comes from ponte's config"),
    ("query", "saved explore queries are not converted; save them as looks"),
    ("aggregate_table", "no aggregate awareness"),
    ("map_layer", "no map layers"),
    ("named_value_format", "use value_format on each field"),
    ("week_start_day", "weeks start on Monday"),
    ("case_sensitive", "filters are case-sensitive"),
    ("always_join", "joins are added when a field needs them"),
    ("view_name", "the explore names its base view with `from`"),
    ("foreign_key", "joins are written with sql_on"),
    ("access_grant", "no access grants (what requires one is left out)"),
    ("constant", "no constants: `@{…}` is not substituted"),
    ("project_name", "ponte has no projects"),
    ("local_dependency", "ponte has no project imports"),
    ("remote_dependency", "ponte has no project imports"),
    ("map_layer_name", "no maps"),
    ("case", "write the cases as a CASE expression in `sql`"),
    ("tiers", "no tier dimensions"),
    ("test", "data tests are not run by ponte"),
    ("label_from_parameter", "no parameters"),
];

/// A block being read.
pub(crate) struct Reader<'a> {
    block: &'a Block,
    used: RefCell<Vec<bool>>,
    file: &'a Path,
    construct: String,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(block: &'a Block, file: &'a Path, construct: String) -> Self {
        Reader { block, used: RefCell::new(vec![false; block.pairs.len()]), file, construct }
    }

    pub(crate) fn construct(&self) -> &str {
        &self.construct
    }

    /// Every pair named `key`, marked used.
    pub(crate) fn all(&self, key: &str) -> Vec<&'a Pair> {
        let mut used = self.used.borrow_mut();
        let mut out = Vec::new();
        for (n, p) in self.block.pairs.iter().enumerate() {
            if p.key == key {
                used[n] = true;
                out.push(p);
            }
        }
        out
    }

    /// The last pair named `key` (LookML keeps the last), marked used.
    pub(crate) fn pair(&self, key: &str) -> Option<&'a Pair> {
        self.all(key).pop()
    }

    /// A scalar value's text, unescaped when quoted.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.scalar(key).map(text_of)
    }

    /// A label or description: text with Liquid in it (a dynamic label)
    /// is reported and left out, not shown with its tags.
    pub(crate) fn label(&self, key: &str, report: &mut Report) -> Option<String> {
        let scalar = self.scalar(key)?;
        let text = text_of(scalar);
        if has_liquid(&text) {
            report.push(self.file, scalar.pos.line, format!("{}: {key}", self.construct), Reason::Liquid);
            return None;
        }
        Some(text)
    }

    pub(crate) fn scalar(&self, key: &str) -> Option<&'a Scalar> {
        self.pair(key).and_then(|p| p.value.scalar())
    }

    /// `yes` / `no`.
    pub(crate) fn flag(&self, key: &str) -> Option<bool> {
        self.scalar(key).map(|s| s.text == "yes")
    }

    /// Marks `key` used without reading it (the caller reports it itself).
    pub(crate) fn skip(&self, key: &str) {
        self.all(key);
    }

    /// Reports every pair nobody read.
    pub(crate) fn finish(self, report: &mut Report) {
        let used = self.used.into_inner();
        for (pair, used) in self.block.pairs.iter().zip(used) {
            if used {
                continue;
            }
            let reason = if contains_liquid_value(&pair.value) {
                Reason::Liquid
            } else {
                NO_EQUIVALENT
                    .iter()
                    .find(|(k, _)| *k == pair.key)
                    .map_or(Reason::UnknownKey, |(_, why)| Reason::NoEquivalent(why))
            };
            let name =
                pair.value.block().and_then(|b| b.name.as_ref()).map(|n| format!(" {}", n.text)).unwrap_or_default();
            report.push(self.file, pair.pos.line, format!("{}: {}{name}", self.construct, pair.key), reason);
        }
    }
}

/// A scalar's text: quoted strings lose their escaping backslashes.
pub(crate) fn text_of(s: &Scalar) -> String {
    if s.kind != ScalarKind::Quoted {
        return s.text.clone();
    }
    let mut out = String::with_capacity(s.text.len());
    let mut chars = s.text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether text holds Liquid tags or output.
pub(crate) fn has_liquid(text: &str) -> bool {
    text.contains("{%") || text.contains("{{")
}

fn contains_liquid_value(v: &Value) -> bool {
    matches!(v, Value::Scalar(s) if s.kind == ScalarKind::Sql && has_liquid(&s.text))
}
