//! Number filters: `5`, `5,7`, `NOT 5`, `<>5`, `!=5`, `>5`, `>=5`, `<5`, `<=5`,
//! `[0,100]` and the other brackets, `5 to 10`, `1 to`, `to 10`,
//! `>=5 AND <=10`, `<5 OR >10`, `NULL`, `NOT NULL`.

use super::{FilterError, column};

/// A parsed number filter.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberFilter {
    /// No filter: the empty expression ("is any value").
    Any,
    /// A row passes when it matches at least one of `any_of` (or `any_of` is
    /// empty) and none of `none_of`.
    ///
    /// Items are separated by `,` or `OR`. A `NOT` (or `<>`, `!=`) negates its
    /// item, except that when only the first item is negated the negation
    /// covers the whole list: Looker documents `NOT 66, 99, 4` as "is not one
    /// of 66, 99 or 4" and `NOT >1, 2, <100` likewise, while `5, NOT 6, NOT 7`
    /// is "is 5, and is not 6 or 7".
    Match {
        /// Terms of which at least one must match.
        any_of: Vec<NumberTerm>,
        /// Terms of which none may match.
        none_of: Vec<NumberTerm>,
    },
}

/// One condition on a number.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberTerm {
    /// Equal to the number (`5`).
    Equals(Number),
    /// Inside a range; comparisons are ranges open on one side (`>5` has only
    /// a low bound), so the compiler has one shape to turn into SQL.
    Range(NumberRange),
    /// The value is NULL.
    Null,
}

/// A range of numbers; at least one bound is present.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberRange {
    /// Lower bound, or `None` for no lower bound.
    pub low: Option<RangeBound>,
    /// Upper bound, or `None` for no upper bound.
    pub high: Option<RangeBound>,
}

/// One end of a [`NumberRange`].
#[derive(Debug, Clone, PartialEq)]
pub struct RangeBound {
    /// The bound's value.
    pub value: Number,
    /// Whether the bound itself is in the range (`[`, `]`, `>=`, `<=`, `to`).
    pub inclusive: bool,
}

/// A number as written, with its value.
///
/// The text is kept so the SQL compiler can bind it as an exact decimal
/// (`0.1` stays `0.1`); the `f64` is for checks such as an empty range.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The number exactly as written (`-1.5`, `.75`, `1e3`).
    pub text: String,
    /// Its value.
    pub value: f64,
}

/// Parses a number filter. Keywords (`NOT`, `NULL`, `AND`, `OR`, `to`, `inf`)
/// are case-insensitive and blanks between tokens are free.
pub fn parse_number(expr: &str) -> Result<NumberFilter, FilterError> {
    if expr.trim().is_empty() {
        return Ok(NumberFilter::Any);
    }
    let tokens = lex(expr);
    let mut parser = Parser { expr, tokens, pos: 0 };
    let mut items = vec![parser.item()?];
    while let Some(token) = parser.peek() {
        match token.kind {
            Kind::Comma | Kind::Or => {
                parser.pos += 1;
                items.push(parser.item()?);
            }
            _ => return Err(parser.unexpected("\",\", \"OR\" or the end of the expression")),
        }
    }
    let spread = items[0].0 && items[1..].iter().all(|(negated, _)| !negated);
    let (mut any_of, mut none_of) = (Vec::new(), Vec::new());
    for (negated, term) in items {
        if negated || spread { none_of.push(term) } else { any_of.push(term) }
    }
    Ok(NumberFilter::Match { any_of, none_of })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Num,
    Comma,
    Open,
    Close,
    /// `>`, `>=`, `<`, `<=`.
    Cmp,
    /// `<>`, `!=`.
    NotEq,
    Not,
    Null,
    And,
    Or,
    To,
    Inf,
    NegInf,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    offset: usize,
}

