//! Rendering checked on hand-built batches: values as Looker shows them,
//! CSV quoting and formula neutralising, the SQL text.

use std::sync::Arc;

use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;

use serde_json::json;

use super::cell::cell;
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

/// A query of `columns`, neither pivoted nor with table calculations.
fn plain_query(columns: Vec<OutputColumn>) -> CompiledQuery {
    CompiledQuery {
        sql: "SELECT 1".into(),
        params: vec![],
        columns,
        limit: 500,
        table_calculations: vec![],
        sorts_after: vec![],
        pivot: None,
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
    let query = plain_query(columns);
    (query, vec![batch])
}

/// Cost by unit pivoted on status, as the warehouse returns it ranked: two
/// rows (`A`, `B`), three statuses (`Pago`, null, `Vencido`); `B` has no
/// null-status cell; four statuses in all, one cut by `column_limit`.
fn pivoted_sample() -> (CompiledQuery, Vec<RecordBatch>) {
    let columns = vec![
        column("f.unidade", "f__unidade", FieldKind::Dimension, "string"),
        column("f.status", "f__status", FieldKind::Dimension, "string"),
        column("f.total", "f__total", FieldKind::Measure, "sum"),
        column("share", "__table_calculation__share", FieldKind::TableCalculation, "number"),
    ];
    let calcs = ponte_semantic::calc::parse_dynamic_fields(
        r#"[{"table_calculation": "share", "expression": "${f.total} / sum(${f.total})"}]"#,
        &["f.unidade".to_owned(), "f.status".to_owned(), "f.total".to_owned()],
    )
    .unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("f__unidade", DataType::Utf8, true),
        Field::new("f__status", DataType::Utf8, true),
        Field::new("f__total", DataType::Float64, true),
        Field::new("__pivot_row_rank", DataType::UInt64, false),
        Field::new("__pivot_col_rank", DataType::UInt64, false),
        Field::new("__pivot_columns", DataType::UInt64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec!["A", "A", "A", "B", "B"])),
            Arc::new(StringArray::from(vec![Some("Pago"), None, Some("=Vencido"), Some("Pago"), Some("=Vencido")])),
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 3.0, 1.0])),
            Arc::new(arrow_array::UInt64Array::from(vec![1, 1, 1, 2, 2])),
            Arc::new(arrow_array::UInt64Array::from(vec![1, 2, 3, 1, 3])),
            Arc::new(arrow_array::UInt64Array::from(vec![4, 4, 4, 4, 4])),
        ],
    )
    .unwrap();
    let pivot = ponte_semantic::compile::PivotLayout { fields: vec!["f.status".into()], column_limit: 3, row_limit: 2 };
    let query = CompiledQuery {
        sql: "SELECT 1".into(),
        params: vec![],
        columns,
        limit: 500,
        table_calculations: calcs,
        sorts_after: vec![],
        pivot: Some(pivot),
    };
    (query, vec![batch])
}

