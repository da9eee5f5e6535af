//! BigQuery JSON schema files, as `bq load --schema` reads them.
//!
//! A file holds either one table's fields (`[{"name", "type", "mode",
//! "fields", "description"}, …]`) or a map from table name to such a list,
//! so one file can describe every table of a deployment. Every problem in a
//! file is reported at once, each naming the field by its path
//! (`objeto_x[3].endereco.cep`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Position, SourceText};

/// The column types BigQuery's TableFieldSchema accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// STRING
    String,
    /// BYTES
    Bytes,
    /// INTEGER / INT64
    Int64,
    /// FLOAT / FLOAT64
    Float64,
    /// NUMERIC: 38 digits, 9 after the point.
    Numeric,
    /// BIGNUMERIC: 76 digits, 38 after the point.
    BigNumeric,
    /// BOOLEAN / BOOL
    Bool,
    /// TIMESTAMP: an instant, microseconds, UTC.
    Timestamp,
    /// DATE
    Date,
    /// TIME (of day)
    Time,
    /// DATETIME: a civil date and time without zone.
    Datetime,
    /// GEOGRAPHY (WKT or GeoJSON text)
    Geography,
    /// JSON
    Json,
    /// RECORD / STRUCT: nested fields.
    Record,
    /// RANGE of DATE, DATETIME or TIMESTAMP.
    Range,
}

impl FieldType {
    /// Reads a type name, accepting the legacy names and any letter case.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "STRING" => Self::String,
            "BYTES" => Self::Bytes,
            "INTEGER" | "INT64" => Self::Int64,
            "FLOAT" | "FLOAT64" => Self::Float64,
            "NUMERIC" => Self::Numeric,
            "BIGNUMERIC" => Self::BigNumeric,
            "BOOLEAN" | "BOOL" => Self::Bool,
            "TIMESTAMP" => Self::Timestamp,
            "DATE" => Self::Date,
            "TIME" => Self::Time,
            "DATETIME" => Self::Datetime,
            "GEOGRAPHY" => Self::Geography,
            "JSON" => Self::Json,
            "RECORD" | "STRUCT" => Self::Record,
            "RANGE" => Self::Range,
            _ => return None,
        })
    }

    /// The name BigQuery's REST API reports for this type.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Bytes => "BYTES",
            Self::Int64 => "INTEGER",
            Self::Float64 => "FLOAT",
            Self::Numeric => "NUMERIC",
            Self::BigNumeric => "BIGNUMERIC",
            Self::Bool => "BOOLEAN",
            Self::Timestamp => "TIMESTAMP",
            Self::Date => "DATE",
            Self::Time => "TIME",
            Self::Datetime => "DATETIME",
            Self::Geography => "GEOGRAPHY",
            Self::Json => "JSON",
            Self::Record => "RECORD",
            Self::Range => "RANGE",
        }
    }
}

const TYPE_NAMES: &str = "STRING, BYTES, INTEGER (INT64), FLOAT (FLOAT64), NUMERIC, BIGNUMERIC, BOOLEAN (BOOL), \
TIMESTAMP, DATE, TIME, DATETIME, GEOGRAPHY, JSON, RECORD (STRUCT), RANGE";

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// NULLABLE (the default), REQUIRED or REPEATED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FieldMode {
    /// May hold NULL.
    #[default]
    Nullable,
    /// Never NULL: a load with a NULL here fails.
    Required,
    /// An array of the type.
    Repeated,
}

impl fmt::Display for FieldMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Nullable => "NULLABLE",
            Self::Required => "REQUIRED",
            Self::Repeated => "REPEATED",
        })
    }
}

/// One column (or nested field) of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSchema {
    /// Column name: letters, digits and `_`, not starting with a digit.
    pub name: String,
    /// Column type.
    pub field_type: FieldType,
    /// Nullability or repetition.
    pub mode: FieldMode,
    /// Nested fields, for RECORD only.
    pub fields: Vec<FieldSchema>,
    /// Free text, shown in warehouse UIs.
    pub description: Option<String>,
    /// For STRING/BYTES: maximum length.
    pub max_length: Option<i64>,
    /// For NUMERIC/BIGNUMERIC: total digits.
    pub precision: Option<i64>,
    /// For NUMERIC/BIGNUMERIC: digits after the point.
    pub scale: Option<i64>,
    /// For RANGE: the element type (DATE, DATETIME or TIMESTAMP).
    pub range_element_type: Option<FieldType>,
}

/// A table's columns, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableSchema {
    /// Top-level columns.
    pub fields: Vec<FieldSchema>,
}

impl TableSchema {
    /// Looks a top-level column up by name, ignoring case as BigQuery does.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// A parsed schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it holds.
    pub content: SchemaContent,
}

/// The two shapes a schema file may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaContent {
    /// One table's fields: applies to whichever table names the file.
    Single(TableSchema),
    /// Table name → fields.
    PerTable(BTreeMap<String, TableSchema>),
}

