//! Column, line and area charts: categories along the bottom, values up
//! the side (and up a right-hand axis for a combo's second measure).

use std::fmt::Write as _;

use crate::axes::{left_axis, x_axis_title, y_axis_title};
use crate::cartesian::{Prepared, RightAxis, Series, ValueAxis};
use crate::escape::escape_html;
use crate::svg::{FONT, color, linked, num, series_class, svg_open, text_width, truncate, widest};
use crate::{Column, Locale, TileKind};

/// Width of every chart's viewBox: charts scale with the tile, and a
/// moderate width keeps text legible in narrow tiles.
pub(crate) const WIDTH: f64 = 480.0;
/// Height of column, line and area charts (they grow only when rotated
/// category labels need the room).
pub(crate) const HEIGHT: f64 = 270.0;
/// Rotated category labels are cut to this many characters.
const ROTATED_CHARS: usize = 18;

/// How category labels under a vertical chart are laid out.
struct XLabels {
    /// Every `step`-th label is shown.
    step: usize,
    rotated: bool,
    /// The label texts, truncated when rotated.
    texts: Vec<String>,
    /// A second line under some labels: the year of a time axis, shown
    /// where it changes.
    years: Vec<Option<String>>,
    /// Room they need below the plot.
    height: f64,
}

/// Labels fit side by side if they can; otherwise dates keep every k-th
/// label horizontally (a time axis stays readable from a few labels) and
/// other categories turn 45° and are cut short, thinned only when even
/// rotated labels would overlap. Months and quarters are written on two
/// lines, the year only where it changes, so twelve months fit unthinned.
fn x_labels(p: &Prepared<'_>, slot: f64) -> XLabels {
    let fits = |label_width: f64| label_width + 6.0 <= slot;
    let thinned =
        |label_width: f64| if fits(label_width) { 1 } else { ((label_width + 10.0) / slot).ceil().max(1.0) as usize };
    if let Some(periods) = &p.periods {
        let texts: Vec<String> = periods.iter().map(|(period, _)| period.clone()).collect();
        let step = thinned(widest(&texts));
        let mut shown_year = None;
        let years = periods
            .iter()
            .enumerate()
            .map(|(i, (_, year))| {
                if i % step != 0 || shown_year == Some(*year) {
                    return None;
                }
                shown_year = Some(*year);
                Some(year.to_string())
            })
            .collect();
        return XLabels { step, rotated: false, texts, years, height: 2.0 * FONT + 12.0 };
    }
    let none = vec![None; p.labels.len()];
    let label_width = widest(&p.labels);
    if fits(label_width) || p.category.is_some_and(Column::is_temporal) {
        return XLabels {
            step: thinned(label_width),
            rotated: false,
            texts: p.labels.clone(),
            years: none,
            height: FONT + 10.0,
        };
    }
    let texts: Vec<String> = p.labels.iter().map(|l| truncate(l, ROTATED_CHARS)).collect();
    let rotated_width = widest(&texts);
    let step = ((FONT * 1.4) / slot).ceil().max(1.0) as usize;
    XLabels {
        step,
        rotated: true,
        texts,
        years: none,
        height: rotated_width * std::f64::consts::FRAC_1_SQRT_2 + FONT + 8.0,
    }
}

