//! A tile's drawing options (Looker's `vis_config` keys ponte honours),
//! each checked against the tile's type and query: a comparison is for
//! single values, totals and conditional formatting for tables, series
//! types and axes for column and line charts, stacking for column, bar and
//! area charts, and every field they name is a measure of the tile.

use super::Checker;
use crate::model::raw::{RawConditionalFormat, RawElement, S};
use crate::model::{
    Comparison, ComparisonKind, ConditionalFormat, ElementType, Explore, FormatRule, Query, Stacking, VisConfig,
};

/// The most conditional formatting rules one tile takes.
const MAX_FORMAT_RULES: usize = 20;

/// The tile's [`VisConfig`], or `None` after reporting what is wrong.
pub(super) fn vis_config(
    re: &RawElement,
    element_type: Option<ElementType>,
    query: Option<(&Query, &Explore)>,
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<VisConfig> {
    let mut ok = true;
    let mut only_for = |span: std::ops::Range<usize>, key: &str, types: &[ElementType], checker: &mut Checker<'_>| {
        if element_type.is_some_and(|t| !types.contains(&t)) {
            let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
            checker.error(span, format!("{context}: `{key}` is for {} tiles", names.join(" and ")));
            ok = false;
        }
    };
    let measure_of_query = |name: &str| {
        query.is_some_and(|(q, explore)| {
            q.fields.iter().any(|f| f == name) && explore.resolve_field(name).is_some_and(|r| r.is_measure())
        })
    };
    let not_a_measure = |field: &S<String>, checker: &mut Checker<'_>| {
        checker.error(field.span(), format!("{context}: `{}` is not a measure of this tile's query", field.get_ref()));
    };

    let comparison = match &re.show_comparison {
        Some(show) if *show.get_ref() => {
            only_for(show.span(), "show_comparison", &[ElementType::SingleValue], checker);
            let kind = match &re.comparison_type {
                None => Some(ComparisonKind::Change),
                Some(t) => checker.choice(
                    t,
                    "comparison_type",
                    &[("change", ComparisonKind::Change), ("value", ComparisonKind::Value)],
                ),
            };
            Some(kind.map(|kind| Comparison {
                kind,
                label: re.comparison_label.as_ref().map(|l| l.get_ref().clone()),
                reverse_colors: re.comparison_reverse_colors.as_ref().is_some_and(|r| *r.get_ref()),
            }))
        }
        _ => None,
    };
    let mut all_named = true;
    let show_totals = match &re.show_totals {
        Some(t) if *t.get_ref() => {
            only_for(t.span(), "show_totals", &[ElementType::Table], checker);
            if query.is_some_and(|(q, _)| !q.pivots.is_empty()) {
                checker.error(t.span(), format!("{context}: `show_totals` on a pivoted table is not supported yet"));
                all_named = false;
            }
            true
        }
        _ => false,
    };

    // Looker's series_types and y_axes: measures of this tile's query.
    let charted = [ElementType::LookerColumn, ElementType::LookerLine];
    let mut series_lines = Vec::new();
    for (field, kind) in checker.pairs(re.series_types.as_ref()) {
        only_for(field.span(), "series_types", &charted, checker);
        if !measure_of_query(field.get_ref()) {
            not_a_measure(&field, checker);
            all_named = false;
        } else {
            match checker.choice(kind, "series type", &[("line", true), ("column", false)]) {
                Some(true) => series_lines.push(field.get_ref().clone()),
                Some(false) => {}
                None => all_named = false,
            }
        }
    }
    let mut right_axis = Vec::new();
    for axis in re.y_axes.as_deref().unwrap_or_default() {
        only_for(axis.span(), "y_axes", &charted, checker);
        let a = axis.get_ref();
        let right = match &a.orientation {
            Some(o) => checker.choice(o, "axis orientation", &[("left", false), ("right", true)]),
            None => Some(false),
        };
        for series in a.series.as_deref().unwrap_or_default() {
            if !measure_of_query(series.get_ref()) {
                not_a_measure(series, checker);
                all_named = false;
            } else if right == Some(true) {
                right_axis.push(series.get_ref().clone());
            }
        }
    }

    let stacking = match &re.stacking {
        Some(s) => {
            let stacked = [ElementType::LookerColumn, ElementType::LookerBar, ElementType::LookerArea];
            if !s.get_ref().is_empty() {
                only_for(s.span(), "stacking", &stacked, checker);
            }
            checker.choice(s, "stacking", &Stacking::ALL)
        }
        None => Some(Stacking::Grouped),
    };

    let rules = re.conditional_formatting.as_deref().unwrap_or_default();
    if let Some(first) = rules.first() {
        only_for(first.span(), "conditional_formatting", &[ElementType::Table], checker);
    }
    if rules.len() > MAX_FORMAT_RULES {
        checker
            .error(rules[MAX_FORMAT_RULES].span(), format!("{context}: at most {MAX_FORMAT_RULES} formatting rules"));
        all_named = false;
    }
    let conditional_formats: Vec<Option<ConditionalFormat>> = rules
        .iter()
        .take(MAX_FORMAT_RULES)
        .map(|rule| conditional_format(rule, &measure_of_query, context, checker))
        .collect();

    let conditional_formats = conditional_formats.into_iter().collect::<Option<Vec<_>>>();
    let comparison = match comparison {
        Some(c) => Some(c?),
        None => None,
    };
    (ok && all_named).then_some(())?;
    Some(VisConfig {
        comparison,
        show_totals,
        series_lines,
        right_axis,
        stacking: stacking?,
        conditional_formats: conditional_formats?,
    })
}

