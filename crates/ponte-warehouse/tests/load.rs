//! Loading parquet folders into the embedded warehouse, checked against
//! pyarrow, with every failure leaving the old table as it was.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Int32Builder, StringDictionaryBuilder, TimestampNanosecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use ponte_config::{LoadSpec, Store, StoreOptions, StoreUrl, TableSchema, WriteMode};
use ponte_warehouse::{EmbeddedWarehouse, LoadError, QueryParam, Warehouse, load};

fn schema_file() -> ponte_config::SchemaFile {
    let path = ponte_testkit::repo_root().join("examples/comerc/schemas/comerc.json");
    ponte_config::schema::load_schema_file(&path).unwrap()
}

fn spec(source_dir: &Path, prefix: &str, table: &str, schema: TableSchema) -> LoadSpec {
    LoadSpec {
        store: Arc::new(Store {
            name: "src".into(),
            url: StoreUrl::File { path: source_dir.into() },
            options: StoreOptions::default(),
        }),
        prefix: prefix.into(),
        table: table.into(),
        schema_file: "schema.json".into(),
        schema: Arc::new(schema),
        write: WriteMode::Truncate,
        allow_empty: false,
        cluster_by: vec![],
    }
}

fn store(dir: &Path) -> Arc<dyn ObjectStore> {
    std::fs::create_dir_all(dir).unwrap();
    Arc::new(LocalFileSystem::new_with_prefix(dir).unwrap())
}

fn rows_in(paths: &[std::path::PathBuf]) -> u64 {
    paths
        .iter()
        .map(|p| {
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(p).unwrap())
                .unwrap()
                .metadata()
                .file_metadata()
                .num_rows() as u64
        })
        .sum()
}

async fn snapshot_files(warehouse: &EmbeddedWarehouse, root: &Path, table: &str) -> Vec<std::path::PathBuf> {
    warehouse.current_files(table).await.unwrap().iter().map(|p| root.join(p.as_ref())).collect()
}

const ORACLE: &str = r#"
import json, sys, pathlib
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
source = pa.concat_tables(pq.read_table(f) for f in sorted(pathlib.Path(sys.argv[1]).glob("*.parquet")))
loaded = pa.concat_tables(pq.read_table(f) for f in sys.argv[2:])
out = {}
for name, t in (("source", source), ("loaded", loaded)):
    out[name] = {
        "rows": t.num_rows,
        "valor_total": str(pc.sum(t.column("valor_total")).as_py()),
        "ids": pc.count_distinct(t.column("id_fatura")).as_py(),
        "paid": pc.sum(pc.equal(t.column("status_pagamento"), "paga")).as_py(),
        "first": t.sort_by("id_fatura").slice(0, 1).to_pylist()[0]["valor_total"].__str__(),
    }
