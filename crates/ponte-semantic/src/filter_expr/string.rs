//! String filters: `FOO`, `FOO,BAR`, `%FOO%`, `FOO%`, `%FOO`, `F%O_D`, `-FOO`,
//! `NULL`, `-NULL`, `EMPTY`, `-EMPTY`, and lists of them.

use super::FilterError;

/// A parsed string filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringFilter {
    /// No filter: the empty expression ("is any value").
    Any,
    /// A row passes when it matches at least one of `any_of` (or `any_of` is
    /// empty) and none of `none_of`.
    ///
    /// This is Looker's rule for lists: `FOO%,-FOOD` is "starts with FOO but is
    /// not FOOD"; positive items are OR-ed, negated (`-`) items are AND-ed. The
    /// SQL compiler should let NULL pass a negated pattern other than `NULL`
    /// and `EMPTY` (Looker's `-FOO` is "any value except FOO"), e.g.
    /// `(x <> ? OR x IS NULL)`.
    Match {
        /// Patterns of which at least one must match.
        any_of: Vec<StringPattern>,
        /// Patterns of which none may match (written with a leading `-`).
        none_of: Vec<StringPattern>,
    },
}

/// One item of a string filter, escapes already removed.
///
/// The common LIKE shapes get their own variants so the compiler can choose
/// cheaper SQL (`=`, `STARTS_WITH`, …); the strings in them are literal text,
/// with no wildcards left in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringPattern {
    /// Exactly this value (`FOO`).
    Equals(String),
    /// Contains this text (`%FOO%`).
    Contains(String),
    /// Starts with this text (`FOO%`).
    StartsWith(String),
    /// Ends with this text (`%FOO`).
    EndsWith(String),
    /// Any other pattern with `%` or `_` wildcards (`F%OD`, `_UF`, `%`).
    Like(Vec<LikeToken>),
    /// The value is NULL (`NULL`, any case).
    Null,
    /// The value is NULL or the empty string (`EMPTY`, any case).
    Empty,
}

/// A piece of a [`StringPattern::Like`] pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LikeToken {
    /// Literal text; `%` and `_` in it are plain characters.
    Literal(String),
    /// `%`: any run of characters, possibly empty.
    AnyChars,
    /// `_`: exactly one character.
    OneChar,
}

impl StringPattern {
    /// The SQL `LIKE` pattern for the pattern variants (`Contains`,
    /// `StartsWith`, `EndsWith`, `Like`), with literal `%`, `_` and the escape
    /// character itself escaped by `escape`; `None` for the others. The result
    /// is meant to be bound as a parameter with `LIKE ? ESCAPE '<escape>'`.
    pub fn like_pattern(&self, escape: char) -> Option<String> {
        let tokens = match self {
            StringPattern::Contains(text) => {
                vec![LikeToken::AnyChars, LikeToken::Literal(text.clone()), LikeToken::AnyChars]
            }
            StringPattern::StartsWith(text) => vec![LikeToken::Literal(text.clone()), LikeToken::AnyChars],
            StringPattern::EndsWith(text) => vec![LikeToken::AnyChars, LikeToken::Literal(text.clone())],
            StringPattern::Like(tokens) => tokens.clone(),
            StringPattern::Equals(_) | StringPattern::Null | StringPattern::Empty => return None,
        };
        let mut out = String::new();
        for token in &tokens {
            match token {
                LikeToken::AnyChars => out.push('%'),
                LikeToken::OneChar => out.push('_'),
                LikeToken::Literal(text) => {
                    for c in text.chars() {
                        if c == '%' || c == '_' || c == escape {
                            out.push(escape);
                        }
                        out.push(c);
                    }
                }
            }
        }
        Some(out)
    }
}

/// Parses a string filter.
///
/// Items are separated by commas. Escapes: `^` makes the next character
/// literal (`^%`, `^_`, `^,`, `^-`, `^^`, `^ `), as Looker documents; `\,`,
/// `\%` and `\_` do the same for those three (Looker's UI writes commas as
/// `\,`); any other backslash is literal. A leading `-` negates the item.
/// Unescaped blanks around an item are dropped so `foo, bar` means `foo` or
/// `bar`; escape a blank (`^ `) to keep it. `NULL` and `EMPTY` are keywords in
/// any case unless some character of them is escaped (`^NULL` is the text).
pub fn parse_string(expr: &str) -> Result<StringFilter, FilterError> {
    if expr.trim().is_empty() {
        return Ok(StringFilter::Any);
    }
    let mut any_of = Vec::new();
    let mut none_of = Vec::new();
    for item in lex_items(expr)? {
        let (negated, pattern) = classify(expr, item)?;
        if negated { none_of.push(pattern) } else { any_of.push(pattern) }
    }
    Ok(StringFilter::Match { any_of, none_of })
}

