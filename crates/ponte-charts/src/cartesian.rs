//! Column, bar, line and area charts: categories along one axis, measures
//! against a value axis with nice ticks. This module turns a result into
//! series on axes (combos, stacking, ranges, tooltips); [`crate::vertical`]
//! and [`crate::bar`] lay them out.

use std::fmt::Write as _;

use crate::escape::escape_html;
use crate::format::{AxisFormat, period_parts, whole_percent};
use crate::simple::empty;
use crate::stack::{Span, spans};
use crate::svg::{aria_label, legend};
use crate::ticks::nice_ticks;
use crate::{Column, Locale, Stacking, TileData, TileKind, TileOptions, format_value};

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
    /// Stacked as shares of each category: tooltips add the share.
    pub(crate) percent: bool,
}

/// One measure's values, one per category (`None` for nulls).
pub(crate) struct Series<'a> {
    pub(crate) column: &'a Column,
    /// Its column in the result, for links.
    pub(crate) col: usize,
    pub(crate) values: Vec<Option<f64>>,
    /// Where each value is drawn on its value axis (see [`Span`]).
    pub(crate) spans: Vec<Option<Span>>,
    /// Drawn as a line on a column chart (Looker's `series_types`).
    pub(crate) line: bool,
    /// Measured on the right-hand axis (Looker's `y_axes`).
    pub(crate) right: bool,
    /// On top of the stacked series before it (Looker's `stacking`).
    pub(crate) stacked: bool,
}

/// A value axis: its ticks and their labels.
pub(crate) struct ValueAxis {
    pub(crate) ticks: Vec<f64>,
    pub(crate) labels: Vec<String>,
}

/// A second value axis, on the right, for the series `y_axes` puts there.
pub(crate) struct RightAxis {
    pub(crate) axis: ValueAxis,
    pub(crate) title: String,
}

impl Prepared<'_> {
    /// `value` formatted as `series` formats it.
    pub(crate) fn format(&self, series: usize, value: f64, locale: &Locale) -> String {
        format_value(&crate::Value::Number(value), self.series[series].column, locale)
    }

    /// What a screen reader hears for the chart.
    fn aria_label(&self, title: &str, chart: &str, locale: &Locale) -> String {
        let names: Vec<&str> = self.series.iter().map(|s| s.column.label.as_str()).collect();
        let rest = match self.labels.as_slice() {
            [first, .., last] => format!(
                "{} {}, {} {first} {} {last}",
                self.labels.len(),
                locale.words.categories,
                locale.words.from,
                locale.words.to
            ),
            _ => String::new(),
        };
        aria_label(title, chart, &names, self.category.map(|c| c.label.as_str()), &rest, locale)
    }

    /// The hover text of series `series`'s mark in category `category`,
    /// escaped: the category, the series when there are several, the value
    /// and, on a percent stack, its share of the category.
    pub(crate) fn tooltip(&self, series: usize, category: usize, locale: &Locale) -> String {
        let s = &self.series[series];
        let Some(value) = s.values[category] else { return String::new() };
        let mut text = self.labels[category].clone();
        if self.series.len() > 1 {
            let _ = write!(text, " · {}", s.column.label);
        }
        let _ = write!(text, ": {}", self.format(series, value, locale));
        if let Some(span) = s.spans[category].filter(|_| self.percent && s.stacked) {
            let _ = write!(text, " ({})", whole_percent(span.to - span.from, locale));
        }
        escape_html(&text)
    }

    /// Which slot of a category each series drawn as a column or bar takes,
    /// as (series, slot), and how many slots there are: one per series side
    /// by side, one for the whole stack; series drawn as lines take none.
    pub(crate) fn bar_slots(&self) -> (Vec<(usize, usize)>, usize) {
        let mut slots = 0;
        let mut stack_slot = None;
        let mut placed = Vec::new();
        for (j, s) in self.series.iter().enumerate().filter(|(_, s)| !s.line) {
            let slot = match (s.stacked, stack_slot) {
                (true, Some(slot)) => slot,
                _ => {
                    slots += 1;
                    if s.stacked {
                        stack_slot = Some(slots - 1);
                    }
                    slots - 1
                }
            };
            placed.push((j, slot));
        }
        (placed, slots)
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
        .map(|c| {
            let values: Vec<Option<f64>> = (0..rows).map(|r| data.cell(r, c).as_f64()).collect();
            Series {
                column: &data.columns[c],
                col: c,
                spans: spans(&[&values], Stacking::Grouped).remove(0),
                values,
                line: false,
                right: false,
                stacked: false,
            }
        })
        .collect();
    Some(Prepared { category: category.map(|c| &data.columns[c]), labels, periods, series, links, percent: false })
}