out["loaded_types"] = [str(f.type) for f in loaded.schema]
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_seven_demo_tables_load_and_pyarrow_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut o = ponte_demo::DemoDataOptions::new(&src);
    (o.rows, o.days) = (20_000, 15);
    ponte_demo::write_demo_data(&o, &|_| {}).unwrap();
    std::fs::write(src.join("dados_infomerc/_SUCCESS"), "").unwrap();
    std::fs::write(src.join("dados_infomerc/notes.txt"), "x").unwrap();
    let wh_root = dir.path().join("warehouse");
    let warehouse = EmbeddedWarehouse::new(store(&wh_root), 1);
    let schemas = schema_file();
    for dataset in &ponte_demo::DATASETS {
        let spec = spec(&src, dataset.name, dataset.name, schemas.table(dataset.name).unwrap().clone());
        let report = load(&spec, store(&src), &warehouse).await.unwrap_or_else(|e| panic!("{}: {e}", dataset.name));
        assert_eq!(report.table_updates, 1);
        let sources: Vec<_> = std::fs::read_dir(src.join(dataset.name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        assert_eq!(report.files.len(), sources.len());
        assert_eq!(report.rows, rows_in(&sources), "{}", dataset.name);
        assert_eq!(rows_in(&snapshot_files(&warehouse, &wh_root, dataset.name).await), report.rows);
        if dataset.name == "dados_infomerc" {
            let ignored: Vec<&str> = report.ignored.iter().map(|i| i.key.as_str()).collect();
            assert_eq!(ignored, ["dados_infomerc/_SUCCESS", "dados_infomerc/notes.txt"]);
        }
    }
    assert_eq!(warehouse.list_tables().await.unwrap().len(), 7);

    let table = "objeto_dados_energia_gestao_faturas_v2";
    let files = snapshot_files(&warehouse, &wh_root, table).await;
    let mut args = vec![src.join(table).to_string_lossy().into_owned()];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let seen: serde_json::Value = serde_json::from_str(&ponte_testkit::run_python(ORACLE, &args)).unwrap();
    assert_eq!(seen["source"], seen["loaded"], "{seen}");
    assert_eq!(seen["loaded"]["rows"], 20_000);
    assert!(seen["loaded_types"].as_array().unwrap().iter().any(|t| t == "decimal128(18, 2)"));
}

/// Writes a parquet file with the given columns.
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef, bool)>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let schema = Arc::new(Schema::new(
        columns.iter().map(|(n, a, null)| Field::new(*n, a.data_type().clone(), *null)).collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a, _)| a).collect()).unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn small_schema() -> TableSchema {
    let file = ponte_config::schema::parse_schema(
        Path::new("t.json"),
        r#"[{"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
            {"name": "name", "type": "STRING"},
            {"name": "amount", "type": "NUMERIC", "precision": "18", "scale": "2"},
            {"name": "at", "type": "TIMESTAMP"},
            {"name": "note", "type": "STRING"}]"#,
    )
    .unwrap();
    file.table("t").unwrap().clone()
}

/// A file as another tool writes it: INT32 ids, dictionary strings,
/// DECIMAL(10,2), nanosecond timestamps, no `note` column, a pandas index.
fn foreign_file(path: &Path, ids: std::ops::Range<i32>, null_id: bool) {
    let mut id = Int32Builder::new();
    let mut name = StringDictionaryBuilder::<Int32Type>::new();
    let mut amount = Decimal128Builder::new().with_data_type(DataType::Decimal128(10, 2));
    let mut at = TimestampNanosecondBuilder::new();
    for i in ids.clone() {
        if null_id && i == ids.start + 1 {
            id.append_null()
        } else {
            id.append_value(i)
        }
        name.append_value(if i % 2 == 0 { "par" } else { "ímpar" });
        amount.append_value(i as i128 * 150);
        at.append_value(1_700_000_000_123_456_789 + i as i64);
    }
    let index: ArrayRef = Arc::new(Int64Array::from_iter_values(ids.clone().map(i64::from)));
    write_parquet(
        path,
        vec![
            ("id", Arc::new(id.finish()), true),
            ("NAME", Arc::new(name.finish()), true),
            ("amount", Arc::new(amount.finish()), true),
            ("at", Arc::new(at.finish()), true),
            ("__index_level_0__", index, true),
        ],
    );
}

#[tokio::test]
async fn foreign_types_are_coerced_as_bigquery_does() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    foreign_file(&src.join("t/a.parquet"), 0..3, false);
    let wh_root = dir.path().join("wh");
    let warehouse = EmbeddedWarehouse::new(store(&wh_root), 1);
    let report = load(&spec(&src, "t", "t", small_schema()), store(&src), &warehouse).await.unwrap();
    assert_eq!(report.rows, 3);
    let files = snapshot_files(&warehouse, &wh_root, "t").await;
    let batch = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&files[0]).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let s = batch.schema();
    assert_eq!(s.field(0).data_type(), &DataType::Int64);
    assert_eq!(s.field(1).data_type(), &DataType::Utf8);
    assert_eq!(s.field(2).data_type(), &DataType::Decimal128(18, 2));
    assert_eq!(s.field(3).data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
    assert_eq!(batch.column(1).as_any().downcast_ref::<StringArray>().unwrap().value(1), "ímpar");
    assert_eq!(batch.column(4).null_count(), 3, "a NULLABLE column missing from the file loads as nulls");
}