#[test]
fn a_pivoted_result_is_spread_into_pivot_columns_in_every_format() {
    let (query, batches) = pivoted_sample();
    let rows = json_rows(&query, &batches);
    assert_eq!(
        rows,
        [
            json!({"f.unidade": "A", "f.total": {"Pago": 1.0, "∅": 2.0, "=Vencido": 3.0},
                   "share": {"Pago": 0.25, "∅": 1.0, "=Vencido": 0.75}}),
            json!({"f.unidade": "B", "f.total": {"Pago": 3.0, "∅": null, "=Vencido": 1.0},
                   "share": {"Pago": 0.75, "∅": null, "=Vencido": 0.25}}),
        ]
    );
    // Key order is pivot order, not alphabetical.
    let keys: Vec<&String> = rows[0]["f.total"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Pago", "∅", "=Vencido"]);

    let bi = json_bi(&query, &BTreeMap::new(), &batches);
    assert_eq!(bi["metadata"]["fields"]["pivots"][0]["name"], "f.status");
    let dimensions: Vec<&str> = bi["metadata"]["fields"]["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(dimensions, ["f.unidade"], "the pivot is listed as a pivot, not a dimension");
    assert_eq!(
        bi["metadata"]["pivots"][1],
        json!({"key": "∅", "data": {"f.status": "∅"}, "sort_values": {"f.status": null}, "is_total": false})
    );
    assert_eq!(bi["metadata"]["columns_truncated"], "true");
    assert_eq!(bi["rows"][1]["f.total|FIELD|Pago"], 3.0);
    assert_eq!(bi["rows"][1]["share|FIELD|=Vencido"], 0.25);
    assert_eq!(bi["rows"][1]["f.unidade"], "B");

    assert_eq!(
        csv(&query, &batches),
        "f status,Pago,Pago,∅,∅,'=Vencido,'=Vencido\r\n".to_owned()
            + "f unidade,f total,share,f total,share,f total,share\r\n"
            + "A,1.0,0.25,2.0,1.0,3.0,0.75\r\n"
            + "B,3.0,0.75,,,1.0,0.25\r\n"
    );
    let text = table(&query, &batches).unwrap();
    assert!(text.contains("f.total [Pago]") && text.contains("share [=Vencido]"), "{text}");
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
fn the_table_shows_the_values_csv_and_json_show() {
    let (query, batches) = sample();
    let text = table(&query, &batches).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains("| f.mes_month ") && lines[1].contains("| f.count |"), "{text}");
    assert!(
        lines[3].starts_with("| 2024-05     | 2024-Q2       | Yes     | Ana, \"A\" | 1.5     | 3       |"),
        "{text}"
    );
    assert!(lines[4].starts_with("|             | 2024-Q2       | No      |"), "{text}");
    assert!(!text.contains("2024-05-01"), "a month is shown as a month: {text}");
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
        ("=HYPERLINK(\"https://x\"&A2,\"Clique aqui\")", "\"'=HYPERLINK(\"\"https://x\"\"&A2,\"\"Clique aqui\"\")\""),
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

#[tokio::test]
async fn streamed_csv_and_json_are_the_bytes_of_the_whole_result() {
    use futures::StreamExt as _;
    let (query, batches) = sample();
    let twice = vec![batches[0].clone(), batches[0].clone()];
    for format in [ResultFormat::Csv, ResultFormat::Json] {
        let input = futures::stream::iter(twice.clone().into_iter().map(Ok)).boxed();
        let chunks: Vec<_> = stream_chunks(query.clone(), format, input).collect().await;
        let streamed: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        let whole = match format {
            ResultFormat::Csv => csv(&query, &twice),
            _ => Value::Array(json_rows(&query, &twice)).to_string(),
        };
        assert_eq!(String::from_utf8(streamed).unwrap(), whole, "{format:?}");
    }
}

/// One batch of every type `cell` knows, with nulls, NaN and infinities,
/// text that needs escaping, two columns of one name and a column the
/// batch does not have.
fn every_type_sample() -> (CompiledQuery, RecordBatch) {
    use arrow_array::types::Int32Type;
    use arrow_array::{
        Decimal128Array, DictionaryArray, LargeStringArray, StringViewArray, TimestampMicrosecondArray, UInt8Array,
    };
    let columns = vec![
        column("t.text", "a", FieldKind::Dimension, "string"),
        column("t.large", "b", FieldKind::Dimension, "string"),
        column("t.view", "c", FieldKind::Dimension, "string"),
        column("t.i64", "d", FieldKind::Measure, "number"),
        column("t.f64", "e", FieldKind::Measure, "number"),
        column("t.dec", "f", FieldKind::Measure, "sum"),
        column("t.day", "g", FieldKind::Dimension, "date"),
        column("t.at", "h", FieldKind::Dimension, "time"),
        column("t.yes", "i", FieldKind::Dimension, "yesno"),
        column("t.small", "j", FieldKind::Measure, "number"),
        column("t.dict", "k", FieldKind::Dimension, "string"),
        column("t.i32", "l", FieldKind::Measure, "number"),
        column("t.text", "m", FieldKind::Dimension, "string"),
        column("t.month", "n", FieldKind::Dimension, "date_month"),
        column("t.quarter", "o", FieldKind::Dimension, "date_quarter"),
        column("t.year", "p", FieldKind::Dimension, "date_year"),
        column("t.day64", "q", FieldKind::Dimension, "date"),
        column("t.secs", "r", FieldKind::Dimension, "time"),
        column("t.nanos", "s", FieldKind::Dimension, "time"),
        column("t.absent", "not_in_the_batch", FieldKind::Dimension, "string"),
    ];
    let fields = [
        ("a", DataType::Utf8),
        ("b", DataType::LargeUtf8),
        ("c", DataType::Utf8View),
        ("d", DataType::Int64),
        ("e", DataType::Float64),
        ("f", DataType::Decimal128(18, 2)),
        ("g", DataType::Date32),
        ("h", DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into()))),
        ("i", DataType::Boolean),
        ("j", DataType::UInt8),
        ("k", DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))),
        ("l", DataType::Int32),
        ("m", DataType::Utf8),
        ("n", DataType::Date32),
        ("o", DataType::Date32),
        ("p", DataType::Date32),
        ("q", DataType::Date64),
        ("r", DataType::Timestamp(arrow_schema::TimeUnit::Second, None)),
        ("s", DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, None)),
    ];
    let schema = Arc::new(Schema::new(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect::<Vec<_>>()));
    let text = ["\"quoted\" \\ back", "tab\tnew\nline \u{1} ctl", "ção – ✓ 😀", "</script>"];
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec![Some(text[0]), None, Some(text[2]), Some(text[3])])),
            Arc::new(LargeStringArray::from(vec![Some(text[1]), Some(text[2]), None, Some("")])),
            Arc::new(StringViewArray::from(vec![
                Some(text[2]),
                Some("a string longer than twelve bytes"),
                None,
                Some(text[0]),
            ])),
            Arc::new(Int64Array::from(vec![Some(i64::MIN), Some(i64::MAX), None, Some(0)])),
            Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(f64::INFINITY), Some(-0.1 + 0.3), Some(1e300)])),
            Arc::new(
                Decimal128Array::from(vec![Some(12345), Some(-1), None, Some(i128::from(i64::MAX))])
                    .with_precision_and_scale(18, 2)
                    .unwrap(),
            ),
            Arc::new(Date32Array::from(vec![Some(0), None, Some(19_000), Some(-1)])),
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(1_700_000_000_123_456), None, Some(0), Some(-1)])
                    .with_timezone("UTC"),
            ),
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None, Some(true)])),
            Arc::new(UInt8Array::from(vec![Some(255), None, Some(0), Some(7)])),
            Arc::new(DictionaryArray::<Int32Type>::from_iter([Some("x\"y"), None, Some("z"), Some("x\"y")])),
            Arc::new(arrow_array::Int32Array::from(vec![Some(i32::MIN), None, Some(-7), Some(i32::MAX)])),
            Arc::new(StringArray::from(vec![Some("the last of the name wins"), None, Some("m"), Some("")])),
            // Years 0 and 10000 (days since 1970), years -1 and 1, and
            // their like in milliseconds and seconds: chrono writes years
            // outside 0-9999 with a sign, and those go through `cell`.
            Arc::new(Date32Array::from(vec![Some(-719_468), Some(2_932_897), None, Some(20_000)])),
            Arc::new(Date32Array::from(vec![Some(-719_893), Some(19_100), Some(-719_162), None])),
            Arc::new(Date32Array::from(vec![Some(19_000), None, Some(2_932_897), Some(-719_893)])),
            Arc::new(arrow_array::Date64Array::from(vec![Some(0), Some(-86_400_000), None, Some(253_402_300_800_000)])),
            Arc::new(arrow_array::TimestampSecondArray::from(vec![
                Some(253_402_300_799),
                Some(253_402_300_800),
                None,
                Some(-62_167_219_200),
            ])),
            Arc::new(arrow_array::TimestampNanosecondArray::from(vec![Some(i64::MIN), Some(i64::MAX), None, Some(1)])),
        ],
    )
    .unwrap();
    let query = plain_query(columns);
    (query, batch)
}

