//! A converted model → the text of a ponte model file: one table per
//! object, each under a `# from file:line` comment, in the order of the
//! LookML files.

use std::fmt::Write as _;

use super::out::{
    DashboardOut, DimensionGroupOut, DimensionOut, ElementOut, ExploreOut, JoinType, MeasureOut, ModelOut, OptionValue,
    Origin, QueryOut, ViewOut,
};

/// A TOML basic string; text with line breaks (multi-line SQL) becomes a
/// multi-line string so the model reads like the LookML it came from.
fn string(s: &str) -> String {
    let multiline = s.contains('\n');
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(if multiline { "\"\"\"\n" } else { "\"" });
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str(if multiline { "\"\"\"" } else { "\"" });
    out
}

fn strings(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| string(s)).collect::<Vec<_>>().join(", "))
}

fn pairs(items: &[(String, String)]) -> String {
    format!(
        "{{ {} }}",
        items.iter().map(|(k, v)| format!("{} = {}", string(k), string(v))).collect::<Vec<_>>().join(", ")
    )
}

/// Lines of `key = value`, skipping what is absent.
#[derive(Default)]
struct Table(String);

impl Table {
    fn text(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            let _ = writeln!(self.0, "{key} = {}", string(v));
        }
        self
    }
    fn flag(&mut self, key: &str, value: bool) -> &mut Self {
        if value {
            let _ = writeln!(self.0, "{key} = true");
        }
        self
    }
    fn list(&mut self, key: &str, items: &[String]) -> &mut Self {
        if !items.is_empty() {
            let _ = writeln!(self.0, "{key} = {}", strings(items));
        }
        self
    }
    fn pairs(&mut self, key: &str, items: &[(String, String)]) -> &mut Self {
        if !items.is_empty() {
            let _ = writeln!(self.0, "{key} = {}", pairs(items));
        }
        self
    }
    fn raw(&mut self, key: &str, value: String) -> &mut Self {
        let _ = writeln!(self.0, "{key} = {value}");
        self
    }
}

fn header(out: &mut String, origin: &Origin, table: &str) {
    let _ = write!(out, "\n# from {}:{}\n[[{table}]]\n", origin.file.display(), origin.line);
}

/// The model file's text.
pub(crate) fn model_toml(model: &ModelOut) -> String {
    let mut out = format!(
        "# Converted from LookML by `ponte import lookml` (from {}).\n\
         # Each object names the LookML file and line it came from; what could not be\n\
         # converted is listed in the import's report, not here.\n",
        model.origin.file.display()
    );
    if let Some(c) = &model.connection {
        let _ = writeln!(out, "# LookML connection `{c}`: ponte reads the warehouse of its config.");
    }
    let mut t = Table::default();
    t.text("name", Some(&model.name)).text("label", model.label.as_deref());
    let _ = write!(out, "\n[model]\n{}", t.0);
    for view in &model.views {
        write_view(&mut out, view);
    }
    for explore in &model.explores {
        write_explore(&mut out, explore);
    }
    for dashboard in &model.dashboards {
        write_dashboard(&mut out, dashboard);
    }
    out
}

fn write_view(out: &mut String, view: &ViewOut) {
    header(out, &view.origin, "views");
    let mut t = Table::default();
    t.text("name", Some(&view.name)).text("sql_table_name", view.sql_table_name.as_deref());
    if let Some(d) = &view.derived_table {
        let persist = if d.persist { ", persist = true" } else { "" };
        t.raw("derived_table", format!("{{ sql = {}{persist} }}", string(&d.sql)));
    }
    t.text("label", view.label.as_deref()).list("drill_fields", &view.drill_fields);
    out.push_str(&t.0);
    for d in &view.dimensions {
        write_dimension(out, d);
    }
    for g in &view.dimension_groups {
        write_group(out, g);
    }
    for m in &view.measures {
        write_measure(out, m);
    }
}

fn write_dimension(out: &mut String, d: &DimensionOut) {
    header(out, &d.origin, "views.dimensions");
    let mut t = Table::default();
    t.text("name", Some(&d.name))
        .text("type", Some(d.kind.as_str()))
        .text("sql", d.sql.as_deref())
        .text("label", d.label.as_deref())
        .text("description", d.description.as_deref())
        .text("value_format", d.value_format.as_deref())
        .flag("primary_key", d.primary_key)
        .flag("hidden", d.hidden)
        .list("drill_fields", &d.drill_fields);
    out.push_str(&t.0);
}

fn write_group(out: &mut String, g: &DimensionGroupOut) {
    header(out, &g.origin, "views.dimension_groups");
    let timeframes: Vec<String> = g.timeframes.iter().map(|t| t.as_str().to_owned()).collect();
    let mut t = Table::default();
    t.text("name", Some(&g.name))
        .text("type", Some("time"))
        .text("sql", g.sql.as_deref())
        .text("label", g.label.as_deref())
        .text("description", g.description.as_deref())
        .list("timeframes", &timeframes)
        .flag("hidden", g.hidden);
    out.push_str(&t.0);
}

