//! Parsing of date and time filters into the [`DateFilter`] AST.

use chrono::{NaiveDate, NaiveTime};

use super::date::{AbsoluteTime, DateExpr, DateFilter, DateUnit, Period};
use super::{FilterError, column, split_top_level};

/// Parses a date or time filter. Keywords are case-insensitive and any run of
/// blanks separates words; items are separated by commas and OR-ed.
pub fn parse_date(expr: &str) -> Result<DateFilter, FilterError> {
    if expr.trim().is_empty() {
        return Ok(DateFilter::Any);
    }
    let items = split_top_level(expr);
    let single = items.len() == 1;
    let mut exprs = Vec::with_capacity(items.len());
    for (start, item) in items {
        let tokens = lex(start, item);
        if let Some(null) = null_keyword(&tokens) {
            if single {
                return Ok(null);
            }
            let first = tokens[0];
            let last = tokens[tokens.len() - 1];
            return Err(FilterError::NullInList {
                keyword: expr[first.offset..last.offset + last.text.len()].to_owned(),
                offset: first.offset,
                column: column(expr, first.offset),
                input: expr.to_owned(),
            });
        }
        let mut parser = Parser { expr, tokens, pos: 0, item_end: start + item.len() };
        exprs.push(parser.item()?);
    }
    Ok(DateFilter::AnyOf(exprs))
}

fn null_keyword(tokens: &[Token<'_>]) -> Option<DateFilter> {
    let words: Vec<String> = tokens.iter().map(|t| t.text.to_ascii_lowercase()).collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["null"] => Some(DateFilter::Null),
        ["not", "null"] => Some(DateFilter::NotNull),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    offset: usize,
}

/// Words are runs of non-blank characters; `start` is the item's offset in
/// the whole expression.
fn lex(start: usize, item: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut word_start = None;
    for (i, c) in item.char_indices().chain(std::iter::once((item.len(), ' '))) {
        match (c.is_whitespace(), word_start) {
            (false, None) => word_start = Some(i),
            (true, Some(s)) => {
                tokens.push(Token { text: &item[s..i], offset: start + s });
                word_start = None;
            }
            _ => {}
        }
    }
    tokens
}

struct Parser<'a> {
    expr: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    /// Offset just past this item, for "found the end" errors.
    item_end: usize,
}