fn lex(expr: &str) -> Vec<Token<'_>> {
    let bytes = expr.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let starts_number = |at: usize| bytes.get(at).is_some_and(|b| b.is_ascii_digit() || *b == b'.');
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b'[' | b'(' => {
                i += 1;
                Kind::Open
            }
            b']' | b')' => {
                i += 1;
                Kind::Close
            }
            b'>' => {
                i += if bytes.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Kind::Cmp
            }
            b'<' => match bytes.get(i + 1) {
                Some(b'>') => {
                    i += 2;
                    Kind::NotEq
                }
                Some(b'=') => {
                    i += 2;
                    Kind::Cmp
                }
                _ => {
                    i += 1;
                    Kind::Cmp
                }
            },
            b'!' if bytes.get(i + 1) == Some(&b'=') => {
                i += 2;
                Kind::NotEq
            }
            b'0'..=b'9' | b'.' => {
                i = scan_number(bytes, i);
                Kind::Num
            }
            b'-' | b'+' if starts_number(i + 1) => {
                i = scan_number(bytes, i + 1);
                Kind::Num
            }
            _ => {
                // A word (keywords, `-inf`) or any other run of characters.
                i += expr[i..].chars().next().map_or(1, char::len_utf8);
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                match expr[start..i].to_ascii_lowercase().as_str() {
                    "not" => Kind::Not,
                    "null" => Kind::Null,
                    "and" => Kind::And,
                    "or" => Kind::Or,
                    "to" => Kind::To,
                    "inf" | "+inf" => Kind::Inf,
                    "-inf" => Kind::NegInf,
                    _ => Kind::Other,
                }
            }
        };
        tokens.push(Token { kind, text: &expr[start..i], offset: start });
    }
    tokens
}

