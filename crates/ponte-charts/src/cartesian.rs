//! Column, bar, line and area charts: categories along one axis, measures
//! against a value axis with nice ticks.

use std::fmt::Write as _;

use crate::escape::escape_html;
use crate::format::{AxisFormat, period_parts};
use crate::simple::empty;
use crate::svg::{FONT, color, fit, join_words, legend, linked, num, series_class, text_width, truncate};
use crate::ticks::nice_ticks;
use crate::{Column, Locale, TileData, TileKind, format_value};

/// Width of every chart's viewBox: charts scale with the tile, and a
/// moderate width keeps text legible in narrow tiles.
const WIDTH: f64 = 480.0;
/// Height of column, line and area charts (they grow only when rotated
/// category labels need the room).
const HEIGHT: f64 = 270.0;
/// Rotated category labels are cut to this many characters.
const ROTATED_CHARS: usize = 18;
/// Category labels of horizontal bars are cut to this many characters.
const BAR_LABEL_CHARS: usize = 24;

/// A result seen as a chart: category labels and one series per measure.
pub(crate) struct Prepared<'a> {
    pub(crate) category: Option<&'a Column>,
    /// Formatted category labels (not escaped).
    pub(crate) labels: Vec<String>,
    /// Months or quarters split into period and year, for a two-line time
    /// axis (`mar.` over `2025`); `None` for other categories.
    pub(crate) periods: Option<Vec<(String, i32)>>,
    pub(crate) series: Vec<Series<'a>>,
    /// The link of each mark (row, column), if any.
    pub(crate) links: crate::Links<'a>,
}

/// One measure's values, one per category (`None` for nulls).
pub(crate) struct Series<'a> {
    pub(crate) column: &'a Column,
    /// Its column in the result, for links.
    pub(crate) col: usize,
    pub(crate) values: Vec<Option<f64>>,
    /// Drawn as a line on a column chart (Looker's `series_types`).
    pub(crate) line: bool,
    /// Measured on the right-hand axis (Looker's `y_axes`).
    pub(crate) right: bool,
}

impl Prepared<'_> {
    /// `value` formatted as `series` formats it.
    pub(crate) fn format(&self, series: usize, value: f64, locale: &Locale) -> String {
        format_value(&crate::Value::Number(value), self.series[series].column, locale)
    }

    /// What a screen reader hears for the chart.
    pub(crate) fn aria_label(&self, title: &str, chart: &str, count_word: &str, locale: &Locale) -> String {
        let names: Vec<&str> = self.series.iter().map(|s| s.column.label.as_str()).collect();
        let mut label = String::new();
        if !title.trim().is_empty() {
            let _ = write!(label, "{} — ", title.trim());
        }
        let _ = write!(label, "{chart}: {}", join_words(&names, locale.words.and));
        if let Some(category) = self.category {
            let _ = write!(label, " {} {}", locale.words.by, category.label);
        }
        if let [first, .., last] = self.labels.as_slice() {
            let _ = write!(
                label,
                ", {} {count_word}, {} {first} {} {last}",
                self.labels.len(),
                locale.words.from,
                locale.words.to
            );
        }
        label
    }
}

