//! LookML dashboards (`.dashboard.lookml`, YAML) → ponte dashboards: the
//! filters, and each element's query, listeners and place on the
//! 24-column grid. Visualization options ponte does not read are listed in
//! one report entry per element rather than one per key.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use super::out::{DashboardFilterOut, DashboardOut, ElementOut, OptionValue, Origin, QueryOut};
use super::project::SourceFile;
use super::report::{Reason, Report};

/// Element keys the converter reads.
const ELEMENT_KEYS: &[&str] = &[
    "name",
    "title",
    "title_text",
    "model",
    "explore",
    "type",
    "fields",
    "filters",
    "sorts",
    "limit",
    "pivots",
    "listen",
    "row",
    "col",
    "width",
    "height",
    "body_text",
];
/// Visualization options ponte reads under LookML's own names, how, and
/// for which tile types (Looker ignores them on the others; ponte refuses
/// them there, so they are reported instead of written).
const OPTIONS: &[(&str, OptionKind, &[&str])] = &[
    ("stacking", OptionKind::Text, &["looker_column", "looker_bar", "looker_area"]),
    ("show_totals", OptionKind::Flag, &["table"]),
    ("show_comparison", OptionKind::Flag, &["single_value"]),
    ("comparison_type", OptionKind::Text, &["single_value"]),
    ("comparison_label", OptionKind::Text, &["single_value"]),
    ("comparison_reverse_colors", OptionKind::Flag, &["single_value"]),
    (
        "series_types",
        OptionKind::Pairs,
        &["looker_column", "looker_bar", "looker_line", "looker_area", "looker_scatter"],
    ),
];

#[derive(Clone, Copy)]
enum OptionKind {
    Text,
    Flag,
    Pairs,
}

/// Dashboard keys the converter reads.
const DASHBOARD_KEYS: &[&str] = &["dashboard", "title", "description", "layout", "filters", "elements"];
/// Filter keys the converter reads.
const FILTER_KEYS: &[&str] = &["name", "title", "type", "default_value", "model", "explore", "field", "ui_config"];

/// The dashboards of one file, for `model`: elements that query another
/// model are left out (and reported).
pub(crate) fn dashboards(file: &SourceFile, model: &str, report: &mut Report) -> Vec<DashboardOut> {
    let text = file.yaml.as_deref().unwrap_or("");
    let docs = match YamlLoader::load_from_str(text) {
        Ok(docs) => docs,
        Err(e) => {
            report.push(&file.path, 0, "dashboard file", Reason::Unreadable(format!("not valid YAML: {e}")));
            return Vec::new();
        }
    };
    let items: Vec<&Yaml> =
        docs.iter().flat_map(|d| d.as_vec().map_or_else(|| vec![d], |v| v.iter().collect())).collect();
    let lines = Lines(text);
    items.into_iter().filter_map(|d| dashboard(d, &file.path, model, &lines, report)).collect()
}

/// Every dashboard of a file, as `(id, line)`, to tell which no model took.
pub(crate) fn ids(file: &SourceFile) -> Vec<(String, u32)> {
    let text = file.yaml.as_deref().unwrap_or("");
    let Ok(docs) = YamlLoader::load_from_str(text) else { return Vec::new() };
    let lines = Lines(text);
    docs.iter()
        .flat_map(|d| d.as_vec().map_or_else(|| vec![d], |v| v.iter().collect()))
        .filter_map(text_of_id)
        .map(|id| {
            let line = lines.find(0, "dashboard", &id);
            (id, line)
        })
        .collect()
}

fn text_of_id(d: &Yaml) -> Option<String> {
    text(&d["dashboard"])
}

/// Finds where things were written: YAML's tree has no positions, so the
/// line of `key: value` is looked up in the text from a starting line.
struct Lines<'t>(&'t str);

impl Lines<'_> {
    fn find(&self, after: u32, key: &str, value: &str) -> u32 {
        self.0
            .lines()
            .enumerate()
            .skip(after as usize)
            .find(|(_, l)| {
                let l = l.trim_start().trim_start_matches("- ");
                l.strip_prefix(key)
                    .and_then(|r| r.strip_prefix(':'))
                    .is_some_and(|r| r.trim().trim_matches(|c| c == '"' || c == '\'') == value)
            })
            .map_or(after, |(n, _)| n as u32 + 1)
    }
}

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn texts(y: &Yaml) -> Vec<String> {
    y.as_vec().map(|v| v.iter().filter_map(text).collect()).unwrap_or_default()
}

fn pairs(y: &Yaml) -> Vec<(String, String)> {
    y.as_hash()
        .map(|h| h.iter().filter_map(|(k, v)| Some((text(k)?, text(v).unwrap_or_default()))).collect())
        .unwrap_or_default()
}

fn unread(y: &Yaml, known: &[&str]) -> Vec<String> {
    y.as_hash()
        .map(|h| h.keys().filter_map(text).filter(|k| !known.contains(&k.as_str())).collect())
        .unwrap_or_default()
}

