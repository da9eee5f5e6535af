//! LookML's grammar on winnow, written to accept what Looker's reference
//! parser (`lkml`) accepts and refuse what it refuses:
//!
//! ```text
//! document   ← trivia (pair trivia)* EOF
//! pair       ← key ":" (trivia ":")* trivia value            (several colons are tolerated, as lkml does)
//!            / sql_key ":" [^;;]* ";;"                      (sql, sql_on, html, expression, …: see SQL_KEYS)
//! value      ← "{" block_body "}"                           anonymous block (link: { … })
//!            / word trivia "{" block_body "}"              named block   (dimension: id { … })
//!            / "[" list "]" / quoted / word
//! list       ← ","? (pair ("," pair)* / scalar ("," scalar)*) ","?   or nothing
//! word       ← [^ \t\r\n:{}\[\],#;"] [^ \t\r\n:{},\]]*
//! quoted     ← '"' ([^"\\] / "\\" any)* '"'
//! trivia     ← ([ \t\r\n] / "#" [^\n]*)*
//! ```
//!
//! Whether a key opens a SQL block is decided by the key alone, as in lkml:
//! the block runs to the first `;;` whatever it holds (quotes, `#`,
//! braces), which is how Liquid and SQL comments survive inside it.
//!
//! Every block level recurses once; the depth is counted and refused past
//! the limit, so hostile input cannot overflow the stack.

use winnow::Parser;
use winnow::error::EmptyError;
use winnow::token::{any, take_till, take_while};

use super::error::Expected;
use crate::tree::{Block, Document, List, Pair, Pos, Scalar, ScalarKind, Value};

/// Keys whose value is a SQL-like block ending in `;;`. The list is
/// lkml's (`EXPR_BLOCK_KEYS`), which is what Looker's IDE accepts: a key
/// merely ending in `sql` (`sql_foo:`) is an ordinary key.
pub const SQL_KEYS: &[&str] = &[
    "expression_custom_filter",
    "expression",
    "html",
    "sql_trigger_value",
    "sql_table_name",
    "sql_distinct_key",
    "sql_start",
    "sql_always_having",
    "sql_always_where",
    "sql_trigger",
    "sql_foreign_key",
    "sql_where",
    "sql_end",
    "sql_create",
    "sql_latitude",
    "sql_longitude",
    "sql_step",
    "sql_on",
    "sql",
    "sql_preamble",
];

/// Why parsing stopped, at a byte offset; turned into a
/// [`super::ParseError`] with line and column by the caller.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fail {
    Syntax { offset: usize, expected: Expected },
    TooDeep { offset: usize },
}

type R<T> = Result<T, Fail>;

/// The parser's context: the whole text (to turn the rest of the input
/// into an offset, and an offset into a line) and the depth limit.
pub(super) struct Cx<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
    max_depth: usize,
}

impl<'t> Cx<'t> {
    pub(super) fn new(text: &'t str, max_depth: usize) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Cx { text, line_starts, max_depth }
    }

    fn offset(&self, rest: &str) -> usize {
        self.text.len() - rest.len()
    }

    /// The line and character column of a byte offset.
    pub(super) fn pos_at(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        Pos { line: line as u32, column: column as u32 }
    }

    fn pos(&self, rest: &str) -> Pos {
        self.pos_at(self.offset(rest))
    }

    fn fail(&self, rest: &str, expected: Expected) -> Fail {
        Fail::Syntax { offset: self.offset(rest), expected }
    }
}

/// Characters that end a word (lkml's literal stops at these; `\r` is
/// whitespace here so that files saved with CRLF line ends parse).
fn ends_word(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | ':' | '{' | '}' | ',' | ']' | '\0')
}

/// Characters that cannot start a word: the ones that end one, and those
/// that start something else (a comment, a string, a list, `;;`).
fn starts_word(c: char) -> bool {
    !ends_word(c) && !matches!(c, '#' | '"' | '[' | ';')
}

fn peek(i: &str) -> Option<char> {
    i.chars().next()
}