/// The first non-measure column is the category and every measure a series;
/// without measures, the numeric columns are the series. `None` when nothing
/// can be plotted.
pub(crate) fn prepare<'a>(data: &'a TileData, locale: &Locale, links: crate::Links<'a>) -> Option<Prepared<'a>> {
    let category = data.columns.iter().position(|c| !c.is_measure);
    let mut series: Vec<usize> = (0..data.columns.len()).filter(|&c| data.columns[c].is_measure).collect();
    if series.is_empty() {
        series = (0..data.columns.len())
            .filter(|&c| Some(c) != category)
            .filter(|&c| {
                let cells = || (0..data.rows.len()).map(|r| data.cell(r, c)).filter(|v| **v != crate::Value::Null);
                cells().next().is_some() && cells().all(|v| v.as_f64().is_some())
            })
            .collect();
    }
    if series.is_empty() {
        return None;
    }
    let rows = data.rows.len();
    let labels = (0..rows)
        .map(|r| match category {
            Some(c) => format_value(data.cell(r, c), &data.columns[c], locale),
            None if rows == 1 => locale.total.to_owned(),
            None => (r + 1).to_string(),
        })
        .collect();
    let periods = category.and_then(|c| {
        let column = &data.columns[c];
        (0..rows)
            .map(|r| match data.cell(r, c) {
                crate::Value::Text(t) => period_parts(t.trim(), &column.field_type, locale),
                _ => None,
            })
            .collect()
    });
    let series = series
        .into_iter()
        .map(|c| Series {
            column: &data.columns[c],
            col: c,
            values: (0..rows).map(|r| data.cell(r, c).as_f64()).collect(),
            line: false,
            right: false,
        })
        .collect();
    Some(Prepared { category: category.map(|c| &data.columns[c]), labels, periods, series, links })
}

/// The chart's HTML (SVG plus a legend for two or more series), or `None`
/// when the result has nothing to plot.
pub(crate) fn render(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    links: crate::Links<'_>,
    combo: Option<&crate::Combo>,
) -> Option<String> {
    let mut p = prepare(data, locale, links)?;
    if let Some(combo) = combo.filter(|_| matches!(kind, TileKind::Column | TileKind::Line)) {
        for s in &mut p.series {
            s.line = kind == TileKind::Line || combo.lines.contains(&s.column.name);
            s.right = combo.right_axis.contains(&s.column.name);
        }
        // An axis with no series is no axis: everything on the right is the left.
        if p.series.iter().all(|s| s.right) {
            p.series.iter_mut().for_each(|s| s.right = false);
        }
    }
    let range = |right: bool| {
        let values = p.series.iter().filter(|s| s.right == right).flat_map(|s| s.values.iter().flatten().copied());
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (min, max) = range(false);
    if min > max {
        return Some(empty(locale));
    }
    let ticks = nice_ticks(min, max);
    let first_left = p.series.iter().find(|s| !s.right).unwrap_or(&p.series[0]);
    let tick_labels = AxisFormat::of(first_left.column).labels(&ticks, locale);
    let right_axis = p.series.iter().find(|s| s.right).and_then(|first| {
        let (lo, hi) = range(true);
        (lo <= hi).then(|| {
            let ticks = nice_ticks(lo, hi);
            let labels = AxisFormat::of(first.column).labels(&ticks, locale);
            RightAxis { ticks, labels, title: first.column.label.clone() }
        })
    });
    let chart = match kind {
        TileKind::Bar => locale.words.bar_chart,
        TileKind::Line => locale.words.line_chart,
        TileKind::Area => locale.words.area_chart,
        _ => locale.words.column_chart,
    };
    let aria = p.aria_label(title, chart, locale.words.categories, locale);
    let mut out = if kind == TileKind::Bar {
        horizontal(&p, &ticks, &tick_labels, &aria, locale)
    } else {
        vertical(kind, &p, (&ticks, &tick_labels), right_axis.as_ref(), &aria, locale)
    };
    if p.series.len() >= 2 {
        let names: Vec<&str> = p.series.iter().map(|s| s.column.label.as_str()).collect();
        out.push_str(&legend(&names));
    }
    Some(out)
}

/// The opening `<svg>` of a chart.
fn svg_open(out: &mut String, width: f64, height: f64, aria: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" font-size=\"{FONT}\">",
        num(width),
        num(height),
        escape_html(aria)
    );
}

