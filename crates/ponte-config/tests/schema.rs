//! BigQuery JSON schema files: every type and mode, nesting, both file
//! shapes, and bad input named by field.

use std::path::Path;

use ponte_config::schema::{SchemaContent, SchemaError, parse_schema};
use ponte_config::{FieldMode, FieldType};

fn parse(text: &str) -> Result<ponte_config::SchemaFile, SchemaError> {
    parse_schema(Path::new("schema.json"), text)
}

fn problems(text: &str) -> Vec<String> {
    match parse(text) {
        Err(SchemaError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn every_type_and_legacy_name() {
    let cases = [
        ("STRING", FieldType::String),
        ("BYTES", FieldType::Bytes),
        ("INTEGER", FieldType::Int64),
        ("INT64", FieldType::Int64),
        ("FLOAT", FieldType::Float64),
        ("FLOAT64", FieldType::Float64),
        ("NUMERIC", FieldType::Numeric),
        ("BIGNUMERIC", FieldType::BigNumeric),
        ("BOOLEAN", FieldType::Bool),
        ("BOOL", FieldType::Bool),
        ("TIMESTAMP", FieldType::Timestamp),
        ("DATE", FieldType::Date),
        ("TIME", FieldType::Time),
        ("DATETIME", FieldType::Datetime),
        ("GEOGRAPHY", FieldType::Geography),
        ("JSON", FieldType::Json),
        ("string", FieldType::String),
    ];
    let fields: Vec<String> =
        cases.iter().enumerate().map(|(i, (t, _))| format!(r#"{{"name": "c{i}", "type": "{t}"}}"#)).collect();
    let file = parse(&format!("[{}]", fields.join(","))).unwrap();
    let table = file.table("anything").unwrap();
    for (i, (_, want)) in cases.iter().enumerate() {
        assert_eq!(table.fields[i].field_type, *want, "c{i}");
        assert_eq!(table.fields[i].mode, FieldMode::Nullable);
    }
}

#[test]
fn modes_records_ranges_and_parameters() {
    let file = parse(
        r#"{
          "orders": [
            {"name": "id", "type": "INTEGER", "mode": "REQUIRED", "description": "key"},
            {"name": "tags", "type": "STRING", "mode": "REPEATED", "maxLength": "20"},
            {"name": "total", "type": "NUMERIC", "precision": 18, "scale": "2"},
            {"name": "valid", "type": "RANGE", "rangeElementType": {"type": "DATE"}},
            {"name": "address", "type": "RECORD", "mode": "NULLABLE", "fields": [
              {"name": "city", "type": "STRING"},
              {"name": "geo", "type": "STRUCT", "fields": [{"name": "lat", "type": "FLOAT64"}]}
            ]}
          ],
          "other": [{"name": "x", "type": "BOOL", "policyTags": {"names": []}}]
        }"#,
    )
    .unwrap();
    let SchemaContent::PerTable(tables) = &file.content else { panic!("expected a per-table file") };
    assert_eq!(tables.len(), 2);
    let orders = file.table("orders").unwrap();
    assert_eq!(orders.fields[0].mode, FieldMode::Required);
    assert_eq!(orders.fields[0].description.as_deref(), Some("key"));
    assert_eq!(orders.fields[1].mode, FieldMode::Repeated);
    assert_eq!(orders.fields[1].max_length, Some(20));
    assert_eq!((orders.fields[2].precision, orders.fields[2].scale), (Some(18), Some(2)));
    assert_eq!(orders.fields[3].range_element_type, Some(FieldType::Date));
    let address = orders.field("ADDRESS").unwrap();
    assert_eq!(address.field_type, FieldType::Record);
    assert_eq!(address.fields[1].fields[0].name, "lat");
    assert!(file.table("missing").is_none());
}

#[test]
fn every_problem_names_its_field() {
    let p = problems(
        r#"{"t": [
            {"name": "1st", "type": "STRING"},
            {"name": "ok", "type": "MONEY"},
            {"name": "m", "type": "STRING", "mode": "OPTIONAL"},
            {"type": "STRING"},
            {"name": "r", "type": "RECORD"},
            {"name": "s", "type": "STRING", "fields": []},
            {"name": "n", "type": "INTEGER", "precision": 5},
            {"name": "d", "type": "NUMERIC", "precision": 5, "scale": 7},
            {"name": "OK", "type": "STRING"},
            {"name": "u", "type": "STRING", "colour": "red"},
            {"name": "nest", "type": "RECORD", "fields": [{"name": "inner", "type": "NOPE"}]},
            "text"
        ], "empty": [], "bad": {}}"#,
    );
    let all = p.join("\n");
    for want in [
        "t[0] (\"1st\"): bad field name: must start with a letter or underscore",
        "t[1] (\"ok\"): unknown type \"MONEY\"; expected one of STRING",
        "t[2] (\"m\"): unknown mode \"OPTIONAL\"",
        "t[3]: missing \"name\"",
        "t[4] (\"r\"): a RECORD needs \"fields\"",
        "t[5] (\"s\"): only a RECORD may have \"fields\"",
        "t[6] (\"n\"): \"precision\" and \"scale\" apply only to NUMERIC",
        "t[7] (\"d\"): scale 7 must be between 0 and precision 5",
        "t[8] (\"OK\"): duplicate field name",
        "t[9] (\"u\"): unknown key \"colour\"",
        "t.nest[0] (\"inner\"): unknown type \"NOPE\"",
        "t[11]: expected a field object, found a string",
        "empty: a table or RECORD needs at least one field",
        "bad: expected an array of fields, found an object",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
    assert_eq!(p.len(), 14, "{all}");
}

/// Found by the `schema_file` fuzz target: serde_json counts columns in
/// bytes, so accents earlier on the line pushed the reported column past
/// the fault (and past the end of the line).
#[test]
fn fuzz_json_error_columns_count_characters() {
    match parse("[\n  {\"name\": \"ação\",, }\n]") {
        Err(SchemaError::Json { line, column, .. }) => assert_eq!((line, column), (2, 19)),
        other => panic!("{other:?}"),
    }
    match parse("{\"ç\": [\n  {\"description\": \"Identidade do usuário\", \"type\": STRING}]}") {
        Err(SchemaError::Json { line, column, .. }) => assert_eq!((line, column), (2, 52)),
        other => panic!("{other:?}"),
    }
}

/// Found by the `schema_file` fuzz target: a field named `""` was accepted
/// (the name rule was skipped for empty names), giving a column no query
/// could name.
#[test]
fn fuzz_empty_field_name_is_refused() {
    let p = problems(r#"{"dados_infomerc": [{"name": "", "type": "FLOAT", "mode": "NULLABLE"}]}"#);
    assert_eq!(p, ["dados_infomerc[0]: bad field name: empty"]);
}

#[test]
fn json_syntax_errors_have_line_and_column() {
    match parse("[\n  {\"name\": \"a\",, }\n]") {
        Err(SchemaError::Json { line, column, .. }) => assert_eq!((line, column), (2, 16)),
        other => panic!("{other:?}"),
    }
    let err = parse("[\n  {\"name\": \"a\",, }\n]").unwrap_err().to_string();
    assert!(err.starts_with("schema.json:2:16: not valid JSON"), "{err}");
    assert!(problems("42")[0].contains("expected an array of fields or an object"));
}

#[test]
fn the_example_schema_file_parses() {
    let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .join("../../examples/comerc/schemas/comerc.json");
    let file = ponte_config::schema::load_schema_file(&path).unwrap();
    assert_eq!(file.table_names().len(), 7);
}
