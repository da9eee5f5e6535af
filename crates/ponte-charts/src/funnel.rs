//! Funnel charts (Looker's `looker_funnel`): each row a step, its bar as
//! wide as its value relative to the largest and centred, so the steps
//! narrow down the page, with each step's value and share of the first.

use std::fmt::Write as _;

use crate::escape::escape_html;
use crate::format::whole_percent;
use crate::simple::empty;
use crate::svg::{aria_label, color, fit, linked, num, series_class, svg_open, widest};
use crate::vertical::WIDTH;
use crate::{Locale, TileData, Value, format_value};

/// Height of a step's row, and of its bar within it.
const STEP: f64 = 34.0;
const BAR: f64 = 26.0;
/// Step labels are cut to this many characters.
const LABEL_CHARS: usize = 24;

/// One step: its cell (row and measure column, for its link), label, value.
struct Step {
    row: usize,
    col: usize,
    label: String,
    value: f64,
}

/// The chart's HTML, or `None` when the result has no measure (the tile
/// falls back to a table). Rows whose value is null are not steps.
///
/// Like Looker's funnel with its automatic orientation, a result of one
/// row and several measures is read across: each measure is a step (a
/// query of `invoices`, `paid`, `paid on time` draws those three).
///
/// Each row reads, left to right: the step's label, its bar, its value and
/// its share of the first step (`62%`). The numbers sit in a column of
/// their own beside the bars rather than inside them, so they never depend
/// on a bar being wide enough and always line up.
pub(crate) fn render(title: &str, data: &TileData, locale: &Locale, links: crate::Links<'_>) -> Option<String> {
    let measure_col = data.columns.iter().position(|c| c.is_measure)?;
    let measure = &data.columns[measure_col];
    let measures: Vec<usize> = (0..data.columns.len()).filter(|&c| data.columns[c].is_measure).collect();
    let across = data.rows.len() == 1 && measures.len() >= 2;
    let category = if across { None } else { data.columns.iter().position(|c| !c.is_measure) };
    let steps: Vec<Step> = if across {
        measures
            .iter()
            .filter_map(|&col| {
                let value = data.cell(0, col).as_f64()?;
                Some(Step { row: 0, col, label: data.columns[col].label.clone(), value })
            })
            .collect()
    } else {
        (0..data.rows.len())
            .filter_map(|row| {
                let value = data.cell(row, measure_col).as_f64()?;
                let label = match category {
                    Some(c) => format_value(data.cell(row, c), &data.columns[c], locale),
                    None => (row + 1).to_string(),
                };
                Some(Step { row, col: measure_col, label, value })
            })
            .collect()
    };
    let Some(first) = steps.first().map(|s| s.value) else {
        return Some(empty(locale));
    };
    let largest = steps.iter().map(|s| s.value).fold(0.0, f64::max);
    let share = |value: f64| (first != 0.0).then(|| whole_percent(value / first, locale));
    let values: Vec<String> =
        steps.iter().map(|s| format_value(&Value::Number(s.value), &data.columns[s.col], locale)).collect();
    let shares: Vec<Option<String>> = steps.iter().map(|s| share(s.value)).collect();
    let labels: Vec<String> = steps.iter().map(|s| fit(&s.label, LABEL_CHARS, WIDTH * 0.3)).collect();

    let share_w = widest(shares.iter().flatten());
    let value_w = widest(&values);
    let left = widest(&labels) + 14.0;
    let share_x = WIDTH - 4.0;
    let value_x = share_x - if share_w > 0.0 { share_w + 10.0 } else { 0.0 };
    let bars_w = value_x - value_w - 12.0 - left;
    let centre = left + bars_w / 2.0;
    let top = 4.0;
    let height = top + STEP * steps.len() as f64 + 4.0;

    let named: Vec<&str> = if across {
        measures.iter().map(|&c| data.columns[c].label.as_str()).collect()
    } else {
        vec![measure.label.as_str()]
    };
    let aria = aria_label(
        title,
        locale.words.funnel_chart,
        &named,
        category.map(|c| data.columns[c].label.as_str()),
        &format!("{} {}", steps.len(), locale.words.steps),
        locale,
    );
    let mut out = String::new();
    svg_open(&mut out, WIDTH, height, &aria);
    let mid = |k: usize| top + STEP * (k as f64 + 0.5);
    out.push_str("<g class=\"y-axis\" text-anchor=\"end\">\n");
    for (k, (text, step)) in labels.iter().zip(&steps).enumerate() {
        let hint =
            if *text != step.label { format!("<title>{}</title>", escape_html(&step.label)) } else { String::new() };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">{}{hint}</text>",
            num(left - 8.0),
            num(mid(k)),
            escape_html(text)
        );
    }
    out.push_str("</g>\n<g class=\"marks\">\n");
    for (k, step) in steps.iter().enumerate() {
        // A step above zero always shows, if only as a hairline.
        let w = if largest > 0.0 && step.value > 0.0 { (bars_w * step.value / largest).max(1.0) } else { 0.0 };
        let tip = match &shares[k] {
            Some(share) => format!("{}: {} ({share})", step.label, values[k]),
            None => format!("{}: {}", step.label, values[k]),
        };
        let mark = format!(
            "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{BAR}\" fill=\"{}\"><title>{}</title></rect>",
            series_class(0),
            num(centre - w / 2.0),
            num(mid(k) - BAR / 2.0),
            num(w),
            color(0),
            escape_html(&tip)
        );
        let _ = writeln!(out, "{}", linked(mark, links(step.row, step.col)));
    }
    out.push_str("</g>\n<g class=\"funnel-values\" text-anchor=\"end\">\n");
    for (k, value) in values.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">{}</text>",
            num(value_x),
            num(mid(k)),
            escape_html(value)
        );
        if let Some(share) = &shares[k] {
            let _ = write!(
                out,
                "<text class=\"share\" x=\"{}\" y=\"{}\" dy=\"0.32em\">{share}</text>",
                num(share_x),
                num(mid(k))
            );
        }
        out.push('\n');
    }
    out.push_str("</g>\n</svg>\n");
    Some(out)
}
