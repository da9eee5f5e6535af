//! A dashboard's filter bar: the filter values a URL sets, the values each
//! filter offers (computed for the viewer), and one control per filter as
//! its `ui_config` asks (a text box with suggestions, a dropdown, a
//! multi-select or checkboxes, a number range, a day range, relative
//! periods).
//!
//! The bar is a GET form, so it works without JavaScript and the URL says
//! what is shown. Every control ends up as one Looker filter expression
//! per filter: a multi-select sends `Name[]=value` once per value (joined
//! into `a,b` with each value escaped), a range sends `Name[from]` and
//! `Name[to]` (joined into `[1, 10]` or `2025-01-01 to 2025-02-01`), and
//! a plain `Name=expression` (what the host's `dashboard:filters:update`
//! and Looker's URLs send) is taken as written.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use futures::future::join_all;
use ponte_charts::{Locale, escape_html};
use ponte_semantic::compile::exact_filter;
use ponte_semantic::filter_expr::{StringFilter, StringPattern, parse_string};
use ponte_semantic::model::{Dashboard, DashboardFilter, FilterControl, FilterType, Model};

use super::html::{Frame, Words, hidden_inputs, query_string};
use super::viewer::Viewer;
use super::{Params, semantic};
use crate::AppState;
use crate::error::ApiError;

/// Query-string keys of dashboard URLs that are not filters (Looker's
/// embed parameters); every other key must name a dashboard filter.
const NOT_FILTERS: [&str; 7] =
    ["embed_domain", "sdk", "sandboxed_host", "theme", "_theme", "allow_login_screen", "embed_navigation_token"];

/// The most values one multi-select sends.
const MAX_CHOSEN: usize = 100;

