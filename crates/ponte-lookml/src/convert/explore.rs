//! A LookML `explore:` → a ponte explore with its joins, access filters
//! and always filter.
//!
//! Access control fails closed: an explore whose access filters or access
//! grants cannot all be converted is left out entirely, never written
//! without them.

use std::path::Path;

use super::out::{Exclusion, ExploreOut, JoinOut, JoinType, Origin, Relationship};
use super::reader::{Reader, text_of};
use super::report::{Reason, Report};
use super::sql;
use crate::tree::{List, Pair};

/// What an explore may know of its model's converted views.
pub(crate) trait Views {
    /// Whether the view was converted (a left-out view cannot be joined).
    fn has(&self, view: &str) -> bool;
    /// Its primary key, for `foreign_key` joins.
    fn primary_key(&self, view: &str) -> Option<String>;
}

/// Converts one `explore: name { … }`; `None` when it is left out.
pub(crate) fn explore(pair: &Pair, file: &Path, views: &dyn Views, report: &mut Report) -> Option<ExploreOut> {
    let Some(block) = pair.value.block().filter(|b| b.name.is_some()) else {
        report.push(file, pair.pos.line, "explore", Reason::Unresolved("an explore must be a named block".into()));
        return None;
    };
    let name = block.name_text().to_owned();
    let construct = format!("explore {name}");
    let left_out = |report: &mut Report, line: u32, reason: Reason| {
        report.push(file, line, format!("{construct} (left out)"), reason);
        None
    };
    if name.starts_with('+') {
        return left_out(report, pair.pos.line, Reason::NoEquivalent("refinements: merge them into the explore"));
    }
    let r = Reader::new(block, file, construct.clone());
    if let Some(grants) = r.pair("required_access_grants") {
        return left_out(
            report,
            grants.pos.line,
            Reason::NoEquivalent("access grants; the explore is left out rather than opened to everyone"),
        );
    }
    // A hidden WHERE is often row-level security (`{{ _user_attributes[…] }}`):
    // ponte has none, and dropping it would show every row.
    if let Some(hidden) = r.pair("sql_always_where").or_else(|| r.pair("sql_always_having")) {
        return left_out(
            report,
            hidden.pos.line,
            Reason::NoEquivalent(
                "a hidden WHERE/HAVING (often row-level security); write it as an access_filter or always_filter",
            ),
        );
    }
    let excluded = match r.pair("fields").map(exclusions).transpose() {
        Ok(excluded) => excluded.unwrap_or_default(),
        Err((line, why)) => return left_out(report, line, Reason::Unresolved(why)),
    };
    let view_name = r.text("view_name");
    let from = r.text("from");
    if let (Some(from), None) = (&from, &view_name)
        && *from != name
    {
        report.push(
            file,
            r.pair("from").map_or(0, |p| p.pos.line),
            format!("{construct}: from {from}"),
            Reason::Changed(format!(
                "ponte names fields by view: this explore's fields are `{from}.x`, not `{name}.x`"
            )),
        );
    }
    let base = view_name.or(from).unwrap_or_else(|| name.clone());
    if !views.has(&base) {
        return left_out(
            report,
            pair.pos.line,
            Reason::Unresolved(format!("its view `{base}` is not among the model's converted views")),
        );
    }

    let mut access_filters = Vec::new();
    for p in r.all("access_filter") {
        let pair_of = p.value.block().and_then(|b| {
            let field = b.get("field")?.value.scalar().map(text_of)?;
            let attribute = b.get("user_attribute")?.value.scalar().map(text_of)?;
            Some((field, attribute))
        });
        match pair_of {
            Some(pair) => access_filters.push(pair),
            None => {
                return left_out(
                    report,
                    p.pos.line,
                    Reason::Unresolved("an access_filter needs `field` and `user_attribute`".into()),
                );
            }
        }
    }

    let mut always_filter = Vec::new();
    if let Some(p) = r.pair("always_filter") {
        match p.value.block().and_then(|b| b.get("filters")).and_then(|f| f.value.list()) {
            Some(List::Pairs(pairs)) => always_filter
                .extend(pairs.iter().map(|f| (f.key.clone(), f.value.scalar().map(text_of).unwrap_or_default()))),
            _ => report.push(
                file,
                p.pos.line,
                format!("{construct}: always_filter"),
                Reason::Unresolved("expected `always_filter: { filters: [view.field: \"expression\"] }`".into()),
            ),
        }
    }

    let mut joins: Vec<JoinOut> = Vec::new();
    for p in r.all("join") {
        let Some(join) = join(p, file, &construct, &base, views, report) else { continue };
        let reachable = |view: &str| view == base || view == join.view || joins.iter().any(|j| j.view == view);
        if let Some((missing, _)) =
            join.on.iter().flat_map(|(a, b)| [a, b]).filter_map(|f| f.split_once('.')).find(|(v, _)| !reachable(v))
        {
            report.push(
                file,
                p.pos.line,
                format!("{construct}: join {} (left out)", join.view),
                Reason::Unresolved(format!("its condition names `{missing}`, which the explore does not join")),
            );
            continue;
        }
        joins.push(join);
    }

    let reachable = |view: &str| view == base || joins.iter().any(|j| j.view == view);
    if let Some((field, _)) = access_filters.iter().find(|(f, _)| !f.split_once('.').is_some_and(|(v, _)| reachable(v)))
    {
        let line = r.pair("access_filter").map_or(pair.pos.line, |p| p.pos.line);
        return left_out(
            report,
            line,
            Reason::Unresolved(format!(
                "the access filter on `{field}` names a view the converted explore does not join"
            )),
        );
    }

    let out = ExploreOut {
        origin: Origin { file: file.to_owned(), line: pair.pos.line },
        view: (base != name).then_some(base),
        label: r.label("label", report),
        description: r.label("description", report),
        name,
        joins,
        access_filters,
        always_filter,
        excluded,
    };
    r.finish(report);
    Some(out)
}

