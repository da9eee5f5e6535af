//! A small SQL lexer, enough to check that compiled SQL carries request
//! values only as `$n` placeholders.

use std::collections::BTreeSet;

/// The tokens of a SQL text, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Bare words (keywords, function names), upper-cased.
    pub words: BTreeSet<String>,
    /// Quoted identifiers (`"x"` or `` `x` ``), unquoted.
    pub identifiers: BTreeSet<String>,
    /// Single-quoted literals, as written (quotes included).
    pub literals: BTreeSet<String>,
    /// Bare numbers.
    pub numbers: BTreeSet<String>,
    /// Other characters (punctuation, operators).
    pub symbols: BTreeSet<char>,
    /// The `n` of every `$n`, in order of appearance.
    pub placeholders: Vec<usize>,
}

impl Tokens {
    /// Lexes `sql`; panics on an unterminated quote, which compiled SQL
    /// must never contain.
    pub fn of(sql: &str) -> Tokens {
        let mut t = Tokens::default();
        let chars: Vec<char> = sql.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '"' || c == '`' || c == '\'' {
                let (body, next) = quoted(&chars, i, c, sql);
                i = next;
                if c == '\'' {
                    t.literals.insert(format!("'{body}'"));
                } else {
                    t.identifiers.insert(body);
                }
            } else if c == '$' {
                let start = i + 1;
                i = start;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                t.placeholders.push(n.parse().unwrap_or_else(|_| panic!("bare `$` in {sql}")));
            } else if c.is_ascii_digit() {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                t.numbers.insert(chars[start..i].iter().collect());
            } else if c.is_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                t.words.insert(chars[start..i].iter().collect::<String>().to_uppercase());
            } else {
                t.symbols.insert(c);
                i += 1;
            }
        }
        t
    }
}

/// The body of the quoted token opening at `open`, and the index after it.
/// A doubled quote is an escaped one; in backquotes a backslash escapes.
fn quoted(chars: &[char], open: usize, quote: char, sql: &str) -> (String, usize) {
    let mut body = String::new();
    let mut i = open + 1;
    loop {
        let Some(&c) = chars.get(i) else { panic!("unterminated {quote} in {sql}") };
        if quote == '`' && c == '\\' {
            body.push(*chars.get(i + 1).unwrap_or_else(|| panic!("dangling escape in {sql}")));
            i += 2;
        } else if c == quote && quote != '`' && chars.get(i + 1) == Some(&quote) {
            body.push(quote);
            i += 2;
        } else if c == quote {
            return (body, i + 1);
        } else {
            body.push(c);
            i += 1;
        }
    }
}

/// Asserts that `sql`, compiled with a request's filter, differs from the
/// `baseline` compiled without it only by words from `filter_words` and by
/// placeholders: no new identifier, literal, number or symbol, so no text
/// of the filter reached the SQL. Also asserts the placeholders are exactly
/// `$1..=$params` (each bound value used, none missing).
pub fn assert_only_bound(sql: &str, params: usize, baseline: &Tokens, filter_words: &BTreeSet<String>) {
    let t = Tokens::of(sql);
    for w in &t.words {
        assert!(baseline.words.contains(w) || filter_words.contains(w), "word `{w}` from nowhere in SQL: {sql}");
    }
    for id in &t.identifiers {
        assert!(baseline.identifiers.contains(id), "identifier `{id}` from nowhere in SQL: {sql}");
    }
    for lit in &t.literals {
        // `''` (empty string) and the LIKE escape are the filter's own.
        let own = lit == "''" || lit == "'\\'";
        assert!(own || baseline.literals.contains(lit), "literal {lit} from nowhere in SQL: {sql}");
    }
    for n in &t.numbers {
        assert!(baseline.numbers.contains(n), "number {n} from nowhere in SQL: {sql}");
    }
    for s in &t.symbols {
        assert!(baseline.symbols.contains(s) || "()<>=,".contains(*s), "symbol {s:?} from nowhere in SQL: {sql}");
    }
    let used: BTreeSet<usize> = t.placeholders.iter().copied().collect();
    let expected: BTreeSet<usize> = (1..=params).collect();
    assert_eq!(used, expected, "placeholders must be $1..=${params}: {sql}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes() {
        let t = Tokens::of(r#"SELECT "a""b", `c\`d` FROM t WHERE x = $1 AND y LIKE $2 ESCAPE '\' LIMIT 500"#);
        assert_eq!(t.identifiers, ["a\"b".to_owned(), "c`d".to_owned()].into());
        assert_eq!(t.placeholders, [1, 2]);
        assert!(t.literals.contains("'\\'"));
        assert!(t.numbers.contains("500"));
        assert!(t.words.contains("ESCAPE"));
    }
}