impl SchemaFile {
    /// The schema for `table`: the single schema, or the map's entry.
    pub fn table(&self, table: &str) -> Option<&TableSchema> {
        match &self.content {
            SchemaContent::Single(s) => Some(s),
            SchemaContent::PerTable(m) => m.get(table),
        }
    }

    /// Table names of a per-table file (empty for a single-table file).
    pub fn table_names(&self) -> Vec<&str> {
        match &self.content {
            SchemaContent::Single(_) => Vec::new(),
            SchemaContent::PerTable(m) => m.keys().map(String::as_str).collect(),
        }
    }
}

/// Why a schema file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file could not be read.
    #[error("cannot read schema file {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{}:{line}:{column}: not valid JSON: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// The parser's explanation.
        message: String,
    },
    /// JSON, but not a valid schema; every problem found.
    #[error("{}: {} problem(s) in schema file:\n  {}", path.display(), problems.len(), problems.join("\n  "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// One line per problem, each naming the field by its path.
        problems: Vec<String>,
    },
}

/// Reads and checks a schema file.
pub fn load_schema_file(path: &Path) -> Result<SchemaFile, SchemaError> {
    let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Io { path: path.to_owned(), source })?;
    parse_schema(path, &text)
}

/// Parses schema text; `path` is only used in messages.
pub fn parse_schema(path: &Path, text: &str) -> Result<SchemaFile, SchemaError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let Position { line, column } = json_error_position(text, e.line(), e.column());
        SchemaError::Json { path: path.to_owned(), line, column, message: e.to_string() }
    })?;
    let mut problems = Vec::new();
    let content = match &value {
        Value::Array(items) => SchemaContent::Single(TableSchema { fields: parse_fields(items, "", &mut problems) }),
        Value::Object(tables) => {
            let mut map = BTreeMap::new();
            for (table, fields) in tables {
                match fields {
                    Value::Array(items) => {
                        map.insert(table.clone(), TableSchema { fields: parse_fields(items, table, &mut problems) });
                    }
                    other => problems.push(format!("{table}: expected an array of fields, found {}", json_kind(other))),
                }
            }
            SchemaContent::PerTable(map)
        }
        other => {
            problems.push(format!(
                "expected an array of fields or an object of table name → fields, found {}",
                json_kind(other)
            ));
            SchemaContent::Single(TableSchema::default())
        }
    };
    if problems.is_empty() {
        Ok(SchemaFile { path: path.to_owned(), content })
    } else {
        Err(SchemaError::Invalid { path: path.to_owned(), problems })
    }
}

/// serde_json counts columns in bytes; diagnostics count characters (see
/// [`Position`]), so a line with accents before the fault would point past it.
fn json_error_position(text: &str, line: usize, byte_column: usize) -> Position {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    SourceText { path: Path::new(""), text }.position(line_start + byte_column.saturating_sub(1))
}

/// Keys of TableFieldSchema that ponte reads or knows to be harmless.
const KNOWN_KEYS: &[&str] = &[
    "name",
    "type",
    "mode",
    "fields",
    "description",
    "maxLength",
    "precision",
    "scale",
    "rangeElementType",
    "policyTags",
    "roundingMode",
    "collation",
    "defaultValueExpression",
    "timestampPrecision",
    "dataPolicies",
    "categories",
];

fn parse_fields(items: &[Value], parent: &str, problems: &mut Vec<String>) -> Vec<FieldSchema> {
    let mut out: Vec<FieldSchema> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    if items.is_empty() {
        let place = if parent.is_empty() { "the schema" } else { parent };
        problems.push(format!("{place}: a table or RECORD needs at least one field"));
    }
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            problems.push(format!("{parent}[{i}]: expected a field object, found {}", json_kind(item)));
            continue;
        };
        // Duplicates are checked on every named field, parsed or not.
        if let Some(Value::String(name)) = obj.get("name") {
            if names.iter().any(|n: &String| n.eq_ignore_ascii_case(name)) {
                problems.push(format!("{parent}[{i}] (\"{name}\"): duplicate field name (names ignore case)"));
            }
            names.push(name.clone());
        }
        if let Some(field) = parse_field(obj, parent, i, problems) {
            out.push(field);
        }
    }
    out
}

