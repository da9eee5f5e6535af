//! Table schemas in BigQuery's JSON (TableFieldSchema), both ways.

use ponte_config::{FieldMode, FieldSchema, TableSchema};
use serde_json::{Map, Value, json};

use crate::WarehouseError;

/// Fields as jobs.insert takes them.
pub(crate) fn fields_json(fields: &[FieldSchema]) -> Value {
    Value::Array(fields.iter().map(field_json).collect())
}

fn field_json(f: &FieldSchema) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(f.name));
    o.insert("type".into(), json!(f.field_type.api_name()));
    let mode = match f.mode {
        FieldMode::Nullable => "NULLABLE",
        FieldMode::Required => "REQUIRED",
        FieldMode::Repeated => "REPEATED",
    };
    o.insert("mode".into(), json!(mode));
    if !f.fields.is_empty() {
        o.insert("fields".into(), fields_json(&f.fields));
    }
    if let Some(d) = &f.description {
        o.insert("description".into(), json!(d));
    }
    // int64 values travel as strings in Google's JSON.
    for (key, value) in [("maxLength", f.max_length), ("precision", f.precision), ("scale", f.scale)] {
        if let Some(v) = value {
            o.insert(key.into(), json!(v.to_string()));
        }
    }
    if let Some(t) = f.range_element_type {
        o.insert("rangeElementType".into(), json!({ "type": t.api_name() }));
    }
    Value::Object(o)
}

/// A schema BigQuery reported (a Table's or a query's `schema.fields`).
pub(crate) fn parse_fields(what: &str, fields: &Value) -> Result<TableSchema, WarehouseError> {
    let fields = match fields {
        Value::Null => Value::Array(Vec::new()),
        other => other.clone(),
    };
    let text = fields.to_string();
    let file = ponte_config::schema::parse_schema(std::path::Path::new(what), &text)
        .map_err(|e| WarehouseError::Http { operation: what.to_owned(), message: format!("unreadable schema: {e}") })?;
    file.table(what).cloned().ok_or_else(|| WarehouseError::Http {
        operation: what.to_owned(),
        message: "the schema is not a list of fields".into(),
    })
}
