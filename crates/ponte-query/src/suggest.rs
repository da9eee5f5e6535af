//! Filter suggestions, as Looker's `model_fieldname_suggestions` gives
//! them: a field's distinct values, narrowed by what the user has typed.
//! They are an ordinary query compiled for the caller, so the explore's
//! access filters apply: a customer is never offered another customer's
//! values.

use std::collections::BTreeMap;

use ponte_semantic::compile::{Caller, QueryError, QueryRequest};
use ponte_semantic::limit::Limit;
use ponte_warehouse::QueryOptions;

use crate::{RunError, SemanticLayer};

/// Values offered at most (Looker offers a short list and searches as
/// the user types, rather than listing everything).
pub const MAX_SUGGESTIONS: usize = 100;
/// The longest search term taken; a longer one is refused.
pub const MAX_TERM_CHARS: usize = 200;

/// A field's suggested values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestions {
    /// Distinct values, in order, at most [`MAX_SUGGESTIONS`].
    pub values: Vec<String>,
    /// Whether there were more than were given.
    pub hit_limit: bool,
    /// Whether the warehouse answered from its result cache.
    pub from_cache: bool,
}

impl SemanticLayer {
    /// The values of `field` (a dimension, `view.field`) in `explore` of
    /// `model` that contain `term` (every value when it is empty), within
    /// `filters` (field → Looker filter expression), as `caller` may see
    /// them.
    pub async fn suggestions(
        &self,
        model: &str,
        explore: &str,
        field: &str,
        term: &str,
        filters: &BTreeMap<String, String>,
        caller: &Caller,
    ) -> Result<Suggestions, RunError> {
        if term.chars().count() > MAX_TERM_CHARS {
            return Err(
                QueryError::Unsupported { feature: format!("a search term over {MAX_TERM_CHARS} characters") }.into()
            );
        }
        let m = self.model(model)?;
        let e = m.explore(explore).ok_or_else(|| QueryError::UnknownExplore {
            model: model.to_owned(),
            explore: explore.to_owned(),
            suggestion: None,
        })?;
        if e.resolve_field(field).is_some_and(|f| f.is_measure()) {
            return Err(QueryError::Unsupported { feature: format!("suggestions for measure `{field}`") }.into());
        }
        let mut request = QueryRequest {
            model: model.to_owned(),
            view: explore.to_owned(),
            fields: vec![field.to_owned()],
            sorts: vec![field.to_owned()],
            filters: filters.clone(),
            limit: Limit::parse_optional(&(MAX_SUGGESTIONS + 1).to_string()).expect("a valid limit"),
            ..QueryRequest::default()
        };
        let term = term.trim();
        if !term.is_empty() {
            request.filters.insert(field.to_owned(), contains(term));
        }
        let (compiled, result) = self.execute(&request, caller, QueryOptions::default()).await?;
        let mut values: Vec<String> = crate::render::json_rows(&compiled, &result.batches)
            .iter()
            .filter_map(|row| match row.get(field)? {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            })
            .collect();
        let hit_limit = values.len() > MAX_SUGGESTIONS;
        values.truncate(MAX_SUGGESTIONS);
        Ok(Suggestions { values, hit_limit, from_cache: result.cache_hit })
    }
}

/// Looker's string filter for "contains `term`": `%term%`, with every
/// character the filter grammar reads (`%`, `_`, `,`, `^`, `"`, and a
/// leading `-`) escaped by `^`, so a typed term is text, never a pattern,
/// a list or a negation.
pub fn contains(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 4);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | ',' | '^' | '"' | '-' | '\\' | ' ') {
            out.push('^');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn a_term_is_text_not_a_pattern() {
        assert_eq!(contains("Campinas"), "%Campinas%");
        assert_eq!(contains("50%_off"), "%50^%^_off%");
        assert_eq!(contains("a,b"), "%a^,b%");
        assert_eq!(contains("-x"), "%^-x%");
        assert_eq!(contains("NULL"), "%NULL%");
        assert_eq!(contains("São Paulo"), "%São^ Paulo%");
    }
}
