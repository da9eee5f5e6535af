//! `[[explores]]`: a base view, joins, access filters and always-filters.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Checker, closest};
use crate::model::raw::{RawAccessFilter, RawExplore, RawJoin, S};
use crate::model::{AccessFilter, Explore, FieldRef, Join, JoinType, Relationship, View};

pub(super) fn validate_explores(raw: &[S<RawExplore>], views: &[Arc<View>], checker: &mut Checker<'_>) -> Vec<Explore> {
    let mut seen = BTreeMap::new();
    let mut explores = Vec::new();
    for (i, re) in raw.iter().enumerate() {
        let span = re.span();
        let Some(name_value) = checker.required(&re.get_ref().name, "name", &format!("explores[{i}]"), &span) else {
            continue;
        };
        let Some(name) = checker.name(name_value, "explore name") else { continue };
        if !checker.unique(&mut seen, &name, name_value.span(), "explore") {
            continue;
        }
        if let Some(e) = explore(re.get_ref(), name, name_value, views, checker) {
            explores.push(e);
        }
    }
    explores
}

fn find_view(views: &[Arc<View>], name: &S<String>, context: &str, checker: &mut Checker<'_>) -> Option<Arc<View>> {
    if let Some(v) = views.iter().find(|v| v.name == *name.get_ref()) {
        return Some(Arc::clone(v));
    }
    let mut message = format!("{context}: unknown view `{}`", name.get_ref());
    if let Some(best) = closest(name.get_ref(), views.iter().map(|v| v.name.as_str())) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    checker.error(name.span(), message);
    None
}

fn explore(
    re: &RawExplore,
    name: String,
    name_value: &S<String>,
    views: &[Arc<View>],
    checker: &mut Checker<'_>,
) -> Option<Explore> {
    let context = format!("explore `{name}`");
    // LookML's default: an explore starts from the view of its own name.
    let base = find_view(views, re.view.as_ref().unwrap_or(name_value), &context, checker);
    let mut joined: Vec<(&S<RawJoin>, Arc<View>)> = Vec::new();
    for rj in &re.joins {
        let Some(v) = checker.required(&rj.get_ref().view, "view", &format!("a join of {context}"), &rj.span()) else {
            continue;
        };
        let Some(view) = find_view(views, v, &format!("{context}, join"), checker) else { continue };
        let already =
            base.as_ref().is_some_and(|b| b.name == view.name) || joined.iter().any(|(_, j)| j.name == view.name);
        if already {
            checker.error(v.span(), format!("{context}: view `{}` is already part of the explore", view.name));
            continue;
        }
        joined.push((rj, view));
    }
    let base = base?;
    let mut explore = Explore {
        label: re.label.as_ref().map_or_else(|| name.clone(), |l| l.get_ref().clone()),
        description: re.description.as_ref().map(|d| d.get_ref().clone()),
        name,
        base,
        joins: joined
            .iter()
            .map(|(_, view)| Join {
                view: Arc::clone(view),
                on: Vec::new(),
                join_type: JoinType::LeftOuter,
                relationship: Relationship::ManyToOne,
            })
            .collect(),
        access_filters: Vec::new(),
        always_filter: Vec::new(),
    };
    // Join conditions may name any view of the explore, so they are checked
    // once every joined view is known.
    for (i, (rj, view)) in joined.iter().enumerate() {
        let rj_ref = rj.get_ref();
        let on = join_on(&explore, rj, view, &context, checker);
        let join_type = rj_ref.kind.as_ref().and_then(|t| checker.choice(t, "join type", &JoinType::NAMES));
        let relationship =
            rj_ref.relationship.as_ref().and_then(|r| checker.choice(r, "relationship", &Relationship::NAMES));
        let join = &mut explore.joins[i];
        join.on = on;
        join.join_type = join_type.unwrap_or(JoinType::LeftOuter);
        join.relationship = relationship.unwrap_or(Relationship::ManyToOne);
    }
    let access_filters: Vec<AccessFilter> =
        re.access_filters.iter().filter_map(|af| access_filter(&explore, af, &context, checker)).collect();
    let always_filter = checker
        .pairs(re.always_filter.as_ref())
        .into_iter()
        .filter_map(|(field, expr)| checker.field_filter(&explore, &field, expr, &format!("{context}, always_filter")))
        .collect();
    explore.access_filters = access_filters;
    explore.always_filter = always_filter;
    Some(explore)
}

fn join_on(
    explore: &Explore,
    rj: &S<RawJoin>,
    view: &View,
    context: &str,
    checker: &mut Checker<'_>,
) -> Vec<(String, String)> {
    let context = format!("{context}, join `{}`", view.name);
    let Some(on) = checker.required(&rj.get_ref().on, "on", &context, &rj.span()) else { return Vec::new() };
    if on.get_ref().is_empty() {
        checker.error(on.span(), format!("{context}: `on` needs at least one [\"view.field\", \"view.field\"] pair"));
    }
    let mut pairs = Vec::new();
    for pair in on.get_ref() {
        let [left, right] = pair.get_ref().as_slice() else {
            checker
                .error(pair.span(), format!("{context}: each `on` entry is a pair [\"view.field\", \"view.field\"]"));
            continue;
        };
        let mut sides = Vec::new();
        for side in [left, right] {
            let Some(f) = checker.resolve(explore, side, &context) else { continue };
            if matches!(f.field, FieldRef::Measure(_)) {
                checker.error(
                    side.span(),
                    format!("{context}: `{}` is a measure; joins compare dimensions", side.get_ref()),
                );
                continue;
            }
            sides.push((f.view.name.clone(), f.name()));
        }
        let [(lv, l), (rv, r)] = sides.as_slice() else { continue };
        if (lv == &view.name) == (rv == &view.name) {
            checker.error(
                pair.span(),
                format!("{context}: each pair must compare a field of `{}` with a field of another view", view.name),
            );
            continue;
        }
        pairs.push((l.clone(), r.clone()));
    }
    pairs
}

fn access_filter(
    explore: &Explore,
    af: &S<RawAccessFilter>,
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<AccessFilter> {
    let context = format!("{context}, access filter");
    let span = af.span();
    let field = checker.required(&af.get_ref().field, "field", &context, &span);
    let attribute = checker.required(&af.get_ref().user_attribute, "user_attribute", &context, &span);
    let resolved = checker.resolve(explore, field?, &context)?;
    if resolved.is_measure() {
        checker.error(
            field?.span(),
            format!("{context}: `{}` is a measure; access filters need a dimension", resolved.name()),
        );
        return None;
    }
    let attribute = attribute?;
    let attribute_ok = !attribute.get_ref().is_empty()
        && attribute.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !attribute_ok {
        checker.error(
            attribute.span(),
            format!(
                "{context}: user attribute `{}` must be lowercase letters, digits and underscores",
                attribute.get_ref()
            ),
        );
        return None;
    }
    Some(AccessFilter { field: resolved.name(), user_attribute: attribute.get_ref().clone() })
}