/// One table from two files whose decimals differ: one read narrow (its
/// DECIMAL(18,2) is the table's), one cast (DECIMAL(10,2)). Plain, and
/// clustered by another column and by the decimal itself, which the sort
/// compares at the table's width: the same values every time.
#[tokio::test]
async fn decimals_read_narrow_and_decimals_cast_load_together() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    foreign_file(&src.join("t/a.parquet"), 0..3, false);
    let amounts = Decimal128Array::from(vec![Some(123_456_789_012_345_678), None, Some(-5)]);
    write_parquet(
        &src.join("t/b.parquet"),
        vec![
            ("id", Arc::new(Int64Array::from(vec![10, 11, 12])), false),
            ("amount", Arc::new(amounts.with_precision_and_scale(18, 2).unwrap()), true),
        ],
    );
    for (case, cluster_by) in [vec![], vec!["id".to_string()], vec!["amount".to_string()]].into_iter().enumerate() {
        let wh_root = dir.path().join(format!("wh{case}"));
        let warehouse = EmbeddedWarehouse::new(store(&wh_root), 1);
        let mut spec = spec(&src, "t", "t", small_schema());
        spec.cluster_by = cluster_by.clone();
        assert_eq!(load(&spec, store(&src), &warehouse).await.unwrap().rows, 6, "{cluster_by:?}");
        let files = snapshot_files(&warehouse, &wh_root, "t").await;
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&files[0]).unwrap()).unwrap();
        assert_eq!(reader.schema().field(2).data_type(), &DataType::Decimal128(18, 2));
        let mut rows: Vec<(i64, Option<i128>)> = Vec::new();
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            let ids = batch.column(0).as_primitive::<arrow_array::types::Int64Type>();
            let amounts = batch.column(2).as_primitive::<arrow_array::types::Decimal128Type>();
            rows.extend(ids.values().iter().zip(amounts.iter()).map(|(&id, amount)| (id, amount)));
        }
        rows.sort_unstable();
        let expected = [
            (0, Some(0)),
            (1, Some(150)),
            (2, Some(300)),
            (10, Some(123_456_789_012_345_678)),
            (11, None),
            (12, Some(-5)),
        ];
        assert_eq!(rows, expected, "{cluster_by:?}");
    }
}

/// A source folder with one five-row file of table `t`, and an empty
/// warehouse keeping one old snapshot.
struct Fixture {
    dir: tempfile::TempDir,
    src: std::path::PathBuf,
    wh_root: std::path::PathBuf,
    warehouse: EmbeddedWarehouse,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    foreign_file(&src.join("t/a.parquet"), 0..5, false);
    let wh_root = dir.path().join("wh");
    let warehouse = EmbeddedWarehouse::new(store(&wh_root), 1);
    Fixture { dir, src, wh_root, warehouse }
}

/// Each bad input fails with a message naming file and column, and leaves
/// the table exactly as it was.
#[tokio::test]
async fn failures_leave_the_old_table_as_it_was() {
    let Fixture { dir: _dir, src, wh_root, warehouse } = fixture();
    let spec = spec(&src, "t", "t", small_schema());
    load(&spec, store(&src), &warehouse).await.unwrap();
    let before = warehouse.manifest("t").await.unwrap().unwrap();

    let check = |err: LoadError, wants: &[&str]| {
        let text = err.to_string();
        for w in wants {
            assert!(text.contains(w), "`{w}` not in: {text}");
        }
    };
    // A corrupt file.
    std::fs::write(src.join("t/b.parquet"), b"PAR1 this is not parquet").unwrap();
    check(
        load(&spec, store(&src), &warehouse).await.unwrap_err(),
        &["t/b.parquet", "not a readable parquet file", "nothing was loaded"],
    );
    std::fs::remove_file(src.join("t/b.parquet")).unwrap();
    // A column of the wrong type.
    write_parquet(&src.join("t/c.parquet"), vec![("id", Arc::new(StringArray::from(vec!["1"])), false)]);
    check(
        load(&spec, store(&src), &warehouse).await.unwrap_err(),
        &["t/c.parquet", "column `id` is STRING in the file", "INT64"],
    );
    std::fs::remove_file(src.join("t/c.parquet")).unwrap();
    // A column the table does not have.
    write_parquet(
        &src.join("t/d.parquet"),
        vec![("id", Arc::new(Int64Array::from(vec![1])), false), ("extra", Arc::new(Int64Array::from(vec![1])), true)],
    );
    check(
        load(&spec, store(&src), &warehouse).await.unwrap_err(),
        &["t/d.parquet", "column `extra` is not in the table's schema"],
    );
    std::fs::remove_file(src.join("t/d.parquet")).unwrap();
    // Nulls in a REQUIRED column, found while reading.
    foreign_file(&src.join("t/e.parquet"), 10..14, true);
    check(
        load(&spec, store(&src), &warehouse).await.unwrap_err(),
        &["t/e.parquet", "row group 0, column `id`", "null value(s) in a REQUIRED column", "left as it was"],
    );
    std::fs::remove_file(src.join("t/e.parquet")).unwrap();
    // An empty folder.
    let empty = self::spec(&src, "nothing-here", "t", small_schema());
    check(load(&empty, store(&src), &warehouse).await.unwrap_err(), &["no parquet files under", "left as it was"]);

    let after = warehouse.manifest("t").await.unwrap().unwrap();
    assert_eq!(after.current, before.current, "the manifest still names the old snapshot");
    assert_eq!(rows_in(&snapshot_files(&warehouse, &wh_root, "t").await), 5);
}