/// Looker's `series_types` and `y_axes`: which series are lines and which
/// are measured on the right.
fn apply_combo(p: &mut Prepared<'_>, kind: TileKind, combo: &crate::Combo) {
    for s in &mut p.series {
        s.line = kind == TileKind::Line || combo.lines.contains(&s.column.name);
        s.right = combo.right_axis.contains(&s.column.name);
    }
    // An axis with no series is no axis: everything on the right is the left.
    if p.series.iter().all(|s| s.right) {
        p.series.iter_mut().for_each(|s| s.right = false);
    }
}

/// Looker's `stacking`: the columns, bars or areas on the left axis are
/// stacked; lines keep their own values. Against a 0–100 % axis a line's
/// values would mean nothing, so on a percent stack lines move to the
/// right axis.
fn apply_stacking(p: &mut Prepared<'_>, stacking: Stacking) {
    if stacking == Stacking::Grouped {
        return;
    }
    p.series.iter_mut().for_each(|s| s.stacked = !s.line && !s.right);
    if !p.series.iter().any(|s| s.stacked) {
        return;
    }
    if stacking == Stacking::Percent {
        p.percent = true;
        p.series.iter_mut().filter(|s| !s.stacked).for_each(|s| s.right = true);
    }
    let values: Vec<&[Option<f64>]> = p.series.iter().filter(|s| s.stacked).map(|s| s.values.as_slice()).collect();
    let stacked = spans(&values, stacking);
    for (s, spans) in p.series.iter_mut().filter(|s| s.stacked).zip(stacked) {
        s.spans = spans;
    }
}

/// The lowest and highest point the series on one side (`right`) reach,
/// or `None` when they have no values.
fn extent(p: &Prepared<'_>, right: bool) -> Option<(f64, f64)> {
    let spans = p.series.iter().filter(|s| s.right == right).flat_map(|s| s.spans.iter().flatten());
    let (lo, hi) = spans.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), span| {
        let (low, high) = span.low_high();
        (lo.min(low), hi.max(high))
    });
    (lo <= hi).then_some((lo, hi))
}

/// The chart's HTML (SVG plus a legend for two or more series), or `None`
/// when the result has nothing to plot.
pub(crate) fn render(
    kind: TileKind,
    title: &str,
    data: &TileData,
    locale: &Locale,
    options: &TileOptions<'_>,
) -> Option<String> {
    let mut p = prepare(data, locale, options.links)?;
    if let Some(combo) = options.combo.filter(|_| matches!(kind, TileKind::Column | TileKind::Line)) {
        apply_combo(&mut p, kind, combo);
    }
    if matches!(kind, TileKind::Column | TileKind::Bar | TileKind::Area) {
        apply_stacking(&mut p, options.stacking);
    }
    let Some((min, max)) = extent(&p, false) else {
        return Some(empty(locale));
    };
    // Shares always reach 100 % (so percent stacks of different charts
    // compare), and below zero only as far as negative shares go.
    let max = if p.percent && max > 0.0 { 1.0 } else { max };
    let ticks = nice_ticks(min, max);
    let first_left = p.series.iter().find(|s| !s.right).unwrap_or(&p.series[0]);
    let format = if p.percent { AxisFormat::percent() } else { AxisFormat::of(first_left.column) };
    let left = ValueAxis { labels: format.labels(&ticks, locale), ticks };
    let right = p.series.iter().find(|s| s.right).and_then(|first| {
        let (lo, hi) = extent(&p, true)?;
        let ticks = nice_ticks(lo, hi);
        let labels = AxisFormat::of(first.column).labels(&ticks, locale);
        Some(RightAxis { axis: ValueAxis { ticks, labels }, title: first.column.label.clone() })
    });
    let chart = match kind {
        TileKind::Bar => locale.words.bar_chart,
        TileKind::Line => locale.words.line_chart,
        TileKind::Area => locale.words.area_chart,
        _ => locale.words.column_chart,
    };
    let aria = p.aria_label(title, chart, locale);
    let mut out = if kind == TileKind::Bar {
        crate::bar::render(&p, &left, &aria, locale)
    } else {
        crate::vertical::render(kind, &p, &left, right.as_ref(), &aria, locale)
    };
    if p.series.len() >= 2 {
        let names: Vec<&str> = p.series.iter().map(|s| s.column.label.as_str()).collect();
        out.push_str(&legend(&names));
    }
    Some(out)
}
