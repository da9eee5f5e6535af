//! Value axes and axis titles, drawn the same way by every chart that has
//! them (columns, bars, lines, areas, scatter), so gridlines, tick labels and
//! titles look alike across a dashboard.

use std::fmt::Write as _;

use crate::escape::escape_html;
use crate::svg::{FONT, num, truncate, widest};

/// The gridline at zero is darker: it is where bars start.
fn gridline_stroke(tick: f64) -> &'static str {
    if tick == 0.0 { "#9ca3af" } else { "#e5e7eb" }
}

/// A vertical value axis: a gridline across the plot (`left` to
/// `left + width`) at each tick, its label right-aligned left of the plot.
pub(crate) fn left_axis(
    out: &mut String,
    ticks: &[f64],
    labels: &[String],
    y: &dyn Fn(f64) -> f64,
    left: f64,
    width: f64,
) {
    out.push_str("<g class=\"y-axis\" text-anchor=\"end\">\n");
    for (t, label) in ticks.iter().zip(labels) {
        let _ = writeln!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"{}\" stroke-width=\"1\"/><text x=\"{}\" y=\"{yy}\" dy=\"0.32em\">{}</text>",
            num(left),
            num(left + width),
            gridline_stroke(*t),
            num(left - 6.0),
            escape_html(label),
            yy = num(y(*t)),
        );
    }
    out.push_str("</g>\n");
}

/// A horizontal value axis: a gridline down the plot (`top` to
/// `top + height`) at each tick, its label centred under the plot; every
/// other label is left out when neighbours would touch.
pub(crate) fn bottom_axis(
    out: &mut String,
    ticks: &[f64],
    labels: &[String],
    x: &dyn Fn(f64) -> f64,
    top: f64,
    height: f64,
) {
    let label_width = widest(labels);
    let spacing = match (ticks.first(), ticks.last()) {
        (Some(first), Some(last)) if ticks.len() > 1 => (x(*last) - x(*first)).abs() / (ticks.len() - 1) as f64,
        _ => f64::INFINITY,
    };
    let step = if label_width + 8.0 > spacing { 2 } else { 1 };
    out.push_str("<g class=\"x-axis\" text-anchor=\"middle\">\n");
    for (k, (t, label)) in ticks.iter().zip(labels).enumerate() {
        let xx = num(x(*t));
        let _ = write!(
            out,
            "<line x1=\"{xx}\" x2=\"{xx}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>",
            num(top),
            num(top + height),
            gridline_stroke(*t)
        );
        if k % step == 0 {
            let _ =
                write!(out, "<text x=\"{xx}\" y=\"{}\">{}</text>", num(top + height + FONT + 6.0), escape_html(label));
        }
        out.push('\n');
    }
    out.push_str("</g>\n");
}

/// The title under the x axis, centred at `x`, on the baseline `y`.
pub(crate) fn x_axis_title(out: &mut String, title: &str, x: f64, y: f64) {
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        num(x),
        num(y),
        escape_html(&truncate(title, 60))
    );
}

/// The title left of the y axis, turned to read upwards and centred on the
/// plot that runs from `top` down `height`.
pub(crate) fn y_axis_title(out: &mut String, title: &str, top: f64, height: f64) {
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" transform=\"rotate(-90)\" x=\"{}\" y=\"12\" text-anchor=\"middle\">{}</text>",
        num(-(top + height / 2.0)),
        escape_html(&truncate(title, 36))
    );
}