/// The `json` text written directly is byte for byte the printout of
/// [`json_rows`]' values, over several batches of every type, and for a
/// pivoted query.
#[test]
fn json_text_is_the_printout_of_the_json_rows() {
    let (query, batch) = every_type_sample();
    for batches in [vec![], vec![batch.clone()], vec![batch.clone(), batch.slice(1, 2), batch.slice(0, 0), batch]] {
        let text = String::from_utf8(json_text(&query, &batches).unwrap()).unwrap();
        assert_eq!(text, Value::Array(json_rows(&query, &batches)).to_string());
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), batches.iter().map(RecordBatch::num_rows).sum::<usize>());
    }

    let (pivoted, batches) = pivoted_sample();
    let text = String::from_utf8(json_text(&pivoted, &batches).unwrap()).unwrap();
    assert_eq!(text, Value::Array(json_rows(&pivoted, &batches)).to_string());
}

/// The CSV lines written directly are the ones made from [`json_rows`]'
/// values, as they were before (the oracle below), over the same batches
/// as the JSON test: every type, escaping and formula text, NaN and
/// infinities (empty cells), two columns of one name, a missing column.
#[test]
fn csv_lines_are_the_ones_made_from_the_json_rows() {
    fn from_values(query: &CompiledQuery, batches: &[RecordBatch]) -> String {
        let mut out = csv_header(query);
        for row in json_rows(query, batches) {
            let Value::Object(object) = row else { unreachable!() };
            let cells: Vec<String> = query
                .columns
                .iter()
                .map(|c| match object.get(&c.name) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => {
                        let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
                        let cell = if formula { format!("'{s}") } else { s.clone() };
                        if cell.contains([',', '"', '\n', '\r']) {
                            format!("\"{}\"", cell.replace('"', "\"\""))
                        } else {
                            cell
                        }
                    }
                    Some(other) => other.to_string(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
    let (query, batch) = every_type_sample();
    // Formula text in a column of its own name (the first text column's
    // value is shown under its name's last column).
    let formulas = arrow_array::LargeStringArray::from(vec![Some("=1+1"), Some("-5"), Some("@x,\"y\""), Some("\tz")]);
    let mut columns = batch.columns().to_vec();
    columns[1] = Arc::new(formulas);
    let batch = RecordBatch::try_new(batch.schema(), columns).unwrap();
    for batches in [vec![], vec![batch.clone()], vec![batch.clone(), batch.slice(1, 2), batch.slice(0, 0), batch]] {
        assert_eq!(csv(&query, &batches), from_values(&query, &batches));
        assert_eq!(csv_header(&query) + &csv_rows(&query, &batches), from_values(&query, &batches));
    }
}