fn write_measure(out: &mut String, m: &MeasureOut) {
    header(out, &m.origin, "views.measures");
    let mut t = Table::default();
    t.text("name", Some(&m.name))
        .text("type", Some(m.kind.as_str()))
        .text("sql", m.sql.as_deref())
        .text("label", m.label.as_deref())
        .text("description", m.description.as_deref())
        .text("value_format", m.value_format.as_deref())
        .flag("hidden", m.hidden)
        .pairs("filters", &m.filters)
        .list("drill_fields", &m.drill_fields);
    out.push_str(&t.0);
}

fn write_explore(out: &mut String, e: &ExploreOut) {
    header(out, &e.origin, "explores");
    let access: Vec<String> = e
        .access_filters
        .iter()
        .map(|(f, a)| format!("{{ field = {}, user_attribute = {} }}", string(f), string(a)))
        .collect();
    let mut t = Table::default();
    t.text("name", Some(&e.name))
        .text("view", e.view.as_deref())
        .text("label", e.label.as_deref())
        .text("description", e.description.as_deref())
        .pairs("always_filter", &e.always_filter);
    if !access.is_empty() {
        t.raw("access_filters", format!("[{}]", access.join(", ")));
    }
    out.push_str(&t.0);
    for j in &e.joins {
        header(out, &j.origin, "explores.joins");
        let on: Vec<String> = j.on.iter().map(|(a, b)| format!("[{}, {}]", string(a), string(b))).collect();
        let mut t = Table::default();
        t.text("view", Some(&j.view)).raw("on", format!("[{}]", on.join(", ")));
        if j.kind == JoinType::Inner {
            t.text("type", Some("inner"));
        }
        t.text("relationship", Some(j.relationship.as_str()));
        out.push_str(&t.0);
    }
}

fn query(q: &QueryOut) -> String {
    let mut parts = vec![format!("explore = {}", string(&q.explore)), format!("fields = {}", strings(&q.fields))];
    if !q.filters.is_empty() {
        parts.push(format!("filters = {}", pairs(&q.filters)));
    }
    if !q.sorts.is_empty() {
        parts.push(format!("sorts = {}", strings(&q.sorts)));
    }
    if !q.pivots.is_empty() {
        parts.push(format!("pivots = {}", strings(&q.pivots)));
    }
    if let Some(limit) = &q.limit {
        parts.push(format!("limit = {}", string(limit)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn write_dashboard(out: &mut String, d: &DashboardOut) {
    header(out, &d.origin, "dashboards");
    let mut t = Table::default();
    t.text("id", Some(&d.id)).text("title", d.title.as_deref()).text("description", d.description.as_deref());
    out.push_str(&t.0);
    for f in &d.filters {
        let mut t = Table::default();
        t.text("name", Some(&f.name))
            .text("title", f.title.as_deref())
            .text("type", Some("field_filter"))
            .text("explore", f.explore.as_deref())
            .text("field", f.field.as_deref())
            .text("default_value", f.default_value.as_deref());
        if let Some(ui) = &f.ui_type {
            t.raw("ui_config", format!("{{ type = {} }}", string(ui)));
        }
        let _ = write!(out, "\n[[dashboards.filters]]\n{}", t.0);
    }
    for e in &d.elements {
        write_element(out, e);
    }
}

fn write_element(out: &mut String, e: &ElementOut) {
    let mut t = Table::default();
    t.text("title", e.title.as_deref()).text("type", Some(&e.kind));
    if let Some(q) = &e.query {
        t.raw("query", query(q));
    }
    t.text("body_text", e.body_text.as_deref()).pairs("listen", &e.listen);
    for (key, value) in &e.options {
        match value {
            OptionValue::Text(v) => t.text(key, Some(v)),
            OptionValue::Flag(v) => t.raw(key, v.to_string()),
            OptionValue::Pairs(v) => t.pairs(key, v),
        };
    }
    if let Some((row, col, width, height)) = e.layout {
        t.raw("layout", format!("{{ row = {row}, col = {col}, width = {width}, height = {height} }}"));
    }
    let _ = write!(out, "\n[[dashboards.elements]]\n{}", t.0);
}

#[cfg(test)]
mod tests {
    use super::string;

    /// ponte's own model reader is the oracle: what it reads back is what was meant.
    #[test]
    fn strings_are_escaped_for_toml() {
        for text in [
            "a \"b\" \\ c\nd\u{1}",
            "x \"y\"\t\\z\u{7f} é ✓",
            "SELECT \"\"\"\n  '\\' FROM t\r\n\"",
            "\nleading and trailing\n",
        ] {
            let model = format!("[model]\nname = \"m\"\nlabel = {}\n", string(text));
            let m = ponte_semantic::model::parse_model(&model, "t.toml".as_ref()).unwrap();
            assert_eq!(m.label, text);
        }
    }
}
