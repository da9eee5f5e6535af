//! The tiles without a chart or table: a single value and the empty message.

use crate::escape::escape_html;
use crate::{Locale, TileData, Value, format_value};

/// The locale's "no data" message, for results without rows.
pub(crate) fn empty(locale: &Locale) -> String {
    format!("<p class=\"empty\">{}</p>\n", escape_html(locale.no_data))
}

/// The first measure of the first row, big, with its label (the first
/// column when there is no measure).
pub(crate) fn single_value(
    data: &TileData,
    locale: &Locale,
    links: crate::Links<'_>,
    comparison: Option<&crate::Comparison>,
) -> String {
    let first = (!data.columns.is_empty()).then_some(0);
    let Some(col) = data.columns.iter().position(|c| c.is_measure).or(first) else {
        return empty(locale);
    };
    let column = &data.columns[col];
    let value = data.cell(0, col);
    let text = format_value(value, column, locale);
    // A long figure is shortened to fit its tile (`R$ 806,5 mi`), the whole
    // of it kept as the title a pointer or a screen reader finds.
    let number = if column.is_numeric() { value.as_f64() } else { None };
    let short = number.and_then(|n| crate::format::compact(n, column, locale));
    let title = match &short {
        Some(_) => format!(" title=\"{}\"", escape_html(&text)),
        None => String::new(),
    };
    let shown = crate::svg::linked(escape_html(short.as_deref().unwrap_or(&text)), links(0, col));
    let compared = comparison.and_then(|c| compare(data, col, number?, c, locale)).unwrap_or_default();
    format!(
        "<div class=\"sv\">\n<p class=\"sv-value\"{title}>{shown}</p>\n<p class=\"sv-label\">{}</p>\n{compared}</div>\n",
        escape_html(&column.label)
    )
}

/// The comparison line under a single value: the first row's next number
/// (Looker's rule), or else the second row's value in the same column.
fn compare(data: &TileData, col: usize, value: f64, c: &crate::Comparison, locale: &Locale) -> Option<String> {
    let next = (col + 1..data.columns.len())
        .find(|&k| data.columns[k].is_numeric())
        .and_then(|k| data.cell(0, k).as_f64().map(|v| (k, v)));
    let (other_col, other) = match next {
        Some(found) => found,
        None => (col, data.cell(1, col).as_f64()?),
    };
    let (text, direction) = if c.change {
        if other == 0.0 {
            return None;
        }
        let change = (value - other) / other.abs();
        (crate::format::signed_percent(change, locale), change)
    } else {
        (format_value(&Value::Number(other), &data.columns[other_col], locale), value - other)
    };
    let class = match (direction.partial_cmp(&0.0), c.reverse_colors) {
        (Some(std::cmp::Ordering::Greater), false) | (Some(std::cmp::Ordering::Less), true) => "sv-good",
        (Some(std::cmp::Ordering::Greater), true) | (Some(std::cmp::Ordering::Less), false) => "sv-bad",
        _ => "sv-flat",
    };
    let arrow = if direction > 0.0 {
        "▲"
    } else if direction < 0.0 {
        "▼"
    } else {
        "■"
    };
    let label = c.label.as_deref().map(|l| format!(" {}", escape_html(l))).unwrap_or_default();
    Some(format!(
        "<p class=\"sv-comparison {class}\"><span aria-hidden=\"true\">{arrow}</span> {}{label}</p>\n",
        escape_html(&text)
    ))
}