/// Scans digits, an optional fraction and an optional exponent from `i`.
fn scan_number(bytes: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(i);
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

struct Parser<'a> {
    expr: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn peek_kind(&self) -> Option<Kind> {
        self.peek().map(|t| t.kind)
    }

    fn unexpected(&self, expected: &str) -> FilterError {
        match self.peek() {
            Some(token) => FilterError::unexpected(self.expr, token.offset, expected, Some(token.text)),
            None => FilterError::unexpected(self.expr, self.expr.len(), expected, None),
        }
    }

    fn number(&mut self) -> Result<Number, FilterError> {
        let Some(token) = self.peek().filter(|t| t.kind == Kind::Num) else {
            return Err(self.unexpected("a number"));
        };
        self.pos += 1;
        match token.text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Number { text: token.text.to_owned(), value }),
            _ => Err(FilterError::unexpected(self.expr, token.offset, "a finite number", Some(token.text))),
        }
    }

    /// One list item: `(negated, term)`.
    fn item(&mut self) -> Result<(bool, NumberTerm), FilterError> {
        match self.peek_kind() {
            Some(Kind::Not) => {
                self.pos += 1;
                Ok((true, self.term()?))
            }
            Some(Kind::NotEq) => {
                self.pos += 1;
                Ok((true, NumberTerm::Equals(self.number()?)))
            }
            _ => Ok((false, self.term()?)),
        }
    }

    fn term(&mut self) -> Result<NumberTerm, FilterError> {
        const EXPECTED: &str = "a number, a comparison (>, >=, <, <=), an interval, \"to\" or NULL";
        let Some(token) = self.peek() else { return Err(self.unexpected(EXPECTED)) };
        match token.kind {
            Kind::Null => {
                self.pos += 1;
                Ok(NumberTerm::Null)
            }
            Kind::Open => self.interval(),
            Kind::Cmp => {
                let first = self.comparison()?;
                if self.peek_kind() != Some(Kind::And) {
                    return Ok(NumberTerm::Range(first));
                }
                self.pos += 1;
                let second_at = self.peek().map_or(self.expr.len(), |t| t.offset);
                if self.peek_kind() != Some(Kind::Cmp) {
                    return Err(self.unexpected("a comparison (>, >=, <, <=) after AND"));
                }
                let second = self.comparison()?;
                let range = match (first, second) {
                    (NumberRange { low: Some(low), high: None }, NumberRange { low: None, high: Some(high) })
                    | (NumberRange { low: None, high: Some(high) }, NumberRange { low: Some(low), high: None }) => {
                        NumberRange { low: Some(low), high: Some(high) }
                    }
                    _ => {
                        return Err(FilterError::unexpected(
                            self.expr,
                            second_at,
                            "AND to join a lower bound (> or >=) with an upper bound (< or <=)",
                            Some(&self.expr[second_at..self.end_of_previous()]),
                        ));
                    }
                };
                self.checked(token.offset, range)
            }
            Kind::To => {
                self.pos += 1;
                let high = self.number()?;
                Ok(NumberTerm::Range(NumberRange {
                    low: None,
                    high: Some(RangeBound { value: high, inclusive: true }),
                }))
            }
            Kind::Num => {
                let value = self.number()?;
                if self.peek_kind() != Some(Kind::To) {
                    return Ok(NumberTerm::Equals(value));
                }
                self.pos += 1;
                let low = Some(RangeBound { value, inclusive: true });
                let high = if self.peek_kind() == Some(Kind::Num) {
                    Some(RangeBound { value: self.number()?, inclusive: true })
                } else {
                    None
                };
                self.checked(token.offset, NumberRange { low, high })
            }
            _ => Err(self.unexpected(EXPECTED)),
        }
    }

    /// `>5` and friends, as a one-sided range.
    fn comparison(&mut self) -> Result<NumberRange, FilterError> {
        let Some(op) = self.peek().filter(|t| t.kind == Kind::Cmp) else {
            return Err(self.unexpected("a comparison (>, >=, <, <=)"));
        };
        self.pos += 1;
        let bound = RangeBound { value: self.number()?, inclusive: op.text.ends_with('=') };
        Ok(if op.text.starts_with('>') {
            NumberRange { low: Some(bound), high: None }
        } else {
            NumberRange { low: None, high: Some(bound) }
        })
    }

    /// `[a,b]`, `(a,b]`, `[a,b)`, `(a,b)`; either end may be left out or
    /// written `-inf` / `inf` for "unbounded".
    fn interval(&mut self) -> Result<NumberTerm, FilterError> {
        let open = self.tokens[self.pos];
        self.pos += 1;
        let low = match self.peek_kind() {
            Some(Kind::NegInf) => {
                self.pos += 1;
                None
            }
            Some(Kind::Comma) => None,
            _ => Some(self.number().map_err(|e| self.unclosed_or(open, e))?),
        };
        if self.peek_kind() != Some(Kind::Comma) {
            return Err(self.unclosed_or(open, self.unexpected("\",\" between the ends of the interval")));
        }
        self.pos += 1;
        let high = match self.peek_kind() {
            Some(Kind::Inf) => {
                self.pos += 1;
                None
            }
            Some(Kind::Close) => None,
            _ => Some(self.number().map_err(|e| self.unclosed_or(open, e))?),
        };
        let Some(close) = self.peek().filter(|t| t.kind == Kind::Close) else {
            return Err(self.unclosed_or(open, self.unexpected("\"]\" or \")\"")));
        };
        self.pos += 1;
        if low.is_none() && high.is_none() {
            return Err(FilterError::EmptyRange {
                range: self.expr[open.offset..close.offset + 1].to_owned(),
                reason: "give at least one end".to_owned(),
                offset: open.offset,
                column: column(self.expr, open.offset),
                input: self.expr.to_owned(),
            });
        }
        let range = NumberRange {
            low: low.map(|value| RangeBound { value, inclusive: open.text == "[" }),
            high: high.map(|value| RangeBound { value, inclusive: close.text == "]" }),
        };
        self.checked(open.offset, range)
    }

    /// When an interval runs into the end of the expression or the next list
    /// item, the real mistake is the missing bracket, so say that.
    fn unclosed_or(&self, open: Token<'a>, error: FilterError) -> FilterError {
        match self.peek_kind() {
            None | Some(Kind::Comma | Kind::Or) if self.pos > 0 => FilterError::UnclosedInterval {
                interval: self.expr[open.offset..self.end_of_previous()].to_owned(),
                offset: open.offset,
                column: column(self.expr, open.offset),
                input: self.expr.to_owned(),
            },
            _ => error,
        }
    }

    fn end_of_previous(&self) -> usize {
        self.tokens.get(self.pos.wrapping_sub(1)).map_or(0, |t| t.offset + t.text.len())
    }

    /// Rejects a range no number can be in (`[10,5]`, `(5,5)`): it is almost
    /// certainly a typo, and silently matching nothing would hide it.
    fn checked(&self, start: usize, range: NumberRange) -> Result<NumberTerm, FilterError> {
        if let (Some(low), Some(high)) = (&range.low, &range.high) {
            let empty = low.value.value > high.value.value
                || (low.value.value == high.value.value && !(low.inclusive && high.inclusive));
            if empty {
                return Err(FilterError::EmptyRange {
                    range: self.expr[start..self.end_of_previous()].to_owned(),
                    reason: format!("no number is both above {} and below {}", low.value.text, high.value.text),
                    offset: start,
                    column: column(self.expr, start),
                    input: self.expr.to_owned(),
                });
            }
        }
        Ok(NumberTerm::Range(range))
    }
}