const EXPECTED_PERIOD: &str =
    "a date or period (today, this week, last 7 days, 3 days ago, 2024, 2024-03, 2024-03-05, ...)";

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn peek_word(&self) -> Option<String> {
        self.peek().map(|t| t.text.to_ascii_lowercase())
    }

    fn unexpected(&self, expected: &str) -> FilterError {
        match self.peek() {
            Some(token) => FilterError::unexpected(self.expr, token.offset, expected, Some(token.text)),
            // The end of the item: show the comma that ends it, if any.
            None => {
                let found = self.expr[self.item_end..].chars().next().map(String::from);
                FilterError::unexpected(self.expr, self.item_end, expected, found.as_deref())
            }
        }
    }

    fn item(&mut self) -> Result<DateExpr, FilterError> {
        let first = self.peek();
        let expr = match self.peek_word().as_deref() {
            Some("before") => {
                self.pos += 1;
                DateExpr::Before(self.period()?)
            }
            Some("after") => {
                self.pos += 1;
                DateExpr::After(self.period()?)
            }
            _ => {
                let from = self.period()?;
                if self.peek_word().as_deref() == Some("to") {
                    self.pos += 1;
                    let to = self.period()?;
                    self.check_order(first, &from, &to)?;
                    DateExpr::Between { from, to }
                } else {
                    DateExpr::In(from)
                }
            }
        };
        if self.peek().is_some() {
            return Err(self.unexpected("\"to\", \"for\", \",\" or the end of the expression"));
        }
        Ok(expr)
    }

    /// `2024-02-01 to 2024-01-01` can match nothing; say so rather than
    /// return no rows. (Relative ends depend on "now" and are not checked.)
    fn check_order(&self, first: Option<Token<'a>>, from: &Period, to: &Period) -> Result<(), FilterError> {
        if let (Period::Absolute(a), Period::Absolute(b), Some(first)) = (from, to, first)
            && a.start() >= b.start()
        {
            let end = self.tokens[self.pos - 1].offset + self.tokens[self.pos - 1].text.len();
            return Err(FilterError::EmptyRange {
                range: self.expr[first.offset..end].to_owned(),
                reason: "the range ends where or before it starts (the end is excluded)".to_owned(),
                offset: first.offset,
                column: column(self.expr, first.offset),
                input: self.expr.to_owned(),
            });
        }
        Ok(())
    }

    fn period(&mut self) -> Result<Period, FilterError> {
        let base = self.base_period()?;
        if self.peek_word().as_deref() != Some("for") {
            return Ok(base);
        }
        self.pos += 1;
        let (count, unit) = self.count_and_unit(1)?;
        Ok(Period::For { start: Box::new(base), count, unit })
    }

    fn base_period(&mut self) -> Result<Period, FilterError> {
        let Some(token) = self.peek() else { return Err(self.unexpected(EXPECTED_PERIOD)) };
        let word = token.text.to_ascii_lowercase();
        let relative = |unit, offset| Ok(Period::Relative { unit, offset });
        match word.as_str() {
            "today" | "yesterday" | "tomorrow" => {
                self.pos += 1;
                let offset = match word.as_str() {
                    "yesterday" => -1,
                    "tomorrow" => 1,
                    _ => 0,
                };
                relative(DateUnit::Day, offset)
            }
            "this" | "next" | "last" => {
                self.pos += 1;
                if word == "last" && self.peek().is_some_and(|t| t.text.bytes().all(|b| b.is_ascii_digit())) {
                    let (count, unit) = self.count_and_unit(1)?;
                    return Ok(Period::Trailing { unit, count });
                }
                let unit = self.calendar_unit(&word)?;
                let offset = match word.as_str() {
                    "last" => -1,
                    "next" => 1,
                    _ => 0,
                };
                relative(unit, offset)
            }
            _ if word.bytes().all(|b| b.is_ascii_digit()) => {
                let next_is_word = self.tokens.get(self.pos + 1).is_some_and(|t| {
                    t.text.starts_with(|c: char| c.is_ascii_alphabetic())
                        && !["to", "for"].contains(&t.text.to_ascii_lowercase().as_str())
                });
                if word.len() == 4 && !next_is_word {
                    self.pos += 1;
                    return Ok(Period::Absolute(AbsoluteTime::Year(word.parse().unwrap_or_default())));
                }
                let (count, unit) = self.count_and_unit(0)?;
                match self.peek_word().as_deref() {
                    Some("ago") => {
                        self.pos += 1;
                        relative(unit, -i64::from(count))
                    }
                    Some("from")
                        if self.tokens.get(self.pos + 1).is_some_and(|t| t.text.eq_ignore_ascii_case("now")) =>
                    {
                        self.pos += 2;
                        relative(unit, i64::from(count))
                    }
                    _ if count == 0 => Err(self.count_error(token, "a trailing period counts at least 1 unit")),
                    _ => Ok(Period::Trailing { unit, count }),
                }
            }
            _ if word.starts_with(|c: char| c.is_ascii_digit()) => {
                self.pos += 1;
                self.absolute(token)
            }
            _ => Err(self.unexpected(EXPECTED_PERIOD)),
        }
    }

    /// The unit after `this`, `next` or `last`: Looker takes only week, month,
    /// quarter and year there.
    fn calendar_unit(&mut self, keyword: &str) -> Result<DateUnit, FilterError> {
        let Some(token) = self.peek() else {
            return Err(self.unexpected("week, month, quarter or year"));
        };
        let unit = self.unit()?;
        if matches!(unit, DateUnit::Week | DateUnit::Month | DateUnit::Quarter | DateUnit::Year) {
            return Ok(unit);
        }
        let hint = match unit {
            DateUnit::Day => "use today, yesterday or tomorrow",
            _ => {
                "it takes week, month, quarter or year; for the current hour write \"1 hour\", for the previous one \"1 hour ago\""
            }
        };
        Err(FilterError::UnitNotAllowed {
            keyword: keyword.to_owned(),
            unit: token.text.to_owned(),
            hint: hint.to_owned(),
            offset: token.offset,
            input: self.expr.to_owned(),
        })
    }

    fn unit(&mut self) -> Result<DateUnit, FilterError> {
        const EXPECTED_UNIT: &str = "a unit (days, weeks, months, quarters, years, hours, minutes, seconds)";
        let Some(token) = self.peek() else { return Err(self.unexpected(EXPECTED_UNIT)) };
        match DateUnit::from_word(&token.text.to_ascii_lowercase()) {
            Some(unit) => {
                self.pos += 1;
                Ok(unit)
            }
            None if token.text.starts_with(|c: char| c.is_alphabetic()) => Err(FilterError::UnknownUnit {
                unit: token.text.to_owned(),
                offset: token.offset,
                input: self.expr.to_owned(),
            }),
            None => Err(self.unexpected(EXPECTED_UNIT)),
        }
    }

    /// `N unit`, with `N >= min`.
    fn count_and_unit(&mut self, min: u64) -> Result<(u32, DateUnit), FilterError> {
        let Some(token) = self.peek().filter(|t| t.text.bytes().all(|b| b.is_ascii_digit())) else {
            return Err(self.unexpected("a whole number of units"));
        };
        self.pos += 1;
        let unit = self.unit()?;
        let max = unit.max_count();
        match token.text.parse::<u64>() {
            Ok(n) if n < min => Err(self.count_error(token, &format!("it must be at least {min}"))),
            Ok(n) if n <= max => Ok((u32::try_from(n).unwrap_or(u32::MAX), unit)),
            _ => Err(self.count_error(token, &format!("at most {max} {} are accepted", unit.plural()))),
        }
    }

    fn count_error(&self, token: Token<'a>, reason: &str) -> FilterError {
        FilterError::CountOutOfRange {
            count: token.text.to_owned(),
            reason: reason.to_owned(),
            offset: token.offset,
            column: column(self.expr, token.offset),
            input: self.expr.to_owned(),
        }
    }

    /// A date (`2024-03`, `2024/03/05`, `2024-Q1`), optionally followed by a
    /// time (`12:00`, `12:00:00`); `T` may join them instead of a blank.
    fn absolute(&mut self, token: Token<'a>) -> Result<Period, FilterError> {
        let invalid = |reason: &str| FilterError::InvalidDate {
            text: token.text.to_owned(),
            reason: reason.to_owned(),
            offset: token.offset,
            column: column(self.expr, token.offset),
            input: self.expr.to_owned(),
        };
        let (date_text, mut time_text) = match token.text.split_once(['T', 't']) {
            Some((date, time)) => (date, Some((time, token))),
            None => (token.text, None),
        };
        let sep = if date_text.contains('/') { '/' } else { '-' };
        let parts: Vec<&str> = date_text.split(sep).collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(parts[0], 4) {
            return Err(invalid("expected a four-digit year (YYYY-MM-DD or YYYY/MM/DD)"));
        }
        let year: i32 = parts[0].parse().unwrap_or_default();
        let two_digits = "month and day take two digits (2016-01-05); Looker reads 2016-1 as an offset, not a date";
        let date = match parts.as_slice() {
            [_, q] if q.len() == 2 && q.starts_with(['Q', 'q']) => {
                let quarter = q[1..].parse().ok().filter(|q| (1..=4).contains(q));
                let quarter = quarter.ok_or_else(|| invalid("the quarter must be Q1, Q2, Q3 or Q4"))?;
                AbsoluteTime::Quarter { year, quarter }
            }
            [_, m] if digits(m, 2) => {
                let month = m.parse().ok().filter(|m| (1..=12).contains(m));
                AbsoluteTime::Month { year, month: month.ok_or_else(|| invalid("the month must be 01 to 12"))? }
            }
            [_, m, d] if digits(m, 2) && digits(d, 2) => {
                let date = NaiveDate::from_ymd_opt(year, m.parse().unwrap_or(0), d.parse().unwrap_or(0));
                AbsoluteTime::Day(date.ok_or_else(|| invalid("no such day in the calendar"))?)
            }
            [_, rest @ ..] if rest.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) => {
                return Err(invalid(two_digits));
            }
            _ => return Err(invalid("expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-Qn, with - or / between parts")),
        };
        if time_text.is_none()
            && let Some(next) = self.peek()
            && next.text.contains(':')
        {
            self.pos += 1;
            time_text = Some((next.text, next));
        }
        let Some((time_text, time_token)) = time_text else { return Ok(Period::Absolute(date)) };
        let AbsoluteTime::Day(day) = date else {
            return Err(invalid("a time of day needs a full date before it (YYYY-MM-DD HH:MM:SS)"));
        };
        let bad_time = || FilterError::InvalidDate {
            text: time_text.to_owned(),
            reason: "expected a time HH:MM or HH:MM:SS (24-hour clock)".to_owned(),
            offset: time_token.offset,
            column: column(self.expr, time_token.offset),
            input: self.expr.to_owned(),
        };
        let fields: Vec<&str> = time_text.split(':').collect();
        let ok = fields.iter().enumerate().all(|(i, f)| {
            let len_ok = if i == 0 { (1..=2).contains(&f.len()) } else { f.len() == 2 };
            len_ok && f.bytes().all(|b| b.is_ascii_digit())
        });
        let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
        let time = match fields.len() {
            2 | 3 if ok => NaiveTime::from_hms_opt(num(0), num(1), num(2)).ok_or_else(bad_time)?,
            _ => return Err(bad_time()),
        };
        let at = day.and_time(time);
        Ok(Period::Absolute(if fields.len() == 2 { AbsoluteTime::Minute(at) } else { AbsoluteTime::Second(at) }))
    }
}
