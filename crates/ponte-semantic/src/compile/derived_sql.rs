//! A derived table's SQL for a dialect, written from its parsed tree
//! ([`crate::model::derived`]): identifiers quoted, literals escaped and
//! expressions written as a field's are, so nothing of the model's text is
//! copied into the query.

use super::dialect::SqlWriter;
use super::expr_sql::render_derived;
use crate::model::View;
use crate::model::derived::{DerivedQuery, Select, TableRef};

/// What a query reads a view from: its table, a persisted derived
/// table's table (named after the view), or a live derived table's SELECT
/// in parentheses (the caller adds `AS "view"`).
pub(crate) fn relation(w: &SqlWriter, view: &View) -> String {
    match &view.derived {
        Some(d) if !d.persist => format!("(\n{}\n)", query_sql(w, &d.query)),
        _ => w.ident(&view.table.name),
    }
}

/// The SELECT of a derived view for `dialect`, as a rebuild of its
/// persisted table runs it; `None` for a view over a table.
pub fn derived_table_sql(view: &View, dialect: super::Dialect) -> Option<String> {
    let d = view.derived.as_ref()?;
    // No parameters and no time zone reach a derived table's SQL.
    let w = SqlWriter::new(dialect, chrono_tz::UTC);
    Some(query_sql(&w, &d.query))
}

/// The whole query: `WITH …` then the SELECT.
pub(crate) fn query_sql(w: &SqlWriter, q: &DerivedQuery) -> String {
    let mut out = String::new();
    if !q.ctes.is_empty() {
        let ctes: Vec<String> =
            q.ctes.iter().map(|(name, s)| format!("{} AS (\n{}\n)", w.ident(name), select_sql(w, s))).collect();
        out.push_str(&format!("WITH {}\n", ctes.join(",\n")));
    }
    out.push_str(&select_sql(w, &q.body));
    out
}

fn select_sql(w: &SqlWriter, s: &Select) -> String {
    let items: Vec<String> =
        s.items.iter().map(|i| format!("{} AS {}", render_derived(w, &i.expr), w.ident(&i.alias))).collect();
    let mut out = format!(
        "SELECT {}{}\nFROM {}",
        if s.distinct { "DISTINCT " } else { "" },
        items.join(", "),
        table_sql(w, &s.from)
    );
    for j in &s.joins {
        out.push_str(&format!("\n{} {} ON {}", j.kind.as_str(), table_sql(w, &j.table), render_derived(w, &j.on)));
    }
    if let Some(f) = &s.filter {
        out.push_str(&format!("\nWHERE {}", render_derived(w, f)));
    }
    if !s.group_by.is_empty() {
        let keys: Vec<String> = s.group_by.iter().map(|e| render_derived(w, e)).collect();
        out.push_str(&format!("\nGROUP BY {}", keys.join(", ")));
    }
    if let Some(h) = &s.having {
        out.push_str(&format!("\nHAVING {}", render_derived(w, h)));
    }
    out
}

fn table_sql(w: &SqlWriter, t: &TableRef) -> String {
    match &t.alias {
        Some(a) => format!("{} AS {}", w.ident(&t.name), w.ident(a)),
        None => w.ident(&t.name),
    }
}
