//! A LookML `view:` → a ponte view: dimensions, dimension groups and
//! measures, each with its origin, and an entry in the report for
//! whatever stays behind.

use std::collections::BTreeMap;
use std::path::Path;

use super::out::{DimensionGroupOut, DimensionOut, DimensionType, MeasureOut, MeasureType, Origin, Timeframe, ViewOut};
use super::reader::{Reader, text_of};
use super::report::{Reason, Report};
use super::sql;
use crate::tree::{List, Pair, Value};

/// A view's `set`s: name → fields, for `drill_fields: [detail*]`.
type Sets = BTreeMap<String, Vec<String>>;

fn origin(file: &Path, pair: &Pair) -> Origin {
    Origin { file: file.to_owned(), line: pair.pos.line }
}

/// Converts one `view: name { … }` pair; `None` when the view is left out
/// (the report says why).
pub(crate) fn view(pair: &Pair, file: &Path, report: &mut Report) -> Option<ViewOut> {
    let Some(block) = pair.value.block().filter(|b| b.name.is_some()) else {
        report.push(file, pair.pos.line, "view", Reason::Unresolved("a view must be a named block".into()));
        return None;
    };
    let name = block.name_text().to_owned();
    let r = Reader::new(block, file, format!("view {name}"));
    if let Some(line) = guarded(&r) {
        report.push(file, line, format!("view {name} (left out)"), GRANTS);
        return None;
    }
    let derived_table = match r.pair("derived_table") {
        Some(p) => Some(super::derived::derived(p, &name, file, report)?),
        None => None,
    };
    let mut sql_table_name = None;
    if let Some(table) = r.scalar("sql_table_name") {
        match sql::table_name(&table.text) {
            Ok((table, note)) => {
                if let Some(note) = note {
                    report.push(file, table_line(&r), format!("view {name}: sql_table_name"), note);
                }
                sql_table_name = (table != name).then_some(table);
            }
            Err(reason) => {
                report.push(file, table.pos.line, format!("view {name}: sql_table_name"), reason);
                return None;
            }
        }
    }
    let sets: Sets = r
        .all("set")
        .into_iter()
        .filter_map(|p| {
            let b = p.value.block()?;
            let fields = match b.get("fields")?.value.list()? {
                List::Values(v) => v.iter().map(text_of).collect(),
                List::Pairs(_) => return None,
            };
            Some((b.name_text().to_owned(), fields))
        })
        .collect();
    let cx = FieldCx { view: &name, sets: &sets, file };
    let dimensions = r.all("dimension").into_iter().filter_map(|p| dimension(&cx, p, report)).collect();
    let dimension_groups =
        r.all("dimension_group").into_iter().filter_map(|p| dimension_group(&cx, p, report)).collect();
    let measures = r.all("measure").into_iter().filter_map(|p| measure(&cx, p, report)).collect();
    let drill_fields = cx.drill_fields(&r, report);
    let mut out = ViewOut {
        origin: origin(file, pair),
        label: r.label("label", report),
        name,
        sql_table_name,
        derived_table,
        dimensions,
        dimension_groups,
        measures,
        drill_fields,
    };
    r.finish(report);
    super::prune::prune(&mut out, file, report);
    Some(out)
}

fn table_line(r: &Reader<'_>) -> u32 {
    r.pair("sql_table_name").map_or(0, |p| p.pos.line)
}

/// Access grants limit who sees a field or view; ponte has none, so what
/// carries them is left out rather than shown to everyone.
fn guarded(r: &Reader<'_>) -> Option<u32> {
    r.pair("required_access_grants").map(|p| p.pos.line)
}

const GRANTS: Reason = Reason::NoEquivalent("access grants; left out rather than shown to everyone");

/// What every field of a view needs to know.
struct FieldCx<'a> {
    view: &'a str,
    sets: &'a Sets,
    file: &'a Path,
}

