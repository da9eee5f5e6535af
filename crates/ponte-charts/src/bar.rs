//! Horizontal bar charts: categories down the left, values along the
//! bottom; the chart grows taller with the number of categories.

use std::fmt::Write as _;

use crate::Locale;
use crate::axes::{bottom_axis, x_axis_title};
use crate::cartesian::{Prepared, ValueAxis};
use crate::escape::escape_html;
use crate::svg::{FONT, color, fit, linked, num, series_class, svg_open, text_width, widest};
use crate::vertical::WIDTH;

/// Category labels of horizontal bars are cut to this many characters.
const BAR_LABEL_CHARS: usize = 24;

/// The chart's `<svg>`, its bars side by side or stacked per category.
pub(crate) fn render(p: &Prepared<'_>, axis: &ValueAxis, aria: &str, locale: &Locale) -> String {
    let n = p.labels.len();
    let slot = if n <= 12 { 28.0 } else { (360.0 / n as f64).max(9.0) };
    let label_step = ((FONT + 2.0) / slot).ceil().max(1.0) as usize;
    let texts: Vec<String> = p.labels.iter().map(|l| fit(l, BAR_LABEL_CHARS, WIDTH * 0.38)).collect();
    let left = widest(&texts) + 14.0;
    let last_half = axis.labels.last().map_or(0.0, |l| text_width(l) / 2.0);
    let right = (last_half + 8.0).max(12.0);
    let x_title = (p.series.len() == 1).then(|| p.series[0].column.label.as_str());
    let top = 6.0;
    let plot_h = slot * n as f64;
    let bottom = FONT + 12.0 + if x_title.is_some() { 20.0 } else { 0.0 };
    let height = top + plot_h + bottom;
    let plot_w = WIDTH - left - right;
    let (t0, t1) = (axis.ticks[0], axis.ticks[axis.ticks.len() - 1]);
    let x = |v: f64| left + plot_w * (v - t0) / (t1 - t0);

    let mut out = String::new();
    svg_open(&mut out, WIDTH, height, aria);
    bottom_axis(&mut out, &axis.ticks, &axis.labels, &x, top, plot_h);
    out.push_str("<g class=\"y-axis\" text-anchor=\"end\">\n");
    for (i, text) in texts.iter().enumerate().filter(|(i, _)| i % label_step == 0) {
        let full = &p.labels[i];
        let hint = if text != full { format!("<title>{}</title>", escape_html(full)) } else { String::new() };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">{}{hint}</text>",
            num(left - 8.0),
            num(top + slot * (i as f64 + 0.5)),
            escape_html(text)
        );
    }
    out.push_str("</g>\n<g class=\"marks\">\n");
    let (placed, slots) = p.bar_slots();
    let s = slots.max(1) as f64;
    let bar = (slot * 0.74 / s).min(32.0);
    let gap = if s > 1.0 && bar > 4.0 { 1.0 } else { 0.0 };
    for &(j, slot_index) in &placed {
        let series = &p.series[j];
        for (i, span) in series.spans.iter().enumerate() {
            let Some(span) = *span else { continue };
            let yy = top + slot * (i as f64 + 0.5) - bar * s / 2.0 + bar * slot_index as f64;
            let from = x(span.from);
            // A non-zero value always shows, if only as a hairline.
            let w = (x(span.to) - from).abs().max(if span.to == span.from { 0.0 } else { 1.0 });
            let xx = if span.to >= span.from { from } else { from - w };
            let mark = format!(
                "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                series_class(j),
                num(xx),
                num(yy),
                num(w),
                num(bar - gap),
                color(j),
                p.tooltip(j, i, locale)
            );
            let _ = writeln!(out, "{}", linked(mark, (p.links)(i, series.col)));
        }
    }
    out.push_str("</g>\n");
    if let Some(t) = x_title {
        x_axis_title(&mut out, t, left + plot_w / 2.0, height - 5.0);
    }
    out.push_str("</svg>\n");
    out
}
