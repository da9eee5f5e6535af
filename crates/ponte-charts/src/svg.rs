//! Small helpers shared by the SVG charts.

use std::fmt::Write as _;

use crate::Locale;
use crate::escape::escape_html;
use crate::style::PALETTE;

/// Font size of chart text, in viewBox units.
pub(crate) const FONT: f64 = 11.0;

/// A coordinate with at most one decimal and no `-0`, so output is compact
/// and byte-for-byte stable.
pub(crate) fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 || !r.is_finite() { "0".to_owned() } else { format!("{r}") }
}

/// Roughly how wide `text` is at [`FONT`]: there are no font metrics on the
/// server, so characters are sorted into narrow, normal and wide classes
/// with widths typical of system UI fonts, erring on the wide side.
pub(crate) fn text_width(text: &str) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | ';' | '!' | '|' | 'i' | 'l' | 'j' | '\'' | 'í' | 'ì' => 0.3,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '-' | '/' | 'º' => 0.4,
            'm' | 'w' | 'M' | 'W' | '—' | '%' | '@' => 0.9,
            c if c.is_ascii_digit() => 0.6,
            c if c.is_uppercase() => 0.72,
            _ => 0.6,
        })
        .sum();
    ems * FONT
}

/// How wide the widest of `texts` is (see [`text_width`]), 0 for none: the
/// room a column of labels needs.
pub(crate) fn widest<'a>(texts: impl IntoIterator<Item = &'a String>) -> f64 {
    texts.into_iter().map(|t| text_width(t)).fold(0.0, f64::max)
}

/// `text` cut to `max` characters with an ellipsis in the middle, keeping
/// both ends: labels in one chart often share a prefix ("Unidade
/// consumidora …") and differ at the end, so the end keeps whole words
/// (up to half the room) when it can.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(1);
    let budget = keep / 2;
    let mut tail = 0;
    for (i, c) in chars.iter().enumerate().rev() {
        if chars.len() - i - 1 > budget {
            break;
        }
        if c.is_whitespace() {
            tail = chars.len() - i - 1;
        }
    }
    if tail == 0 {
        tail = budget.min(keep * 2 / 5);
    }
    let head: String = chars[..keep - tail].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{}…{}", head.trim_end(), end.trim_start())
}

/// `text` cut (as [`truncate`] does) to at most `max` characters and
/// `width` wide.
pub(crate) fn fit(text: &str, max: usize, width: f64) -> String {
    let mut max = max.min(text.chars().count());
    let mut out = truncate(text, max);
    while max > 2 && text_width(&out) > width {
        max -= 1;
        out = truncate(text, max);
    }
    out
}

/// The colour of series (or slice) `i`, as drawn without a theme.
pub(crate) fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The class that lets a theme recolour series `i` (`s0` … `s9`; the
/// stylesheet's `--pc-s<i>` variables, defaulting to [`PALETTE`]).
pub(crate) fn series_class(i: usize) -> String {
    format!("s{}", i % PALETTE.len())
}

/// A colour swatch as a tiny SVG, so legends need no inline `style`
/// (strict CSP pages forbid it).
pub(crate) fn swatch(i: usize) -> String {
    format!(
        "<svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect class=\"{}\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/></svg>",
        series_class(i),
        color(i)
    )
}

/// An HTML legend: one swatch and label per series.
pub(crate) fn legend(labels: &[&str]) -> String {
    let mut out = String::from("<ul class=\"legend\">\n");
    for (i, label) in labels.iter().enumerate() {
        let _ = writeln!(out, "<li>{}<span>{}</span></li>", swatch(i), escape_html(label));
    }
    out.push_str("</ul>\n");
    out
}

/// The opening `<svg>` of a chart `width` × `height` viewBox units, which
/// scales with its tile; `aria` is what a screen reader hears for it.
pub(crate) fn svg_open(out: &mut String, width: f64, height: f64, aria: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" font-size=\"{FONT}\">",
        num(width),
        num(height),
        escape_html(aria)
    );
}

/// What a screen reader hears for a chart, in one shape for every kind:
/// `Title — Column chart: A and B by Month, 12 categories…` (`rest` is
/// what follows the comma, without it; the result is not escaped yet).
pub(crate) fn aria_label(
    title: &str,
    chart: &str,
    measures: &[&str],
    category: Option<&str>,
    rest: &str,
    locale: &Locale,
) -> String {
    let mut label = String::new();
    if !title.trim().is_empty() {
        let _ = write!(label, "{} — ", title.trim());
    }
    let _ = write!(label, "{chart}: {}", join_words(measures, locale.words.and));
    if let Some(category) = category {
        let _ = write!(label, " {} {category}", locale.words.by);
    }
    if !rest.is_empty() {
        let _ = write!(label, ", {rest}");
    }
    label
}

/// `A`, `A e B`, `A, B e C`.
pub(crate) fn join_words(items: &[&str], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

/// `mark` as the link `link` gives, or as it is.
pub(crate) fn linked(mark: String, link: Option<crate::Link>) -> String {
    match link {
        Some(l) => format!(
            "<a class=\"{}\" href=\"{}\" data-label=\"{}\">{mark}</a>",
            l.kind.class(),
            escape_html(&l.href),
            escape_html(&l.label)
        ),
        None => mark,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_short_and_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(-3.25), "-3.3");
    }

    #[test]
    fn helpers() {
        assert_eq!(truncate("Unidade consumidora número 1", 18), "Unidade c…número 1");
        assert_eq!(truncate("Unidade consumidora número 12", 16), "Unidade consu…12");
        assert_eq!(truncate("Loja 12 — Shopping Iguatemi São Paulo", 24), "Loja 12 — Shop…São Paulo");
        assert_eq!(truncate("Abcdefghijklmnopqrstuvwxyz", 10), "Abcdef…xyz");
        assert!(text_width(&fit("Unidade consumidora número 12", 99, 80.0)) <= 80.0);
        assert_eq!(fit("Unidade consumidora número 12", 16, 500.0), "Unidade consu…12");
        assert_eq!(fit("Curta", 99, 80.0), "Curta");
        assert_eq!(truncate("Curta", 10), "Curta");
        assert_eq!(join_words(&["A", "B", "C"], "e"), "A, B e C");
        assert_eq!(join_words(&["A"], "and"), "A");
        assert!(text_width("jan.") < text_width("2023") && text_width("2023") < text_width("MMMM"));
    }
}
