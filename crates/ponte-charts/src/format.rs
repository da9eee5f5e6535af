//! Numbers and dates as people read them: Looker `value_format` strings
//! applied with the locale's separators, and the server's ISO-ish dates
//! written the locale's way.

use crate::{Column, Locale, Value};

/// A cell as text for a person: numbers with the column's Looker
/// `value_format` (prefix and suffix text such as `R$ `, digits after the
/// decimal point, thousands grouping, `%`, `,` scaling, `;` sections and
/// `[>=1000]` conditions) and the locale's separators; dates by the column's
/// timeframe (`2025-03` as `mar. 2025`, `2025-Q1` as `1º tri. 2025`,
/// `2025-03-14` as `14/03/2025` in pt-BR); nulls as `—`. Anything it does not
/// recognise (`Yes`, free text) is returned unchanged, and unescaped: escape
/// before putting it in markup.
pub fn format_value(value: &Value, column: &Column, locale: &Locale) -> String {
    match value {
        Value::Null => locale.null.to_owned(),
        Value::Number(n) => format_number(*n, column, locale),
        Value::Text(t) => format_text(t, column, locale),
    }
}

fn format_number(n: f64, column: &Column, locale: &Locale) -> String {
    if !n.is_finite() {
        return locale.null.to_owned();
    }
    if let Some(format) = column.value_format.as_deref().and_then(ValueFormat::parse) {
        return format.format(n, locale);
    }
    if column.field_type == "date_year" && n.fract() == 0.0 {
        return format!("{n:.0}");
    }
    default_number(n, locale)
}

fn format_text(text: &str, column: &Column, locale: &Locale) -> String {
    if column.is_temporal() {
        return format_date(text.trim(), &column.field_type, locale).unwrap_or_else(|| text.to_owned());
    }
    if column.is_numeric()
        && let Ok(n) = text.trim().parse::<f64>()
        && n.is_finite()
    {
        return format_number(n, column, locale);
    }
    text.to_owned()
}

/// A number without a `value_format`: integers grouped with no decimals,
/// other numbers with two decimals (more for small ones, so `0.0123` keeps
/// its digits), trailing zeros dropped.
pub(crate) fn default_number(n: f64, locale: &Locale) -> String {
    let abs = n.abs();
    let decimals = if n.fract() == 0.0 || abs >= 1e15 {
        0
    } else if abs >= 1.0 {
        2
    } else {
        (2 - abs.log10().floor() as i64).clamp(2, 6) as usize
    };
    let spec = NumSpec { min_int: 1, grouping: true, min_frac: 0, max_frac: decimals };
    signed(n, String::new(), spec.render(abs, locale), String::new())
}

/// `part` (`0.123`) as a percentage with one decimal (`12,3%`), for pie slices.
pub(crate) fn percent(part: f64, locale: &Locale) -> String {
    let spec = NumSpec { min_int: 1, grouping: true, min_frac: 1, max_frac: 1 };
    format!("{}%", spec.render(part * 100.0, locale))
}

/// `part` (`0.4167`) as a whole percentage (`42%`), for a value's share of
/// its stack or of a funnel's first step, where a decimal is noise.
pub(crate) fn whole_percent(part: f64, locale: &Locale) -> String {
    let spec = NumSpec { min_int: 1, grouping: true, min_frac: 0, max_frac: 0 };
    signed(part, String::new(), spec.render(part.abs() * 100.0, locale), "%".to_owned())
}

/// A relative change (`0.042`) with its sign and one decimal (`+4,2%`,
/// `-0,8%`), for a single value's comparison.
pub(crate) fn signed_percent(change: f64, locale: &Locale) -> String {
    let spec = NumSpec { min_int: 1, grouping: true, min_frac: 1, max_frac: 1 };
    let digits = spec.render(change.abs() * 100.0, locale);
    let zero = !digits.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if zero {
        ""
    } else if change < 0.0 {
        "-"
    } else {
        "+"
    };
    format!("{sign}{digits}%")
}

/// `-` (when the digits are not all zero) + prefix + digits + suffix.
fn signed(n: f64, before: String, digits: String, after: String) -> String {
    let minus = n < 0.0 && digits.chars().any(|c| c.is_ascii_digit() && c != '0');
    format!("{}{before}{digits}{after}", if minus { "-" } else { "" })
}