fn dashboard(d: &Yaml, file: &Path, model: &str, lines: &Lines<'_>, report: &mut Report) -> Option<DashboardOut> {
    let Some(id) = text(&d["dashboard"]) else {
        report.push(file, 0, "dashboard", Reason::Unresolved("a dashboard needs `dashboard: <name>`".into()));
        return None;
    };
    // A dashboard belongs to the model its tiles query; another model that
    // includes the same file skips it (the caller reports a dashboard no
    // model took).
    let queried: Vec<String> = d["elements"].as_vec().into_iter().flatten().filter_map(|e| text(&e["model"])).collect();
    if !queried.is_empty() && !queried.iter().any(|m| m == model) {
        return None;
    }
    let line = lines.find(0, "dashboard", &id);
    let construct = format!("dashboard {id}");
    let extra = unread(d, DASHBOARD_KEYS);
    if !extra.is_empty() {
        report.push(
            file,
            line,
            format!("{construct}: {}", extra.join(", ")),
            Reason::NoEquivalent("dashboard options"),
        );
    }
    let grid = match text(&d["layout"]).as_deref() {
        None | Some("newspaper") => true,
        Some(other) => {
            report.push(
                file,
                line,
                format!("{construct}: layout {other}"),
                Reason::NoEquivalent("only the newspaper layout's 24-column grid; tiles are placed in order"),
            );
            false
        }
    };
    let mut filters = Vec::new();
    for f in d["filters"].as_vec().into_iter().flatten() {
        let name = text(&f["name"]).unwrap_or_default();
        let fline = lines.find(line, "name", &name);
        let kind = text(&f["type"]).unwrap_or_else(|| "field_filter".into());
        let refused = if kind != "field_filter" {
            Some(Reason::UnsupportedType(kind))
        } else if text(&f["field"]).is_none() {
            Some(Reason::Unresolved("a field_filter needs a `field`".into()))
        } else {
            None
        };
        if let Some(reason) = refused {
            report.push(file, fline, format!("{construct}: filter {name} (left out)"), reason);
            continue;
        }
        let extra = unread(f, FILTER_KEYS);
        if !extra.is_empty() {
            report.push(
                file,
                fline,
                format!("{construct}: filter {name}: {}", extra.join(", ")),
                Reason::NoEquivalent("filter options"),
            );
        }
        filters.push(DashboardFilterOut {
            title: text(&f["title"]),
            explore: text(&f["explore"]),
            field: text(&f["field"]),
            default_value: text(&f["default_value"]),
            ui_type: text(&f["ui_config"]["type"]).filter(|t| t != "advanced"),
            name,
        });
    }
    let mut elements = Vec::new();
    for e in d["elements"].as_vec().into_iter().flatten() {
        let name = text(&e["name"]).unwrap_or_default();
        let eline = lines.find(line, "name", &name);
        let econstruct = format!("{construct}: element {name}");
        if let Some(other) = text(&e["model"]).filter(|m| m != model) {
            report.push(
                file,
                eline,
                format!("{econstruct} (left out)"),
                Reason::Unresolved(format!("it queries model {other}, not {model}")),
            );
            continue;
        }
        let kind = text(&e["type"]).unwrap_or_else(|| "table".into());
        let query = text(&e["explore"]).map(|explore| QueryOut {
            explore,
            fields: texts(&e["fields"]),
            filters: pairs(&e["filters"]),
            sorts: texts(&e["sorts"]),
            pivots: texts(&e["pivots"]),
            limit: text(&e["limit"]),
        });
        if query.is_none() && kind != "text" {
            report.push(
                file,
                eline,
                format!("{econstruct} (left out)"),
                Reason::Unresolved("a tile needs an explore".into()),
            );
            continue;
        }
        let kind_of_tile = kind.clone();
        let mut options = Vec::new();
        let mut known: Vec<&str> = ELEMENT_KEYS.to_vec();
        for (key, kind, types) in OPTIONS {
            if !types.contains(&kind_of_tile.as_str()) {
                continue;
            }
            known.push(key);
            let value = &e[*key];
            let converted = match kind {
                OptionKind::Text => text(value).filter(|t| !t.is_empty()).map(OptionValue::Text),
                OptionKind::Flag => value.as_bool().map(OptionValue::Flag),
                OptionKind::Pairs => Some(pairs(value)).filter(|p| !p.is_empty()).map(OptionValue::Pairs),
            };
            if let Some(v) = converted {
                options.push(((*key).to_owned(), v));
            }
        }
        let extra = unread(e, &known);
        if !extra.is_empty() {
            report.push(
                file,
                eline,
                format!("{econstruct}: {}", extra.join(", ")),
                Reason::NoEquivalent("visualization options ponte does not read"),
            );
        }
        let place = |k: &str| e[k].as_i64();
        let layout = match (grid, place("row"), place("col"), place("width"), place("height")) {
            (true, Some(r), Some(c), Some(w), Some(h)) => Some((r, c, w, h)),
            _ => None,
        };
        elements.push(ElementOut {
            // ponte's tiles have a title; an untitled LookML tile takes its name.
            title: text(&e["title"]).or_else(|| text(&e["title_text"])).or(Some(name).filter(|n| !n.is_empty())),
            kind,
            query,
            body_text: text(&e["body_text"]),
            listen: pairs(&e["listen"]),
            layout,
            options,
        });
    }
    Some(DashboardOut {
        origin: Origin { file: file.to_owned(), line },
        title: text(&d["title"]),
        description: text(&d["description"]),
        id,
        filters,
        elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::project::FileKind;

    fn file(yaml: String) -> SourceFile {
        SourceFile { path: "d.dashboard.lookml".into(), kind: FileKind::Dashboard, doc: None, yaml: Some(yaml) }
    }

    #[test]
    fn hostile_nesting_is_refused_without_exhausting_the_stack() {
        let deep = format!("- dashboard: x\n  elements: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let mut report = Report::default();
        assert!(dashboards(&file(deep), "m", &mut report).is_empty());
        // yaml-rust2 bounds nesting itself; the file is reported, not a crash.
        assert!(report.entries[0].to_string().contains("recursion limit exceeded"), "{:?}", report.entries);
    }
}
