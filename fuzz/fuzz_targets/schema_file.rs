//! BigQuery JSON schema files (`bq load --schema`), as the config reads them.
//!
//! Properties: never panics; a JSON error has a line and column inside the
//! text; an invalid schema lists at least one problem; in a valid one every
//! table can be looked up by the name it lists, every field has a BigQuery
//! column name unique (ignoring case) among its siblings, and exactly the
//! RECORD fields have nested fields.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ponte_config::schema::{FieldSchema, FieldType, SchemaContent, SchemaError, check_column_name, parse_schema};

fuzz_target!(|data: &[u8]| {
    let Some(text) = ponte_fuzz::text(data) else { return };
    match parse_schema(Path::new("schema.json"), text) {
        Ok(file) => {
            for name in file.table_names() {
                assert!(file.table(name).is_some(), "table {name} listed but not found");
            }
            match &file.content {
                SchemaContent::Single(table) => check_fields(&table.fields),
                SchemaContent::PerTable(tables) => tables.values().for_each(|t| check_fields(&t.fields)),
            }
        }
        Err(SchemaError::Json { line, column, .. }) => {
            let lines: Vec<&str> = text.split('\n').collect();
            assert!(line >= 1 && line <= lines.len(), "line {line} outside the text");
            assert!(column <= lines[line - 1].chars().count() + 1, "column {column} outside line {line}");
        }
        Err(SchemaError::Invalid { problems, .. }) => assert!(!problems.is_empty()),
        Err(e @ SchemaError::Io { .. }) => panic!("parse_schema reads no file: {e}"),
    }
});

fn check_fields(fields: &[FieldSchema]) {
    assert!(!fields.is_empty(), "a table or RECORD has fields");
    for (i, f) in fields.iter().enumerate() {
        assert_eq!(check_column_name(&f.name), Ok(()), "{:?}", f.name);
        assert!(!fields[..i].iter().any(|g| g.name.eq_ignore_ascii_case(&f.name)), "duplicate {:?}", f.name);
        if f.field_type == FieldType::Record {
            check_fields(&f.fields);
        } else {
            assert!(f.fields.is_empty(), "{:?} is not a RECORD but has fields", f.name);
        }
    }
}