/// An interrupted load leaves an orphan snapshot that the next load
/// removes; old snapshots beyond `keep` go too.
#[tokio::test]
async fn orphans_and_old_snapshots_are_cleaned_up() {
    let Fixture { dir: _dir, src, wh_root, warehouse } = fixture();
    let spec = spec(&src, "t", "t", small_schema());
    let first = load(&spec, store(&src), &warehouse).await.unwrap();
    let orphan = wh_root.join("t/snapshots/19700101T000000Z-1-0/part-00000.parquet");
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, "half a file").unwrap();
    let second = load(&spec, store(&src), &warehouse).await.unwrap();
    assert!(!orphan.exists(), "the orphan of an interrupted load is gone");
    let third = load(&spec, store(&src), &warehouse).await.unwrap();
    let snapshots: Vec<String> = std::fs::read_dir(wh_root.join("t/snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| std::fs::read_dir(wh_root.join("t/snapshots").join(n)).unwrap().next().is_some())
        .collect();
    assert!(snapshots.contains(&third.snapshot) && snapshots.contains(&second.snapshot), "{snapshots:?}");
    assert!(!snapshots.contains(&first.snapshot), "older than the one kept: {snapshots:?}");
}

/// A reader that opens the manifest and reads the files it names, over and
/// over while the table is reloaded, never fails and never sees a partial
/// table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_the_old_or_the_new_table_never_a_partial_one() {
    let dir = tempfile::tempdir().unwrap();
    let src_small = dir.path().join("small");
    let src_big = dir.path().join("big");
    foreign_file(&src_small.join("t/a.parquet"), 0..1000, false);
    for i in 0..4 {
        foreign_file(&src_big.join(format!("t/{i}.parquet")), i * 5000..(i + 1) * 5000, false);
    }
    let wh_root = dir.path().join("wh");
    // Keep every old snapshot: a reader on a busy machine may fall more than
    // one load behind, and what is checked here is that no reader ever sees
    // a partial table (how many are kept is checked elsewhere).
    let warehouse = EmbeddedWarehouse::new(store(&wh_root), 10);
    load(&spec(&src_small, "t", "t", small_schema()), store(&src_small), &warehouse).await.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (warehouse, wh_root, stop) = (warehouse.clone(), wh_root.clone(), stop.clone());
        tokio::spawn(async move {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let files = snapshot_files(&warehouse, &wh_root, "t").await;
                let rows = rows_in(&files);
                assert!(rows == 1000 || rows == 20_000, "a reader saw {rows} rows");
                reads += 1;
            }
            reads
        })
    };
    for round in 0..6 {
        let src = if round % 2 == 0 { &src_big } else { &src_small };
        load(&spec(src, "t", "t", small_schema()), store(src), &warehouse).await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads = reader.await.unwrap();
    assert!(reads > 5, "the reader ran only {reads} times");
}

