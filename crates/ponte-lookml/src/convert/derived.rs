//! A LookML `derived_table: { sql: … }` → ponte's `derived_table`.
//!
//! The SELECT is passed through only when ponte's own derived-table parser
//! accepts it, the same parser `ponte validate` runs, so a converted view
//! never carries SQL that ponte would refuse or send verbatim. What ponte
//! cannot express is reported and the view is left out, as before:
//! `${TABLE}` / `${view.SQL_TABLE_NAME}` (Looker substitutes table names
//! into the text; ponte names tables itself), Liquid, and native derived
//! tables (`explore_source`, a query over an explore rather than SQL).

use std::path::Path;

use ponte_semantic::model::derived::parse_derived_sql;

use super::out::DerivedOut;
use super::reader::{Reader, has_liquid};
use super::report::{Reason, Report};
use crate::tree::Pair;

/// The keys that make Looker persist a derived table, each on its own
/// trigger. ponte persists on one rule instead (rebuilt after a source
/// table loads), so any of them becomes `persist = true` and a report
/// entry saying the trigger itself is not kept.
const PERSISTENCE: &[&str] = &["datagroup_trigger", "sql_trigger_value", "persist_for", "interval_trigger"];

/// Converts the `derived_table` pair of view `view`; `None` when the view
/// must be left out (the report says why).
pub(crate) fn derived(pair: &Pair, view: &str, file: &Path, report: &mut Report) -> Option<DerivedOut> {
    let construct = format!("view {view}: derived_table");
    let left_out = |report: &mut Report, line: u32, reason: Reason| {
        report.push(file, line, format!("{construct} (left out)"), reason);
        None
    };
    let Some(block) = pair.value.block() else {
        return left_out(report, pair.pos.line, Reason::Unresolved("expected `derived_table: { sql: … ;; }`".into()));
    };
    let r = Reader::new(block, file, construct.clone());
    if let Some(native) = r.pair("explore_source") {
        return left_out(report, native.pos.line, Reason::NativeDerivedTable);
    }
    let Some(sql) = r.scalar("sql") else {
        return left_out(report, pair.pos.line, Reason::Unresolved("a derived table needs `sql`".into()));
    };
    let text = sql.text.trim();
    if has_liquid(text) {
        return left_out(report, sql.pos.line, Reason::Liquid);
    }
    if text.contains("${") {
        return left_out(
            report,
            sql.pos.line,
            Reason::NoEquivalent(
                "`${TABLE}` / `${view.SQL_TABLE_NAME}` references; name the warehouse tables in the SELECT",
            ),
        );
    }
    if let Err(why) = parse_derived_sql(text) {
        return left_out(report, sql.pos.line, Reason::SqlRefused(why));
    }
    let mut persist = false;
    for key in PERSISTENCE {
        if let Some(trigger) = r.pair(key) {
            persist = true;
            report.push(
                file,
                trigger.pos.line,
                format!("{construct}: {key}"),
                Reason::Changed(
                    "persisted (`persist = true`): ponte rebuilds it after any of its source tables loads, \
                     not on this trigger"
                        .into(),
                ),
            );
        }
    }
    let out = DerivedOut { sql: text.to_owned(), persist };
    r.finish(report);
    Some(out)
}