/// The hover text of one mark.
fn tooltip(p: &Prepared<'_>, series: usize, category: usize, value: f64, locale: &Locale) -> String {
    let formatted = p.format(series, value, locale);
    let text = if p.series.len() == 1 {
        format!("{}: {formatted}", p.labels[category])
    } else {
        format!("{} · {}: {formatted}", p.labels[category], p.series[series].column.label)
    };
    escape_html(&text)
}

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
    let fits = |widest: f64| widest + 6.0 <= slot;
    let thinned = |widest: f64| if fits(widest) { 1 } else { ((widest + 10.0) / slot).ceil().max(1.0) as usize };
    if let Some(periods) = &p.periods {
        let texts: Vec<String> = periods.iter().map(|(period, _)| period.clone()).collect();
        let step = thinned(texts.iter().map(|l| text_width(l)).fold(0.0, f64::max));
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
    let widest = p.labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    if fits(widest) || p.category.is_some_and(Column::is_temporal) {
        return XLabels {
            step: thinned(widest),
            rotated: false,
            texts: p.labels.clone(),
            years: none,
            height: FONT + 10.0,
        };
    }
    let texts: Vec<String> = p.labels.iter().map(|l| truncate(l, ROTATED_CHARS)).collect();
    let widest = texts.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let step = ((FONT * 1.4) / slot).ceil().max(1.0) as usize;
    XLabels { step, rotated: true, texts, years: none, height: widest * std::f64::consts::FRAC_1_SQRT_2 + FONT + 8.0 }
}

/// Column, line and area charts.
/// A second value axis, on the right, for the series `y_axes` puts there.
struct RightAxis {
    ticks: Vec<f64>,
    labels: Vec<String>,
    title: String,
}

