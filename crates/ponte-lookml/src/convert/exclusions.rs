//! An explore's `fields: [ALL_FIELDS*, -view.field]`, enforced.
//!
//! LookML projects hide sensitive fields this way, so ignoring it would
//! show them. ponte has no per-explore field lists: a field belongs to its
//! view and every explore reaching the view shows it. The rule, chosen
//! because it never shows a hidden field and is easy to state:
//!
//! * a field every converted explore reaching its view excludes is left
//!   out of the view (so also out of every explore);
//! * otherwise (another explore shows it, or a join, access filter,
//!   always filter or another view's SQL names it, so it cannot go) the
//!   excluding explore is left out, with the field and the reason.
//!
//! Leaving an explore out only ever lets more fields go, so one pass over
//! the explores as converted is enough: what the pass keeps stays correct.

use std::collections::BTreeSet;

use super::out::{Exclusion, ExploreOut, ViewOut};
use super::prune;
use super::report::{Reason, Report};

/// Applies every kept explore's exclusions to `views`, and leaves out the
/// explores whose exclusions cannot be applied.
pub(crate) fn enforce(views: &mut [ViewOut], explores: &mut Vec<ExploreOut>, report: &mut Report) {
    let used = used_elsewhere(views, explores);
    let verdicts: Vec<Option<(u32, String)>> = explores
        .iter()
        .map(|e| {
            e.excluded.iter().find_map(|x| {
                if !reaches(e, &x.view) || !exists(views, x) {
                    return None;
                }
                let qualified = format!("{}.{}", x.view, x.field);
                if used.contains(&qualified) {
                    return Some((
                        x.line,
                        format!(
                            "its `fields` hides `{qualified}`, which a join, access filter, always filter or \
                             another view's SQL uses, so ponte cannot leave it out"
                        ),
                    ));
                }
                let shown = explores.iter().find(|o| {
                    reaches(o, &x.view) && !o.excluded.iter().any(|y| y.view == x.view && y.field == x.field)
                });
                shown.map(|o| {
                    (
                        x.line,
                        format!(
                            "its `fields` hides `{qualified}`, which explore `{}` shows; ponte's fields belong to \
                             views, so this explore is left out rather than showing it",
                            o.name
                        ),
                    )
                })
            })
        })
        .collect();
    let mut verdicts = verdicts.into_iter();
    explores.retain(|e| match verdicts.next().flatten() {
        None => true,
        Some((line, why)) => {
            report.push(&e.origin.file, line, format!("explore {} (left out)", e.name), Reason::Unresolved(why));
            false
        }
    });

    let hidden: BTreeSet<(&str, &str, u32, &std::path::Path)> = explores
        .iter()
        .flat_map(|e| {
            e.excluded.iter().map(move |x| (x.view.as_str(), x.field.as_str(), x.line, e.origin.file.as_path()))
        })
        .collect();
    for view in views.iter_mut() {
        let mut dropped = false;
        let name = view.name.clone();
        for (_, field, line, file) in hidden.iter().filter(|(v, ..)| *v == name) {
            if drop_field(view, field) {
                dropped = true;
                report.push(
                    file,
                    *line,
                    format!("field {name}.{field} (left out)"),
                    Reason::Changed("every explore that reaches its view hides it with `fields`".into()),
                );
            }
        }
        if dropped {
            let file = view.origin.file.clone();
            prune::prune(view, &file, report);
        }
    }
}

/// Whether the explore can show fields of `view`.
fn reaches(explore: &ExploreOut, view: &str) -> bool {
    explore.view.as_deref().unwrap_or(&explore.name) == view || explore.joins.iter().any(|j| j.view == view)
}

/// Whether the excluded field is among the converted view's fields (one
/// already left out needs nothing more).
fn exists(views: &[ViewOut], x: &Exclusion) -> bool {
    views.iter().find(|v| v.name == x.view).is_some_and(|v| {
        v.dimensions.iter().any(|d| d.name == x.field)
            || v.measures.iter().any(|m| m.name == x.field)
            || v.dimension_groups
                .iter()
                .any(|g| g.timeframes.iter().any(|t| format!("{}_{}", g.name, t.as_str()) == x.field))
    })
}

/// Removes a dimension, a measure or one timeframe of a group (the group
/// with its last one); whether anything went.
fn drop_field(view: &mut ViewOut, field: &str) -> bool {
    let before = (view.dimensions.len(), view.measures.len(), view.dimension_groups.len());
    let timeframes: usize = view.dimension_groups.iter().map(|g| g.timeframes.len()).sum();
    view.dimensions.retain(|d| d.name != field);
    view.measures.retain(|m| m.name != field);
    for g in &mut view.dimension_groups {
        let name = g.name.clone();
        g.timeframes.retain(|t| format!("{name}_{}", t.as_str()) != field);
    }
    view.dimension_groups.retain(|g| !g.timeframes.is_empty());
    let after_timeframes: usize = view.dimension_groups.iter().map(|g| g.timeframes.len()).sum();
    before != (view.dimensions.len(), view.measures.len(), view.dimension_groups.len())
        || timeframes != after_timeframes
}

/// `view.field` names that something outside the field's own view needs:
/// join conditions, access and always filters, and `${view.field}` in the
/// SQL of any field (the view's own references are unqualified by then,
/// and [`prune`] drops those fields along with what they name).
fn used_elsewhere(views: &[ViewOut], explores: &[ExploreOut]) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for e in explores {
        used.extend(e.joins.iter().flat_map(|j| j.on.iter().flat_map(|(a, b)| [a.clone(), b.clone()])));
        used.extend(e.access_filters.iter().map(|(f, _)| f.clone()));
        used.extend(e.always_filter.iter().map(|(f, _)| f.clone()));
    }
    let sqls = views.iter().flat_map(|v| {
        v.dimensions.iter().filter_map(|d| d.sql.as_deref()).chain(v.measures.iter().filter_map(|m| m.sql.as_deref()))
    });
    for sql in sqls {
        let mut rest = sql;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let name = after[..end].trim();
            if name.contains('.') {
                used.insert(name.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    let drills = views.iter().flat_map(|v| {
        v.drill_fields
            .iter()
            .chain(v.dimensions.iter().flat_map(|d| &d.drill_fields))
            .chain(v.measures.iter().flat_map(|m| &m.drill_fields))
            .filter(|f| f.contains('.'))
    });
    used.extend(drills.cloned());
    used
}
