//! LookML dashboards against PyYAML: each converted dashboard's id, title,
//! filters and tiles (query, listeners, grid place) must be what PyYAML
//! reads from the same file, minus what the report says was left out
//! (filters without a field, tiles of another model, grids other than
//! newspaper).

use ponte_lookml::convert::convert_dir;
use ponte_lookml::convert::out::OptionValue;
use serde_json::{Value, json};

/// Reads every dashboard file of the folder with PyYAML and prints what a
/// faithful conversion keeps, in the converter's terms.
const ORACLE: &str = r#"
import json, os, sys, yaml
CHARTS = ["looker_column", "looker_bar", "looker_area"]
OPTIONS = {"stacking": CHARTS, "show_totals": ["table"], "show_comparison": ["single_value"],
           "comparison_type": ["single_value"], "comparison_label": ["single_value"],
           "comparison_reverse_colors": ["single_value"], "series_types": CHARTS + ["looker_line", "looker_scatter"]}
def s(v):
    return None if v is None else str(v)
out = []
for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".dashboard.lookml"):
        continue
    for d in yaml.safe_load(open(os.path.join(sys.argv[1], name), encoding="utf-8")):
        models = [e["model"] for e in d.get("elements", []) if "model" in e]
        if models and "shop" not in models:
            continue
        grid = d.get("layout", "newspaper") == "newspaper"
        out.append({
            "id": s(d["dashboard"]), "title": s(d.get("title")), "description": s(d.get("description")),
            "filters": [[f["name"], s(f.get("field")), s(f.get("default_value"))]
                        for f in d.get("filters", []) if f.get("type", "field_filter") == "field_filter" and f.get("field")],
            "elements": [{
                "title": s(e.get("title", e.get("title_text", e.get("name")))), "type": e.get("type", "table"),
                "explore": e.get("explore"), "fields": e.get("fields", []),
                "filters": sorted([k, s(v)] for k, v in (e.get("filters") or {}).items()),
                "sorts": e.get("sorts", []), "pivots": e.get("pivots", []), "limit": s(e.get("limit")),
                "listen": sorted([k, v] for k, v in (e.get("listen") or {}).items()),
                "layout": [e["row"], e["col"], e["width"], e["height"]] if grid and "row" in e else None,
                "options": [[k, e[k] if k != "series_types" else sorted([a, b] for a, b in e[k].items())]
                            for k in OPTIONS if k in e and e.get("type", "table") in OPTIONS[k]],
            } for e in d.get("elements", []) if e.get("model", "shop") == "shop"],
        })
print(json.dumps(sorted(out, key=lambda d: d["id"])))
"#;

#[test]
fn dashboards_keep_what_pyyaml_reads() {
    let dir = ponte_testkit::repo_root().join("crates/ponte-lookml/tests/corpus/dashboards");
    let expected: Value = serde_json::from_str(&ponte_testkit::run_python(ORACLE, &[dir.to_str().unwrap()])).unwrap();
    let conversion = convert_dir(&dir).unwrap();
    let mut dashboards = conversion.models[0].dashboards.clone();
    dashboards.sort_by(|a, b| a.id.cmp(&b.id));
    let ours: Vec<Value> = dashboards
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "title": d.title, "description": d.description,
                "filters": d.filters.iter().map(|f| json!([f.name, f.field, f.default_value])).collect::<Vec<_>>(),
                "elements": d.elements.iter().map(|e| {
                    let q = e.query.clone().unwrap_or_default();
                    let mut filters = q.filters.clone();
                    filters.sort();
                    let mut listen = e.listen.clone();
                    listen.sort();
                    json!({
                        "title": e.title, "type": e.kind,
                        "explore": e.query.as_ref().map(|q| q.explore.clone()),
                        "fields": q.fields, "filters": filters, "sorts": q.sorts, "pivots": q.pivots, "limit": q.limit,
                        "listen": listen, "layout": e.layout.map(|(r, c, w, h)| [r, c, w, h]),
                        "options": e.options.iter().map(|(k, v)| match v {
                            OptionValue::Text(t) => json!([k, t]),
                            OptionValue::Flag(b) => json!([k, b]),
                            OptionValue::Pairs(p) => {
                                let mut p = p.clone();
                                p.sort();
                                json!([k, p])
                            }
                        }).collect::<Vec<_>>(),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(ours.len(), 3);
    assert_eq!(Value::Array(ours), expected);
    let report: Vec<String> = conversion.report.entries.iter().map(ToString::to_string).collect();
    for e in [
        "odd.dashboard.lookml:7: dashboard orders_overview: filter Created (left out): type `date_filter`",
        "odd.dashboard.lookml:11: dashboard orders_overview: element by_month: show_totals, show_value_labels: ponte has no equivalent",
        "odd.dashboard.lookml:32: dashboard orders_overview: element other_model (left out): it queries model finance",
        "odd.dashboard.lookml:48: dashboard tiles: layout tile",
        "odd.dashboard.lookml:58: dashboard finance_only (left out): its tiles query models that do not include this file",
    ] {
        assert!(report.iter().any(|r| r.starts_with(e)), "no `{e}` in\n{}", report.join("\n"));
    }
}