/// What one filter's keys in a URL said.
#[derive(Default)]
struct Sent {
    expression: Option<String>,
    /// The control's own keys were sent (`Name[]`, `Name[from]`,
    /// `Name[to]`): what they hold is the filter, even nothing ("any
    /// value", not the filter's default).
    by_control: bool,
    chosen: Vec<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The dashboard filters a URL sets, by filter name (`?Mês=2025`, or
/// Looker's `?Filter+Name=value`, or a control's `Name[]`, `Name[from]`,
/// `Name[to]`), each as one filter expression. A key that is neither a
/// filter nor an embed parameter is refused with the names that would work.
pub(super) fn filter_values(dashboard: &Dashboard, params: &Params) -> Result<BTreeMap<String, String>, ApiError> {
    let mut sent: BTreeMap<&str, Sent> = BTreeMap::new();
    for (key, value) in params.pairs() {
        if NOT_FILTERS.contains(&key) {
            continue;
        }
        let (name, part) = match key.strip_suffix(']').and_then(|k| k.rsplit_once('[')) {
            Some((name, part)) if dashboard.filters.iter().any(|f| f.name == name) => (name, Some(part)),
            _ => (key, None),
        };
        let Some(filter) = dashboard.filters.iter().find(|f| f.name == name) else {
            let names: Vec<&str> = dashboard.filters.iter().map(|f| f.name.as_str()).collect();
            return Err(ApiError::bad_request(format!(
                "`{key}` is not a filter of dashboard `{}`; its filters are: {}",
                dashboard.id,
                if names.is_empty() { "none".to_owned() } else { names.join(", ") }
            )));
        };
        let entry = sent.entry(filter.name.as_str()).or_default();
        let ranged = matches!(filter.control, FilterControl::NumberRange | FilterControl::DayRange);
        entry.by_control |= part.is_some();
        match part {
            None => entry.expression = Some(value.to_owned()),
            Some("") if filter.control.takes_many() => {
                if entry.chosen.len() >= MAX_CHOSEN {
                    return Err(ApiError::bad_request(format!("filter `{name}` takes at most {MAX_CHOSEN} values")));
                }
                if !value.is_empty() {
                    entry.chosen.push(value.to_owned());
                }
            }
            Some("from") if ranged => entry.from = Some(value.trim().to_owned()),
            Some("to") if ranged => entry.to = Some(value.trim().to_owned()),
            Some(other) => {
                let takes = if filter.control.takes_many() {
                    format!("`{name}[]` or `{name}=expression`")
                } else if ranged {
                    format!("`{name}[from]`, `{name}[to]` or `{name}=expression`")
                } else {
                    format!("`{name}=expression`")
                };
                return Err(ApiError::bad_request(format!(
                    "`{name}[{other}]` is not a part of filter `{name}` (its control is `{}`); it takes {takes}",
                    filter.control.as_str()
                )));
            }
        }
    }
    let mut values = BTreeMap::new();
    for filter in &dashboard.filters {
        let Some(sent) = sent.remove(filter.name.as_str()) else { continue };
        if let Some(value) = expression(filter, sent)? {
            values.insert(filter.name.clone(), value);
        }
    }
    Ok(values)
}

/// One filter's expression from what its keys said: the chosen values or
/// the range when its control sent them (nothing chosen is "any value"),
/// else the expression as written.
fn expression(filter: &DashboardFilter, sent: Sent) -> Result<Option<String>, ApiError> {
    if !sent.by_control {
        return Ok(sent.expression);
    }
    if !sent.chosen.is_empty() {
        let escaped: Vec<String> =
            sent.chosen.iter().map(|v| exact_filter(Some(v), FilterType::String, false)).collect();
        return Ok(Some(escaped.join(",")));
    }
    let bad =
        |what: &str, value: &str| ApiError::bad_request(format!("filter `{}`: `{value}` is not {what}", filter.name));
    let (from, to) = (sent.from.filter(|v| !v.is_empty()), sent.to.filter(|v| !v.is_empty()));
    let (from, to) = (from.as_deref(), to.as_deref());
    if filter.control == FilterControl::DayRange {
        let day = |v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|d| (1000..=9000).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| bad("a day (YYYY-MM-DD, years 1000 to 9000)", v))
        };
        // The picker's last day is included; Looker's `to` excludes its end.
        let next_day = |v: &str| day(v)?.checked_add_days(Days::new(1)).ok_or_else(|| bad("a day", v));
        return Ok(Some(match (from, to) {
            (None, None) => String::new(),
            (Some(f), Some(t)) if day(f)? > day(t)? => {
                return Err(ApiError::bad_request(format!("filter `{}`: {f} is after {t}", filter.name)));
            }
            (Some(f), Some(t)) => format!("{} to {}", day(f)?, next_day(t)?),
            (Some(f), None) => format!("after {}", day(f)?),
            (None, Some(t)) => format!("before {}", next_day(t)?),
        }));
    }
    let number = |v: &str| v.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| bad("a number", v));
    Ok(Some(match (from, to) {
        (None, None) => String::new(),
        (Some(f), Some(t)) if number(f)? > number(t)? => {
            return Err(ApiError::bad_request(format!("filter `{}`: {f} is more than {t}", filter.name)));
        }
        (Some(f), Some(t)) => format!("[{}, {}]", number(f)?, number(t)?),
        (Some(f), None) => format!(">={}", number(f)?),
        (None, Some(t)) => format!("<={}", number(t)?),
    }))
}

/// A value a filter's field offers: the filter expression, and what it
/// reads as when that differs (`out. 2025`, `Últimos 12 meses`).
#[derive(Debug, Clone)]
pub(super) struct Offer {
    value: String,
    label: Option<String>,
}

/// Looker date filter expressions a date filter offers first, with their
/// labels in Portuguese and English.
const RELATIVE_PERIODS: [(&str, &str, &str); 6] = [
    ("this month", "Este mês", "This month"),
    ("last month", "Mês passado", "Last month"),
    ("last 3 months", "Últimos 3 meses", "Last 3 months"),
    ("last 12 months", "Últimos 12 meses", "Last 12 months"),
    ("this year", "Este ano", "This year"),
    ("last year", "Ano passado", "Last year"),
];