/// The digit placeholders of a format section (`#,##0.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NumSpec {
    /// `0`s before the decimal point: digits always shown.
    min_int: usize,
    /// A `,` between placeholders: group thousands.
    grouping: bool,
    /// `0`s after the decimal point.
    min_frac: usize,
    /// All placeholders after the decimal point (`0`, `#`, `?`).
    max_frac: usize,
}

impl NumSpec {
    /// The digits of `v` (≥ 0) with the locale's separators.
    fn render(&self, v: f64, locale: &Locale) -> String {
        // Nudge by a few ulps so decimal ties such as 2.675 (stored as
        // 2.67499…) round up as people expect.
        let fixed = format!("{:.*}", self.max_frac, v + v * 4.0 * f64::EPSILON);
        let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let mut frac = frac.to_owned();
        while frac.len() > self.min_frac && frac.ends_with('0') {
            frac.pop();
        }
        let int = int.trim_start_matches('0');
        let int = format!("{}{int}", "0".repeat(self.min_int.saturating_sub(int.len())));
        let mut out = if self.grouping { group(&int, locale.thousands) } else { int };
        if !frac.is_empty() {
            out.push(locale.decimal);
            out.push_str(&frac);
        }
        if out.is_empty() {
            out.push('0');
        }
        out
    }
}