fn eat(i: &mut &str, c: char) -> bool {
    if peek(i) == Some(c) {
        *i = &i[c.len_utf8()..];
        true
    } else {
        false
    }
}

/// Skips whitespace and comments; says whether anything was skipped.
fn trivia(i: &mut &str) -> bool {
    let before = i.len();
    loop {
        let _ = take_while::<_, _, EmptyError>(0.., [' ', '\t', '\r', '\n']).parse_next(i);
        if eat(i, '#') {
            let _ = take_till::<_, _, EmptyError>(0.., '\n').parse_next(i);
        } else {
            break;
        }
    }
    i.len() != before
}

fn word<'i>(i: &mut &'i str) -> Option<&'i str> {
    if !peek(i).is_some_and(starts_word) {
        return None;
    }
    take_while::<_, _, EmptyError>(1.., |c: char| !ends_word(c)).parse_next(i).ok()
}

/// The whole document.
pub(super) fn document(cx: &Cx<'_>) -> R<Document> {
    let mut i = cx.text;
    let pairs = pairs_until(cx, &mut i, 0)?;
    match peek(i) {
        None => Ok(Document { pairs }),
        Some(_) => Err(cx.fail(i, Expected::KeyOrEnd)),
    }
}

/// Pairs up to a `}` or the end of the input (which the caller checks).
fn pairs_until(cx: &Cx<'_>, i: &mut &str, depth: usize) -> R<Vec<Pair>> {
    let mut pairs = Vec::new();
    loop {
        trivia(i);
        match peek(i) {
            None | Some('}') => return Ok(pairs),
            Some(_) => pairs.push(pair(cx, i, depth, PairPlace::Container)?),
        }
    }
}

/// Where a pair stands: a list's pairs hold scalars only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PairPlace {
    Container,
    List,
}

fn pair(cx: &Cx<'_>, i: &mut &str, depth: usize, place: PairPlace) -> R<Pair> {
    let pos = cx.pos(i);
    let expected_key = if depth == 0 { Expected::KeyOrEnd } else { Expected::KeyOrBlockEnd };
    let expected_key = if place == PairPlace::List { Expected::ListItem } else { expected_key };
    let key = word(i).ok_or_else(|| cx.fail(i, expected_key))?;
    if SQL_KEYS.contains(&key) && eat(i, ':') {
        let value = sql_block(cx, i)?;
        return Ok(Pair { key: key.to_owned(), pos, value: Value::Scalar(value) });
    }
    trivia(i);
    if !eat(i, ':') {
        return Err(cx.fail(i, Expected::Colon));
    }
    loop {
        trivia(i);
        if !eat(i, ':') {
            break;
        }
    }
    let value = match place {
        PairPlace::Container => value(cx, i, depth)?,
        PairPlace::List => Value::Scalar(scalar(cx, i)?.ok_or_else(|| cx.fail(i, Expected::Value))?),
    };
    Ok(Pair { key: key.to_owned(), pos, value })
}

/// The text up to `;;`, trimmed of surrounding whitespace (lkml trims it
/// too; Looker writes a space before `;;`).
fn sql_block(cx: &Cx<'_>, i: &mut &str) -> R<Scalar> {
    let start = *i;
    let Some(end) = i.find(";;") else {
        return Err(cx.fail(start.trim_start(), Expected::SqlEnd));
    };
    let raw = &i[..end];
    *i = &i[end + 2..];
    let leading = raw.len() - raw.trim_start().len();
    let pos = cx.pos(&start[leading.min(raw.len())..]);
    Ok(Scalar { text: raw.trim().to_owned(), kind: ScalarKind::Sql, pos })
}

fn value(cx: &Cx<'_>, i: &mut &str, depth: usize) -> R<Value> {
    match peek(i) {
        Some('{') => Ok(Value::Block(block(cx, i, None, depth)?)),
        Some('[') => Ok(Value::List(list(cx, i)?)),
        _ => {
            let scalar = scalar(cx, i)?.ok_or_else(|| cx.fail(i, Expected::Value))?;
            if scalar.kind == ScalarKind::Bare {
                let mut ahead = *i;
                trivia(&mut ahead);
                if peek(ahead) == Some('{') {
                    *i = ahead;
                    return Ok(Value::Block(block(cx, i, Some(scalar), depth)?));
                }
            }
            Ok(Value::Scalar(scalar))
        }
    }
}