/// A character of an item as lexed: literal (remembering whether it was
/// escaped, since only unescaped blanks are trimmed and only unescaped text is
/// a keyword or a negation) or a wildcard.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Lit { c: char, escaped: bool },
    Any,
    One,
}

struct Item {
    tokens: Vec<Tok>,
    /// Byte offset just past the item (its comma, or the end).
    end: usize,
}

fn lex_items(expr: &str) -> Result<Vec<Item>, FilterError> {
    let mut items = Vec::new();
    let mut tokens = Vec::new();
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ',' => {
                items.push(Item { tokens: std::mem::take(&mut tokens), end: i });
            }
            '^' => match chars.next() {
                Some((_, next)) => tokens.push(Tok::Lit { c: next, escaped: true }),
                None => {
                    return Err(FilterError::unexpected(expr, i + 1, "a character after the escape \"^\"", None));
                }
            },
            '\\' => match chars.peek() {
                Some(&(_, next @ (',' | '%' | '_'))) => {
                    chars.next();
                    tokens.push(Tok::Lit { c: next, escaped: true });
                }
                _ => tokens.push(Tok::Lit { c, escaped: false }),
            },
            '%' => tokens.push(Tok::Any),
            '_' => tokens.push(Tok::One),
            _ => tokens.push(Tok::Lit { c, escaped: false }),
        }
    }
    items.push(Item { tokens, end: expr.len() });
    Ok(items)
}

fn is_blank(tok: &Tok) -> bool {
    matches!(tok, Tok::Lit { c, escaped: false } if c.is_whitespace())
}

fn classify(expr: &str, item: Item) -> Result<(bool, StringPattern), FilterError> {
    let mut tokens = item.tokens.as_slice();
    while let [first, rest @ ..] = tokens
        && is_blank(first)
    {
        tokens = rest;
    }
    while let [rest @ .., last] = tokens
        && is_blank(last)
    {
        tokens = rest;
    }
    let found = expr.get(item.end..).and_then(|rest| rest.chars().next()).map(String::from);
    if tokens.is_empty() {
        return Err(FilterError::unexpected(expr, item.end, "a value", found.as_deref()));
    }
    let negated = tokens[0] == Tok::Lit { c: '-', escaped: false };
    if negated {
        tokens = &tokens[1..];
        if tokens.is_empty() {
            return Err(FilterError::unexpected(expr, item.end, "a value after \"-\"", found.as_deref()));
        }
    }
    Ok((negated, pattern_of(tokens)))
}

fn pattern_of(tokens: &[Tok]) -> StringPattern {
    let unescaped: Option<String> = tokens
        .iter()
        .map(|t| match t {
            Tok::Lit { c, escaped: false } => Some(*c),
            _ => None,
        })
        .collect();
    if let Some(word) = unescaped {
        if word.eq_ignore_ascii_case("null") {
            return StringPattern::Null;
        }
        if word.eq_ignore_ascii_case("empty") {
            return StringPattern::Empty;
        }
    }
    let mut like = Vec::new();
    for tok in tokens {
        match tok {
            Tok::Lit { c, .. } => match like.last_mut() {
                Some(LikeToken::Literal(text)) => text.push(*c),
                _ => like.push(LikeToken::Literal(c.to_string())),
            },
            Tok::Any => like.push(LikeToken::AnyChars),
            Tok::One => like.push(LikeToken::OneChar),
        }
    }
    match like.as_slice() {
        [LikeToken::Literal(text)] => StringPattern::Equals(text.clone()),
        [LikeToken::AnyChars, LikeToken::Literal(text), LikeToken::AnyChars] => StringPattern::Contains(text.clone()),
        [LikeToken::Literal(text), LikeToken::AnyChars] => StringPattern::StartsWith(text.clone()),
        [LikeToken::AnyChars, LikeToken::Literal(text)] => StringPattern::EndsWith(text.clone()),
        _ => StringPattern::Like(like),
    }
}