/// Queries reuse what they built for a table only while its manifest stays
/// the same: while loads commit, each query sees the old or the new table
/// whole, and the first query after a commit sees the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_follow_each_commit_and_never_see_a_partial_table() {
    async fn count(warehouse: &EmbeddedWarehouse) -> i64 {
        let sql = "SELECT COUNT(*) AS n FROM t WHERE id >= $1";
        let result = warehouse.query(sql, &[QueryParam::Int(0)]).await.unwrap();
        result.batches[0].column(0).as_primitive::<arrow_array::types::Int64Type>().value(0)
    }
    let dir = tempfile::tempdir().unwrap();
    let src_small = dir.path().join("small");
    let src_big = dir.path().join("big");
    foreign_file(&src_small.join("t/a.parquet"), 0..1000, false);
    for i in 0..4 {
        foreign_file(&src_big.join(format!("t/{i}.parquet")), i * 5000..(i + 1) * 5000, false);
    }
    let warehouse = EmbeddedWarehouse::new(store(&dir.path().join("wh")), 10);
    load(&spec(&src_small, "t", "t", small_schema()), store(&src_small), &warehouse).await.unwrap();
    assert_eq!(count(&warehouse).await, 1000);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (warehouse, stop) = (warehouse.clone(), stop.clone());
        tokio::spawn(async move {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let rows = count(&warehouse).await;
                assert!(rows == 1000 || rows == 20_000, "a query saw {rows} rows");
                reads += 1;
            }
            reads
        })
    };
    for round in 0..6 {
        let (src, rows) = if round % 2 == 0 { (&src_big, 20_000) } else { (&src_small, 1000) };
        load(&spec(src, "t", "t", small_schema()), store(src), &warehouse).await.unwrap();
        assert_eq!(count(&warehouse).await, rows, "the query after load {round}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads = reader.await.unwrap();
    assert!(reads > 5, "the reader ran only {reads} times");
}

/// Opened from the config on a local folder, the warehouse also removes the
/// staging files a killed write left in an orphan snapshot.
#[tokio::test]
async fn a_local_warehouse_sweeps_staging_leftovers_of_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    foreign_file(&src.join("t/a.parquet"), 0..5, false);
    let wh_root = dir.path().join("wh");
    let config = ponte_config::EmbeddedConfig {
        location: StoreUrl::File { path: wh_root.clone() },
        options: ponte_config::StoreOptions::default(),
        snapshots_to_keep: 1,
        result_cache_bytes: 0,
        sort_memory_bytes: ponte_config::EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES,
    };
    let warehouse = EmbeddedWarehouse::open(&config).unwrap();
    let orphan = wh_root.join("t/snapshots/19700101T000000Z-1-0");
    std::fs::create_dir_all(&orphan).unwrap();
    std::fs::write(orphan.join("part-00000.parquet#1"), "half a file").unwrap();
    load(&spec(&src, "t", "t", small_schema()), store(&src), &warehouse).await.unwrap();
    assert!(!orphan.exists(), "{:?}", std::fs::read_dir(&orphan).map(|d| d.count()));
}

const CLUSTER_ORACLE: &str = r#"
import json, sys, pathlib
import pyarrow as pa, pyarrow.parquet as pq
source = pa.concat_tables(pq.read_table(f) for f in sorted(pathlib.Path(sys.argv[1]).glob("*.parquet")))
path = sys.argv[2]
loaded = pq.read_table(path)
meta = pq.ParquetFile(path).metadata
column = loaded.schema.get_field_index("id_cliente")
ids = loaded.column("id_cliente").to_pylist()
ranges = [(meta.row_group(i).column(column).statistics.min, meta.row_group(i).column(column).statistics.max)
          for i in range(meta.num_row_groups)]
key = [("id_fatura", "ascending")]
print(json.dumps({
    "rows": loaded.num_rows,
    "sorted": ids == sorted(ids),
    "same_rows": source.cast(loaded.schema).sort_by(key).equals(loaded.sort_by(key)),
    "row_groups": meta.num_row_groups,
    "disjoint": all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:])),
    "customer_7": ids.count(7),
}))
"#;

