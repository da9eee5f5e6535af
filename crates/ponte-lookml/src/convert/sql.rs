//! LookML's SQL snippets → what ponte accepts: a column, an expression its
//! checker parses, arithmetic over measures, equality joins. Each function
//! says why when it cannot convert, and never passes text through that
//! ponte's own parser would refuse.

use ponte_semantic::model::parse_number_expr;
use ponte_semantic::model::sql_expr::{Expr, parse_sql_expr};

use super::reader::has_liquid;
use super::report::Reason;

/// `${view.x}` of the field's own view becomes `${x}`: ponte reads both,
/// but the short form keeps the field inside its view for the checker.
fn own_references(text: &str, own_view: &str) -> String {
    text.replace(&format!("${{{own_view}."), "${")
}

/// A dimension's or aggregate measure's `sql`: a plain column comes back
/// as its name (`${TABLE}.amount` → `amount`), anything else as the text
/// ponte's checker accepted.
pub(crate) fn field_sql(text: &str, own_view: &str) -> Result<String, Reason> {
    if has_liquid(text) {
        return Err(Reason::Liquid);
    }
    let text = own_references(text, own_view);
    let parsed = parse_sql_expr(&text).map_err(Reason::SqlRefused)?;
    Ok(match parsed.expr {
        Expr::Column(column) => column,
        _ => text,
    })
}

/// A dimension group's `sql`, which in ponte names one column.
pub(crate) fn group_column(text: &str, own_view: &str) -> Result<String, Reason> {
    if has_liquid(text) {
        return Err(Reason::Liquid);
    }
    match parse_sql_expr(&own_references(text, own_view)).map_err(Reason::SqlRefused)?.expr {
        Expr::Column(column) => Ok(column),
        _ => Err(Reason::SqlRefused("a dimension group's `sql` must name one column in ponte".into())),
    }
}

/// A `number` measure's `sql`: arithmetic over measures of its own view.
pub(crate) fn number_sql(text: &str, own_view: &str) -> Result<String, Reason> {
    if has_liquid(text) {
        return Err(Reason::Liquid);
    }
    let text = own_references(text, own_view);
    let parsed = parse_number_expr(&text).map_err(|e| Reason::SqlRefused(e.to_string()))?;
    if let Some(other) = parsed.measures().into_iter().find(|m| m.contains('.')) {
        return Err(Reason::SqlRefused(format!(
            "a `number` measure may only combine measures of its own view, not `{other}`"
        )));
    }
    Ok(text)
}

/// `${a.x} = ${b.y} AND …` → `[(a.x, b.y), …]`.
pub(crate) fn join_on(text: &str) -> Result<Vec<(String, String)>, Reason> {
    if has_liquid(text) {
        return Err(Reason::Liquid);
    }
    let mut pairs = Vec::new();
    for term in split_and(text) {
        let (left, right) = term.split_once('=').ok_or(Reason::JoinCondition)?;
        pairs.push((field_reference(left)?, field_reference(right)?));
    }
    if pairs.is_empty() { Err(Reason::JoinCondition) } else { Ok(pairs) }
}

/// Splits on the word AND (any case) between terms.
fn split_and(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut rest = text;
    loop {
        let upper = rest.to_ascii_uppercase();
        let at = upper.match_indices("AND").find(|(i, _)| {
            let before = upper[..*i].chars().next_back();
            let after = upper[i + 3..].chars().next();
            before.is_some_and(char::is_whitespace) && after.is_some_and(char::is_whitespace)
        });
        match at {
            Some((i, _)) => {
                terms.push(rest[..i].trim());
                rest = &rest[i + 3..];
            }
            None => {
                terms.push(rest.trim());
                return terms;
            }
        }
    }
}

/// `${view.field}` → `view.field`.
fn field_reference(text: &str) -> Result<String, Reason> {
    let inner = text.trim().strip_prefix("${").and_then(|t| t.strip_suffix('}')).ok_or(Reason::JoinCondition)?;
    let (view, field) = inner.split_once('.').ok_or(Reason::JoinCondition)?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if word(view) && word(field) { Ok(inner.to_owned()) } else { Err(Reason::JoinCondition) }
}

/// `sql_table_name`: quotes removed; a `dataset.table` keeps its table
/// (ponte's warehouse names tables alone), saying so.
pub(crate) fn table_name(text: &str) -> Result<(String, Option<Reason>), Reason> {
    if has_liquid(text) {
        return Err(Reason::Liquid);
    }
    let bare: String = text.chars().filter(|c| !matches!(c, '`' | '"' | '[' | ']')).collect();
    let bare = bare.trim();
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid(bare) {
        return Err(Reason::SqlRefused(format!("`{text}` is not a table name")));
    }
    match bare.rsplit_once('.') {
        Some((qualifier, table)) => Ok((
            table.to_owned(),
            Some(Reason::Changed(format!(
                "the table is read as `{table}` from ponte's warehouse; the qualifier `{qualifier}` is dropped"
            ))),
        )),
        None => Ok((bare.to_owned(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_columns_become_names_and_expressions_stay_checked() {
        assert_eq!(field_sql("${TABLE}.amount", "orders").unwrap(), "amount");
        assert_eq!(field_sql("${orders.amount} * 2", "orders").unwrap(), "${amount} * 2");
        assert_eq!(field_sql("${users.region} || '-'", "orders").unwrap(), "${users.region} || '-'");
        assert_eq!(field_sql("{% if x %}1{% endif %}", "o"), Err(Reason::Liquid));
        assert!(matches!(field_sql("(SELECT max(id) FROM t)", "o"), Err(Reason::SqlRefused(_))));
        assert!(matches!(group_column("DATE(${TABLE}.at)", "o"), Err(Reason::SqlRefused(_))));
        assert_eq!(group_column("${TABLE}.created_at", "o").unwrap(), "created_at");
    }

    #[test]
    fn number_measures_stay_in_their_view() {
        assert_eq!(number_sql("${orders.total} / ${count}", "orders").unwrap(), "${total} / ${count}");
        assert!(matches!(number_sql("${users.count} * 2", "orders"), Err(Reason::SqlRefused(_))));
        assert!(matches!(number_sql("${a} / NULLIF(${b}, 0)", "orders"), Err(Reason::SqlRefused(_))));
    }

    #[test]
    fn joins_are_equalities_of_fields() {
        assert_eq!(join_on("${a.x} = ${b.y}").unwrap(), [("a.x".to_owned(), "b.y".to_owned())]);
        assert_eq!(join_on("${a.x}=${b.y}\n  and ${a.z} = ${b.w}").unwrap().len(), 2);
        assert_eq!(join_on("${a.x} = ${b.y} OR ${a.z} = ${b.w}"), Err(Reason::JoinCondition));
        assert_eq!(join_on("${a.x} = ${b.y} AND ${b.active}"), Err(Reason::JoinCondition));
        assert_eq!(join_on("${a.brand} = ${b.y}").unwrap()[0].0, "a.brand");
    }

    #[test]
    fn qualified_tables_keep_their_table() {
        assert_eq!(table_name("orders").unwrap(), ("orders".to_owned(), None));
        let (t, note) = table_name("`project.dataset.orders`").unwrap();
        assert_eq!(t, "orders");
        assert!(matches!(note, Some(Reason::Changed(_))));
        assert!(table_name("(SELECT 1)").is_err());
    }
}
