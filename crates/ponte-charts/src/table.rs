//! Table tiles, and the table every chart falls back to when it has
//! nothing to plot.

use std::fmt::Write as _;

use crate::conditional::cell_style;
use crate::escape::escape_html;
use crate::svg::linked;
use crate::{ConditionalFormat, Locale, TileData, Value, format_value};

/// Every row given, with header labels; numbers right-aligned; cells
/// linked where `links` gives a link (a measure's drill, a dimension
/// value's drill).
///
/// `totals`, when given, is a footer row (one cell per column, `Null` where
/// a column has none: its dimensions). The totals are the query's measures
/// over all its rows, computed by the warehouse, so a count of distinct
/// values or an average is right, not a sum of the rows shown.
///
/// `formats` colour body cells (never the totals, which are not values of
/// the rows the rules are written for; see [`crate::conditional`]).
pub(crate) fn render(
    data: &TileData,
    locale: &Locale,
    links: crate::Links<'_>,
    totals: Option<&[Value]>,
    formats: &[ConditionalFormat],
) -> String {
    let mut out = String::from("<div class=\"table-wrap\">\n<table class=\"data\">\n<thead>\n<tr>");
    for column in &data.columns {
        let class = if column.is_numeric() { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape_html(&column.label));
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in 0..data.rows.len() {
        out.push_str("<tr>");
        for (col, column) in data.columns.iter().enumerate() {
            let value = data.cell(row, col);
            let class = match (column.is_numeric(), value == &Value::Null) {
                (true, true) => " class=\"num null\"",
                (true, false) => " class=\"num\"",
                (false, true) => " class=\"null\"",
                (false, false) => "",
            };
            let style = cell_style(formats, column, value);
            let text = escape_html(&format_value(value, column, locale));
            let cell = linked(text, links(row, col));
            let _ = write!(out, "<td{class}{style}>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n");
    if let Some(totals) = totals {
        out.push_str("<tfoot>\n<tr class=\"totals\">");
        for (col, column) in data.columns.iter().enumerate() {
            let value = totals.get(col).unwrap_or(&Value::Null);
            let text = match (col, value) {
                (0, Value::Null) => escape_html(locale.total),
                (_, Value::Null) => String::new(),
                _ => escape_html(&format_value(value, column, locale)),
            };
            let class = if column.is_numeric() { " class=\"num\"" } else { "" };
            let _ = write!(out, "<th scope=\"row\"{class}>{text}</th>");
        }
        out.push_str("</tr>\n</tfoot>\n");
    }
    out.push_str("</table>\n</div>\n");
    out
}
