//! Looker's `?fields=` on GET routes: the response keeps only the fields
//! asked for, as `id,title,dashboard_elements(id,title)` names them
//! (nested lists in parentheses apply to the objects inside a field,
//! element by element when it is an array). SDK code asks for a few fields
//! of large objects this way; a name the object lacks is left out, as
//! Looker does.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The largest JSON response trimmed; the API's objects are far smaller.
const MAX_TRIMMED_BYTES: usize = 16 * 1024 * 1024;
/// The longest `fields` value read.
const MAX_FIELDS_LEN: usize = 8 * 1024;
/// How deeply `fields` may nest.
const MAX_DEPTH: usize = 8;

/// A parsed `fields` value: each field, with the fields wanted inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSelection(Vec<(String, Option<FieldSelection>)>);

impl FieldSelection {
    /// Parses `id,title,dashboard_elements(id,title)`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_FIELDS_LEN {
            return Err(format!("`fields` is longer than {MAX_FIELDS_LEN} bytes"));
        }
        let mut chars = text.char_indices().peekable();
        let selection = parse_list(&mut chars, 0)?;
        match chars.next() {
            None => Ok(selection),
            Some((at, c)) => Err(format!("`fields`: unexpected `{c}` at column {}", at + 1)),
        }
    }

    /// `value` with only the selected fields.
    pub(crate) fn apply(&self, value: Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            Value::Object(mut object) => {
                let mut kept = Map::new();
                for (name, inner) in &self.0 {
                    if let Some(v) = object.remove(name) {
                        let v = match inner {
                            Some(selection) => selection.apply(v),
                            None => v,
                        };
                        kept.insert(name.clone(), v);
                    }
                }
                Value::Object(kept)
            }
            other => other,
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn parse_list(chars: &mut Chars<'_>, depth: usize) -> Result<FieldSelection, String> {
    if depth > MAX_DEPTH {
        return Err(format!("`fields` nests deeper than {MAX_DEPTH} levels"));
    }
    let mut fields = Vec::new();
    loop {
        let mut name = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == ',' || c == '(' || c == ')' {
                break;
            }
            name.push(c);
            chars.next();
        }
        let name = name.trim().to_owned();
        let inner = if chars.peek().map(|&(_, c)| c) == Some('(') {
            let (open, _) = chars.next().expect("peeked");
            let inner = parse_list(chars, depth + 1)?;
            match chars.next() {
                Some((_, ')')) => Some(inner),
                _ => return Err(format!("`fields`: the `(` at column {} is never closed", open + 1)),
            }
        } else {
            None
        };
        if !name.is_empty() {
            fields.push((name, inner));
        }
        match chars.peek().map(|&(_, c)| c) {
            Some(',') => {
                chars.next();
            }
            _ => return Ok(FieldSelection(fields)),
        }
    }
}

/// Trims a GET's JSON response to its `?fields=`. Run endpoints (whose
/// bodies are results, and where Looker's url-encoded queries use
/// `fields` for the query's own fields) are left alone.
pub async fn trim_fields(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let applies = request.method() == Method::GET
        && path.starts_with("/api/4.0/")
        && !path.contains("/run/")
        && !path.ends_with("/results");
    let wanted = applies
        .then(|| request.uri().query())
        .flatten()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "fields").map(|(_, v)| v))
        .filter(|v| !v.trim().is_empty());
    let Some(wanted) = wanted else { return next.run(request).await };
    let selection = match FieldSelection::parse(&wanted) {
        Ok(s) => s,
        Err(e) => return ApiError::bad_request(e).into_response(),
    };
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || !crate::json_body::is_json(&response) {
        return response;
    }
    crate::json_body::map_json(response, MAX_TRIMMED_BYTES, |value| selection.apply(value))
        .await
        .unwrap_or_else(|_| ApiError::unavailable("the response was too large to trim to `fields`").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn top_level_and_nested_fields_are_kept_and_the_rest_dropped() {
        let s = FieldSelection::parse("id, title,dashboard_elements(id,query(model))").unwrap();
        let value = json!({
            "id": "1", "title": "T", "description": "d",
            "dashboard_elements": [{"id": "e1", "title": "x", "query": {"model": "m", "view": "v"}}],
        });
        assert_eq!(
            s.apply(value),
            json!({"id": "1", "title": "T", "dashboard_elements": [{"id": "e1", "query": {"model": "m"}}]})
        );
        assert_eq!(s.apply(json!([{"id": 1, "x": 2}])), json!([{"id": 1}]));
    }

    #[test]
    fn malformed_selections_are_refused_with_a_reason() {
        assert!(FieldSelection::parse("a(b").unwrap_err().contains("never closed"));
        assert!(FieldSelection::parse("a)b").unwrap_err().contains("unexpected `)`"));
        assert!(FieldSelection::parse(&"a(".repeat(20)).unwrap_err().contains("deeper"));
        assert!(FieldSelection::parse(&"a".repeat(10_000)).unwrap_err().contains("longer"));
    }
}