/// The chart's `<svg>`: `left` is the value axis of every series not on
/// the `right` one.
pub(crate) fn render(
    kind: TileKind,
    p: &Prepared<'_>,
    left: &ValueAxis,
    right_axis: Option<&RightAxis>,
    aria: &str,
    locale: &Locale,
) -> String {
    let left_series: Vec<&Series<'_>> = p.series.iter().filter(|s| !s.right).collect();
    let y_title = (left_series.len() == 1 && (p.series.len() == 1 || right_axis.is_some()))
        .then(|| left_series[0].column.label.as_str());
    let x_title = p.category.map(|c| c.label.as_str());
    let top = 10.0;
    let right = match right_axis {
        Some(r) => widest(&r.axis.labels) + 30.0,
        None => 12.0,
    };
    let tick_width = widest(&left.labels);
    let left_margin = tick_width + 10.0 + if y_title.is_some() { 20.0 } else { 4.0 };
    let plot_w = WIDTH - left_margin - right;
    let n = p.labels.len();
    let slot = plot_w / n as f64;
    let xl = x_labels(p, slot);
    let bottom = xl.height + if x_title.is_some() { 20.0 } else { 4.0 };
    let height = HEIGHT.max(top + 150.0 + bottom);
    let plot_h = height - top - bottom;
    let scale = |ticks: &[f64]| {
        let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
        move |v: f64| top + plot_h * (1.0 - (v - t0) / (t1 - t0))
    };
    let y = scale(&left.ticks);
    let y_right = scale(right_axis.map_or(&left.ticks, |r| &r.axis.ticks));
    let cx = |i: usize| left_margin + slot * (i as f64 + 0.5);

    let mut out = String::new();
    svg_open(&mut out, WIDTH, height, aria);
    left_axis(&mut out, &left.ticks, &left.labels, &y, left_margin, plot_w);
    // Category labels.
    let label_y = top + plot_h + 6.0;
    let anchor = if xl.rotated { "end" } else { "middle" };
    let _ = writeln!(out, "<g class=\"x-axis\" text-anchor=\"{anchor}\">");
    for (i, text) in xl.texts.iter().enumerate().filter(|(i, _)| i % xl.step == 0) {
        let full = &p.labels[i];
        let hint = if text != full && p.periods.is_none() {
            format!("<title>{}</title>", escape_html(full))
        } else {
            String::new()
        };
        if xl.rotated {
            let (x, ly) = (num(cx(i)), num(label_y));
            let _ = writeln!(
                out,
                "<text x=\"{x}\" y=\"{ly}\" dy=\"0.32em\" transform=\"rotate(-45 {x} {ly})\">{}{hint}</text>",
                escape_html(text)
            );
        } else {
            let half = text_width(text) / 2.0;
            let x = cx(i).clamp(half.min(WIDTH / 2.0), (WIDTH - half).max(WIDTH / 2.0));
            let x = num(x);
            let year =
                xl.years[i].as_ref().map_or(String::new(), |y| format!("<tspan x=\"{x}\" dy=\"1.2em\">{y}</tspan>"));
            let _ =
                writeln!(out, "<text x=\"{x}\" y=\"{}\">{}{year}{hint}</text>", num(label_y + FONT), escape_html(text));
        }
    }
    out.push_str("</g>\n");
    if let Some(r) = right_axis {
        out.push_str("<g class=\"y-axis y-axis-right\" text-anchor=\"start\">\n");
        for (t, label) in r.axis.ticks.iter().zip(&r.axis.labels) {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">{}</text>",
                num(left_margin + plot_w + 6.0),
                num(y_right(*t)),
                escape_html(label)
            );
        }
        out.push_str("</g>\n");
        let _ = writeln!(
            out,
            "<text class=\"axis-title\" transform=\"rotate(90)\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(top + plot_h / 2.0),
            num(-(WIDTH - 8.0)),
            escape_html(&truncate(&r.title, 36))
        );
    }
    // Marks: each series on its own axis.
    let scale = |s: &Series<'_>, v: f64| if s.right { y_right(v) } else { y(v) };
    match kind {
        TileKind::Column => {
            columns(&mut out, p, slot, &cx, &scale, locale);
            if p.series.iter().any(|s| s.line) {
                lines(&mut out, false, p, &cx, &scale, locale);
            }
        }
        _ => lines(&mut out, kind == TileKind::Area, p, &cx, &scale, locale),
    }
    if let Some(t) = x_title {
        x_axis_title(&mut out, t, left_margin + plot_w / 2.0, height - 5.0);
    }
    if let Some(t) = y_title {
        y_axis_title(&mut out, t, top, plot_h);
    }
    out.push_str("</svg>\n");
    out
}