/// `1234567` as `1.234.567` (with `.` as the separator).
fn group(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A parsed Looker (Excel-style) `value_format`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueFormat {
    sections: Vec<Section>,
    conditional: bool,
}

/// One `;`-separated part of a format.
#[derive(Debug, Clone, PartialEq)]
struct Section {
    condition: Option<(Op, f64)>,
    before: String,
    after: String,
    number: Option<NumSpec>,
    /// Each `%` multiplies by 100.
    percent: u32,
    /// Each `,` after the last placeholder divides by 1000.
    scale: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl ValueFormat {
    /// The format, or `None` when it has no digit placeholder at all (then
    /// the number is shown with the default format rather than lost).
    /// Looker's named formats (`usd`, `decimal_2`, `percent_1`, `id`, …) are
    /// accepted as well.
    pub(crate) fn parse(format: &str) -> Option<ValueFormat> {
        let format = named_format(format.trim()).unwrap_or(format);
        let sections: Vec<Section> = split_sections(format).iter().map(|s| parse_section(s)).collect();
        if sections.iter().all(|s| s.number.is_none()) {
            return None;
        }
        let conditional = sections.iter().any(|s| s.condition.is_some());
        Some(ValueFormat { sections, conditional })
    }

    pub(crate) fn format(&self, n: f64, locale: &Locale) -> String {
        let (section, auto_sign) = self.pick(n);
        let Some(spec) = section.number else {
            return section.before.clone() + &section.after;
        };
        let v = n.abs() * 100f64.powi(section.percent as i32) / 1000f64.powi(section.scale as i32);
        let digits = spec.render(v, locale);
        let sign = if auto_sign { n } else { 0.0 };
        signed(sign, section.before.clone(), digits, section.after.clone())
    }

    /// The section for `n` and whether a minus sign must be added (sections
    /// written for negatives carry their own).
    fn pick(&self, n: f64) -> (&Section, bool) {
        let s = &self.sections;
        if self.conditional {
            let chosen = s
                .iter()
                .find(|sec| sec.condition.is_some_and(|(op, rhs)| op.holds(n, rhs)))
                .or_else(|| s.iter().find(|sec| sec.condition.is_none()))
                .unwrap_or(&s[s.len() - 1]);
            return (chosen, true);
        }
        match s.len() {
            1 => (&s[0], true),
            2 if n < 0.0 => (&s[1], false),
            2 => (&s[0], true),
            _ if n < 0.0 => (&s[1], false),
            _ if n == 0.0 => (&s[2], true),
            _ => (&s[0], true),
        }
    }

    /// What axis labels keep of the format: the positive section's text
    /// around the number, its `%` and `,` scaling and its grouping. A
    /// conditional format (`[>=1000000]0.0,,"M";…`) scales each value its
    /// own way, which an axis cannot, so its unconditional section is used.
    pub(crate) fn axis(&self) -> AxisFormat {
        let section = self.sections.iter().find(|s| s.number.is_some() && !(self.conditional && s.condition.is_some()));
        section.map_or_else(AxisFormat::plain, |s| AxisFormat {
            before: s.before.clone(),
            after: s.after.clone(),
            percent: s.percent,
            scale: s.scale,
            grouping: s.number.is_none_or(|n| n.grouping),
        })
    }
}

impl Op {
    fn holds(self, n: f64, rhs: f64) -> bool {
        match self {
            Op::Lt => n < rhs,
            Op::Le => n <= rhs,
            Op::Gt => n > rhs,
            Op::Ge => n >= rhs,
            Op::Eq => n == rhs,
            Op::Ne => n != rhs,
        }
    }
}

/// Looker's `value_format_name`s, for models that put one in `value_format`.
fn named_format(name: &str) -> Option<&'static str> {
    Some(match name {
        "decimal_0" => "#,##0",
        "decimal_1" => "#,##0.0",
        "decimal_2" => "#,##0.00",
        "decimal_3" => "#,##0.000",
        "decimal_4" => "#,##0.0000",
        "percent_0" => "0%",
        "percent_1" => "0.0%",
        "percent_2" => "0.00%",
        "percent_3" => "0.000%",
        "percent_4" => "0.0000%",
        "usd" => "$#,##0.00",
        "usd_0" => "$#,##0",
        "eur" => "€#,##0.00",
        "eur_0" => "€#,##0",
        "gbp" => "£#,##0.00",
        "gbp_0" => "£#,##0",
        "id" => "0",
        _ => return None,
    })
}

/// The format's sections: `;` outside quotes, brackets and escapes.
fn split_sections(format: &str) -> Vec<String> {
    let mut sections = vec![String::new()];
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in format.chars() {
        let current = sections.last_mut().expect("never empty");
        if escaped {
            escaped = false;
        } else if quoted {
            quoted = c != '"';
        } else if bracket {
            bracket = c != ']';
        } else if c == ';' {
            sections.push(String::new());
            continue;
        } else {
            match c {
                '"' => quoted = true,
                '[' => bracket = true,
                '\\' => escaped = true,
                _ => {}
            }
        }
        current.push(c);
    }
    sections
}

fn parse_section(text: &str) -> Section {
    let chars: Vec<char> = text.chars().collect();
    let mut section =
        Section { condition: None, before: String::new(), after: String::new(), number: None, percent: 0, scale: 0 };
    let push = |section: &mut Section, s: &str| {
        if section.number.is_none() { section.before.push_str(s) } else { section.after.push_str(s) }
    };
    let placeholder = |c: char| matches!(c, '#' | '0' | '?');
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                let end = chars[i + 1..].iter().position(|&c| c == '"').map_or(chars.len(), |p| i + 1 + p);
                push(&mut section, &chars[i + 1..end].iter().collect::<String>());
                i = end + 1;
            }
            '\\' | '_' => {
                // An escaped character, or `_x`: a space as wide as `x`.
                if let Some(&next) = chars.get(i + 1) {
                    push(&mut section, &if c == '_' { ' ' } else { next }.to_string());
                }
                i += 2;
            }
            // `*x` repeats `x` to fill the cell: meaningless here.
            '*' => i += 2,
            '[' => {
                let end = chars[i + 1..].iter().position(|&c| c == ']').map_or(chars.len(), |p| i + 1 + p);
                let content: String = chars[i + 1..end].iter().collect();
                if let Some(condition) = parse_condition(&content) {
                    section.condition = Some(condition);
                } else if let Some(currency) = content.strip_prefix('$') {
                    // `[$R$-416]`: a currency symbol and a locale id.
                    push(&mut section, currency.split('-').next().unwrap_or(""));
                }
                // Anything else (`[Red]`) is a colour: ignored.
                i = end + 1;
            }
            '%' => {
                section.percent += 1;
                push(&mut section, "%");
                i += 1;
            }
            '@' => i += 1,
            c if section.number.is_none()
                && (placeholder(c) || (c == '.' && chars.get(i + 1).is_some_and(|&n| placeholder(n)))) =>
            {
                let mut end = i;
                let mut dots = 0;
                while end < chars.len() && (placeholder(chars[end]) || chars[end] == ',' || chars[end] == '.') {
                    if chars[end] == '.' {
                        dots += 1;
                        if dots > 1 {
                            break;
                        }
                    }
                    end += 1;
                }
                let (spec, scale) = parse_number(&chars[i..end]);
                section.number = Some(spec);
                section.scale = scale;
                i = end;
            }
            c => {
                push(&mut section, &c.to_string());
                i += 1;
            }
        }
    }
    section
}

