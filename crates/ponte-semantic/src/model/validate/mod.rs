//! Raw model file → typed [`Model`], collecting every problem on the way.
//!
//! Each stage builds what it can and reports the rest, so one run lists
//! every problem: a view with one broken field still exists (without that
//! field), so references to its other fields are still checked. The result
//! is only handed out when no problem was found.

mod dashboards;
mod explores;
mod expr_refs;
mod queries;
mod views;
mod vis;

use std::collections::BTreeMap;
use std::ops::Range;

use ponte_config::{Diagnostic, Position};

use super::field::ResolvedField;
use super::filter::FieldFilter;
use super::raw::{Pairs, RawModelFile, S};
use super::{Explore, Model, SqlName, TimeframeWords};
use ponte_config::SourceText;
use ponte_config::toml_file::Misspellings;

/// Collects diagnostics against one model text.
pub(crate) struct Checker<'a> {
    src: SourceText<'a>,
    pub diagnostics: Vec<Diagnostic>,
    /// Misspelt keys: the required key one stands for is not reported missing.
    misspelt: Misspellings,
}

impl<'a> Checker<'a> {
    pub fn new(src: SourceText<'a>, misspelt: Misspellings) -> Self {
        Checker { src, diagnostics: Vec::new(), misspelt }
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics.push(self.src.diagnostic(Some(span), message));
    }

    /// Reports a problem at a place kept from parsing (a [`Position`]
    /// rather than a span: checks that run after the raw text is gone).
    pub fn error_at(&mut self, position: Position, message: impl Into<String>) {
        let mut diagnostic = self.src.diagnostic(None, message);
        diagnostic.position = Some(position);
        self.diagnostics.push(diagnostic);
    }

    pub fn position(&self, span: &Range<usize>) -> Position {
        self.src.position(span.start)
    }

    /// A key that must be present; reports it missing at its table (unless
    /// it is there, misspelt, and already reported).
    pub fn required<'v, T>(
        &mut self,
        value: &'v Option<S<T>>,
        key: &str,
        owner: &str,
        owner_span: &Range<usize>,
    ) -> Option<&'v S<T>> {
        if value.is_none() && !self.misspelt.explains_missing(key, owner_span) {
            self.error(owner_span.clone(), format!("{owner} is missing `{key}`"));
        }
        value.as_ref()
    }

    /// A name of the model's own (view, field, explore): an identifier.
    pub fn name(&mut self, value: &S<String>, what: &str) -> Option<String> {
        if is_identifier(value.get_ref()) {
            Some(value.get_ref().clone())
        } else {
            self.error(
                value.span(),
                format!(
                    "{what} `{}` is not a valid name: use letters, digits and underscores, not starting with a digit",
                    value.get_ref()
                ),
            );
            None
        }
    }

    /// A warehouse table or column name. Free SQL is refused on purpose: the
    /// compiler builds SQL from names it quotes itself.
    pub fn sql_name(&mut self, value: &S<String>, what: &str) -> Option<SqlName> {
        let text = value.get_ref().trim();
        if is_identifier(text) {
            return Some(SqlName { name: text.to_owned(), position: self.position(&value.span()) });
        }
        let mut message = format!(
            "{what} must be a bare column or table name (letters, digits, underscores), found \"{}\", so that no \
             model text reaches a query unchecked",
            value.get_ref()
        );
        if let Some(column) = text.strip_prefix("${TABLE}.").filter(|c| is_identifier(c)) {
            message.push_str(&format!("; write `{column}`"));
        }
        self.error(value.span(), message);
        None
    }

    /// One of a fixed set of words ([`ponte_config::suggest::choice`]).
    pub fn choice<T: Copy>(&mut self, value: &S<String>, key: &str, options: &[(&str, T)]) -> Option<T> {
        ponte_config::suggest::choice(value.get_ref(), key, options)
            .map_err(|message| self.error(value.span(), message))
            .ok()
    }

    /// Reports a name seen before in the same scope.
    pub fn unique(
        &mut self,
        seen: &mut BTreeMap<String, Position>,
        name: &str,
        span: Range<usize>,
        what: &str,
    ) -> bool {
        let here = self.position(&span);
        if let Some(first) = seen.get(name) {
            self.error(span, format!("duplicate {what} `{name}` (first defined at line {})", first.line));
            false
        } else {
            seen.insert(name.to_owned(), here);
            true
        }
    }

    /// `view.field` in an explore, or a diagnostic naming the closest field.
    pub fn resolve<'e>(&mut self, explore: &'e Explore, name: &S<String>, context: &str) -> Option<ResolvedField<'e>> {
        if let Some(field) = explore.resolve_field(name.get_ref()) {
            return Some(field);
        }
        let all: Vec<String> =
            explore.views().flat_map(|v| v.field_names().into_iter().map(move |f| format!("{}.{f}", v.name))).collect();
        let mut message = if name.get_ref().contains('.') {
            format!("{context}: unknown field `{}` in explore `{}`", name.get_ref(), explore.name)
        } else {
            format!("{context}: field `{}` must be written `view.field`", name.get_ref())
        };
        if let Some(best) = closest(name.get_ref(), all.iter().map(String::as_str)) {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        self.error(name.span(), message);
        None
    }

    /// A field filter: the field resolves in the explore and the expression
    /// parses with that field's grammar.
    pub fn field_filter(
        &mut self,
        explore: &Explore,
        field: &S<String>,
        expr: &S<String>,
        context: &str,
    ) -> Option<FieldFilter> {
        let resolved = self.resolve(explore, field, context)?;
        self.expression(resolved, field.get_ref(), expr, context)
    }

    /// Parses `expr` with the grammar of an already resolved field.
    pub fn expression(
        &mut self,
        resolved: ResolvedField<'_>,
        field: &str,
        expr: &S<String>,
        context: &str,
    ) -> Option<FieldFilter> {
        match resolved.filter_type().parse(expr.get_ref()) {
            Ok(filter) => Some(FieldFilter { field: field.to_owned(), expression: expr.get_ref().clone(), filter }),
            Err(e) => {
                self.error(expr.span(), format!("{context}: bad filter expression for `{field}`: {e}"));
                None
            }
        }
    }

    /// The entries of a `{ key = "value" }` table with each key spanned:
    /// a key sits just before its value (`key = "value"`), so it is the last
    /// occurrence of its text before the value; when it cannot be found
    /// (escapes in a quoted key), the value's place stands in.
    pub fn pairs<'p>(&self, pairs: Option<&'p Pairs>) -> Vec<(S<String>, &'p S<String>)> {
        let Some(pairs) = pairs else { return Vec::new() };
        pairs
            .0
            .iter()
            .map(|(key, value)| {
                let before = self.src.text.get(..value.span().start).unwrap_or("");
                let span = match before.rfind(key.as_str()) {
                    Some(start) if !key.is_empty() => {
                        let quoted = before[..start].ends_with(['"', '\'']);
                        let start = if quoted { start - 1 } else { start };
                        start..start + key.len()
                    }
                    _ => value.span(),
                };
                (S::new(span, key.clone()), value)
            })
            .collect()
    }

    /// The span of a byte offset inside a string value, when the value is
    /// written as a plain quoted string (escapes would shift offsets; then
    /// the start of the value is the best we can say).
    pub fn inner_span(&self, value: &S<String>, offset: usize) -> Range<usize> {
        let span = value.span();
        let written = self.src.text.get(span.clone()).unwrap_or("");
        let plain =
            written.len() == value.get_ref().len() + 2 && written.get(1..written.len() - 1) == Some(value.get_ref());
        if plain { span.start + 1 + offset..span.end } else { span }
    }
}

