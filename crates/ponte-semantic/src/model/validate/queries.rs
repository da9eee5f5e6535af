//! Saved queries (`query = { explore, fields, filters, sorts, limit }`) and
//! `[[looks]]`, which are titled queries with an integer id.

use std::collections::BTreeMap;

use super::{Checker, closest};
use crate::limit::Limit;
use crate::model::raw::{IntOrString, RawLook, RawQuery, S};
use crate::model::{Explore, Look, Query, Sort};

pub(super) fn validate_looks(raw: &[S<RawLook>], explores: &[Explore], checker: &mut Checker<'_>) -> Vec<Look> {
    let mut seen = BTreeMap::new();
    let mut looks = Vec::new();
    for (i, rl) in raw.iter().enumerate() {
        let span = rl.span();
        let owner = format!("looks[{i}]");
        let rl = rl.get_ref();
        let id = checker.required(&rl.id, "id", &owner, &span).and_then(|id| {
            let value = u64::try_from(*id.get_ref()).ok().filter(|v| *v > 0);
            if value.is_none() {
                checker.error(id.span(), format!("look id {} must be a positive integer", id.get_ref()));
            }
            let value = value?;
            checker.unique(&mut seen, &value.to_string(), id.span(), "look id").then_some(value)
        });
        let title = checker.required(&rl.title, "title", &owner, &span).map(|t| t.get_ref().clone());
        let query = checker.required(&rl.query, "query", &owner, &span).and_then(|q| {
            let context = format!("look {}", id.map_or(owner.clone(), |id| id.to_string()));
            validate_query(q, explores, &context, checker)
        });
        if let (Some(id), Some(title), Some(query)) = (id, title, query) {
            looks.push(Look { id, title, description: rl.description.as_ref().map(|d| d.get_ref().clone()), query });
        }
    }
    looks
}

/// The explore a query names.
pub(super) fn query_explore<'e>(
    rq: &S<RawQuery>,
    explores: &'e [Explore],
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<&'e Explore> {
    let name = checker.required(&rq.get_ref().explore, "explore", &format!("{context}: the query"), &rq.span())?;
    explore_named(name, explores, context, checker)
}

/// An explore by name, or a diagnostic naming the closest one.
pub(super) fn explore_named<'e>(
    name: &S<String>,
    explores: &'e [Explore],
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<&'e Explore> {
    if let Some(e) = explores.iter().find(|e| e.name == *name.get_ref()) {
        return Some(e);
    }
    let mut message = format!("{context}: unknown explore `{}`", name.get_ref());
    if let Some(best) = closest(name.get_ref(), explores.iter().map(|e| e.name.as_str())) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    checker.error(name.span(), message);
    None
}

pub(super) fn validate_query(
    rq: &S<RawQuery>,
    explores: &[Explore],
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<Query> {
    let explore = query_explore(rq, explores, context, checker)?;
    let raw = rq.get_ref();
    let mut ok = true;
    // Table calculations first: `fields` may name them.
    let dotted: Vec<String> =
        raw.fields.iter().flatten().map(|f| f.get_ref().clone()).filter(|f| f.contains('.')).collect();
    let calcs = match &raw.dynamic_fields {
        Some(d) => match crate::calc::parse_dynamic_fields(d.get_ref(), &dotted) {
            Ok(calcs) => calcs,
            Err(e) => {
                checker.error(d.span(), format!("{context}: {e}"));
                return None;
            }
        },
        None => Vec::new(),
    };
    let mut fields: Vec<String> = Vec::new();
    match &raw.fields {
        Some(list) if !list.is_empty() => {
            for f in list {
                if calcs.iter().any(|c| c.name == *f.get_ref()) {
                    fields.push(f.get_ref().clone());
                    continue;
                }
                match checker.resolve(explore, f, context) {
                    Some(r) if fields.contains(&r.name()) => {
                        checker.error(f.span(), format!("{context}: field `{}` is listed twice", r.name()));
                    }
                    Some(r) => fields.push(r.name()),
                    None => ok = false,
                }
            }
        }
        _ => {
            checker.error(rq.span(), format!("{context}: the query needs at least one field in `fields`"));
            ok = false;
        }
    }
    let mut filters = Vec::new();
    for (field, expr) in checker.pairs(raw.filters.as_ref()) {
        match checker.field_filter(explore, &field, expr, context) {
            Some(f) => filters.push(f),
            None => ok = false,
        }
    }
    let mut sorts = Vec::new();
    for s in raw.sorts.iter().flatten() {
        match sort(s, &fields, context, checker) {
            Some(sort) => sorts.push(sort),
            None => ok = false,
        }
    }
    let limit = raw.limit.as_ref().and_then(|l| {
        let text = match l.get_ref() {
            IntOrString::Int(i) => i.to_string(),
            IntOrString::String(s) => s.clone(),
        };
        // A saved query is shown on a page, so it gets what a page shows:
        // at most Limit::MAX_ROWS rows, never every row (that is for
        // downloads). A larger limit would be cut when run, silently.
        let value = text.parse::<Limit>().ok().filter(|l| l.fits_a_page());
        if value.is_none() {
            checker.error(
                l.span(),
                format!(
                    "{context}: `limit` must be a positive whole number up to {}, Looker's row limit for looks and \
                     dashboards (every row, -1, is for downloads only)",
                    Limit::MAX_ROWS
                ),
            );
            ok = false;
        }
        value
    });
    let mut pivots = Vec::new();
    for p in raw.pivots.iter().flatten() {
        match checker.resolve(explore, p, context) {
            Some(r) if r.is_measure() => {
                checker
                    .error(p.span(), format!("{context}: `{}` is a measure; a query pivots on dimensions", r.name()));
                ok = false;
            }
            Some(r) if !fields.contains(&r.name()) => {
                checker.error(
                    p.span(),
                    format!("{context}: pivot `{}` is not in `fields`; a query pivots on fields it selects", r.name()),
                );
                ok = false;
            }
            Some(r) if pivots.contains(&r.name()) => {
                checker.error(p.span(), format!("{context}: pivot `{}` is listed twice", r.name()));
                ok = false;
            }
            Some(r) => pivots.push(r.name()),
            None => ok = false,
        }
    }
    let dynamic_fields = raw.dynamic_fields.as_ref().map(|d| d.get_ref().clone());
    ok.then(|| Query { explore: explore.name.clone(), fields, pivots, dynamic_fields, filters, sorts, limit })
}

/// `view.field` or `view.field desc` (Looker's sort syntax); the field must
/// be one of the query's, as SQL can only order by what it selects here.
fn sort(s: &S<String>, fields: &[String], context: &str, checker: &mut Checker<'_>) -> Option<Sort> {
    let words: Vec<&str> = s.get_ref().split_whitespace().collect();
    let (field, descending) = match words.as_slice() {
        [f] => (*f, false),
        [f, dir] if dir.eq_ignore_ascii_case("desc") => (*f, true),
        [f, dir] if dir.eq_ignore_ascii_case("asc") => (*f, false),
        _ => {
            checker
                .error(s.span(), format!("{context}: sort `{}` is not `view.field` or `view.field desc`", s.get_ref()));
            return None;
        }
    };
    if !fields.iter().any(|f| f == field) {
        let mut message = format!("{context}: sort field `{field}` is not one of the query's fields");
        if let Some(best) = closest(field, fields.iter().map(String::as_str)) {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        checker.error(s.span(), message);
        return None;
    }
    Some(Sort { field: field.to_owned(), descending })
}