/// Columns: side by side in each category, or stacked in one column.
fn columns(
    out: &mut String,
    p: &Prepared<'_>,
    slot: f64,
    cx: &dyn Fn(usize) -> f64,
    y: &dyn Fn(&Series<'_>, f64) -> f64,
    locale: &Locale,
) {
    let (placed, slots) = p.bar_slots();
    let s = slots.max(1) as f64;
    let bar = (slot * 0.78 / s).min(56.0);
    let gap = if s > 1.0 && bar > 4.0 { 1.0 } else { 0.0 };
    out.push_str("<g class=\"marks\">\n");
    for &(j, slot_index) in &placed {
        let series = &p.series[j];
        for (i, span) in series.spans.iter().enumerate() {
            let Some(span) = *span else { continue };
            let x = cx(i) - bar * s / 2.0 + bar * slot_index as f64;
            let from = y(series, span.from);
            // A non-zero value always shows, if only as a hairline.
            let h = (y(series, span.to) - from).abs().max(if span.to == span.from { 0.0 } else { 1.0 });
            let top = if span.to >= span.from { from - h } else { from };
            let mark = format!(
                "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                series_class(j),
                num(x),
                num(top),
                num(bar - gap),
                num(h),
                color(j),
                p.tooltip(j, i, locale)
            );
            let _ = writeln!(out, "{}", linked(mark, (p.links)(i, series.col)));
        }
    }
    out.push_str("</g>\n");
}

/// Lines with points; with `area`, each run of values is also filled down
/// to where it starts (zero, or the top of the stack below). Nulls break
/// the line.
fn lines(
    out: &mut String,
    area: bool,
    p: &Prepared<'_>,
    cx: &dyn Fn(usize) -> f64,
    y: &dyn Fn(&Series<'_>, f64) -> f64,
    locale: &Locale,
) {
    let n = p.labels.len();
    // Dense series get smaller points without the white ring, which would
    // chop the line into dashes.
    let (radius, ring) = if n <= 24 { (3.0, " stroke=\"#fff\" stroke-width=\"1\"") } else { (2.2, "") };
    out.push_str("<g class=\"marks\">\n");
    // On a column chart only the series drawn as lines; otherwise all.
    let all_lines = !p.series.iter().any(|s| s.line) || p.series.iter().all(|s| s.line);
    for (j, series) in p.series.iter().enumerate().filter(|(_, s)| all_lines || s.line) {
        let (c, k) = (color(j), series_class(j));
        // Stacked bands do not overlap, so they can be filled more strongly.
        let opacity = match (p.series.len(), series.stacked) {
            (1, _) => "0.25",
            (_, true) => "0.45",
            _ => "0.12",
        };
        let runs = series.spans.iter().enumerate().fold(Vec::<Vec<(usize, f64, f64)>>::new(), |mut runs, (i, span)| {
            let Some(span) = span else { return runs };
            let point = (i, y(series, span.from), y(series, span.to));
            match runs.last_mut() {
                Some(run) if run.last().is_some_and(|(k, _, _)| k + 1 == i) => run.push(point),
                _ => runs.push(vec![point]),
            }
            runs
        });
        for run in &runs {
            let points: Vec<String> = run.iter().map(|&(i, _, to)| format!("{},{}", num(cx(i)), num(to))).collect();
            if area && run.len() > 1 {
                // Back along the bottom of the band; a flat bottom (zero)
                // needs only its far end, the path's close draws the rest.
                let bottom: Vec<String> =
                    run.iter().rev().map(|&(i, from, _)| format!("{},{}", num(cx(i)), num(from))).collect();
                let flat = run.iter().all(|&(_, from, _)| from == run[0].1);
                let back = if flat { bottom[0].clone() } else { bottom[..bottom.len() - 1].join(" L") };
                let _ = writeln!(
                    out,
                    "<path class=\"{k}\" d=\"M{} L{} L{back} Z\" fill=\"{c}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>",
                    bottom[bottom.len() - 1],
                    points.join(" L"),
                );
            }
            if run.len() > 1 {
                let _ = writeln!(
                    out,
                    "<polyline class=\"line-{k}\" points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
                    points.join(" ")
                );
            }
        }
        for run in &runs {
            for &(i, _, to) in run {
                let mark = format!(
                    "<circle class=\"mark {k}\" cx=\"{}\" cy=\"{}\" r=\"{radius}\" fill=\"{c}\"{ring}><title>{}</title></circle>",
                    num(cx(i)),
                    num(to),
                    p.tooltip(j, i, locale)
                );
                let _ = writeln!(out, "{}", linked(mark, (p.links)(i, series.col)));
            }
        }
    }
    out.push_str("</g>\n");
}