impl FieldCx<'_> {
    /// `drill_fields`, with `set*` expanded; an unknown set is reported.
    fn drill_fields(&self, r: &Reader<'_>, report: &mut Report) -> Vec<String> {
        let Some(pair) = r.pair("drill_fields") else { return Vec::new() };
        let Some(List::Values(items)) = pair.value.list() else {
            report.push(self.file, pair.pos.line, format!("{}: drill_fields", r.construct()), Reason::UnknownKey);
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter().map(text_of) {
            match item.strip_suffix('*') {
                Some(set) => match self.sets.get(set) {
                    Some(fields) => out.extend(fields.iter().filter(|f| !f.ends_with('*')).cloned()),
                    None => report.push(
                        self.file,
                        pair.pos.line,
                        format!("{}: drill_fields {item}", r.construct()),
                        Reason::Unresolved(format!("no set `{set}` in view {}", self.view)),
                    ),
                },
                None => out.push(item),
            }
        }
        out
    }

    /// A field's block read, with its name and how reports name it
    /// (`measure orders.total`); `None` (reported) for a field without a
    /// name or one behind access grants.
    fn open<'p>(&'p self, pair: &'p Pair, kind: &str, report: &mut Report) -> Option<(Reader<'p>, String, String)> {
        let Some((block, name)) = named_block(pair) else {
            return self.drop(report, pair.pos.line, format!("view {}: {kind}", self.view), Reason::UnknownKey);
        };
        let construct = format!("{kind} {}.{name}", self.view);
        let r = Reader::new(block, self.file, construct.clone());
        if let Some(line) = guarded(&r) {
            return self.drop(report, line, construct, GRANTS);
        }
        Some((r, name, construct))
    }

    /// Reports a field left out as a whole and says so to the caller.
    fn drop<T>(&self, report: &mut Report, line: u32, construct: String, reason: Reason) -> Option<T> {
        report.push(self.file, line, format!("{construct} (left out)"), reason);
        None
    }

    /// `value_format`, else the format a built-in `value_format_name`
    /// stands for (Looker prefers `value_format` when both are set).
    fn value_format(&self, r: &Reader<'_>, report: &mut Report) -> Option<String> {
        let explicit = r.text("value_format");
        let Some(named) = r.scalar("value_format_name") else { return explicit };
        match ponte_semantic::calc::value_format_of(&named.text) {
            Some(format) => explicit.or(Some(format)),
            None => {
                report.push(
                    self.file,
                    named.pos.line,
                    format!("{}: value_format_name {}", r.construct(), named.text),
                    Reason::Unresolved("not one of Looker's built-in formats; write its value_format".into()),
                );
                explicit
            }
        }
    }
}

fn named_block(pair: &Pair) -> Option<(&crate::tree::Block, String)> {
    let block = pair.value.block()?;
    Some((block, block.name.as_ref()?.text.clone()))
}

fn dimension(cx: &FieldCx<'_>, pair: &Pair, report: &mut Report) -> Option<DimensionOut> {
    let (r, name, construct) = cx.open(pair, "dimension", report)?;
    let kind = match r.text("type").as_deref().unwrap_or("string") {
        "string" | "zipcode" => DimensionType::String,
        "number" => DimensionType::Number,
        "yesno" => DimensionType::YesNo,
        "date" => DimensionType::Date,
        "date_time" | "time" => DimensionType::Time,
        other => return cx.drop(report, pair.pos.line, construct, Reason::UnsupportedType(other.to_owned())),
    };
    let sql = match r.scalar("sql") {
        None => None,
        Some(s) => match sql::field_sql(&s.text, cx.view) {
            Ok(column) if column == name => None,
            Ok(sql) => Some(sql),
            Err(reason) => return cx.drop(report, s.pos.line, format!("{construct}: sql"), reason),
        },
    };
    let out = DimensionOut {
        origin: origin(cx.file, pair),
        kind,
        sql,
        label: r.label("label", report),
        description: r.label("description", report),
        value_format: cx.value_format(&r, report),
        primary_key: r.flag("primary_key").unwrap_or(false),
        hidden: r.flag("hidden").unwrap_or(false),
        drill_fields: cx.drill_fields(&r, report),
        name,
    };
    r.finish(report);
    Some(out)
}