/// What each filter offers (Looker's suggestions), computed for the
/// viewer, so its access filters apply: a customer is offered its own
/// values only. A text filter offers the field's values; a date filter
/// relative periods, then the field's values (newest first, as the locale
/// writes them). `None` for other filters, or where the values could not
/// be had (the field stays a plain text box).
pub(super) async fn filter_suggestions(
    app: &AppState,
    model: &Model,
    dashboard: &Dashboard,
    viewer: &Viewer,
    locale: &Locale,
) -> Vec<Option<Vec<Offer>>> {
    let Ok(semantic) = semantic(app) else { return vec![None; dashboard.filters.len()] };
    let no_filters = BTreeMap::new();
    let portuguese = locale.tag().starts_with("pt");
    join_all(dashboard.filters.iter().map(|filter| {
        let field = model.explore(&filter.explore).and_then(|e| e.resolve_field(&filter.field));
        let kind = field.map(|f| f.filter_type());
        let field_type = field.map(|f| f.result_type());
        let no_filters = &no_filters;
        async move {
            let relative = || {
                RELATIVE_PERIODS.iter().map(|(value, pt, en)| Offer {
                    value: (*value).to_owned(),
                    label: Some((if portuguese { pt } else { en }).to_string()),
                })
            };
            match (kind, filter.control) {
                (Some(FilterType::Date), FilterControl::RelativeTimeframes) => return Some(relative().collect()),
                // The pickers need no values (the text box a foreign
                // expression falls back to goes without a list).
                (_, FilterControl::DayRange) => return None,
                (Some(FilterType::String | FilterType::Date), _) => {}
                _ => return None,
            }
            let found =
                semantic.suggestions(&model.name, &filter.explore, &filter.field, "", no_filters, &viewer.caller).await;
            let values = match found {
                Ok(s) => s.values,
                Err(e) => {
                    tracing::warn!(filter = %filter.name, error = %e, "no suggestions for a dashboard filter");
                    return None;
                }
            };
            if kind == Some(FilterType::String) {
                return Some(values.into_iter().map(|value| Offer { value, label: None }).collect());
            }
            let column =
                ponte_charts::Column::dimension(&filter.field, &filter.title, field_type.as_deref().unwrap_or("date"));
            let mut offers: Vec<Offer> = relative().collect();
            offers.extend(values.into_iter().rev().map(|value| {
                let label = ponte_charts::format_value(&ponte_charts::Value::Text(value.clone()), &column, locale);
                Offer { label: (label != value).then_some(label), value }
            }));
            Some(offers)
        }
    }))
    .await
}

/// `GET …/dashboards/{id}/filters/{n}/suggestions?term=…`: the values of
/// text filter `n` (1-based) that contain `term`, for the viewer (its
/// access filters apply), as JSON `{"values": […], "hit_limit": bool}`.
/// ponte.js asks it as the user types in a filter whose list was cut at
/// [`ponte_query::MAX_SUGGESTIONS`], as Looker searches suggestions.
pub(super) async fn suggest(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    filter: &str,
    params: &Params,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (model, dashboard) = super::dashboard::open(app, viewer, id)?;
    let filter = filter
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| dashboard.filters.get(i))
        .ok_or_else(|| ApiError::not_found(format!("dashboard `{}` has no filter `{filter}`", dashboard.id)))?;
    let kind = model.explore(&filter.explore).and_then(|e| e.resolve_field(&filter.field)).map(|f| f.filter_type());
    if kind != Some(FilterType::String) {
        return Err(ApiError::bad_request(format!(
            "filter `{}` is not a text filter; it has no suggestions",
            filter.name
        )));
    }
    let term = params.get("term").unwrap_or_default();
    let found = semantic(app)?
        .suggestions(&model.name, &filter.explore, &filter.field, term, &BTreeMap::new(), &viewer.caller)
        .await
        .map_err(ApiError::from)?;
    let body = serde_json::json!({ "values": found.values, "hit_limit": found.hit_limit });
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response())
}

/// The filter bar: one control per dashboard filter in a GET form.
pub(super) fn filter_bar(
    dashboard: &Dashboard,
    values: &BTreeMap<String, String>,
    suggestions: &[Option<Vec<Offer>>],
    path: &str,
    frame: &Frame,
    words: &Words,
) -> String {
    if dashboard.filters.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<form class=\"controls\" method=\"get\" action=\"{}\" data-kind=\"dashboard\" aria-label=\"{}\">\n",
        escape_html(path),
        words.filters
    );
    for (i, filter) in dashboard.filters.iter().enumerate() {
        let value = values.get(&filter.name).unwrap_or(&filter.default_value);
        let offered = suggestions.get(i).and_then(Option::as_ref);
        out.push_str(&control(i, filter, value, offered, words));
    }
    out.push_str(&hidden_inputs(frame));
    let clear =
        if frame.keep().is_empty() { path.to_owned() } else { format!("{path}?{}", query_string(&frame.keep())) };
    out.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\">{}</button><a class=\"link\" href=\"{}\">{}</a></div>\n</form>\n",
        words.apply,
        escape_html(&clear),
        words.clear
    ));
    out
}

