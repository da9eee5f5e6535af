use std::path::Path;

use super::*;
use crate::tree::{List, ScalarKind, Value};

fn parse(text: &str) -> Result<Document, ParseError> {
    parse_str(text, Path::new("t.view.lkml"), Limits::default())
}

#[test]
fn every_pair_keeps_its_line_and_column() {
    let doc = parse("# head\nview: v {\n  dimension: d {\n    sql: ${TABLE}.a\n      + 1 ;;\n  }\n  measure: m { type: count }\n}\n")
        .unwrap();
    let view = doc.pairs[0].value.block().unwrap();
    assert_eq!((doc.pairs[0].pos.line, doc.pairs[0].pos.column), (2, 1));
    let dim = &view.pairs[0];
    assert_eq!((dim.key.as_str(), dim.pos.line, dim.pos.column), ("dimension", 3, 3));
    let sql = dim.value.block().unwrap().get("sql").unwrap();
    assert_eq!(sql.pos.line, 4);
    let text = sql.value.scalar().unwrap();
    assert_eq!(
        (text.text.as_str(), text.kind, text.pos.line, text.pos.column),
        ("${TABLE}.a\n      + 1", ScalarKind::Sql, 4, 10)
    );
    let measure = &view.pairs[1];
    assert_eq!(measure.pos.line, 7);
    assert_eq!(measure.value.block().unwrap().get("type").unwrap().pos.column, 16);
}

#[test]
fn lists_hold_values_or_pairs() {
    let doc = parse("a: [x, \"y z\"]\nb: [k: \"v\", l: w]\nc: []\n").unwrap();
    let Value::List(List::Values(values)) = &doc.pairs[0].value else { panic!() };
    assert_eq!(
        values.iter().map(|v| (v.text.as_str(), v.kind)).collect::<Vec<_>>(),
        [("x", ScalarKind::Bare), ("y z", ScalarKind::Quoted)]
    );
    let Value::List(List::Pairs(pairs)) = &doc.pairs[1].value else { panic!() };
    assert_eq!(pairs.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["k", "l"]);
    assert_eq!(doc.pairs[2].value, Value::List(List::Values(vec![])));
}

#[test]
fn errors_say_where_and_what_was_expected() {
    let err = parse("view: v {\n  dimension: d {\n    sql: ${TABLE}.a }\n}\n").unwrap_err().to_string();
    assert_eq!(err, "t.view.lkml:3:10: expected `;;` to end the SQL block, found `${TABLE}.a }`");
    let err = parse("view: v {\n  tags: [a b]\n}\n").unwrap_err().to_string();
    assert_eq!(err, "t.view.lkml:2:12: expected `,` or the `]` that closes the list, found `b]`");
    let err = parse("view: v {\n  label: \"open\n}\n").unwrap_err().to_string();
    assert_eq!(err, "t.view.lkml:4:1: expected the closing `\"` of the string, found the end of the file");
    let err = parse("view: v {\n  dimension: d {\n").unwrap_err().to_string();
    assert!(err.starts_with("t.view.lkml:3:1: expected a key such as `dimension:` or the `}`"), "{err}");
}

#[test]
fn hostile_nesting_is_refused_without_exhausting_the_stack() {
    let deep = "a: {".repeat(200_000);
    let err = parse(&deep).unwrap_err();
    assert!(matches!(err, ParseError::TooDeep { line: 1, column: 260, limit: 64, .. }), "{err}");
    let fine = format!("{}{}", "a: {".repeat(64), "}".repeat(64));
    parse(&fine).unwrap();
    let over = format!("{}{}", "a: {".repeat(65), "}".repeat(65));
    assert!(matches!(parse(&over).unwrap_err(), ParseError::TooDeep { .. }));
}

#[test]
fn oversized_files_are_refused_before_parsing() {
    let limits = Limits { max_bytes: 10, max_depth: 4 };
    let err = parse_str("view: abcdefgh {}", Path::new("big.view.lkml"), limits).unwrap_err();
    assert_eq!(err.to_string(), "big.view.lkml: 17 bytes, over the 10-byte limit for one LookML file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.view.lkml");
    std::fs::write(&path, "x".repeat(11)).unwrap();
    assert!(matches!(parse_file(&path, limits).unwrap_err(), ParseError::TooLarge { size: 11, .. }));
    std::fs::write(&path, [0xff, 0xfe]).unwrap();
    assert!(matches!(parse_file(&path, limits).unwrap_err(), ParseError::NotUtf8 { .. }));
}

#[test]
fn long_files_parse_in_linear_time() {
    let view = "view: v {\n".to_owned()
        + &(0..20_000)
            .map(|n| format!("  dimension: d{n} {{ type: number sql: ${{TABLE}}.c{n} ;; }}\n"))
            .collect::<String>()
        + "}\n";
    let start = std::time::Instant::now();
    let doc = parse(&view).unwrap();
    assert_eq!(doc.pairs[0].value.block().unwrap().pairs.len(), 20_000);
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "{:?}", start.elapsed());
}
