//! `[[dashboards]]`: filters, tiles, which filters each tile listens to, and
//! where each tile sits.

use std::collections::BTreeMap;

use super::queries::{explore_named, validate_query};
use super::{Checker, closest};
use crate::model::filter::FilterType;
use crate::model::raw::{IntOrString, RawDashboard, RawDashboardFilter, RawElement, RawLayout, RawUiConfig, S};
use crate::model::{Dashboard, DashboardElement, DashboardFilter, ElementType, Explore, FilterControl, Layout};

/// Looker lays dashboards out on a 24-column grid.
const GRID_COLUMNS: i64 = 24;

pub(super) fn validate_dashboards(
    raw: &[S<RawDashboard>],
    explores: &[Explore],
    themes: &[crate::model::Theme],
    checker: &mut Checker<'_>,
) -> Vec<Dashboard> {
    let mut seen = BTreeMap::new();
    let mut dashboards = Vec::new();
    for (i, rd) in raw.iter().enumerate() {
        let span = rd.span();
        let owner = format!("dashboards[{i}]");
        let rd = rd.get_ref();
        let id = checker.required(&rd.id, "id", &owner, &span).and_then(|id| {
            let text = match id.get_ref() {
                IntOrString::Int(n) if *n > 0 => Some(n.to_string()),
                IntOrString::String(s)
                    if !s.is_empty()
                        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') =>
                {
                    Some(s.clone())
                }
                _ => None,
            };
            if text.is_none() {
                checker.error(
                    id.span(),
                    "dashboard id must be a positive integer or a slug of lowercase letters, digits, `_` and `-`",
                );
            }
            let text = text?;
            checker.unique(&mut seen, &text, id.span(), "dashboard id").then_some(text)
        });
        let context = format!("dashboard `{}`", id.as_deref().unwrap_or(&owner));
        let title = checker.required(&rd.title, "title", &owner, &span).map(|t| t.get_ref().clone());
        let (filters, filter_types) = dashboard_filters(&rd.filters, explores, &context, checker);
        let elements_before = rd.elements.len();
        let elements: Vec<DashboardElement> =
            rd.elements.iter().filter_map(|re| element(re, explores, &filter_types, &context, checker)).collect();
        let theme = rd.theme.as_ref().and_then(|t| {
            if themes.iter().any(|th| th.name == *t.get_ref()) {
                Some(t.get_ref().clone())
            } else {
                let names: Vec<&str> = themes.iter().map(|th| th.name.as_str()).collect();
                checker.error(
                    t.span(),
                    format!(
                        "{context}: unknown theme `{}`; themes defined: {}",
                        t.get_ref(),
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    ),
                );
                None
            }
        });
        if let (Some(id), Some(title)) = (id, title)
            && elements.len() == elements_before
            && filters.len() == rd.filters.len()
        {
            let description = rd.description.as_ref().map(|d| d.get_ref().clone());
            let crossfilter_enabled = rd.crossfilter_enabled.as_ref().is_some_and(|c| *c.get_ref());
            dashboards.push(Dashboard { id, title, description, filters, elements, theme, crossfilter_enabled });
        }
    }
    dashboards
}

/// The dashboard's filters, plus each filter's grammar so tiles can be
/// checked to listen with a field of the same type.
fn dashboard_filters(
    raw: &[S<RawDashboardFilter>],
    explores: &[Explore],
    context: &str,
    checker: &mut Checker<'_>,
) -> (Vec<DashboardFilter>, BTreeMap<String, Option<FilterType>>) {
    let mut seen = BTreeMap::new();
    let mut filters = Vec::new();
    let mut types = BTreeMap::new();
    for rf in raw {
        let span = rf.span();
        let rf = rf.get_ref();
        let owner = format!("a filter of {context}");
        let Some(name) = checker.required(&rf.name, "name", &owner, &span) else { continue };
        if name.get_ref().trim().is_empty() {
            checker.error(name.span(), format!("{context}: a filter name cannot be empty"));
            continue;
        }
        if !checker.unique(&mut seen, name.get_ref(), name.span(), "dashboard filter") {
            continue;
        }
        // Known by name from here on, so tiles listening to it are not
        // reported again when only its field is wrong.
        types.insert(name.get_ref().clone(), None);
        let context = format!("{context}, filter \"{}\"", name.get_ref());
        if let Some(kind) = &rf.kind {
            checker.choice(kind, "dashboard filter type", &[("field_filter", ())]);
        }
        let explore = checker
            .required(&rf.explore, "explore", &context, &span)
            .and_then(|e| explore_named(e, explores, &context, checker));
        let field = checker.required(&rf.field, "field", &context, &span);
        let (Some(explore), Some(field)) = (explore, field) else { continue };
        let Some(resolved) = checker.resolve(explore, field, &context) else { continue };
        let default_value = rf.default_value.as_ref().map_or_else(String::new, |d| d.get_ref().clone());
        if let Some(d) = &rf.default_value
            && checker.expression(resolved, &resolved.name(), d, &context).is_none()
        {
            continue;
        }
        let control = match &rf.ui_config {
            Some(ui) => match ui_control(ui, resolved.filter_type(), &context, checker) {
                Some(control) => control,
                None => continue,
            },
            None => FilterControl::Advanced,
        };
        types.insert(name.get_ref().clone(), Some(resolved.filter_type()));
        filters.push(DashboardFilter {
            name: name.get_ref().clone(),
            title: rf.title.as_ref().map_or_else(|| name.get_ref().clone(), |t| t.get_ref().clone()),
            explore: explore.name.clone(),
            field: resolved.name(),
            default_value,
            control,
        });
    }
    (filters, types)
}

