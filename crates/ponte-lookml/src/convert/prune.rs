//! After a view is converted, fields that name a field which was left out
//! (`${margin}` where `margin` used Liquid) are left out too, and drill
//! fields naming one are removed — each with a report entry — so that one
//! unconvertible field does not make ponte refuse the whole model.

use std::collections::BTreeSet;
use std::path::Path;

use super::out::{MeasureType, ViewOut};
use super::report::{Reason, Report};

/// The `${name}` references of an expression that stay in the view
/// (`${TABLE}` and `${other_view.field}` are not field names here).
fn local_references(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim();
        if name != "TABLE" && !name.contains('.') {
            out.push(name);
        }
        rest = &after[end + 1..];
    }
    out
}

fn gone(name: &str) -> Reason {
    Reason::Unresolved(format!("it refers to `{name}`, which was not converted"))
}

/// Drops what depends on something missing, until nothing changes.
pub(crate) fn prune(view: &mut ViewOut, file: &Path, report: &mut Report) {
    loop {
        let dimensions: BTreeSet<String> = view
            .dimensions
            .iter()
            .map(|d| d.name.clone())
            .chain(
                view.dimension_groups
                    .iter()
                    .flat_map(|g| g.timeframes.iter().map(move |t| format!("{}_{}", g.name, t.as_str()))),
            )
            .collect();
        let measures: BTreeSet<String> = view.measures.iter().map(|m| m.name.clone()).collect();
        let before = view.dimensions.len() + view.measures.len();
        let name = view.name.clone();
        view.dimensions.retain(|d| {
            let missing = d
                .sql
                .as_deref()
                .map(local_references)
                .unwrap_or_default()
                .into_iter()
                .find(|r| !dimensions.contains(*r));
            if let Some(r) = missing {
                report.push(file, d.origin.line, format!("dimension {name}.{} (left out)", d.name), gone(r));
            }
            missing.is_none()
        });
        view.measures.retain(|m| {
            let known = if m.kind == MeasureType::Number { &measures } else { &dimensions };
            let refs = m.sql.as_deref().map(local_references).unwrap_or_default();
            let missing = refs
                .into_iter()
                .find(|r| !known.contains(*r))
                .or_else(|| m.filters.iter().map(|(f, _)| f.as_str()).find(|f| !dimensions.contains(*f)));
            if let Some(r) = missing {
                report.push(file, m.origin.line, format!("measure {name}.{} (left out)", m.name), gone(r));
            }
            missing.is_none()
        });
        if view.dimensions.len() + view.measures.len() == before {
            break;
        }
    }
    let fields: BTreeSet<String> = view
        .dimensions
        .iter()
        .map(|d| d.name.clone())
        .chain(view.measures.iter().map(|m| m.name.clone()))
        .chain(
            view.dimension_groups
                .iter()
                .flat_map(|g| g.timeframes.iter().map(move |t| format!("{}_{}", g.name, t.as_str()))),
        )
        .collect();
    let name = view.name.clone();
    let mut keep = |owner: String, line: u32, drills: &mut Vec<String>| {
        drills.retain(|f| {
            let ok = f.contains('.') || fields.contains(f);
            if !ok {
                report.push(file, line, format!("{owner}: drill_fields {f} (removed)"), gone(f));
            }
            ok
        });
    };
    keep(format!("view {name}"), view.origin.line, &mut view.drill_fields);
    for d in &mut view.dimensions {
        keep(format!("dimension {name}.{}", d.name), d.origin.line, &mut d.drill_fields);
    }
    for m in &mut view.measures {
        keep(format!("measure {name}.{}", m.name), m.origin.line, &mut m.drill_fields);
    }
}

#[cfg(test)]
mod tests {
    use super::local_references;

    #[test]
    fn references_of_the_view_itself() {
        assert_eq!(local_references("${TABLE}.a + ${b} * ${ c } - ${users.x}"), ["b", "c"]);
        assert!(local_references("${unclosed").is_empty());
    }
}