/// Letters, digits and underscores, not starting with a digit.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) use ponte_config::suggest::closest;

/// Builds the model: header, then views, then explores over the views, then
/// looks and dashboards over the explores.
pub(crate) fn validate(raw: &RawModelFile, checker: &mut Checker<'_>) -> Option<Model> {
    let header = match &raw.model {
        Some(h) => Some(h),
        None => {
            checker.error(0..0, "missing the `[model]` table (with at least `name = \"...\"`)");
            None
        }
    };
    let mut name = None;
    let mut label = None;
    let mut locale = "pt-BR".to_owned();
    let mut time_zone = chrono_tz::Tz::UTC;
    if let Some(h) = header {
        let span = h.span();
        let h = h.get_ref();
        name = checker.required(&h.name, "name", "[model]", &span).and_then(|n| checker.name(n, "model name"));
        label = h.label.as_ref().map(|l| l.get_ref().clone());
        if let Some(l) = &h.locale {
            let ok = !l.get_ref().is_empty() && l.get_ref().chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if ok {
                locale = l.get_ref().clone();
            } else {
                checker.error(l.span(), format!("locale `{}` is not a language tag such as `pt-BR`", l.get_ref()));
            }
        }
        if let Some(tz) = &h.time_zone {
            match tz.get_ref().parse::<chrono_tz::Tz>() {
                Ok(tz) => time_zone = tz,
                Err(_) => checker.error(
                    tz.span(),
                    format!("unknown time zone `{}`; expected an IANA name such as `America/Sao_Paulo`", tz.get_ref()),
                ),
            }
        }
    }
    let views = views::validate_views(&raw.views, TimeframeWords::for_locale(&locale), checker);
    let explores = explores::validate_explores(&raw.explores, &views, checker);
    expr_refs::check_references(&views, &explores, checker);
    let looks = queries::validate_looks(&raw.looks, &explores, checker);
    let themes = super::theme::validate_themes(&raw.themes, checker);
    let dashboards = dashboards::validate_dashboards(&raw.dashboards, &explores, &themes, checker);
    let name = name?;
    Some(Model {
        label: label.unwrap_or_else(|| name.clone()),
        name,
        locale,
        time_zone,
        file: checker.src.path.to_path_buf(),
        views,
        explores,
        looks,
        dashboards,
        themes,
    })
}
