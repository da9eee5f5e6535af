//! A table's conditional formatting (Looker's `conditional_formatting`):
//! which cells a rule marks, and the inline style that marks them.

use crate::{Column, ConditionalFormat, FormatRule, Value};

impl FormatRule {
    /// Whether a cell holding `value` (`None`: null) passes the rule.
    /// Comparisons are exact, as Looker's are; `Between` includes its ends
    /// in whichever order they were given.
    fn passes(self, value: Option<f64>) -> bool {
        match (self, value) {
            (FormatRule::Null, v) => v.is_none(),
            (FormatRule::NotNull, v) => v.is_some(),
            (_, None) => false,
            (FormatRule::EqualTo(x), Some(v)) => v == x,
            (FormatRule::NotEqualTo(x), Some(v)) => v != x,
            (FormatRule::GreaterThan(x), Some(v)) => v > x,
            (FormatRule::LessThan(x), Some(v)) => v < x,
            (FormatRule::Between(a, b), Some(v)) => (a.min(b)..=a.max(b)).contains(&v),
            (FormatRule::NotBetween(a, b), Some(v)) => !(a.min(b)..=a.max(b)).contains(&v),
        }
    }
}

/// The ` style="…"` attribute of a body cell of `column` holding `value`:
/// from the first rule in `formats` that covers the column (by field name,
/// or every numeric column when its `fields` are empty) and that the value
/// passes. Later rules never override an earlier match, as in Looker.
/// Empty when no rule matches, the column is not numeric, or the matching
/// rule has nothing valid to apply.
pub(crate) fn cell_style(formats: &[ConditionalFormat], column: &Column, value: &Value) -> String {
    if !column.is_numeric() {
        return String::new();
    }
    let value = value.as_f64();
    let covers = |f: &ConditionalFormat| f.fields.is_empty() || f.fields.contains(&column.name);
    let Some(format) = formats.iter().find(|f| covers(f) && f.rule.passes(value)) else {
        return String::new();
    };
    let mut declarations = Vec::new();
    if let Some(background) = format.background.as_deref().and_then(hex_colour) {
        declarations.push(format!("background-color:{background}"));
    }
    if let Some(font) = format.font.as_deref().and_then(hex_colour) {
        declarations.push(format!("color:{font}"));
    }
    if format.bold {
        declarations.push("font-weight:bold".to_owned());
    }
    if declarations.is_empty() {
        return String::new();
    }
    format!(" style=\"{}\"", declarations.join(";"))
}

/// `text` when it is exactly a `#rgb` or `#rrggbb` hex colour, else `None`.
/// The model checks colours too, but this is what stands between a
/// caller's string and an inline style, so nothing else (`red;background:
/// url(…)`, `expression(…)`, a quote) may ever pass: colours are the only
/// text from outside that reaches the output unescaped.
fn hex_colour(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('#')?;
    (matches!(digits.len(), 3 | 6) && digits.bytes().all(|b| b.is_ascii_hexdigit())).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_pass() {
        for good in ["#fff", "#FDE2E1", "#0a0b0c"] {
            assert_eq!(hex_colour(good), Some(good));
        }
        for bad in ["red", "#ffff", "#12345g", "fff", " #fff", "#fff;", "#fff\"", "", "#", "#ｆｆｆ", "#fff0000"] {
            assert_eq!(hex_colour(bad), None, "{bad}");
        }
    }

    #[test]
    fn rules_test_values_and_nulls() {
        assert!(FormatRule::EqualTo(2.0).passes(Some(2.0)) && !FormatRule::EqualTo(2.0).passes(Some(2.5)));
        assert!(FormatRule::NotEqualTo(2.0).passes(Some(3.0)) && !FormatRule::NotEqualTo(2.0).passes(None));
        assert!(FormatRule::GreaterThan(1.0).passes(Some(1.5)) && !FormatRule::GreaterThan(1.0).passes(Some(1.0)));
        assert!(FormatRule::LessThan(1.0).passes(Some(-3.0)) && !FormatRule::LessThan(1.0).passes(None));
        assert!(FormatRule::Between(10.0, 0.0).passes(Some(10.0)) && FormatRule::Between(0.0, 10.0).passes(Some(0.0)));
        assert!(!FormatRule::Between(0.0, 10.0).passes(Some(10.5)));
        assert!(
            FormatRule::NotBetween(0.0, 10.0).passes(Some(-1.0))
                && !FormatRule::NotBetween(0.0, 10.0).passes(Some(5.0))
        );
        assert!(FormatRule::Null.passes(None) && !FormatRule::Null.passes(Some(0.0)));
        assert!(FormatRule::NotNull.passes(Some(0.0)) && !FormatRule::NotNull.passes(None));
    }
}