/// One filter's control showing `value`. A value the control cannot show
/// (an expression the host set, say `-Campinas` in a dropdown) gets the
/// text box instead, so nothing set is hidden or lost on the next apply.
fn control(i: usize, filter: &DashboardFilter, value: &str, offered: Option<&Vec<Offer>>, words: &Words) -> String {
    let title = escape_html(&filter.title);
    let name = escape_html(&filter.name);
    let offers = offered.map_or(&[][..], Vec::as_slice);
    match filter.control {
        FilterControl::DropdownMenu | FilterControl::RelativeTimeframes
            if offered.is_some() && (value.is_empty() || offers.iter().any(|o| option_value(filter, o) == value)) =>
        {
            let mut options = format!("<option value=\"\">{}</option>", words.any_value);
            for offer in offers {
                let v = option_value(filter, offer);
                let selected = if v == value { " selected" } else { "" };
                options.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>",
                    escape_html(&v),
                    escape_html(offer.label.as_deref().unwrap_or(&offer.value))
                ));
            }
            format!("<label>{title}<select name=\"{name}\">{options}</select></label>\n")
        }
        FilterControl::TagList | FilterControl::Checkboxes if offered.is_some() => {
            let Some(chosen) = exact_values(value) else { return text_box(i, filter, value, offered, words) };
            let known: Vec<&str> = offers.iter().map(|o| o.value.as_str()).collect();
            // A chosen value the list lacks (set by the host) stays chosen.
            let extra = chosen.iter().filter(|c| !known.contains(&c.as_str())).map(String::as_str);
            let all: Vec<&str> = known.iter().copied().chain(extra).collect();
            let is_chosen = |v: &str| chosen.iter().any(|c| c == v);
            // An empty value always goes with the form, so unticking
            // everything clears the filter rather than restoring its default.
            let sent_empty = format!("<input type=\"hidden\" name=\"{name}[]\" value=\"\">");
            if filter.control == FilterControl::Checkboxes {
                let mut boxes = format!("<fieldset class=\"checks\"><legend>{title}</legend>{sent_empty}");
                for v in all {
                    let checked = if is_chosen(v) { " checked" } else { "" };
                    boxes.push_str(&format!(
                        "<label><input type=\"checkbox\" name=\"{name}[]\" value=\"{}\"{checked}> {}</label>",
                        escape_html(v),
                        escape_html(v)
                    ));
                }
                boxes.push_str("</fieldset>\n");
                boxes
            } else {
                let size = all.len().clamp(2, 6);
                let mut options = String::new();
                for v in all {
                    let selected = if is_chosen(v) { " selected" } else { "" };
                    options.push_str(&format!(
                        "<option value=\"{}\"{selected}>{}</option>",
                        escape_html(v),
                        escape_html(v)
                    ));
                }
                format!(
                    "<label>{title}{sent_empty}<select name=\"{name}[]\" multiple size=\"{size}\">{options}</select></label>\n"
                )
            }
        }
        FilterControl::NumberRange | FilterControl::DayRange => {
            let day = filter.control == FilterControl::DayRange;
            let Some((from, to)) = (if day { day_range(value) } else { number_range(value) }) else {
                return text_box(i, filter, value, offered, words);
            };
            let input = if day { "type=\"date\"" } else { "type=\"number\" step=\"any\"" };
            format!(
                "<fieldset class=\"range\"><legend>{title}</legend><label>{}<input {input} name=\"{name}[from]\" value=\"{}\"></label><label>{}<input {input} name=\"{name}[to]\" value=\"{}\"></label></fieldset>\n",
                words.from,
                escape_html(&from),
                words.until,
                escape_html(&to)
            )
        }
        _ => text_box(i, filter, value, offered, words),
    }
}

