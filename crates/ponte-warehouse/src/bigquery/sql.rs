//! SQL text for jobs.query: `$n` placeholders become BigQuery's named
//! parameters (`@p1`), and anything but one SELECT is refused before it
//! leaves ponte.

use serde_json::{Value, json};

use crate::{QueryParam, WarehouseError};

/// Rewrites `$1`, `$2`, … outside string literals, quoted identifiers and
/// comments into `@p1`, `@p2`, …, and checks that the text is one query
/// (SELECT or WITH, no second statement). Returns the new text and the
/// highest placeholder number used.
pub(crate) fn rewrite(sql: &str) -> Result<(String, usize), WarehouseError> {
    let refuse = |why: &str| Err(WarehouseError::Query(format!("{why}; only one SELECT (or WITH … SELECT) runs")));
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut first_word = String::new();
    let mut highest = 0;
    let mut ended = false;
    // Whether anything but blanks, `(` and comments came yet.
    let mut code_started = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if ended && !c.is_whitespace() && c != ';' {
            return refuse("more than one statement");
        }
        match c {
            '\'' | '"' | '`' => {
                // A literal or quoted name, with backslash escapes; triple
                // quotes end only at three quotes.
                let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
                let start = i;
                code_started = true;
                i += if triple { 3 } else { 1 };
                loop {
                    match chars.get(i) {
                        None => return Err(WarehouseError::Query("a quoted string never ends".into())),
                        Some('\\') => i += 2,
                        Some(&q)
                            if q == c
                                && (!triple || (chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c))) =>
                        {
                            i += if triple { 3 } else { 1 };
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.extend(&chars[start..i.min(chars.len())]);
                continue;
            }
            '-' if next == Some('-') => {
                let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p);
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '#' => {
                let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p);
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '/' if next == Some('*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map(|j| j + 2)
                    .ok_or_else(|| WarehouseError::Query("a /* comment never ends".into()))?;
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '$' if next.is_some_and(|d| d.is_ascii_digit()) => {
                let end = (i + 1..chars.len()).find(|&j| !chars[j].is_ascii_digit()).unwrap_or(chars.len());
                let n: usize = chars[i + 1..end].iter().collect::<String>().parse().unwrap_or(0);
                if n == 0 {
                    return Err(WarehouseError::Query("placeholders are numbered from $1".into()));
                }
                highest = highest.max(n);
                out.push_str(&format!("@p{n}"));
                i = end;
                continue;
            }
            ';' => ended = true,
            c if c.is_ascii_alphabetic() && !code_started => {
                code_started = true;
                let end = (i..chars.len()).find(|&j| !chars[j].is_ascii_alphanumeric()).unwrap_or(chars.len());
                first_word = chars[i..end].iter().collect::<String>().to_ascii_uppercase();
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            c if !c.is_whitespace() && c != '(' => code_started = true,
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    if !matches!(first_word.as_str(), "SELECT" | "WITH") {
        return refuse(&format!("`{}` is not a query", if first_word.is_empty() { "(empty)" } else { &first_word }));
    }
    Ok((out.trim_end().trim_end_matches(';').to_owned(), highest))
}

/// `queryParameters` for the values, named `p1`, `p2`, ….
pub(crate) fn parameters(params: &[QueryParam]) -> Value {
    let typed = |t: &str, v: Option<String>| match v {
        Some(v) => (json!({ "type": t }), json!({ "value": v })),
        None => (json!({ "type": t }), json!({})),
    };
    Value::Array(
        params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (parameter_type, parameter_value) = match p {
                    // An untyped NULL: BigQuery needs a type, and STRING
                    // compares with nothing else silently.
                    QueryParam::Null => typed("STRING", None),
                    QueryParam::Bool(b) => typed("BOOL", Some(b.to_string())),
                    QueryParam::Int(n) => typed("INT64", Some(n.to_string())),
                    QueryParam::Float(f) => typed("FLOAT64", Some(f.to_string())),
                    QueryParam::String(s) => typed("STRING", Some(s.clone())),
                    QueryParam::Date(d) => typed("DATE", Some(d.format("%Y-%m-%d").to_string())),
                    QueryParam::Timestamp(t) => typed("TIMESTAMP", Some(t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string())),
                };
                json!({ "name": format!("p{}", i + 1), "parameterType": parameter_type, "parameterValue": parameter_value })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_named_parameters_outside_strings_and_comments() {
        let (sql, n) = rewrite("SELECT '$1', `a$2`, $1 -- $3\n FROM t WHERE x = $2 /* $4 */").unwrap();
        assert_eq!(sql, "SELECT '$1', `a$2`, @p1 -- $3\n FROM t WHERE x = @p2 /* $4 */");
        assert_eq!(n, 2);
        let (sql, _) = rewrite("with a as (select 1) select * from a;").unwrap();
        assert_eq!(sql, "with a as (select 1) select * from a");
        assert_eq!(rewrite("(SELECT 1)").unwrap().0, "(SELECT 1)");
        assert_eq!(rewrite("SELECT 'it\\'s $1'").unwrap().1, 0);
    }

    #[test]
    fn anything_but_one_query_is_refused() {
        for sql in [
            "DELETE FROM t WHERE true",
            "SELECT 1; DROP TABLE t",
            "  -- comment\n INSERT INTO t VALUES (1)",
            "",
            "SELECT '",
            "CREATE TABLE x AS SELECT 1",
            "SELECT $0",
        ] {
            assert!(rewrite(sql).is_err(), "{sql:?} was let through");
        }
        assert!(rewrite("-- a comment\nSELECT 1").is_ok());
        assert!(rewrite("SELECT ';'").is_ok());
    }
}