/// `#,##0.00,,` as its placeholders and its scale (here 2: millions).
fn parse_number(run: &[char]) -> (NumSpec, u32) {
    let trailing = run.iter().rev().take_while(|&&c| c == ',').count();
    let core = &run[..run.len() - trailing];
    let (int, frac) = match core.iter().position(|&c| c == '.') {
        Some(p) => (&core[..p], &core[p + 1..]),
        None => (core, &core[..0]),
    };
    let spec = NumSpec {
        min_int: int.iter().filter(|&&c| c == '0').count(),
        grouping: int.contains(&','),
        min_frac: frac.iter().filter(|&&c| c == '0').count(),
        max_frac: frac.iter().filter(|&&c| matches!(c, '#' | '0' | '?')).count(),
    };
    (spec, trailing as u32)
}

/// `>=1000` as a condition.
fn parse_condition(text: &str) -> Option<(Op, f64)> {
    let text = text.trim();
    let (op, rest) = [("<=", Op::Le), (">=", Op::Ge), ("<>", Op::Ne), ("<", Op::Lt), (">", Op::Gt), ("=", Op::Eq)]
        .iter()
        .find_map(|(s, op)| text.strip_prefix(s).map(|rest| (*op, rest)))?;
    Some((op, rest.trim().parse().ok()?))
}

/// What tick labels of a value axis keep of the series' format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AxisFormat {
    before: String,
    after: String,
    percent: u32,
    scale: u32,
    grouping: bool,
}

impl AxisFormat {
    pub(crate) fn of(column: &Column) -> AxisFormat {
        column.value_format.as_deref().and_then(ValueFormat::parse).map_or_else(AxisFormat::plain, |f| f.axis())
    }

    /// Grouped numbers and nothing around them.
    fn plain() -> AxisFormat {
        AxisFormat { before: String::new(), after: String::new(), percent: 0, scale: 0, grouping: true }
    }

    /// Shares (`0.2`) as percentages (`20%`), for a percent-stacked axis,
    /// whatever the series' own formats.
    pub(crate) fn percent() -> AxisFormat {
        AxisFormat { after: "%".to_owned(), percent: 1, ..AxisFormat::plain() }
    }

    /// Labels for evenly spaced ticks: the format's prefix and suffix, as
    /// many decimals as the step needs, and large numbers compacted
    /// (`R$ 1,2 mi`, `250 mil`; `1.2M`, `250K`) so the axis stays narrow.
    pub(crate) fn labels(&self, ticks: &[f64], locale: &Locale) -> Vec<String> {
        let mult = 100f64.powi(self.percent as i32) / 1000f64.powi(self.scale as i32);
        let step = if ticks.len() >= 2 { (ticks[1] - ticks[0]).abs() } else { 1.0 } * mult;
        let max = ticks.iter().fold(0f64, |m, t| m.max((t * mult).abs()));
        let (unit, word) = if self.percent > 0 || self.scale > 0 || max < 1e4 {
            (1.0, "")
        } else {
            let power = ((max.log10().floor() as i32 / 3).clamp(1, 4)) as usize;
            (1000f64.powi(power as i32), locale.compact[power - 1])
        };
        let decimals = decimals_needed(step / unit);
        let spec = NumSpec { min_int: 1, grouping: self.grouping, min_frac: decimals, max_frac: decimals };
        let word = match (word.is_empty(), locale.compact_space) {
            (true, _) => String::new(),
            (false, true) => format!(" {word}"),
            (false, false) => word.to_owned(),
        };
        ticks
            .iter()
            .map(|t| {
                let v = t * mult / unit;
                if v == 0.0 {
                    // A bare zero reads better than `R$ 0,0 mi`.
                    return format!("{}0{}", self.before, self.after);
                }
                signed(v, self.before.clone(), spec.render(v.abs(), locale), format!("{word}{}", self.after))
            })
            .collect()
    }
}

/// `value` compacted for a tile with room for a few characters: the
/// column's prefix and suffix, one decimal, and the locale's word for
/// millions and up (`R$ 806,5 mi`, `$806.5M`). `None` below a million
/// (it fits as it is) and for percentages and pre-scaled formats.
pub(crate) fn compact(value: f64, column: &Column, locale: &Locale) -> Option<String> {
    let format = AxisFormat::of(column);
    if format.percent > 0 || format.scale > 0 || !value.is_finite() || value.abs() < 1e6 {
        return None;
    }
    let power = (value.abs().log10().floor() as i32 / 3).clamp(2, 4);
    let word = locale.compact[power as usize - 1];
    let spec = NumSpec { min_int: 1, grouping: format.grouping, min_frac: 1, max_frac: 1 };
    let digits = spec.render(value.abs() / 1000f64.powi(power), locale);
    let word = if locale.compact_space { format!(" {word}") } else { word.to_owned() };
    Some(signed(value, format.before, digits, format!("{word}{}", format.after)))
}

