//! Scatter charts (Looker's `looker_scatter`): the first numeric column
//! along the bottom, each later numeric column up the side as a series, one
//! point per row and series, for how two measures move together.

use std::fmt::Write as _;

use crate::axes::{bottom_axis, left_axis, x_axis_title, y_axis_title};
use crate::escape::escape_html;
use crate::format::AxisFormat;
use crate::simple::empty;
use crate::svg::{FONT, aria_label, color, legend, linked, num, series_class, svg_open, text_width, widest};
use crate::ticks::nice_ticks;
use crate::vertical::{HEIGHT, WIDTH};
use crate::{Locale, TileData, Value, format_value};

/// Radius of a point: large enough to hover, small enough that a hundred
/// points stay apart; they are translucent so overlaps show.
const RADIUS: f64 = 3.5;

/// One point: its row and series, and where it is.
struct Point {
    row: usize,
    series: usize,
    x: f64,
    y: f64,
}

/// The chart's HTML (SVG plus a legend for two or more series), or `None`
/// when the result has fewer than two numeric columns (the tile falls back
/// to a table).
pub(crate) fn render(title: &str, data: &TileData, locale: &Locale, links: crate::Links<'_>) -> Option<String> {
    let numeric: Vec<usize> = (0..data.columns.len()).filter(|&c| data.columns[c].is_numeric()).collect();
    let (&x_col, y_cols) = numeric.split_first()?;
    if y_cols.is_empty() {
        return None;
    }
    let category = data.columns.iter().position(|c| !c.is_numeric());
    let points: Vec<Point> = y_cols
        .iter()
        .enumerate()
        .flat_map(|(series, &y_col)| {
            (0..data.rows.len()).filter_map(move |row| {
                Some(Point { row, series, x: data.cell(row, x_col).as_f64()?, y: data.cell(row, y_col).as_f64()? })
            })
        })
        .collect();
    if points.is_empty() {
        return Some(empty(locale));
    }
    let extent = |at: fn(&Point) -> f64| {
        points.iter().map(at).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (x_ticks, y_ticks) = {
        let ((x0, x1), (y0, y1)) = (extent(|p| p.x), extent(|p| p.y));
        (nice_ticks(x0, x1), nice_ticks(y0, y1))
    };
    let x_column = &data.columns[x_col];
    let x_labels = AxisFormat::of(x_column).labels(&x_ticks, locale);
    let y_labels = AxisFormat::of(&data.columns[y_cols[0]]).labels(&y_ticks, locale);
    let y_names: Vec<&str> = y_cols.iter().map(|&c| data.columns[c].label.as_str()).collect();
    let y_title = (y_cols.len() == 1).then(|| y_names[0]);

    let top = 10.0;
    let left = widest(&y_labels) + 10.0 + if y_title.is_some() { 20.0 } else { 4.0 };
    let right = x_labels.last().map_or(0.0, |l| text_width(l) / 2.0 + 8.0).max(12.0);
    let bottom = FONT + 12.0 + 20.0;
    let (plot_w, plot_h) = (WIDTH - left - right, HEIGHT - top - bottom);
    let along = |ticks: &[f64], from: f64, length: f64, upwards: bool| {
        let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
        move |v: f64| {
            let share = (v - t0) / (t1 - t0);
            if upwards { from + length * (1.0 - share) } else { from + length * share }
        }
    };
    let x = along(&x_ticks, left, plot_w, false);
    let y = along(&y_ticks, top, plot_h, true);

    let aria = aria_label(
        title,
        locale.words.scatter_chart,
        &y_names,
        Some(&x_column.label),
        &format!("{} {}", points.len(), locale.words.points),
        locale,
    );
    let mut out = String::new();
    svg_open(&mut out, WIDTH, HEIGHT, &aria);
    left_axis(&mut out, &y_ticks, &y_labels, &y, left, plot_w);
    bottom_axis(&mut out, &x_ticks, &x_labels, &x, top, plot_h);
    out.push_str("<g class=\"marks\">\n");
    for point in &points {
        let y_col = y_cols[point.series];
        let mut tip = String::new();
        if let Some(c) = category {
            let _ = write!(tip, "{} · ", format_value(data.cell(point.row, c), &data.columns[c], locale));
        }
        let _ = write!(
            tip,
            "{}: {}, {}: {}",
            x_column.label,
            format_value(&Value::Number(point.x), x_column, locale),
            data.columns[y_col].label,
            format_value(&Value::Number(point.y), &data.columns[y_col], locale)
        );
        let mark = format!(
            "<circle class=\"mark {}\" cx=\"{}\" cy=\"{}\" r=\"{RADIUS}\" fill=\"{}\" fill-opacity=\"0.8\"><title>{}</title></circle>",
            series_class(point.series),
            num(x(point.x)),
            num(y(point.y)),
            color(point.series),
            escape_html(&tip)
        );
        let _ = writeln!(out, "{}", linked(mark, links(point.row, y_col)));
    }
    out.push_str("</g>\n");
    x_axis_title(&mut out, &x_column.label, left + plot_w / 2.0, HEIGHT - 5.0);
    if let Some(t) = y_title {
        y_axis_title(&mut out, t, top, plot_h);
    }
    out.push_str("</svg>\n");
    if y_cols.len() >= 2 {
        out.push_str(&legend(&y_names));
    }
    Some(out)
}
