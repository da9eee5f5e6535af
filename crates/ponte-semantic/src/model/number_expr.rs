//! The `sql` of a `type = "number"` measure: arithmetic over other measures
//! of the same view, parsed into a small tree.
//!
//! Only `${measure}` references, numeric literals, `+ - * /`, unary minus and
//! parentheses are accepted. Anything else (`;`, quotes, function calls,
//! column names) is refused, so the compiler renders this tree from its own
//! pieces and no model text reaches SQL.

use std::fmt;

/// A parsed arithmetic expression over measures.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberExpr {
    /// `${name}`: another measure of the same view.
    Measure(String),
    /// A numeric literal.
    Literal(f64),
    /// `-expr`.
    Negate(Box<NumberExpr>),
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<NumberExpr>,
        /// Right operand.
        right: Box<NumberExpr>,
    },
}

impl NumberExpr {
    /// Every measure referenced, in order of appearance (with repeats).
    pub fn measures(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            NumberExpr::Measure(m) => out.push(m),
            NumberExpr::Literal(_) => {}
            NumberExpr::Negate(e) => e.collect(out),
            NumberExpr::Binary { left, right, .. } => {
                left.collect(out);
                right.collect(out);
            }
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/` (the compiler guards against division by zero).
    Divide,
}

/// Why a number expression was refused; `offset` is a byte offset into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberExprError {
    /// Byte offset of the offending text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for NumberExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses a number measure's expression.
pub fn parse_number_expr(text: &str) -> Result<NumberExpr, NumberExprError> {
    let mut parser = Parser { text, pos: 0 };
    let expr = parser.expr(0)?;
    parser.skip_blanks();
    if parser.pos < text.len() {
        return Err(parser.unexpected("an operator (+ - * /) or the end"));
    }
    Ok(expr)
}

/// Deep nesting is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn skip_blanks(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_blanks();
        self.text[self.pos..].chars().next()
    }

    fn unexpected(&self, expected: &str) -> NumberExprError {
        let found = match self.text[self.pos..].chars().next() {
            Some(c) => format!("`{c}`"),
            None => "the end".to_owned(),
        };
        let column = self.text[..self.pos].chars().count() + 1;
        NumberExprError {
            offset: self.pos,
            message: format!(
                "expected {expected}, found {found} at column {column} of \"{}\"; a `number` measure combines only \
                 `${{measure}}` references, numbers, + - * / and parentheses",
                self.text
            ),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<NumberExpr, NumberExprError> {
        let mut left = self.term(depth)?;
        while let Some(c @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            let right = self.term(depth)?;
            let op = if c == '+' { BinaryOp::Add } else { BinaryOp::Subtract };
            left = NumberExpr::Binary { op, left: Box::new(left), right: Box::new(right) };
        }
        Ok(left)
    }

    fn term(&mut self, depth: usize) -> Result<NumberExpr, NumberExprError> {
        let mut left = self.factor(depth)?;
        while let Some(c @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            let right = self.factor(depth)?;
            let op = if c == '*' { BinaryOp::Multiply } else { BinaryOp::Divide };
            left = NumberExpr::Binary { op, left: Box::new(left), right: Box::new(right) };
        }
        Ok(left)
    }

    fn factor(&mut self, depth: usize) -> Result<NumberExpr, NumberExprError> {
        if depth > MAX_DEPTH {
            return Err(self.unexpected("a shallower expression (too many nested parentheses or signs)"));
        }
        match self.peek() {
            Some('-') => {
                self.pos += 1;
                Ok(NumberExpr::Negate(Box::new(self.factor(depth + 1)?)))
            }
            Some('(') => {
                self.pos += 1;
                let inner = self.expr(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err(self.unexpected("`)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some('$') => self.reference(),
            Some(c) if c.is_ascii_digit() || c == '.' => self.literal(),
            _ => Err(self.unexpected("`${measure}`, a number, `-` or `(`")),
        }
    }

    fn reference(&mut self) -> Result<NumberExpr, NumberExprError> {
        let start = self.pos;
        let rest = &self.text[start..];
        let Some(body) = rest.strip_prefix("${") else {
            self.pos += 1;
            return Err(self.unexpected("`{` after `$`"));
        };
        let name_len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
        let name = &body[..name_len];
        self.pos = start + 2;
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.unexpected("a measure name (letters, digits, underscores)"));
        }
        self.pos += name_len;
        if !self.text[self.pos..].starts_with('}') {
            return Err(self.unexpected("`}` closing the measure reference"));
        }
        self.pos += 1;
        Ok(NumberExpr::Measure(name.to_owned()))
    }

    fn literal(&mut self) -> Result<NumberExpr, NumberExprError> {
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        match rest[..len].parse::<f64>() {
            Ok(v) if v.is_finite() => {
                self.pos += len;
                Ok(NumberExpr::Literal(v))
            }
            _ => Err(self.unexpected("a number such as 100 or 0.5")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> Box<NumberExpr> {
        Box::new(NumberExpr::Measure(name.to_owned()))
    }

    #[test]
    fn precedence_and_parentheses() {
        let e = parse_number_expr("${a} + ${b} * 2").unwrap();
        assert_eq!(
            e,
            NumberExpr::Binary {
                op: BinaryOp::Add,
                left: m("a"),
                right: Box::new(NumberExpr::Binary {
                    op: BinaryOp::Multiply,
                    left: m("b"),
                    right: Box::new(NumberExpr::Literal(2.0))
                }),
            }
        );
        let e = parse_number_expr(" ( ${a}-${b} ) / -${c}").unwrap();
        assert_eq!(e.measures(), vec!["a", "b", "c"]);
    }

    #[test]
    fn refuses_anything_but_arithmetic() {
        for (text, offset) in [
            ("1; DROP TABLE x", 1),
            ("${a} + b", 7),
            ("SUM(${a})", 0),
            ("${a} + ", 7),
            ("${a b}", 3),
            ("(${a}", 5),
            ("${a} || 'x'", 5),
            ("1..2", 0),
            ("", 0),
        ] {
            let err = parse_number_expr(text).unwrap_err();
            assert_eq!(err.offset, offset, "{text}: {}", err.message);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "(".repeat(10_000);
        assert!(parse_number_expr(&text).is_err());
    }
}