/// The decimals needed to write `step` exactly (up to 4).
fn decimals_needed(step: f64) -> usize {
    (0..4)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(4)
}

/// A month or quarter split for a two-line time axis: the period without its
/// year (`mar.`, `1º tri.`) and the year, or `None` when `text` is not one.
pub(crate) fn period_parts(text: &str, field_type: &str, locale: &Locale) -> Option<(String, i32)> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let year = num(0..4)? as i32;
    if b.get(4) != Some(&b'-') || !(b.len() == 7 || (b.len() >= 10 && b[7] == b'-')) {
        return None;
    }
    let quarter = if matches!(b[5], b'Q' | b'q') {
        num(6..7).filter(|q| (1..=4).contains(q))?
    } else {
        let month = num(5..7).filter(|m| (1..=12).contains(m))?;
        if field_type == "date_month" {
            return Some((locale.months[month as usize - 1].to_owned(), year));
        }
        (month - 1) / 3 + 1
    };
    (field_type == "date_quarter").then(|| (locale.quarter_short(quarter), year))
}

/// A date, month, quarter or time as the server writes it (`2025-03-14`,
/// `2025-03`, `2025-Q1`, `2025-03-14 10:30:00`), written the locale's way;
/// the timeframe in `field_type` wins over the text's shape, so a month
/// column holding full dates still shows months.
fn format_date(text: &str, field_type: &str, locale: &Locale) -> Option<String> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let year = num(0..4)? as i32;
    if b.len() == 4 {
        return Some(text.to_owned());
    }
    if b.get(4) != Some(&b'-') {
        return None;
    }
    if b.len() == 7 && matches!(b[5], b'Q' | b'q') {
        let q = num(6..7).filter(|q| (1..=4).contains(q))?;
        return Some(if field_type == "date_year" { year.to_string() } else { locale.quarter(year, q) });
    }
    let month = num(5..7).filter(|m| (1..=12).contains(m))?;
    let day = if b.len() >= 10 && b[7] == b'-' { Some(num(8..10).filter(|d| (1..=31).contains(d))?) } else { None };
    match field_type {
        "date_year" => return Some(year.to_string()),
        "date_quarter" => return Some(locale.quarter(year, (month - 1) / 3 + 1)),
        "date_month" => return Some(locale.month(year, month)),
        _ => {}
    }
    let Some(day) = day else {
        return (b.len() == 7).then(|| locale.month(year, month));
    };
    let date = locale.date(year, month, day);
    if b.len() == 10 {
        return Some(date);
    }
    if !matches!(b[10], b' ' | b'T') {
        return None;
    }
    let hour = num(11..13).filter(|h| *h < 24)?;
    let minute = if b.get(13) == Some(&b':') { num(14..16)? } else { 0 };
    let second = if b.get(16) == Some(&b':') { num(17..19).unwrap_or(0) } else { 0 };
    Some(if second == 0 {
        format!("{date} {hour:02}:{minute:02}")
    } else {
        format!("{date} {hour:02}:{minute:02}:{second:02}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(n: f64, format: &str, locale: &Locale) -> String {
        ValueFormat::parse(format).expect("a format").format(n, locale)
    }

    #[test]
    fn sections_conditions_and_scaling() {
        let pt = Locale::PT_BR;
        let accounting = r#"#,##0.00;(#,##0.00);"-""#;
        assert_eq!(fmt(1234.5, accounting, &pt), "1.234,50");
        assert_eq!(fmt(-1234.5, accounting, &pt), "(1.234,50)");
        assert_eq!(fmt(0.0, accounting, &pt), "-");
        let kmb = r#"[>=1000000]0.0,,"M";[>=1000]0.0,"K";0"#;
        assert_eq!(fmt(2_500_000.0, kmb, &Locale::EN_US), "2.5M");
        assert_eq!(fmt(12_345.0, kmb, &Locale::EN_US), "12.3K");
        assert_eq!(fmt(999.0, kmb, &Locale::EN_US), "999");
        assert_eq!(fmt(1_234_567.0, r#"0.00,," mi""#, &pt), "1,23 mi");
        assert_eq!(fmt(0.5, "#.##", &pt), ",5");
        assert_eq!(fmt(0.0, "#,###", &pt), "0");
        assert_eq!(fmt(42.0, "00000", &pt), "00042");
        assert_eq!(fmt(1234.5, "[$R$-416] #,##0.00", &pt), "R$ 1.234,50");
        assert_eq!(fmt(1234.5, "[Red]#,##0", &pt), "1.235");
        assert_eq!(fmt(2.675, "0.00", &Locale::EN_US), "2.68");
        assert_eq!(fmt(0.256, "percent_1", &pt), "25,6%");
        assert_eq!(fmt(1234.0, "usd_0", &Locale::EN_US), "$1,234");
        assert_eq!(fmt(1234.0, r#"#,##0\ \k\W\h"#, &pt), "1.234 kWh");
        assert!(ValueFormat::parse(r#""no digits""#).is_none());
    }

    #[test]
    fn axis_labels_compact_large_numbers() {
        let money = AxisFormat::of(&Column::measure("v", "V", "sum", Some("R$ #,##0.00")));
        let ticks = [0.0, 500_000.0, 1_000_000.0, 1_500_000.0];
        assert_eq!(money.labels(&ticks, &Locale::PT_BR), ["R$ 0", "R$ 0,5 mi", "R$ 1,0 mi", "R$ 1,5 mi"]);
        assert_eq!(money.labels(&ticks, &Locale::EN_US), ["R$ 0", "R$ 0.5M", "R$ 1.0M", "R$ 1.5M"]);
        let kwh = AxisFormat::of(&Column::measure("k", "K", "sum", Some("#,##0")));
        assert_eq!(kwh.labels(&[0.0, 20_000.0, 40_000.0], &Locale::PT_BR), ["0", "20 mil", "40 mil"]);
        assert_eq!(kwh.labels(&[-2000.0, 0.0, 2000.0], &Locale::PT_BR), ["-2.000", "0", "2.000"]);
        let pct = AxisFormat::of(&Column::measure("p", "P", "number", Some("0.0%")));
        assert_eq!(pct.labels(&[0.0, 0.05, 0.1], &Locale::PT_BR), ["0%", "5%", "10%"]);
        let kmb = AxisFormat::of(&Column::measure("k", "K", "sum", Some(r#"[>=1000000]0.0,,"M";"R$ "0"#)));
        assert_eq!(kmb.labels(&[0.0, 2e6, 4e6], &Locale::PT_BR), ["R$ 0", "R$ 2 mi", "R$ 4 mi"]);
        let shares = AxisFormat::percent().labels(&[0.0, 0.2, 0.4, 0.6, 0.8, 1.0], &Locale::PT_BR);
        assert_eq!(shares, ["0%", "20%", "40%", "60%", "80%", "100%"]);
        assert_eq!(whole_percent(0.4167, &Locale::PT_BR), "42%");
        assert_eq!(whole_percent(-0.25, &Locale::EN_US), "-25%");
        assert_eq!(whole_percent(-0.001, &Locale::EN_US), "0%");
        let plain = AxisFormat::of(&Column::measure("n", "N", "average", None));
        assert_eq!(plain.labels(&[0.0, 0.2, 0.4], &Locale::PT_BR), ["0", "0,2", "0,4"]);
    }

    #[test]
    fn dates_follow_the_timeframe() {
        let pt = Locale::PT_BR;
        assert_eq!(format_date("2025-03-01", "date_month", &pt).as_deref(), Some("mar. 2025"));
        assert_eq!(format_date("2025-08-01", "date_quarter", &pt).as_deref(), Some("3º tri. 2025"));
        assert_eq!(format_date("2025-03-14 09:05:00", "time", &pt).as_deref(), Some("14/03/2025 09:05"));
        assert_eq!(format_date("2025-03-14T09:05:07Z", "time", &Locale::EN_US).as_deref(), Some("03/14/2025 09:05:07"));
        assert_eq!(format_date("2025-13", "date_month", &pt), None);
        assert_eq!(format_date("soon", "date", &pt), None);
        assert_eq!(period_parts("2025-03", "date_month", &pt), Some(("mar.".to_owned(), 2025)));
        assert_eq!(period_parts("2025-Q2", "date_quarter", &Locale::EN_US), Some(("Q2".to_owned(), 2025)));
        assert_eq!(period_parts("2025-08-01", "date_quarter", &pt), Some(("3º tri.".to_owned(), 2025)));
        assert_eq!(period_parts("2025-03", "date", &pt), None);
        assert_eq!(period_parts("2025-3", "date_month", &pt), None);
    }
}