fn parse_field(
    obj: &Map<String, Value>,
    parent: &str,
    index: usize,
    problems: &mut Vec<String>,
) -> Option<FieldSchema> {
    let before = problems.len();
    let at = format!("{parent}[{index}]");
    let name = match obj.get("name") {
        Some(Value::String(n)) => Some(n.clone()),
        Some(other) => {
            problems.push(format!("{at}: \"name\" must be a string, found {}", json_kind(other)));
            None
        }
        None => {
            problems.push(format!("{at}: missing \"name\""));
            None
        }
    };
    // A name given as "" is checked (and refused) like any other; only a
    // missing or non-string one, already reported, is not.
    let checked = name.as_deref().map(check_column_name);
    let name = name.unwrap_or_default();
    let at = if name.is_empty() { at.to_owned() } else { format!("{at} (\"{name}\")") };
    if let Some(Err(reason)) = checked {
        problems.push(format!("{at}: bad field name: {reason}"));
    }
    for key in obj.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            problems.push(format!("{at}: unknown key \"{key}\"; expected one of {}", KNOWN_KEYS.join(", ")));
        }
    }
    let field_type = match obj.get("type") {
        Some(Value::String(t)) => FieldType::from_name(t).or_else(|| {
            problems.push(format!("{at}: unknown type \"{t}\"; expected one of {TYPE_NAMES}"));
            None
        }),
        Some(other) => {
            problems.push(format!("{at}: \"type\" must be a string, found {}", json_kind(other)));
            None
        }
        None => {
            problems.push(format!("{at}: missing \"type\""));
            None
        }
    };
    let mode = match obj.get("mode") {
        None | Some(Value::Null) => FieldMode::Nullable,
        Some(Value::String(m)) => match m.to_ascii_uppercase().as_str() {
            "NULLABLE" => FieldMode::Nullable,
            "REQUIRED" => FieldMode::Required,
            "REPEATED" => FieldMode::Repeated,
            _ => {
                problems.push(format!("{at}: unknown mode \"{m}\"; expected NULLABLE, REQUIRED or REPEATED"));
                FieldMode::Nullable
            }
        },
        Some(other) => {
            problems.push(format!("{at}: \"mode\" must be a string, found {}", json_kind(other)));
            FieldMode::Nullable
        }
    };
    let description = match obj.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => Some(d.clone()),
        Some(other) => {
            problems.push(format!("{at}: \"description\" must be a string, found {}", json_kind(other)));
            None
        }
    };
    let fields = match (field_type, obj.get("fields")) {
        (Some(FieldType::Record), Some(Value::Array(items))) => {
            let nested = if parent.is_empty() { name.clone() } else { format!("{parent}.{name}") };
            parse_fields(items, &nested, problems)
        }
        (Some(FieldType::Record), None) => {
            problems.push(format!("{at}: a RECORD needs \"fields\""));
            Vec::new()
        }
        (_, Some(Value::Array(_))) => {
            problems.push(format!("{at}: only a RECORD may have \"fields\""));
            Vec::new()
        }
        (_, Some(other)) => {
            problems.push(format!("{at}: \"fields\" must be an array, found {}", json_kind(other)));
            Vec::new()
        }
        (_, None) => Vec::new(),
    };
    let max_length = integer(obj, "maxLength", &at, problems);
    let precision = integer(obj, "precision", &at, problems);
    let scale = integer(obj, "scale", &at, problems);
    let is_text = matches!(field_type, Some(FieldType::String | FieldType::Bytes));
    let is_decimal = matches!(field_type, Some(FieldType::Numeric | FieldType::BigNumeric));
    if max_length.is_some() && !is_text {
        problems.push(format!("{at}: \"maxLength\" applies only to STRING and BYTES"));
    }
    if (precision.is_some() || scale.is_some()) && !is_decimal {
        problems.push(format!("{at}: \"precision\" and \"scale\" apply only to NUMERIC and BIGNUMERIC"));
    }
    if let (Some(p), Some(s)) = (precision, scale)
        && (s < 0 || s > p)
    {
        problems.push(format!("{at}: scale {s} must be between 0 and precision {p}"));
    }
    let range_element_type = match (field_type, obj.get("rangeElementType")) {
        (Some(FieldType::Range), Some(Value::Object(r))) => {
            match r.get("type").and_then(Value::as_str).and_then(FieldType::from_name) {
                Some(t @ (FieldType::Date | FieldType::Datetime | FieldType::Timestamp)) => Some(t),
                _ => {
                    problems.push(format!("{at}: rangeElementType.type must be DATE, DATETIME or TIMESTAMP"));
                    None
                }
            }
        }
        (Some(FieldType::Range), _) => {
            problems.push(format!("{at}: a RANGE needs \"rangeElementType\": {{\"type\": …}}"));
            None
        }
        (_, Some(_)) => {
            problems.push(format!("{at}: \"rangeElementType\" applies only to RANGE"));
            None
        }
        (_, None) => None,
    };
    if problems.len() > before {
        return None;
    }
    Some(FieldSchema {
        name,
        field_type: field_type?,
        mode,
        fields,
        description,
        max_length,
        precision,
        scale,
        range_element_type,
    })
}

/// The REST API writes int64 values as strings; accept both.
fn integer(obj: &Map<String, Value>, key: &str, at: &str, problems: &mut Vec<String>) -> Option<i64> {
    match obj.get(key)? {
        Value::Number(n) if n.is_i64() => n.as_i64(),
        Value::String(s) if s.parse::<i64>().is_ok() => s.parse().ok(),
        Value::Null => None,
        other => {
            problems.push(format!("{at}: \"{key}\" must be a whole number, found {}", json_kind(other)));
            None
        }
    }
}

/// BigQuery's column name rule: letters, digits and underscores, starting
/// with a letter or underscore, at most 300 characters.
pub fn check_column_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty");
    }
    if name.len() > 300 {
        return Err("longer than 300 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("may hold only letters, digits and underscores");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a letter or underscore");
    }
    Ok(())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