/// Looker's `ui_config`: the control's `type`, which must fit the field,
/// and its `display`, which ponte accepts and always shows inline.
fn ui_control(
    ui: &S<RawUiConfig>,
    filter_type: FilterType,
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<FilterControl> {
    let raw = ui.get_ref();
    if let Some(display) = &raw.display {
        checker.choice(display, "ui_config display", &[("inline", ()), ("popover", ()), ("overflow", ())])?;
    }
    let Some(kind) = &raw.kind else { return Some(FilterControl::Advanced) };
    let control = checker.choice(kind, "ui_config type", &FilterControl::ALL)?;
    if !control.fits(filter_type) {
        let fitting: Vec<&str> =
            FilterControl::ALL.iter().filter(|(_, c)| c.fits(filter_type)).map(|(n, _)| *n).collect();
        checker.error(
            kind.span(),
            format!(
                "{context}: `{}` does not fit a {filter_type:?} field; it takes {}",
                control.as_str(),
                fitting.join(", ")
            ),
        );
        return None;
    }
    Some(control)
}

/// The longest text tile, in bytes.
const MAX_BODY_TEXT: usize = 16 * 1024;

fn element(
    re: &S<RawElement>,
    explores: &[Explore],
    filter_types: &BTreeMap<String, Option<FilterType>>,
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<DashboardElement> {
    let span = re.span();
    let re = re.get_ref();
    let owner = format!("a tile of {context}");
    let title = checker.required(&re.title, "title", &owner, &span).map(|t| t.get_ref().clone());
    let context = format!("{context}, tile \"{}\"", title.as_deref().unwrap_or("?"));
    let element_type = checker
        .required(&re.kind, "type", &context, &span)
        .and_then(|t| checker.choice(t, "tile type", &ElementType::ALL));
    let text = element_type == Some(ElementType::Text);
    // A text tile has Markdown and no query; every other tile a query.
    let query = if text {
        if let Some(q) = &re.query {
            checker.error(q.span(), format!("{context}: a text tile has no `query`"));
        }
        None
    } else {
        checker.required(&re.query, "query", &context, &span).and_then(|q| {
            let query = validate_query(q, explores, &context, checker)?;
            let explore = explores.iter().find(|e| e.name == query.explore)?;
            Some((query, explore))
        })
    };
    let body_text = match (&re.body_text, text) {
        (Some(b), true) if b.get_ref().len() <= MAX_BODY_TEXT => Some(b.get_ref().clone()),
        (Some(b), true) => {
            checker.error(b.span(), format!("{context}: `body_text` is longer than {MAX_BODY_TEXT} bytes"));
            None
        }
        (None, true) => {
            checker.error(span.clone(), format!("{context}: a text tile needs `body_text`"));
            None
        }
        (Some(b), false) => {
            checker.error(b.span(), format!("{context}: `body_text` is for text tiles (`type = \"text\"`)"));
            None
        }
        (None, false) => None,
    };
    if text && body_text.is_none() {
        return None;
    }
    let layout = re.layout.as_ref().and_then(|l| layout(l, &context, checker));
    let mut listen = Vec::new();
    let mut ok = true;
    for (filter, field) in checker.pairs(re.listen.as_ref()) {
        let Some(filter_type) = filter_types.get(filter.get_ref()) else {
            let mut message = format!("{context}: listens to unknown dashboard filter \"{}\"", filter.get_ref());
            if let Some(best) = closest(filter.get_ref(), filter_types.keys().map(String::as_str)) {
                message.push_str(&format!("; did you mean \"{best}\"?"));
            }
            checker.error(filter.span(), message);
            ok = false;
            continue;
        };
        let Some((_, explore)) = &query else { continue };
        let Some(resolved) = checker.resolve(explore, field, &context) else {
            ok = false;
            continue;
        };
        if let Some(expected) = filter_type
            && resolved.filter_type() != *expected
        {
            checker.error(
                field.span(),
                format!(
                    "{context}: `{}` takes {:?} filters but dashboard filter \"{}\" is on a {:?} field",
                    resolved.name(),
                    resolved.filter_type(),
                    filter.get_ref(),
                    expected
                ),
            );
            ok = false;
            continue;
        }
        listen.push((filter.get_ref().clone(), resolved.name()));
    }
    if re.layout.is_some() && layout.is_none() {
        ok = false;
    }
    let vis = super::vis::vis_config(re, element_type, query.as_ref().map(|(q, e)| (q, *e)), &context, checker);
    let query = if text { None } else { Some(query?.0) };
    ok.then_some(DashboardElement {
        title: title?,
        element_type: element_type?,
        query,
        body_text,
        listen,
        layout,
        vis: vis?,
    })
}

fn layout(rl: &S<RawLayout>, context: &str, checker: &mut Checker<'_>) -> Option<Layout> {
    let span = rl.span();
    let rl = rl.get_ref();
    let context = format!("{context}, layout");
    let mut get = |value: &Option<S<i64>>, key: &str, min: i64| -> Option<i64> {
        let v = checker.required(value, key, &context, &span)?;
        if *v.get_ref() < min || *v.get_ref() > 10_000 {
            checker.error(v.span(), format!("{context}: `{key}` must be at least {min}"));
            return None;
        }
        Some(*v.get_ref())
    };
    let (row, col, width, height) =
        (get(&rl.row, "row", 0), get(&rl.col, "col", 0), get(&rl.width, "width", 1), get(&rl.height, "height", 1));
    let (row, col, width, height) = (row?, col?, width?, height?);
    if col + width > GRID_COLUMNS {
        checker
            .error(span, format!("{context}: `col` + `width` is {}, past the {GRID_COLUMNS}-column grid", col + width));
        return None;
    }
    let u = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    Some(Layout { row: u(row), col: u(col), width: u(width), height: u(height) })
}

#[cfg(test)]
mod tests {
    use crate::model::parse_model;

    const VIEW: &str = r#"
[model]
name = "m"
[[views]]
name = "v"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "s" }]
measures = [{ name = "n", type = "count" }]
[[explores]]
name = "v"
[[dashboards]]
id = "d"
title = "D"
"#;

    fn problems(tile: &str) -> String {
        parse_model(&format!("{VIEW}[[dashboards.elements]]\n{tile}\n"), "m.toml".as_ref()).unwrap_err().to_string()
    }

    #[test]
    fn a_text_tile_has_markdown_and_no_query() {
        let ok = parse_model(
            &format!("{VIEW}[[dashboards.elements]]\ntitle = \"Leia\"\ntype = \"text\"\nbody_text = \"**oi**\"\n"),
            "m.toml".as_ref(),
        )
        .unwrap();
        let tile = &ok.dashboard("d").unwrap().elements[0];
        assert_eq!((tile.query.is_none(), tile.body_text.as_deref()), (true, Some("**oi**")));
        assert!(problems("title = \"T\"\ntype = \"text\"").contains("a text tile needs `body_text`"));
        let with_query =
            "title = \"T\"\ntype = \"text\"\nbody_text = \"x\"\nquery = { explore = \"v\", fields = [\"v.n\"] }";
        assert!(problems(with_query).contains("a text tile has no `query`"));
        let misplaced =
            "title = \"T\"\ntype = \"table\"\nbody_text = \"x\"\nquery = { explore = \"v\", fields = [\"v.n\"] }";
        assert!(problems(misplaced).contains("`body_text` is for text tiles"));
    }

    #[test]
    fn series_types_and_y_axes_name_measures_of_the_tile() {
        let tile = |extra: &str| {
            format!(
                "title = \"T\"\ntype = \"looker_column\"\nquery = {{ explore = \"v\", fields = [\"v.s\", \"v.n\"] }}\n{extra}"
            )
        };
        let ok = parse_model(
            &format!(
                "{VIEW}[[dashboards.elements]]\n{}",
                tile(
                    "series_types = { \"v.n\" = \"line\" }\ny_axes = [{ orientation = \"right\", series = [\"v.n\"] }]"
                )
            ),
            "m.toml".as_ref(),
        )
        .unwrap();
        let e = &ok.dashboard("d").unwrap().elements[0];
        assert_eq!(
            (e.vis.series_lines.as_slice(), e.vis.right_axis.as_slice()),
            (&["v.n".to_owned()][..], &["v.n".to_owned()][..])
        );
        assert!(
            problems(&tile("series_types = { \"v.s\" = \"line\" }"))
                .contains("`v.s` is not a measure of this tile's query")
        );
        assert!(problems(&tile("series_types = { \"v.n\" = \"pie\" }")).contains("series type"));
        assert!(
            problems(&tile("y_axes = [{ orientation = \"up\", series = [\"v.n\"] }]")).contains("axis orientation")
        );
    }

    #[test]
    fn comparisons_and_totals_belong_to_their_tile_types() {
        let compare =
            "title = \"T\"\ntype = \"table\"\nshow_comparison = true\nquery = { explore = \"v\", fields = [\"v.n\"] }";
        assert!(problems(compare).contains("`show_comparison` is for single_value tiles"));
        let totals = "title = \"T\"\ntype = \"single_value\"\nshow_totals = true\nquery = { explore = \"v\", fields = [\"v.n\"] }";
        assert!(problems(totals).contains("`show_totals` is for table tiles"));
    }
}
