//! Pie charts: the first measure's share per category.

use std::f64::consts::{FRAC_PI_2, PI, TAU};
use std::fmt::Write as _;

use crate::cartesian::prepare;
use crate::escape::escape_html;
use crate::format::percent;
use crate::simple::empty;
use crate::svg::{aria_label, color, linked, num, series_class, svg_open, swatch};
use crate::{Links, Locale, TileData};

/// Beyond this many slices, the smallest are merged into "Other".
const MAX_SLICES: usize = 10;
/// Slices smaller than this share get no percentage printed on them (the
/// legend still has it).
const MIN_LABELLED: f64 = 0.05;

/// The pie and its legend (label, value, share), or `None` when the result
/// has no measure. Zero, negative and null values have no slice. Each
/// slice is its row's link (a drill) where `links` gives one; "Other" has
/// none.
pub(crate) fn render(title: &str, data: &TileData, locale: &Locale, links: Links<'_>) -> Option<String> {
    let p = prepare(data, locale, links)?;
    let series = &p.series[0];
    // (label, value, the row it came from)
    let mut slices: Vec<(String, f64, Option<usize>)> = p
        .labels
        .iter()
        .zip(&series.values)
        .enumerate()
        .filter_map(|(row, (label, v))| v.filter(|v| *v > 0.0).map(|v| (label.clone(), v, Some(row))))
        .collect();
    if slices.is_empty() {
        return Some(empty(locale));
    }
    if slices.len() > MAX_SLICES {
        // Stable sort: equal values keep the query's order.
        slices.sort_by(|a, b| b.1.total_cmp(&a.1));
        let rest: f64 = slices.drain(MAX_SLICES - 1..).map(|(_, v, _)| v).sum();
        slices.push((locale.other.to_owned(), rest, None));
    }
    let total: f64 = slices.iter().map(|(_, v, _)| v).sum();

    let aria = aria_label(
        title,
        locale.words.pie_chart,
        &[&series.column.label],
        p.category.map(|c| c.label.as_str()),
        &format!("{} {}", slices.len(), locale.words.slices),
        locale,
    );

    let (c, r) = (100.0, 96.0);
    let mut out = String::from("<div class=\"pie-wrap\">\n");
    svg_open(&mut out, 2.0 * c, 2.0 * c, &aria);
    let mut labels = String::new();
    let mut start = -FRAC_PI_2;
    for (i, (label, v, row)) in slices.iter().enumerate() {
        let share = v / total;
        let link = row.and_then(|row| links(row, series.col));
        let end = start + TAU * share;
        let tip = escape_html(&format!("{label}: {} ({})", p.format(0, *v, locale), percent(share, locale)));
        let mark = if slices.len() == 1 {
            format!(
                "<circle class=\"mark {}\" cx=\"{c}\" cy=\"{c}\" r=\"{r}\" fill=\"{}\"><title>{tip}</title></circle>",
                series_class(i),
                color(i)
            )
        } else {
            format!(
                "<path class=\"mark {}\" d=\"M{c},{c} L{},{} A{r},{r} 0 {},1 {},{} Z\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\" stroke-linejoin=\"round\"><title>{tip}</title></path>",
                series_class(i),
                num(c + r * start.cos()),
                num(c + r * start.sin()),
                u8::from(end - start > PI),
                num(c + r * end.cos()),
                num(c + r * end.sin()),
                color(i)
            )
        };
        let _ = writeln!(out, "{}", linked(mark, link));
        if share >= MIN_LABELLED {
            let mid = (start + end) / 2.0;
            let at = if slices.len() == 1 { 0.0 } else { r * 0.62 };
            let _ = writeln!(
                labels,
                "<text class=\"pct\" x=\"{}\" y=\"{}\" dy=\"0.32em\">{}</text>",
                num(c + at * mid.cos()),
                num(c + at * mid.sin()),
                percent(share, locale)
            );
        }
        start = end;
    }
    if !labels.is_empty() {
        let _ = write!(out, "<g text-anchor=\"middle\" aria-hidden=\"true\">\n{labels}</g>\n");
    }
    out.push_str("</svg>\n<ul class=\"legend legend-pie\">\n");
    for (i, (label, v, _)) in slices.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li>{}<span class=\"legend-label\">{}</span><span class=\"legend-value\">{}</span><span class=\"legend-pct\">{}</span></li>",
            swatch(i),
            escape_html(label),
            escape_html(&p.format(0, *v, locale)),
            percent(v / total, locale)
        );
    }
    out.push_str("</ul>\n</div>\n");
    Some(out)
}
