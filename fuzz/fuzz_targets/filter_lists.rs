//! Long filter lists through the query compiler: what once aborted the
//! server (a thousand comma-separated items compiled into one OR chain as
//! deep as the list, which the SQL engine recursed over until its stack
//! overflowed).
//!
//! Input: one byte naming the field (as in `filter_expr`: `s` string, `n`
//! number, `d` date, `t` timeframe, `m` measure; others by value), two
//! bytes of item count (0 to 65,535), then an item template; the list is
//! the template repeated that many times with `{}` replaced by the item's
//! index, joined by commas.
//!
//! Properties: never panics; the compiler either refuses the list (a bad
//! filter, or one over the limits, naming the field and the limit), or
//! compiles it, in both dialects, to SQL whose boolean expressions stay
//! shallow: parentheses nest at most a few levels beyond the unfiltered
//! query's, and no parenthesised group chains more than eight `OR`s or
//! `AND`s, so the expression tree is logarithmic in the list's length.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ponte_semantic::compile::{
    Caller, Dialect, MAX_FILTER_CONDITIONS, MAX_FILTER_VALUES, QueryError, QueryRequest, Target, WarehouseColumns,
    compile,
};
use ponte_semantic::model::{ColumnKind, Model, parse_model};

const MODEL: &str = r#"
[model]
name = "fz"

[[views]]
name = "t"
sql_table_name = "tbl"
dimensions = [
  { name = "id", type = "number", primary_key = true },
  { name = "s", type = "string" },
  { name = "n", type = "number" },
  { name = "d", type = "date", sql = "d_col" },
]
dimension_groups = [{ name = "ts", type = "time", sql = "ts_col", timeframes = ["date", "month", "year"] }]
measures = [{ name = "total", type = "sum", sql = "n" }]

[[explores]]
name = "t"
"#;

const FIELDS: [(u8, &str); 5] = [(b's', "t.s"), (b'n', "t.n"), (b'd', "t.d"), (b't', "t.ts_year"), (b'm', "t.total")];

/// Nesting the compiler may add for one filter: the WHERE/HAVING group,
/// the groups of eight up to 65,535 items (six levels), a range's bounds.
const EXTRA_DEPTH: usize = 9;

struct Fixture {
    model: Model,
    columns: WarehouseColumns,
    now: DateTime<Utc>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let model = parse_model(MODEL, "fz.toml".as_ref()).unwrap_or_else(|e| panic!("{e}"));
        let kinds = [
            ("id", ColumnKind::Integer),
            ("s", ColumnKind::String),
            ("n", ColumnKind::Float),
            ("d_col", ColumnKind::Date),
            ("ts_col", ColumnKind::Timestamp),
        ];
        let table = kinds.into_iter().map(|(c, k)| (c.to_owned(), k)).collect();
        let columns = BTreeMap::from([("tbl".to_owned(), table)]);
        let now = Utc.with_ymd_and_hms(2024, 3, 10, 7, 30, 0).unwrap();
        Fixture { model, columns, now }
    })
}

fn request(field: &str, filter: Option<String>) -> QueryRequest {
    let filters = filter.map(|f| BTreeMap::from([(field.to_owned(), f)])).unwrap_or_default();
    QueryRequest {
        model: "fz".into(),
        view: "t".into(),
        fields: vec!["t.id".to_owned(), "t.total".to_owned()],
        filters,
        ..QueryRequest::default()
    }
}

/// How deeply parentheses nest, and the most `OR`/`AND` in one group.
fn shape(sql: &str) -> (usize, usize) {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chains: Vec<usize> = vec![0];
    let mut longest = 0;
    let words: Vec<&str> = sql.split_inclusive(['(', ')', ' ', '\n']).collect();
    for word in words {
        let bare = word.trim_end_matches(['(', ')', ' ', '\n']);
        if bare == "OR" || bare == "AND" {
            let chain = chains.last_mut().expect("a group");
            *chain += 1;
            longest = longest.max(*chain);
        }
        match word.chars().last() {
            Some('(') => {
                depth += 1;
                deepest = deepest.max(depth);
                chains.push(0);
            }
            Some(')') => {
                depth = depth.saturating_sub(1);
                if chains.len() > 1 {
                    chains.pop();
                }
            }
            _ => {}
        }
    }
    (deepest, longest)
}

fuzz_target!(|data: &[u8]| {
    let [selector, high, low, rest @ ..] = data else { return };
    let Some(template) = ponte_fuzz::text(rest) else { return };
    if template.contains(',') || template.len() > 32 {
        return;
    }
    let (_, field) = FIELDS.iter().find(|(b, _)| b == selector).copied().unwrap_or(FIELDS[*selector as usize % 5]);
    let count = usize::from(*high) << 8 | usize::from(*low);
    let items: Vec<String> = (0..count).map(|i| template.replace("{}", &i.to_string())).collect();
    let expression = items.join(",");
    let f = fixture();
    for dialect in [Dialect::DataFusion, Dialect::BigQuery] {
        let target = Target::new(dialect, &f.columns);
        let caller = Caller::default();
        match compile(&f.model, &request(field, Some(expression.clone())), &caller, &target, f.now) {
            Ok(query) => {
                let baseline = compile(&f.model, &request(field, None), &caller, &target, f.now)
                    .unwrap_or_else(|e| panic!("the unfiltered query compiles: {e}"));
                let (depth, chain) = shape(&query.sql);
                let (base_depth, _) = shape(&baseline.sql);
                assert!(
                    depth <= base_depth + EXTRA_DEPTH,
                    "{count} x {template:?} on {field}: parentheses {depth} deep (unfiltered: {base_depth})"
                );
                assert!(chain <= 8, "{count} x {template:?} on {field}: a group chains {chain} OR/AND");
                assert!(query.params.len() <= MAX_FILTER_VALUES + 2 * MAX_FILTER_CONDITIONS + 2);
            }
            Err(QueryError::FilterTooLarge { field: named, limit, count: found, .. }) => {
                assert_eq!(named, field);
                assert!(found > limit && (limit == MAX_FILTER_VALUES || limit == MAX_FILTER_CONDITIONS));
            }
            Err(QueryError::BadFilter { .. }) => {}
            Err(other) => panic!("{count} x {template:?} on {field}: unexpected refusal {other}"),
        }
    }
});