/// A dropdown option's value: a string filter's value matched exactly
/// (escaped), a relative period as written.
fn option_value(filter: &DashboardFilter, offer: &Offer) -> String {
    match filter.control {
        FilterControl::DropdownMenu => exact_filter(Some(&offer.value), FilterType::String, false),
        _ => offer.value.clone(),
    }
}

/// The text box for any expression, offering values as the user types.
fn text_box(i: usize, filter: &DashboardFilter, value: &str, offered: Option<&Vec<Offer>>, words: &Words) -> String {
    // A text filter's list searches the server as the user types (the
    // first values are all a page carries): ponte.js asks the form's
    // action + `/filters/{n}/suggestions`.
    let search = if offered.is_some_and(|o| o.iter().all(|o| o.label.is_none())) {
        format!(" data-suggest=\"{}\"", i + 1)
    } else {
        String::new()
    };
    let list = match offered {
        Some(_) => format!(" list=\"filter-values-{i}\" autocomplete=\"off\"{search}"),
        None => String::new(),
    };
    let mut out = format!(
        "<label>{}<input type=\"text\" name=\"{}\" value=\"{}\" placeholder=\"{}\"{list}></label>\n",
        escape_html(&filter.title),
        escape_html(&filter.name),
        escape_html(value),
        words.any_value
    );
    if let Some(offered) = offered {
        out.push_str(&format!("<datalist id=\"filter-values-{i}\">"));
        for offer in offered {
            match &offer.label {
                Some(label) => out.push_str(&format!(
                    "<option value=\"{}\" label=\"{}\"></option>",
                    escape_html(&offer.value),
                    escape_html(label)
                )),
                None => out.push_str(&format!("<option value=\"{}\"></option>", escape_html(&offer.value))),
            }
        }
        out.push_str("</datalist>\n");
    }
    out
}

/// The values of a list of exact values (`a,b^,c` → `a`, `b,c`), read
/// with the filter grammar itself, as the SQL compiler reads it; `None`
/// for an expression that is more than that (a pattern, a negation,
/// `NULL`), which the text box shows instead.
fn exact_values(expression: &str) -> Option<Vec<String>> {
    match parse_string(expression).ok()? {
        StringFilter::Any => Some(Vec::new()),
        StringFilter::Match { any_of, none_of } if none_of.is_empty() => any_of
            .into_iter()
            .map(|p| match p {
                StringPattern::Equals(v) => Some(v),
                _ => None,
            })
            .collect(),
        StringFilter::Match { .. } => None,
    }
}

/// A number range's ends as the two boxes show them: `[1, 10]`, `>=1`,
/// `<=10`, or nothing; `None` for another expression.
fn number_range(expression: &str) -> Option<(String, String)> {
    let e = expression.trim();
    if e.is_empty() {
        return Some((String::new(), String::new()));
    }
    let number = |t: &str| t.trim().parse::<f64>().ok().map(|n| n.to_string());
    if let Some(inner) = e.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let (a, b) = inner.split_once(',')?;
        return Some((number(a)?, number(b)?));
    }
    if let Some(a) = e.strip_prefix(">=") {
        return Some((number(a)?, String::new()));
    }
    e.strip_prefix("<=").and_then(number).map(|b| (String::new(), b))
}

