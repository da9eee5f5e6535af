//! The conformance suite every [`Warehouse`] backend passes: the same
//! writes, failures and queries, the same answers. Each backend's test file
//! runs [`run_all`] on a fresh warehouse.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_cast::pretty::pretty_format_batches;
use chrono::{NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use ponte_config::TableSchema;
use ponte_warehouse::{BatchStream, QueryOptions, QueryParam, Warehouse, WarehouseError, WarehouseExt, arrow_schema};

/// Every scalar type a schema file may declare, and an id to order by.
const SCHEMA: &str = r#"[
  {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
  {"name": "name", "type": "STRING"},
  {"name": "payload", "type": "BYTES"},
  {"name": "qty", "type": "INT64"},
  {"name": "ratio", "type": "FLOAT"},
  {"name": "amount", "type": "NUMERIC"},
  {"name": "paid", "type": "BOOLEAN"},
  {"name": "happened_at", "type": "TIMESTAMP"},
  {"name": "day", "type": "DATE"},
  {"name": "clock", "type": "TIME"},
  {"name": "local", "type": "DATETIME"}
]"#;

pub fn schema() -> TableSchema {
    ponte_config::schema::parse_schema("conformance.json".as_ref(), SCHEMA).unwrap().table("t").unwrap().clone()
}

/// Rows `first..first + n`; every 4th row has nulls in all nullable columns.
pub fn rows(first: i64, n: i64) -> RecordBatch {
    let schema = Arc::new(arrow_schema(&schema()));
    let (mut id, mut name, mut payload, mut qty) =
        (Int64Builder::new(), StringBuilder::new(), BinaryBuilder::new(), Int64Builder::new());
    let (mut ratio, mut amount, mut paid) = (
        Float64Builder::new(),
        Decimal128Builder::new().with_precision_and_scale(38, 9).unwrap(),
        BooleanBuilder::new(),
    );
    let (mut at, mut day, mut clock, mut local) = (
        TimestampMicrosecondBuilder::new().with_timezone("UTC"),
        Date32Builder::new(),
        Time64MicrosecondBuilder::new(),
        TimestampMicrosecondBuilder::new(),
    );
    for i in first..first + n {
        id.append_value(i);
        if i % 4 == 3 {
            name.append_null();
            payload.append_null();
            qty.append_null();
            ratio.append_null();
            amount.append_null();
            paid.append_null();
            at.append_null();
            day.append_null();
            clock.append_null();
            local.append_null();
            continue;
        }
        name.append_value(format!("cliente ção {}", i % 7));
        payload.append_value([i as u8, 0, 255]);
        qty.append_value(i * 10 - 5);
        ratio.append_value(i as f64 / 8.0);
        amount.append_value(i as i128 * 1_234_567_891 + 7);
        paid.append_value(i % 2 == 0);
        let instant = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap() + chrono::Duration::minutes(i * 37);
        at.append_value(instant.timestamp_micros());
        day.append_value(20_000 + i as i32);
        clock.append_value((i * 1_000_003) % 86_400_000_000);
        local.append_value(instant.timestamp_micros() - 3 * 3_600_000_000);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(name.finish()),
        Arc::new(payload.finish()),
        Arc::new(qty.finish()),
        Arc::new(ratio.finish()),
        Arc::new(amount.finish()),
        Arc::new(paid.finish()),
        Arc::new(at.finish()),
        Arc::new(day.finish()),
        Arc::new(clock.finish()),
        Arc::new(local.finish()),
    ];
    RecordBatch::try_new(schema, columns).unwrap()
}

fn stream(batches: Vec<RecordBatch>) -> BatchStream {
    futures::stream::iter(batches.into_iter().map(Ok)).boxed()
}

/// Batches, then a failure: a producer that dies mid-write.
fn failing(batches: Vec<RecordBatch>) -> BatchStream {
    let failure = Err(WarehouseError::Source("the source file broke mid-read".into()));
    futures::stream::iter(batches.into_iter().map(Ok).chain([failure])).boxed()
}

async fn count(w: &dyn Warehouse, table: &str) -> i64 {
    let result = w.query(&format!("SELECT count(*) AS n FROM {table}"), &[]).await.unwrap();
    single_i64(&result.batches)
}

fn single_i64(batches: &[RecordBatch]) -> i64 {
    let batch = batches.iter().find(|b| b.num_rows() > 0).expect("one row");
    batch.column(0).as_any().downcast_ref::<Int64Array>().expect("an INT64 column").value(0)
}

/// The table's rows in id order, as text.
async fn dump(w: &dyn Warehouse, table: &str) -> String {
    let result = w.query(&format!("SELECT * FROM {table} ORDER BY id"), &[]).await.unwrap();
    pretty_format_batches(&result.batches).unwrap().to_string()
}

fn text(batches: &[RecordBatch]) -> String {
    pretty_format_batches(batches).unwrap().to_string()
}

/// Runs every check on `w`, whose tables are named `<prefix>_…`.
pub async fn run_all(w: &dyn Warehouse, prefix: &str) {
    let t = |name: &str| format!("{prefix}_{name}");
    writes_read_back_every_type(w, &t("types")).await;
    replace_replaces(w, &t("replaced")).await;
    cached_results_follow_every_write(w, &t("cached")).await;
    append_adds(w, &t("appended")).await;
    failed_writes_leave_the_table(w, &t("kept")).await;
    empty_replace_is_an_empty_table(w, &t("empty")).await;
    schema_and_listing(w, prefix, &[t("types"), t("replaced")]).await;
    queries_bind_parameters(w, &t("types")).await;
    only_queries_run(w, &t("types")).await;
    bad_names_are_refused(w).await;
}

async fn writes_read_back_every_type(w: &dyn Warehouse, table: &str) {
    let batches = vec![rows(0, 50), rows(50, 30)];
    let commit = w.replace_table(table, &schema(), stream(batches.clone())).await.unwrap();
    assert_eq!(commit.rows, 80, "commit counts the rows written");
    assert_eq!(dump(w, table).await, text(&batches), "what was written reads back, every type and null");
}

async fn replace_replaces(w: &dyn Warehouse, table: &str) {
    w.replace_table(table, &schema(), stream(vec![rows(0, 30)])).await.unwrap();
    let commit = w.replace_table(table, &schema(), stream(vec![rows(100, 7)])).await.unwrap();
    assert_eq!(commit.rows, 7);
    assert_eq!(count(w, table).await, 7, "a replace leaves only the new rows");
    assert_eq!(dump(w, table).await, text(&[rows(100, 7)]));
}

/// The same query asked again after each write sees that write, whatever
/// the backend caches; and asking for no cache gives the same rows.
async fn cached_results_follow_every_write(w: &dyn Warehouse, table: &str) {
    w.replace_table(table, &schema(), stream(vec![rows(0, 30)])).await.unwrap();
    assert_eq!(count(w, table).await, 30);
    assert_eq!(count(w, table).await, 30, "asked twice");
    w.replace_table(table, &schema(), stream(vec![rows(100, 7)])).await.unwrap();
    assert_eq!(count(w, table).await, 7, "a replace is seen by the next query");
    w.append(table, &schema(), stream(vec![rows(200, 3)])).await.unwrap();
    assert_eq!(count(w, table).await, 10, "an append is seen by the next query");
    assert!(w.replace_table(table, &schema(), failing(vec![rows(500, 40)])).await.is_err());
    assert_eq!(count(w, table).await, 10, "a failed write changes nothing");
    let uncached = w
        .query_with(&format!("SELECT count(*) AS n FROM {table}"), &[], QueryOptions { use_cache: false })
        .await
        .unwrap();
    assert!(!uncached.cache_hit, "use_cache: false reads the table");
    assert_eq!(single_i64(&uncached.batches), 10);
}

async fn append_adds(w: &dyn Warehouse, table: &str) {
    w.append(table, &schema(), stream(vec![rows(0, 5)])).await.expect("an append creates a missing table");
    let commit = w.append(table, &schema(), stream(vec![rows(5, 3), rows(8, 2)])).await.unwrap();
    assert_eq!(commit.rows, 5, "the commit counts the rows this append added");
    assert_eq!(dump(w, table).await, text(&[rows(0, 10)]), "appends keep the old rows and add the new");
}

async fn failed_writes_leave_the_table(w: &dyn Warehouse, table: &str) {
    w.replace_table(table, &schema(), stream(vec![rows(0, 12)])).await.unwrap();
    let before = dump(w, table).await;
    let err = w.replace_table(table, &schema(), failing(vec![rows(500, 40)])).await.unwrap_err();
    assert!(err.to_string().contains("broke mid-read"), "the producer's error comes back: {err}");
    assert_eq!(dump(w, table).await, before, "a failed replace leaves the table as it was");
    assert!(w.append(table, &schema(), failing(vec![rows(500, 40)])).await.is_err());
    assert_eq!(dump(w, table).await, before, "a failed append leaves the table as it was");
    let err = w.replace_table("never_written", &schema(), failing(vec![])).await.unwrap_err();
    assert!(matches!(err, WarehouseError::Source(_)), "{err}");
    let missing = w.table_schema("never_written").await.unwrap();
    assert!(missing.is_none(), "a failed first write creates no table");
}

async fn empty_replace_is_an_empty_table(w: &dyn Warehouse, table: &str) {
    w.replace_table(table, &schema(), stream(vec![rows(0, 3)])).await.unwrap();
    let commit = w.replace_table(table, &schema(), stream(vec![])).await.unwrap();
    assert_eq!(commit.rows, 0);
    assert_eq!(count(w, table).await, 0);
}

async fn schema_and_listing(w: &dyn Warehouse, prefix: &str, expected: &[String]) {
    let found = w.table_schema(&expected[0]).await.unwrap().expect("the table exists");
    let want = arrow_schema(&schema());
    let names = |s: &arrow_schema::Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    assert_eq!(names(&found), names(&want));
    for (f, g) in found.fields().iter().zip(want.fields()) {
        assert_eq!(f.data_type(), g.data_type(), "column {}", f.name());
    }
    assert!(w.table_schema(&format!("{prefix}_missing")).await.unwrap().is_none());
    let tables = w.list_tables().await.unwrap();
    let mut sorted = tables.clone();
    sorted.sort();
    assert_eq!(tables, sorted, "tables are listed sorted");
    for t in expected {
        assert!(tables.contains(t), "{t} is listed among {tables:?}");
    }
}

async fn queries_bind_parameters(w: &dyn Warehouse, table: &str) {
    let n = |sql: String, params: Vec<QueryParam>| async move {
        let result = w.query(&sql, &params).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        single_i64(&result.batches)
    };
    let base = format!("SELECT count(*) AS n FROM {table} WHERE");
    // rows(0, 80): names cycle over i % 7, every 4th row is null.
    let expected = (0..80).filter(|i| i % 4 != 3 && i % 7 == 2 && i * 10 - 5 > 100).count() as i64;
    assert_eq!(
        n(
            format!("{base} name = $1 AND qty > $2"),
            vec![QueryParam::String("cliente ção 2".into()), QueryParam::Int(100)]
        )
        .await,
        expected
    );
    let injection = QueryParam::String("x' OR '1'='1".into());
    assert_eq!(n(format!("{base} name = $1"), vec![injection]).await, 0, "a value is a value, never SQL");
    let day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(20_010);
    assert_eq!(
        n(format!("{base} day <= $1"), vec![QueryParam::Date(day)]).await,
        (0..=10).filter(|i| i % 4 != 3).count() as i64
    );
    let instant = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap() + chrono::Duration::minutes(37 * 20);
    assert_eq!(
        n(format!("{base} happened_at < $1"), vec![QueryParam::Timestamp(instant)]).await,
        (0..20).filter(|i| i % 4 != 3).count() as i64
    );
    assert_eq!(
        n(format!("{base} paid = $1 AND ratio >= $2"), vec![QueryParam::Bool(true), QueryParam::Float(9.5)]).await,
        (0..80).filter(|i| i % 4 != 3 && i % 2 == 0 && *i as f64 / 8.0 >= 9.5).count() as i64
    );
    assert_eq!(n(format!("{base} $1 IS NULL"), vec![QueryParam::Null]).await, 80);
}

async fn only_queries_run(w: &dyn Warehouse, table: &str) {
    let before = count(w, table).await;
    for sql in [
        format!("DELETE FROM {table} WHERE true"),
        format!("DROP TABLE {table}"),
        format!("SELECT 1; DROP TABLE {table}"),
        format!("INSERT INTO {table} (id) VALUES (1)"),
    ] {
        let err = w.query(&sql, &[]).await.expect_err(&sql);
        assert!(matches!(err, WarehouseError::Query(_)), "{sql}: {err}");
    }
    assert_eq!(count(w, table).await, before, "refused statements changed nothing");
}

async fn bad_names_are_refused(w: &dyn Warehouse) {
    for name in ["", "a-b", "../x", "x y", "t;drop"] {
        let err = w.replace_table(name, &schema(), stream(vec![rows(0, 1)])).await.expect_err(name);
        assert!(matches!(err, WarehouseError::BadTableName(_)), "{name:?}: {err}");
    }
}