/// A table clustered by the customer's id comes out sorted by it, every
/// source row present once, and each row group holds its own range of
/// customers (what lets a query for one customer skip the others). The
/// sort memory is far below the data, so the rows went through spilled
/// runs; the spill folder is left empty. A bad file found while the rows
/// stream into the sort still fails the load and leaves the table as it was.
#[tokio::test]
async fn a_clustered_load_sorts_its_rows_in_bounded_memory_and_keeps_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut o = ponte_demo::DemoDataOptions::new(&src);
    (o.rows, o.days) = (300_000, 10);
    ponte_demo::write_demo_data(&o, &|_| {}).unwrap();
    let table = "objeto_dados_energia_gestao_faturas_v2";
    let wh_root = dir.path().join("warehouse");
    let config = ponte_config::EmbeddedConfig {
        location: StoreUrl::File { path: wh_root.clone() },
        options: ponte_config::StoreOptions::default(),
        snapshots_to_keep: 1,
        result_cache_bytes: 0,
        // About 90 MB of rows in Arrow, 37 batches: without spilling, this
        // budget (the smallest the config takes) fails the sort.
        sort_memory_bytes: 8 * 1024 * 1024,
    };
    let warehouse = EmbeddedWarehouse::open(&config).unwrap();
    let mut spec = spec(&src, table, table, schema_file().table(table).unwrap().clone());
    spec.cluster_by = vec!["id_cliente".into()];

    let report = load(&spec, store(&src), &warehouse).await.unwrap();
    assert_eq!(report.rows, 300_000);
    let files = snapshot_files(&warehouse, &wh_root, table).await;
    assert_eq!(files.len(), 1);
    let args = [src.join(table).to_string_lossy().into_owned(), files[0].to_string_lossy().into_owned()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let seen: serde_json::Value = serde_json::from_str(&ponte_testkit::run_python(CLUSTER_ORACLE, &args)).unwrap();
    assert_eq!(seen["rows"], 300_000, "{seen}");
    assert_eq!(seen["sorted"], true, "{seen}");
    assert_eq!(seen["same_rows"], true, "{seen}");
    assert!(seen["row_groups"].as_u64().unwrap() > 1, "{seen}");
    assert_eq!(seen["disjoint"], true, "{seen}");
    let spill = std::fs::read_dir(wh_root.join(".spill")).unwrap().count();
    assert_eq!(spill, 0, "the sort's temporary files are gone");
    assert!(!warehouse.list_tables().await.unwrap().iter().any(|t| t.starts_with('.')));

    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE id_cliente = $1");
    let result = warehouse.query(&sql, &[QueryParam::Int(7)]).await.unwrap();
    let n = result.batches[0].column(0).as_primitive::<arrow_array::types::Int64Type>().value(0);
    assert_eq!(serde_json::json!(n), seen["customer_7"]);

    let before = warehouse.manifest(table).await.unwrap().unwrap();
    let bad = src.join(table).join("zz-bad.parquet");
    write_parquet(&bad, vec![("id_fatura", Arc::new(StringArray::from(vec!["x"])), false)]);
    let err = load(&spec, store(&src), &warehouse).await.unwrap_err().to_string();
    assert!(err.contains("zz-bad.parquet"), "{err}");
    std::fs::remove_file(&bad).unwrap();
    let first = std::fs::read_dir(src.join(table)).unwrap().map(|e| e.unwrap().path()).min().unwrap();
    invoices_with_a_null_customer(&first, &src.join(table).join("zz-nulls.parquet"));
    let err = load(&spec, store(&src), &warehouse).await.unwrap_err().to_string();
    assert!(err.contains("zz-nulls.parquet") && err.contains("left as it was"), "{err}");
    assert_eq!(warehouse.manifest(table).await.unwrap().unwrap().current, before.current);
}

/// A copy of a demo invoice file at `to`, with a null in its last row's
/// REQUIRED `id_cliente`: found only while the rows are read.
fn invoices_with_a_null_customer(from: &Path, to: &Path) {
    let script = r#"
import sys, pyarrow as pa, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
ids = t.column("id_cliente").to_pylist()
ids[-1] = None
t = t.set_column(t.schema.get_field_index("id_cliente"), pa.field("id_cliente", pa.int64()), pa.array(ids, pa.int64()))
pq.write_table(t, sys.argv[2])
"#;
    ponte_testkit::run_python(script, &[&from.to_string_lossy(), &to.to_string_lossy()]);
}