/// `{ pairs }`, the input at the `{`.
fn block(cx: &Cx<'_>, i: &mut &str, name: Option<Scalar>, depth: usize) -> R<Block> {
    if depth + 1 > cx.max_depth {
        return Err(Fail::TooDeep { offset: cx.offset(i) });
    }
    if !eat(i, '{') {
        return Err(cx.fail(i, Expected::BlockStart));
    }
    let pairs = pairs_until(cx, i, depth + 1)?;
    if !eat(i, '}') {
        return Err(cx.fail(i, Expected::KeyOrBlockEnd));
    }
    Ok(Block { name, pairs })
}

/// A word or a quoted string; `None` when neither starts here.
fn scalar(cx: &Cx<'_>, i: &mut &str) -> R<Option<Scalar>> {
    let pos = cx.pos(i);
    if eat(i, '"') {
        return quoted(cx, i, pos).map(Some);
    }
    let Some(w) = word(i) else { return Ok(None) };
    // lkml joins a lone `-` to the word after it (`value_format_name: - usd`
    // is "-usd"): a quirk of its tokenizer, kept so both read files alike.
    if w == "-" {
        let mut ahead = *i;
        if trivia(&mut ahead) {
            let Some(next) = word(&mut ahead) else { return Err(cx.fail(ahead, Expected::Value)) };
            *i = ahead;
            return Ok(Some(Scalar { text: format!("-{next}"), kind: ScalarKind::Bare, pos }));
        }
    }
    Ok(Some(Scalar { text: w.to_owned(), kind: ScalarKind::Bare, pos }))
}

/// The rest of a quoted string after its opening quote. A backslash keeps
/// itself and the character after it (so `\"` does not close the string).
fn quoted(cx: &Cx<'_>, i: &mut &str, pos: Pos) -> R<Scalar> {
    let start = *i;
    loop {
        let _ = take_till::<_, _, EmptyError>(0.., ['"', '\\']).parse_next(i);
        match any::<_, EmptyError>.parse_next(i) {
            Ok('"') => break,
            Ok(_) => {
                if any::<_, EmptyError>.parse_next(i).is_err() {
                    return Err(cx.fail(i, Expected::ClosingQuote));
                }
            }
            Err(_) => return Err(cx.fail(i, Expected::ClosingQuote)),
        }
    }
    let text = &start[..start.len() - i.len() - 1];
    Ok(Scalar { text: text.to_owned(), kind: ScalarKind::Quoted, pos })
}

/// `[ … ]`, the input at the `[`.
fn list(cx: &Cx<'_>, i: &mut &str) -> R<List> {
    eat(i, '[');
    trivia(i);
    let leading_comma = eat(i, ',');
    trivia(i);
    if !leading_comma && eat(i, ']') {
        return Ok(List::Values(Vec::new()));
    }
    // The first item decides: `word :` starts a list of pairs.
    let mut ahead = *i;
    let pairs_mode = word(&mut ahead).is_some() && {
        trivia(&mut ahead);
        peek(ahead) == Some(':')
    };
    let mut values = Vec::new();
    let mut pairs = Vec::new();
    loop {
        trivia(i);
        if pairs_mode {
            pairs.push(pair(cx, i, 0, PairPlace::List)?);
        } else {
            values.push(scalar(cx, i)?.ok_or_else(|| cx.fail(i, Expected::ListItem))?);
        }
        trivia(i);
        if eat(i, ']') {
            break;
        }
        if !eat(i, ',') {
            return Err(cx.fail(i, Expected::CommaOrListEnd));
        }
        trivia(i);
        if eat(i, ']') {
            break;
        }
    }
    Ok(if pairs_mode { List::Pairs(pairs) } else { List::Values(values) })
}