/// One rule of `conditional_formatting`: Looker's `type`, `value`,
/// `background_color`, `font_color`, `bold` and `fields`.
fn conditional_format(
    rule: &S<RawConditionalFormat>,
    measure_of_query: &dyn Fn(&str) -> bool,
    context: &str,
    checker: &mut Checker<'_>,
) -> Option<ConditionalFormat> {
    let span = rule.span();
    let raw = rule.get_ref();
    let context = format!("{context}, conditional_formatting");
    let word = checker.required(&raw.kind, "type", &context, &span)?;
    let words: Vec<(&str, &str)> = FormatRule::WORDS.iter().map(|(w, _)| (*w, *w)).collect();
    let word = checker.choice(word, "conditional formatting type", &words)?;
    let values: Vec<f64> = raw.value.iter().flatten().map(|v| *v.get_ref()).collect();
    let Some(rule_of) = FormatRule::from_words(word, &values) else {
        let wanted = FormatRule::WORDS.iter().find(|(w, _)| *w == word).map_or(0, |(_, n)| *n);
        let at = raw.value.as_ref().and_then(|v| v.first()).map_or(span.clone(), |v| v.span());
        checker.error(at, format!("{context}: `{word}` takes {wanted} value(s) in `value`, not {}", values.len()));
        return None;
    };
    let mut colour = |value: &Option<S<String>>, key: &str| -> Result<Option<String>, ()> {
        let Some(v) = value else { return Ok(None) };
        match crate::model::theme::colour(v).filter(|c| matches!(c.len(), 4 | 7)) {
            Some(c) => Ok(Some(c)),
            None => {
                checker.error(v.span(), format!("{context}: `{key}` must be a colour written `#rgb` or `#rrggbb`"));
                Err(())
            }
        }
    };
    let (background, font) = (colour(&raw.background_color, "background_color"), colour(&raw.font_color, "font_color"));
    let (Ok(background), Ok(font)) = (background, font) else { return None };
    let bold = raw.bold.as_ref().is_some_and(|b| *b.get_ref());
    if background.is_none() && font.is_none() && !bold {
        checker.error(span, format!("{context}: a rule needs `background_color`, `font_color` or `bold`"));
        return None;
    }
    let mut fields = Vec::new();
    for field in raw.fields.iter().flatten() {
        if !measure_of_query(field.get_ref()) {
            checker
                .error(field.span(), format!("{context}: `{}` is not a measure of this tile's query", field.get_ref()));
            return None;
        }
        fields.push(field.get_ref().clone());
    }
    Some(ConditionalFormat { fields, rule: rule_of, background, font, bold })
}

#[cfg(test)]
mod tests {
    use crate::model::{FilterControl, FormatRule, Stacking, parse_model};