/// `fields: [ALL_FIELDS*, -view.field, …]` → the fields it hides. Any
/// other list (naming the fields to show, or a set) would hide fields
/// ponte cannot work out here, so the explore is left out instead (`Err`
/// with the line and why).
fn exclusions(pair: &Pair) -> Result<Vec<Exclusion>, (u32, String)> {
    let line = pair.pos.line;
    let refuse = |what: &str| {
        Err((
            line,
            format!(
                "its `fields` {what}; ponte only applies `[ALL_FIELDS*, -view.field, …]`, and leaves the explore \
                 out rather than showing fields it hides"
            ),
        ))
    };
    let items: Vec<String> = match pair.value.list() {
        Some(List::Values(items)) => items.iter().map(text_of).collect(),
        _ => return refuse("is not a list of fields"),
    };
    if !items.iter().any(|i| i == "ALL_FIELDS*") {
        return refuse("lists the fields to show");
    }
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = Vec::new();
    for item in items.iter().filter(|i| *i != "ALL_FIELDS*") {
        match item.strip_prefix('-').and_then(|f| f.split_once('.')) {
            Some((view, field)) if word(view) && word(field) => {
                out.push(Exclusion { view: view.to_owned(), field: field.to_owned(), line });
            }
            _ => return refuse(&format!("has `{item}` (a set, or a field to show)")),
        }
    }
    Ok(out)
}

fn join(
    pair: &Pair,
    file: &Path,
    explore: &str,
    base: &str,
    views: &dyn Views,
    report: &mut Report,
) -> Option<JoinOut> {
    let block = pair.value.block().filter(|b| b.name.is_some())?;
    let view = block.name_text().to_owned();
    let construct = format!("{explore}: join {view}");
    let left_out = |report: &mut Report, line: u32, reason: Reason| {
        report.push(file, line, format!("{construct} (left out)"), reason);
        None
    };
    if !views.has(&view) {
        return left_out(
            report,
            pair.pos.line,
            Reason::Unresolved(format!("view `{view}` is not among the model's converted views")),
        );
    }
    let r = Reader::new(block, file, construct.clone());
    if let Some(grants) = r.pair("required_access_grants") {
        return left_out(
            report,
            grants.pos.line,
            Reason::NoEquivalent("access grants; the join is left out rather than opened to everyone"),
        );
    }
    if let Some(from) = r.pair("from") {
        return left_out(
            report,
            from.pos.line,
            Reason::NoEquivalent("joining a view under another name; ponte joins each view by its own name"),
        );
    }
    // A join's `fields` hides the joined view's other fields; ponte would
    // show them all, so the join goes instead.
    if let Some(fields) = r.pair("fields") {
        return left_out(
            report,
            fields.pos.line,
            Reason::NoEquivalent("a join's field list; the join is left out rather than showing the fields it hides"),
        );
    }
    if let Some(extra) = r.pair("sql_where") {
        return left_out(report, extra.pos.line, Reason::NoEquivalent("extra join conditions (sql_where)"));
    }
    let kind = r.text("type").unwrap_or_else(|| "left_outer".to_owned());
    let Some(kind) = JoinType::parse(&kind) else {
        return left_out(report, pair.pos.line, Reason::UnsupportedType(kind));
    };
    let relationship = r.text("relationship").unwrap_or_else(|| "many_to_one".to_owned());
    let Some(relationship) = Relationship::parse(&relationship) else {
        return left_out(report, pair.pos.line, Reason::UnsupportedType(relationship));
    };
    let on = if let Some(s) = r.scalar("sql_on") {
        match sql::join_on(&s.text) {
            Ok(on) => on,
            Err(reason) => return left_out(report, s.pos.line, reason),
        }
    } else if let Some(fk) = r.scalar("foreign_key") {
        let field = if fk.text.contains('.') { fk.text.clone() } else { format!("{base}.{}", fk.text) };
        match views.primary_key(&view) {
            Some(pk) => vec![(field, format!("{view}.{pk}"))],
            None => {
                return left_out(
                    report,
                    fk.pos.line,
                    Reason::Unresolved(format!("foreign_key needs a primary key on view {view}")),
                );
            }
        }
    } else {
        return left_out(report, pair.pos.line, Reason::Unresolved("a join needs `sql_on` or `foreign_key`".into()));
    };
    let out = JoinOut { origin: Origin { file: file.to_owned(), line: pair.pos.line }, view, on, kind, relationship };
    r.finish(report);
    Some(out)
}