/// A day range's first and last day as the two pickers show them: `A to
/// B` (B excluded, so the last day is the one before), `after A`, `before
/// B`, or nothing; `None` for another expression.
fn day_range(expression: &str) -> Option<(String, String)> {
    let e = expression.trim();
    if e.is_empty() {
        return Some((String::new(), String::new()));
    }
    let day = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    let last = |t: &str| day(t)?.checked_sub_days(Days::new(1)).map(|d| d.to_string());
    if let Some((a, b)) = e.split_once(" to ") {
        return Some((day(a)?.to_string(), last(b)?));
    }
    if let Some(a) = e.strip_prefix("after ") {
        return Some((day(a)?.to_string(), String::new()));
    }
    e.strip_prefix("before ").and_then(last).map(|b| (String::new(), b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_exact_values_reads_back_and_anything_more_does_not() {
        let escaped = exact_filter(Some("b,c"), FilterType::String, false);
        assert_eq!(exact_values(&format!("a,{escaped}")), Some(vec!["a".to_owned(), "b,c".to_owned()]));
        assert_eq!(exact_values(""), Some(vec![]));
        assert_eq!(exact_values("Camp%"), None, "a pattern");
        assert_eq!(exact_values("-Campinas"), None, "a negation");
        assert_eq!(exact_values("NULL"), None);
        assert_eq!(exact_values("paga, vencida"), Some(vec!["paga".to_owned(), "vencida".to_owned()]), "blanks");
        assert_eq!(exact_values(r"a\,b"), Some(vec!["a,b".to_owned()]), "Looker's UI escape");
        let keyword = exact_filter(Some("null"), FilterType::String, false);
        assert_eq!(exact_values(&keyword), Some(vec!["null".to_owned()]), "an escaped keyword is a value");
    }

    fn dashboard() -> Dashboard {
        let model = ponte_semantic::model::parse_model(
            r#"
[model]
name = "m"
[[views]]
name = "v"
dimensions = [{ name = "id", type = "number", primary_key = true }, { name = "s" }, { name = "x", type = "number" }]
dimension_groups = [{ name = "d", type = "time", timeframes = ["date"] }]
[[explores]]
name = "v"
[[dashboards]]
id = "d"
title = "D"
filters = [
  { name = "S", explore = "v", field = "v.s", default_value = "paga", ui_config = { type = "checkboxes" } },
  { name = "X", explore = "v", field = "v.x", default_value = ">=1", ui_config = { type = "range_slider" } },
  { name = "D", explore = "v", field = "v.d_date", ui_config = { type = "day_range_picker" } },
  { name = "T", explore = "v", field = "v.s" },
]
"#,
            "m.toml".as_ref(),
        )
        .unwrap();
        model.dashboards[0].clone()
    }

    fn values(query: &str) -> Result<Vec<(String, String)>, String> {
        let params = Params::parse(Some(query)).map_err(|e| e.message)?;
        let values = filter_values(&dashboard(), &params).map_err(|e| e.message)?;
        Ok(values.into_iter().collect())
    }

    #[test]
    fn controls_write_one_expression_and_nothing_chosen_is_any_value_not_the_default() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(values("S%5B%5D=a%2Cb&S%5B%5D=-c").unwrap(), [pair("S", "a^,b,^-c")]);
        // Only the form's empty value: the default ("paga") is cleared.
        assert_eq!(values("S%5B%5D=").unwrap(), [pair("S", "")]);
        assert_eq!(values("X%5Bfrom%5D=&X%5Bto%5D=").unwrap(), [pair("X", "")]);
        assert_eq!(values("X%5Bfrom%5D=2.5").unwrap(), [pair("X", ">=2.5")]);
        assert_eq!(values("D%5Bto%5D=2025-02-28").unwrap(), [pair("D", "before 2025-03-01")]);
        // A plain key is an expression, as Looker's URLs and the host send it.
        assert_eq!(values("S=paga%2C%20vencida").unwrap(), [pair("S", "paga, vencida")]);
        // A control's keys only where that control is.
        assert!(
            values("T%5B%5D=a").unwrap_err().contains("`T[]` is not a part of filter `T` (its control is `advanced`)")
        );
        assert!(values("S%5Bfrom%5D=1").unwrap_err().contains("it takes `S[]` or `S=expression`"));
        assert!(values("D%5Bfrom%5D=10000-01-01").unwrap_err().contains("years 1000 to 9000"));
        let many: Vec<String> = (0..=MAX_CHOSEN).map(|i| format!("S%5B%5D=v{i}")).collect();
        assert!(values(&many.join("&")).unwrap_err().contains("at most 100 values"));
    }

    #[test]
    fn ranges_read_back_as_the_controls_wrote_them() {
        assert_eq!(number_range("[1, 10.5]"), Some(("1".into(), "10.5".into())));
        assert_eq!(number_range(">=3"), Some(("3".into(), String::new())));
        assert_eq!(number_range("<=3"), Some((String::new(), "3".into())));
        assert_eq!(number_range("3"), None);
        assert_eq!(day_range("2025-01-01 to 2025-02-01"), Some(("2025-01-01".into(), "2025-01-31".into())));
        assert_eq!(day_range("before 2025-03-01"), Some((String::new(), "2025-02-28".into())));
        assert_eq!(day_range("last 3 months"), None);
    }
}
