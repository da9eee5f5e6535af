//! Looker filter expressions: the parsers for every field type, date
//! resolution, and their compilation into SQL.
//!
//! Input: one byte naming the field (`s` string, `n` number, `d` date on
//! a DATE column, `t` a timeframe on a TIMESTAMP column, `y` yes/no, `m` a
//! measure; any other byte picks one by its value), then the expression.
//!
//! Properties: never panics; a refusal carries a location (a byte offset on
//! a character boundary of the expression) and names the expression; a date
//! filter resolves to ranges that do not run backwards (except `X to Y` with
//! a relative end, which matches nothing by design); an expression that
//! parses compiles, in both dialects, to SQL that differs from the
//! unfiltered query's only by filter keywords and `$n` placeholders (so no
//! text of the expression reaches SQL), with exactly `$1..=$n` used for
//! `n` bound values; and an expression that does not parse is refused by
//! the compiler as a bad filter.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ponte_fuzz::sql::{Tokens, assert_only_bound};
use ponte_semantic::compile::{Caller, Dialect, QueryError, QueryRequest, Target, WarehouseColumns, compile};
use ponte_semantic::filter_expr::{FilterError, ResolvedDateFilter, resolve};
use ponte_semantic::model::{ColumnKind, Filter, FilterType, Model, parse_model};

const MODEL: &str = r#"
[model]
name = "fz"
time_zone = "America/Sao_Paulo"

[[views]]
name = "t"
sql_table_name = "tbl"
dimensions = [
  { name = "id", type = "number", primary_key = true },
  { name = "s", type = "string" },
  { name = "n", type = "number" },
  { name = "b", type = "yesno" },
  { name = "d", type = "date", sql = "d_col" },
]
dimension_groups = [{ name = "ts", type = "time", sql = "ts_col", timeframes = ["date", "month"] }]
measures = [{ name = "total", type = "sum", sql = "n" }]

[[explores]]
name = "t"
"#;

/// The field each selector filters, and its grammar.
const FIELDS: [(u8, &str, FilterType); 6] = [
    (b's', "t.s", FilterType::String),
    (b'n', "t.n", FilterType::Number),
    (b'd', "t.d", FilterType::Date),
    (b't', "t.ts_date", FilterType::Date),
    (b'y', "t.b", FilterType::YesNo),
    (b'm', "t.total", FilterType::Number),
];

/// Words a filter condition may add to a query.
const FILTER_WORDS: [&str; 12] =
    ["WHERE", "HAVING", "AND", "OR", "NOT", "IS", "NULL", "IN", "LIKE", "ESCAPE", "COALESCE", "FALSE"];

struct Fixture {
    model: Model,
    columns: WarehouseColumns,
    now: DateTime<Utc>,
    filter_words: BTreeSet<String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let model = parse_model(MODEL, "fz.toml".as_ref()).unwrap_or_else(|e| panic!("{e}"));
        let kinds = [
            ("id", ColumnKind::Integer),
            ("s", ColumnKind::String),
            ("n", ColumnKind::Float),
            ("b", ColumnKind::Boolean),
            ("d_col", ColumnKind::Date),
            ("ts_col", ColumnKind::Timestamp),
        ];
        let table = kinds.into_iter().map(|(c, k)| (c.to_owned(), k)).collect();
        let columns = BTreeMap::from([("tbl".to_owned(), table)]);
        // A Sunday when São Paulo had no DST any more but New York's starts.
        let now = Utc.with_ymd_and_hms(2024, 3, 10, 7, 30, 0).unwrap();
        Fixture { model, columns, now, filter_words: ponte_fuzz::set(FILTER_WORDS) }
    })
}

/// The query filtered by `expr` on `field`; without a filter, the field is
/// selected instead, so the baseline SQL holds its column and expression.
fn request(field: &str, expr: Option<&str>) -> QueryRequest {
    let mut fields = vec!["t.id".to_owned(), "t.total".to_owned()];
    let filters = match expr {
        Some(e) => BTreeMap::from([(field.to_owned(), e.to_owned())]),
        None => {
            fields.push(field.to_owned());
            BTreeMap::new()
        }
    };
    QueryRequest { model: "fz".into(), view: "t".into(), fields, filters, ..QueryRequest::default() }
}

fn assert_located(expr: &str, e: &FilterError) {
    let offset = e.offset();
    assert!(offset <= expr.len() && expr.is_char_boundary(offset), "offset {offset} outside {expr:?}: {e}");
    assert!(e.to_string().contains(expr), "the message names the expression: {e}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Some(expr) = ponte_fuzz::text(rest) else { return };
    let (_, field, kind) =
        FIELDS.iter().find(|(b, ..)| *b == selector).copied().unwrap_or(FIELDS[selector as usize % 6]);
    let f = fixture();

    let parsed = kind.parse(expr);
    match &parsed {
        Err(e) => assert_located(expr, e),
        Ok(Filter::Date(date)) => {
            for zone in [chrono_tz::America::Sao_Paulo, chrono_tz::America::New_York, chrono_tz::Pacific::Apia] {
                if let ResolvedDateFilter::Ranges(ranges) = resolve(date, f.now.with_timezone(&zone)) {
                    // `X to Y` with a relative end may run backwards and
                    // match nothing, by design; nothing else may.
                    let between = expr.split_whitespace().any(|w| w.eq_ignore_ascii_case("to"));
                    for r in ranges {
                        if let (Some(start), Some(end), false) = (r.start, r.end, between) {
                            assert!(start <= end, "{expr:?} resolves to a backwards range {r:?}");
                        }
                    }
                }
            }
        }
        Ok(_) => {}
    }

    for dialect in [Dialect::DataFusion, Dialect::BigQuery] {
        let target = Target::new(dialect, &f.columns);
        let caller = Caller::default();
        let compiled = compile(&f.model, &request(field, Some(expr)), &caller, &target, f.now);
        match (&parsed, compiled) {
            (Ok(_), Ok(query)) => {
                let baseline = compile(&f.model, &request(field, None), &caller, &target, f.now)
                    .unwrap_or_else(|e| panic!("the unfiltered query compiles: {e}"));
                assert_only_bound(&query.sql, query.params.len(), &Tokens::of(&baseline.sql), &f.filter_words);
            }
            (Ok(_), Err(e)) => panic!("{expr:?} parses as a filter on {field} but does not compile: {e}"),
            (Err(_), Err(QueryError::BadFilter { .. })) => {}
            (Err(parse), other) => panic!("{expr:?} does not parse ({parse}) but compiles to {other:?}"),
        }
    }
});