fn dimension_group(cx: &FieldCx<'_>, pair: &Pair, report: &mut Report) -> Option<DimensionGroupOut> {
    let (r, name, construct) = cx.open(pair, "dimension_group", report)?;
    match r.text("type").as_deref().unwrap_or("time") {
        "time" => {}
        other => return cx.drop(report, pair.pos.line, construct, Reason::UnsupportedType(other.to_owned())),
    }
    let sql = match r.scalar("sql") {
        None => None,
        Some(s) => match sql::group_column(&s.text, cx.view) {
            Ok(column) if column == name => None,
            Ok(column) => Some(column),
            Err(reason) => return cx.drop(report, s.pos.line, format!("{construct}: sql"), reason),
        },
    };
    let timeframes = match r.pair("timeframes") {
        None => Timeframe::ALL.to_vec(),
        Some(p) => {
            let listed: Vec<String> = match p.value.list() {
                Some(List::Values(v)) => v.iter().map(text_of).collect(),
                _ => Vec::new(),
            };
            let ponte_has = |t: &str| Timeframe::ALL.into_iter().find(|f| f.as_str() == t);
            let kept: Vec<Timeframe> = listed.iter().filter_map(|t| ponte_has(t)).collect();
            let dropped: Vec<&str> = listed.iter().map(String::as_str).filter(|t| ponte_has(t).is_none()).collect();
            if !dropped.is_empty() {
                report.push(
                    cx.file,
                    p.pos.line,
                    format!("{construct}: timeframes {}", dropped.join(", ")),
                    Reason::NoEquivalent("ponte's timeframes are date, week, month, quarter and year"),
                );
            }
            kept
        }
    };
    if timeframes.is_empty() {
        return cx.drop(
            report,
            pair.pos.line,
            construct,
            Reason::Unresolved("none of its timeframes exists in ponte".into()),
        );
    }
    let out = DimensionGroupOut {
        origin: origin(cx.file, pair),
        sql,
        label: r.label("label", report),
        description: r.label("description", report),
        timeframes,
        hidden: r.flag("hidden").unwrap_or(false),
        name,
    };
    r.finish(report);
    Some(out)
}

fn measure(cx: &FieldCx<'_>, pair: &Pair, report: &mut Report) -> Option<MeasureOut> {
    let (r, name, construct) = cx.open(pair, "measure", report)?;
    let written = r.text("type").unwrap_or_else(|| "count".into());
    let Some(kind) = MeasureType::parse(&written) else {
        return cx.drop(report, pair.pos.line, construct, Reason::UnsupportedType(written));
    };
    let sql = match r.scalar("sql") {
        None => None,
        Some(s) => {
            let converted = if kind == MeasureType::Number {
                sql::number_sql(&s.text, cx.view)
            } else {
                sql::field_sql(&s.text, cx.view)
            };
            match converted {
                Ok(sql) => Some(sql),
                Err(reason) => return cx.drop(report, s.pos.line, format!("{construct}: sql"), reason),
            }
        }
    };
    let mut filters = Vec::new();
    for p in r.all("filters") {
        match measure_filters(&p.value, cx.view) {
            Ok(pairs) => filters.extend(pairs),
            Err(reason) => return cx.drop(report, p.pos.line, format!("{construct}: filters"), reason),
        }
    }
    let out = MeasureOut {
        origin: origin(cx.file, pair),
        kind,
        sql,
        label: r.label("label", report),
        description: r.label("description", report),
        value_format: cx.value_format(&r, report),
        hidden: r.flag("hidden").unwrap_or(false),
        filters,
        drill_fields: cx.drill_fields(&r, report),
        name,
    };
    r.finish(report);
    Some(out)
}

/// `filters: [status: "done"]`, or the older `filters: { field: status value: "done" }`.
fn measure_filters(value: &Value, view: &str) -> Result<Vec<(String, String)>, Reason> {
    let own = |field: &str| -> Result<String, Reason> {
        match field.split_once('.') {
            None => Ok(field.to_owned()),
            Some((v, f)) if v == view => Ok(f.to_owned()),
            Some(_) => Err(Reason::Unresolved(format!(
                "a measure's filters may only name dimensions of its own view, not `{field}`"
            ))),
        }
    };
    match value {
        Value::List(List::Pairs(pairs)) => pairs
            .iter()
            .map(|p| {
                let expr = p.value.scalar().map(text_of).unwrap_or_default();
                Ok((own(&p.key)?, expr))
            })
            .collect(),
        Value::List(List::Values(v)) if v.is_empty() => Ok(Vec::new()),
        Value::Block(b) => {
            let field = b.get("field").and_then(|p| p.value.scalar()).map(text_of);
            let expr = b.get("value").and_then(|p| p.value.scalar()).map(text_of);
            match (field, expr) {
                (Some(field), Some(expr)) => Ok(vec![(own(&field)?, expr)]),
                _ => Err(Reason::Unresolved("a filter needs `field` and `value`".into())),
            }
        }
        _ => Err(Reason::Unresolved("filters are written `[dimension: \"expression\"]`".into())),
    }
}