fn vertical(
    kind: TileKind,
    p: &Prepared<'_>,
    (ticks, tick_labels): (&[f64], &[String]),
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
        Some(r) => r.labels.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 30.0,
        None => 12.0,
    };
    let tick_width = tick_labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let left = tick_width + 10.0 + if y_title.is_some() { 20.0 } else { 4.0 };
    let plot_w = WIDTH - left - right;
    let n = p.labels.len();
    let slot = plot_w / n as f64;
    let xl = x_labels(p, slot);
    let bottom = xl.height + if x_title.is_some() { 20.0 } else { 4.0 };
    let height = HEIGHT.max(top + 150.0 + bottom);
    let plot_h = height - top - bottom;
    let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
    let y = |v: f64| top + plot_h * (1.0 - (v - t0) / (t1 - t0));
    let (r0, r1) = right_axis.map_or((t0, t1), |r| (r.ticks[0], r.ticks[r.ticks.len() - 1]));
    let y_right = |v: f64| top + plot_h * (1.0 - (v - r0) / (r1 - r0));
    let cx = |i: usize| left + slot * (i as f64 + 0.5);
    let base = y(0.0f64.clamp(t0, t1));

    let mut out = String::new();
    svg_open(&mut out, WIDTH, height, aria);
    // Gridlines and value labels.
    out.push_str("<g class=\"y-axis\" text-anchor=\"end\">\n");
    for (t, label) in ticks.iter().zip(tick_labels) {
        let stroke = if *t == 0.0 { "#9ca3af" } else { "#e5e7eb" };
        let _ = writeln!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"{stroke}\" stroke-width=\"1\"/><text x=\"{}\" y=\"{yy}\" dy=\"0.32em\">{}</text>",
            num(left),
            num(left + plot_w),
            num(left - 6.0),
            escape_html(label),
            yy = num(y(*t)),
        );
    }
    out.push_str("</g>\n");
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
        for (t, label) in r.ticks.iter().zip(&r.labels) {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">{}</text>",
                num(left + plot_w + 6.0),
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
            columns(&mut out, p, slot, &cx, &scale, base, locale);
            if p.series.iter().any(|s| s.line) {
                lines(&mut out, false, p, &cx, &scale, base, locale);
            }
        }
        _ => lines(&mut out, kind == TileKind::Area, p, &cx, &scale, base, locale),
    }
    // Axis titles.
    if let Some(t) = x_title {
        x_axis_title(&mut out, t, left + plot_w / 2.0, height - 5.0);
    }
    if let Some(t) = y_title {
        let _ = writeln!(
            out,
            "<text class=\"axis-title\" transform=\"rotate(-90)\" x=\"{}\" y=\"12\" text-anchor=\"middle\">{}</text>",
            num(-(top + plot_h / 2.0)),
            escape_html(&truncate(t, 36))
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Grouped columns, one per series in each category.
fn columns(
    out: &mut String,
    p: &Prepared<'_>,
    slot: f64,
    cx: &dyn Fn(usize) -> f64,
    y: &dyn Fn(&Series<'_>, f64) -> f64,
    base: f64,
    locale: &Locale,
) {
    // Series drawn as lines take no column slot.
    let drawn: Vec<usize> = (0..p.series.len()).filter(|&j| !p.series[j].line).collect();
    let s = drawn.len().max(1) as f64;
    let bar = (slot * 0.78 / s).min(56.0);
    let gap = if s > 1.0 && bar > 4.0 { 1.0 } else { 0.0 };
    out.push_str("<g class=\"marks\">\n");
    for (slot_index, &j) in drawn.iter().enumerate() {
        let series = &p.series[j];
        for (i, v) in series.values.iter().enumerate() {
            let Some(v) = *v else { continue };
            let x = cx(i) - bar * s / 2.0 + bar * slot_index as f64;
            let yv = y(series, v);
            let h = (yv - base).abs().max(if v == 0.0 { 0.0 } else { 1.0 });
            let top = if v >= 0.0 { base - h } else { base };
            let mark = format!(
                "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                series_class(j),
                num(x),
                num(top),
                num(bar - gap),
                num(h),
                color(j),
                tooltip(p, j, i, v, locale)
            );
            let _ = writeln!(out, "{}", linked(mark, (p.links)(i, series.col)));
        }
    }
    out.push_str("</g>\n");
}

/// Lines with points; with `area`, each run of values is also filled down
/// to zero. Nulls break the line.
fn lines(
    out: &mut String,
    area: bool,
    p: &Prepared<'_>,
    cx: &dyn Fn(usize) -> f64,
    y: &dyn Fn(&Series<'_>, f64) -> f64,
    base: f64,
    locale: &Locale,
) {
    let n = p.labels.len();
    // Dense series get smaller points without the white ring, which would
    // chop the line into dashes.
    let (radius, ring) = if n <= 24 { (3.0, " stroke=\"#fff\" stroke-width=\"1\"") } else { (2.2, "") };
    let opacity = if p.series.len() == 1 { "0.25" } else { "0.12" };
    out.push_str("<g class=\"marks\">\n");
    // On a column chart only the series drawn as lines; otherwise all.
    let all_lines = !p.series.iter().any(|s| s.line) || p.series.iter().all(|s| s.line);
    for (j, series) in p.series.iter().enumerate().filter(|(_, s)| all_lines || s.line) {
        let (c, k) = (color(j), series_class(j));
        let runs = series.values.iter().enumerate().fold(Vec::<Vec<(usize, f64)>>::new(), |mut runs, (i, v)| {
            match (v, runs.last_mut()) {
                (Some(v), Some(run)) if run.last().is_some_and(|(k, _)| k + 1 == i) => run.push((i, *v)),
                (Some(v), _) => runs.push(vec![(i, *v)]),
                (None, _) => {}
            }
            runs
        });
        for run in &runs {
            let points: Vec<String> =
                run.iter().map(|&(i, v)| format!("{},{}", num(cx(i)), num(y(series, v)))).collect();
            if area && run.len() > 1 {
                let (first, last) = (run[0].0, run[run.len() - 1].0);
                let _ = writeln!(
                    out,
                    "<path class=\"{k}\" d=\"M{},{} L{} L{},{} Z\" fill=\"{c}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>",
                    num(cx(first)),
                    num(base),
                    points.join(" L"),
                    num(cx(last)),
                    num(base)
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
            for &(i, v) in run {
                let mark = format!(
                    "<circle class=\"mark {k}\" cx=\"{}\" cy=\"{}\" r=\"{radius}\" fill=\"{c}\"{ring}><title>{}</title></circle>",
                    num(cx(i)),
                    num(y(series, v)),
                    tooltip(p, j, i, v, locale)
                );
                let _ = writeln!(out, "{}", linked(mark, (p.links)(i, series.col)));
            }
        }
    }
    out.push_str("</g>\n");
}

/// Horizontal bars: categories down the left, values along the bottom; the
/// chart grows taller with the number of categories.
fn horizontal(p: &Prepared<'_>, ticks: &[f64], tick_labels: &[String], aria: &str, locale: &Locale) -> String {
    let n = p.labels.len();
    let slot = if n <= 12 { 28.0 } else { (360.0 / n as f64).max(9.0) };
    let label_step = ((FONT + 2.0) / slot).ceil().max(1.0) as usize;
    let texts: Vec<String> = p.labels.iter().map(|l| fit(l, BAR_LABEL_CHARS, WIDTH * 0.38)).collect();
    let widest = texts.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let left = widest + 14.0;
    let last_half = tick_labels.last().map_or(0.0, |l| text_width(l) / 2.0);
    let right = (last_half + 8.0).max(12.0);
    let x_title = (p.series.len() == 1).then(|| p.series[0].column.label.as_str());
    let top = 6.0;
    let plot_h = slot * n as f64;
    let bottom = FONT + 12.0 + if x_title.is_some() { 20.0 } else { 0.0 };
    let height = top + plot_h + bottom;
    let plot_w = WIDTH - left - right;
    let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
    let x = |v: f64| left + plot_w * (v - t0) / (t1 - t0);
    let base = x(0.0f64.clamp(t0, t1));
    // Value labels every other tick when they would touch.
    let tick_widest = tick_labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let spacing = plot_w / (ticks.len().max(2) - 1) as f64;
    let tick_step = if tick_widest + 8.0 > spacing { 2 } else { 1 };

    let mut out = String::new();
    svg_open(&mut out, WIDTH, height, aria);
    out.push_str("<g class=\"x-axis\" text-anchor=\"middle\">\n");
    for (k, (t, label)) in ticks.iter().zip(tick_labels).enumerate() {
        let stroke = if *t == 0.0 { "#9ca3af" } else { "#e5e7eb" };
        let xx = num(x(*t));
        let _ = write!(
            out,
            "<line x1=\"{xx}\" x2=\"{xx}\" y1=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"1\"/>",
            num(top),
            num(top + plot_h)
        );
        if k % tick_step == 0 {
            let _ =
                write!(out, "<text x=\"{xx}\" y=\"{}\">{}</text>", num(top + plot_h + FONT + 6.0), escape_html(label));
        }
        out.push('\n');
    }
    out.push_str("</g>\n<g class=\"y-axis\" text-anchor=\"end\">\n");
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
    let s = p.series.len() as f64;
    let bar = (slot * 0.74 / s).min(32.0);
    let gap = if s > 1.0 && bar > 4.0 { 1.0 } else { 0.0 };
    for (j, series) in p.series.iter().enumerate() {
        for (i, v) in series.values.iter().enumerate() {
            let Some(v) = *v else { continue };
            let yy = top + slot * (i as f64 + 0.5) - bar * s / 2.0 + bar * j as f64;
            let w = (x(v) - base).abs().max(if v == 0.0 { 0.0 } else { 1.0 });
            let xx = if v >= 0.0 { base } else { base - w };
            let mark = format!(
                "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                series_class(j),
                num(xx),
                num(yy),
                num(w),
                num(bar - gap),
                color(j),
                tooltip(p, j, i, v, locale)
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

/// The title under the x axis, centred at `x`, on the baseline `y`.
fn x_axis_title(out: &mut String, title: &str, x: f64, y: f64) {
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        num(x),
        num(y),
        escape_html(&truncate(title, 60))
    );
}