    const MODEL: &str = r#"
[model]
name = "m"
[[views]]
name = "v"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "s" }, { name = "k" }, { name = "x", type = "number" }]
dimension_groups = [{ name = "d", type = "time", timeframes = ["date", "month"] }]
measures = [{ name = "n", type = "count" }, { name = "t", type = "sum", sql = "x" }]
[[explores]]
name = "v"
[[dashboards]]
id = "d"
title = "D"
"#;

    fn parse(extra: &str) -> Result<crate::model::Model, String> {
        parse_model(&format!("{MODEL}{extra}\n"), "m.toml".as_ref()).map_err(|e| e.to_string())
    }

    fn tile(kind: &str, query: &str, extra: &str) -> String {
        format!("[[dashboards.elements]]\ntitle = \"T\"\ntype = \"{kind}\"\nquery = {query}\n{extra}")
    }

    #[test]
    fn a_pivoted_column_chart_stacks_and_names_its_pivot_among_its_fields() {
        let q = r#"{ explore = "v", fields = ["v.d_month", "v.s", "v.n"], pivots = ["v.s"] }"#;
        let model = parse(&tile("looker_column", q, "stacking = \"percent\"")).unwrap();
        let element = &model.dashboard("d").unwrap().elements[0];
        assert_eq!(element.query.as_ref().unwrap().pivots, ["v.s"]);
        assert_eq!(element.vis.stacking, Stacking::Percent);
        let outside = r#"{ explore = "v", fields = ["v.d_month", "v.n"], pivots = ["v.s"] }"#;
        assert!(parse(&tile("looker_column", outside, "")).unwrap_err().contains("pivot `v.s` is not in `fields`"));
        let measure = r#"{ explore = "v", fields = ["v.s", "v.n"], pivots = ["v.n"] }"#;
        assert!(parse(&tile("looker_column", measure, "")).unwrap_err().contains("`v.n` is a measure"));
        let totals = parse(&tile("table", q, "show_totals = true")).unwrap_err();
        assert!(totals.contains("`show_totals` on a pivoted table is not supported yet"), "{totals}");
        let look = "[[looks]]\nid = 1\ntitle = \"L\"\nquery = { explore = \"v\", fields = [\"v.s\", \"v.n\"], pivots = [\"v.s\"] }";
        assert_eq!(parse(look).unwrap().looks[0].query.pivots, ["v.s"], "a look pivots as a tile does");
        let err = parse(&tile("looker_line", q, "stacking = \"normal\"")).unwrap_err();
        assert!(err.contains("`stacking` is for looker_column and looker_bar and looker_area tiles"), "{err}");
        let err = parse(&tile("looker_column", q, "stacking = \"stacked\"")).unwrap_err();
        assert!(err.contains("stacking"), "{err}");
    }

    #[test]
    fn conditional_formatting_takes_looker_rules_with_checked_colours() {
        let q = r#"{ explore = "v", fields = ["v.s", "v.n", "v.t"] }"#;
        let rules = r##"conditional_formatting = [
  { type = "greater than", value = [100], background_color = "#fde2e2", font_color = "#b91c1c", bold = true, fields = ["v.t"] },
  { type = "between", value = [10, 1], background_color = "#eee" },
  { type = "null", font_color = "#999" },
]"##;
        let model = parse(&tile("table", q, rules)).unwrap();
        let formats = &model.dashboard("d").unwrap().elements[0].vis.conditional_formats;
        assert_eq!(formats.len(), 3);
        assert_eq!(formats[0].rule, FormatRule::GreaterThan(100.0));
        assert_eq!((formats[0].background.as_deref(), formats[0].bold), (Some("#fde2e2"), true));
        assert_eq!(formats[1].rule, FormatRule::Between(1.0, 10.0), "ends in either order");
        assert!(formats[2].fields.is_empty());
        let bad = |rule: &str| parse(&tile("table", q, &format!("conditional_formatting = [{rule}]"))).unwrap_err();
        let injected = bad(r#"{ type = "null", background_color = "red;background:url(x)" }"#);
        assert!(injected.contains("`background_color` must be a colour written `#rgb` or `#rrggbb`"), "{injected}");
        assert!(bad(r##"{ type = "between", value = [1], bold = true }"##).contains("`between` takes 2 value(s)"));
        assert!(bad(r##"{ type = "above", value = [1], bold = true }"##).contains("conditional formatting type"));
        assert!(bad(r##"{ type = "null", bold = true, fields = ["v.s"] }"##).contains("`v.s` is not a measure"));
        assert!(bad(r##"{ type = "null" }"##).contains("needs `background_color`, `font_color` or `bold`"));
        let on_chart = parse(&tile("looker_column", q, "conditional_formatting = [{ type = \"null\", bold = true }]"));
        assert!(on_chart.unwrap_err().contains("`conditional_formatting` is for table tiles"));
    }

    #[test]
    fn a_tile_query_takes_table_calculations_listed_in_its_fields() {
        let calc = r#"dynamic_fields = '[{"table_calculation": "share", "expression": "${v.t} / sum(${v.t})"}]'"#;
        let q = format!(r#"{{ explore = "v", fields = ["v.s", "v.t", "share"], {calc} }}"#);
        let model = parse(&tile("table", &q, "")).unwrap();
        let query = model.dashboard("d").unwrap().elements[0].query.clone().unwrap();
        assert_eq!(query.fields, ["v.s", "v.t", "share"]);
        assert!(query.dynamic_fields.unwrap().contains("share"));
        let bad = r#"{ explore = "v", fields = ["v.t", "share"], dynamic_fields = '[{"table_calculation": "share", "expression": "${v.nada}"}]' }"#;
        assert!(parse(&tile("table", bad, "")).unwrap_err().contains("refers to `${v.nada}`"));
        let unknown = r#"{ explore = "v", fields = ["v.t", "share"] }"#;
        assert!(parse(&tile("table", unknown, "")).unwrap_err().contains("share"));
    }

    #[test]
    fn a_filter_control_fits_its_field() {
        let filter = |field: &str, control: &str| {
            parse(&format!(
                "[[dashboards.filters]]\nname = \"F\"\nexplore = \"v\"\nfield = \"{field}\"\nui_config = {{ type = \"{control}\", display = \"popover\" }}"
            ))
        };
        let controls = |model: crate::model::Model| model.dashboard("d").unwrap().filters[0].control;
        assert_eq!(controls(filter("v.s", "tag_list").unwrap()), FilterControl::TagList);
        assert_eq!(controls(filter("v.d_date", "day_range_picker").unwrap()), FilterControl::DayRange);
        assert_eq!(controls(filter("v.x", "range_slider").unwrap()), FilterControl::NumberRange);
        let err = filter("v.x", "day_range_picker").unwrap_err();
        assert!(
            err.contains("`day_range_picker` does not fit a Number field; it takes advanced, range_slider"),
            "{err}"
        );
        assert!(filter("v.s", "dropdown").unwrap_err().contains("dropdown_menu"), "did you mean");
    }
}
