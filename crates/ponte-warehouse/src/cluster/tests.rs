//! The split sort against its contract, down every path it can take: rows
//! that fit in memory, one split, shares split again, a frequent key, the
//! external sort, a failing input and a reader that goes away.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::builder::{Int32Builder, ListBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, Decimal128Array, Int32Array, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use futures::StreamExt;

use super::*;

fn schema() -> SchemaRef {
    let member = Fields::from(vec![Field::new("a", DataType::Int32, false)]);
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("k", DataType::Int64, true),
        Field::new("s", DataType::Utf8, false),
        Field::new("list", DataType::List(Arc::new(Field::new("item", DataType::Int32, true))), false),
        Field::new("st", DataType::Struct(member), false),
        // Spilled narrow: it must come back whole.
        Field::new("amount", DataType::Decimal128(18, 2), true),
    ]))
}

/// An amount of 18 digits, negative for odd ids, NULL for every seventh.
fn amount(id: i64) -> Option<i128> {
    (id % 7 != 0).then(|| (999_999_999_999_000_000 + i128::from(id)) * if id % 2 == 0 { 1 } else { -1 })
}

/// The rows with ids `ids`, every column a function of the id, so a row
/// put together from two source rows shows; `key` gives `k`.
fn batch(ids: &[i64], key: &dyn Fn(i64) -> Option<i64>) -> RecordBatch {
    let mut list = ListBuilder::new(Int32Builder::new());
    for &id in ids {
        for n in 0..id % 3 {
            list.values().append_value((id + n) as i32);
        }
        list.append(true);
    }
    let member: ArrayRef = Arc::new(Int32Array::from_iter_values(ids.iter().map(|&id| id as i32)));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        Arc::new(Int64Array::from(ids.iter().map(|&id| key(id)).collect::<Vec<_>>())),
        Arc::new(StringArray::from_iter_values(ids.iter().map(|id| format!("v{}", id % 13)))),
        Arc::new(list.finish()),
        Arc::new(StructArray::from(vec![(Arc::new(Field::new("a", DataType::Int32, false)), member)])),
        Arc::new(
            Decimal128Array::from(ids.iter().map(|&id| amount(id)).collect::<Vec<_>>())
                .with_precision_and_scale(18, 2)
                .unwrap(),
        ),
    ];
    RecordBatch::try_new(schema(), columns).unwrap()
}

fn input(rows: i64, key: &dyn Fn(i64) -> Option<i64>) -> BatchStream {
    let batches: Vec<_> = (0..rows).collect::<Vec<_>>().chunks(1000).map(|ids| Ok(batch(ids, key))).collect();
    futures::stream::iter(batches).boxed()
}

/// Scattered keys, a NULL now and then.
fn scattered(id: i64) -> Option<i64> {
    (id % 97 != 0).then_some(id * 2_654_435_761 % 1000)
}

fn budget(dir: &Path, memory_bytes: usize) -> SortBudget {
    SortBudget { memory_bytes, spill_dir: Some(dir.to_path_buf()) }
}

fn columns() -> Vec<String> {
    vec!["k".into(), "s".into()]
}

/// Every row once, whole, in (k, s) order; the spill folder emptied.
async fn check(sorted: BatchStream, rows: i64, dir: &Path) {
    let batches: Vec<RecordBatch> = sorted.map(Result::unwrap).collect().await;
    let mut ids = Vec::new();
    let mut keys = Vec::new();
    for b in &batches {
        let id = b.column(0).as_primitive::<Int64Type>();
        let k = b.column(1).as_primitive::<Int64Type>();
        let s = b.column(2).as_string::<i32>();
        let list = b.column(3).as_list::<i32>();
        let st = b.column(4).as_struct().column(0).as_primitive::<Int32Type>();
        // Narrow once spilled: the same values in 64 bits.
        let amounts = arrow_cast::cast(b.column(5), &DataType::Decimal128(18, 2)).unwrap();
        let amounts = amounts.as_primitive::<Decimal128Type>();
        assert!(
            matches!(b.column(5).data_type(), DataType::Decimal128(18, 2) | DataType::Decimal64(18, 2)),
            "{}",
            b.column(5).data_type()
        );
        for r in 0..b.num_rows() {
            let i = id.value(r);
            assert_eq!(s.value(r), format!("v{}", i % 13), "row {i}");
            let items: Vec<i32> = list.value(r).as_primitive::<Int32Type>().values().to_vec();
            assert_eq!(items, (0..i % 3).map(|n| (i + n) as i32).collect::<Vec<_>>(), "row {i}");
            assert_eq!(st.value(r), i as i32, "row {i}");
            assert_eq!((!amounts.is_null(r)).then(|| amounts.value(r)), amount(i), "row {i}");
            ids.push(i);
            keys.push(((!k.is_null(r)).then(|| k.value(r)), s.value(r).to_owned()));
        }
    }
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "rows in (k, s) order, NULLs first");
    ids.sort_unstable();
    assert_eq!(ids, (0..rows).collect::<Vec<_>>(), "every row once");
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0, "the spill folder is removed");
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::Relaxed)
}

/// Sorts `rows` rows keyed by `key` by (k, s) in `memory` bytes with up
/// to `max_depth` splits of a share, checks the result and tells what the
/// sort did.
async fn sort_and_check(rows: i64, key: &dyn Fn(i64) -> Option<i64>, memory: usize, max_depth: usize) -> SortReport {
    let dir = tempfile::tempdir().unwrap();
    let report = Arc::new(SortReport::default());
    let sorted =
        sort_with(input(rows, key), schema(), &columns(), &budget(dir.path(), memory), max_depth, report.clone());
    check(sorted.unwrap(), rows, dir.path()).await;
    Arc::into_inner(report).expect("the sort is over")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_fit_sort_in_memory_without_spilling() {
    let report = sort_and_check(5_000, &scattered, 64 << 20, MAX_DEPTH).await;
    assert_eq!(count(&report.spill_files), 0);
    assert_eq!(count(&report.shares_sorted), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_beyond_the_budget_are_split_once_and_each_share_sorted_in_memory() {
    // About 5 MB of rows, a 1 MB budget.
    let report = sort_and_check(100_000, &scattered, 1 << 20, MAX_DEPTH).await;
    assert_eq!(count(&report.spill_files), 1, "one split, no share split again");
    assert!(count(&report.shares_sorted) > 10, "{report:?}");
    assert_eq!(count(&report.external_sorts), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_ordered_by_the_key_splits_its_last_share_again() {
    // The first rows hold the lowest keys only: the split they make sends
    // almost every row to the last share, which is split from its own sample.
    let report = sort_and_check(100_000, &|id| Some(id / 10), 1 << 20, MAX_DEPTH).await;
    assert!(count(&report.spill_files) > 1, "{report:?}");
    assert_eq!(count(&report.external_sorts), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_still_too_large_at_the_last_depth_is_sorted_externally() {
    // The smallest budget the config takes (the external sort needs room
    // for a few batches), rows well beyond it, and no second split.
    let report = sort_and_check(400_000, &|id| Some(id / 10), 8 << 20, 0).await;
    assert_eq!(count(&report.spill_files), 1);
    assert!(count(&report.external_sorts) > 0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decimal_cluster_column_keeps_its_type_through_the_spill() {
    // Other decimals are spilled narrow; a cluster column is compared in
    // the schema's own type, so it stays as it is.
    let dir = tempfile::tempdir().unwrap();
    let report = Arc::new(SortReport::default());
    let sorted = sort_with(
        input(100_000, &scattered),
        schema(),
        &["amount".into()],
        &budget(dir.path(), 1 << 20),
        MAX_DEPTH,
        report.clone(),
    );
    let batches: Vec<RecordBatch> = sorted.unwrap().map(Result::unwrap).collect().await;
    assert!(count(&report.spill_files) > 0 && count(&report.shares_sorted) > 10, "{report:?}");
    let mut amounts = Vec::new();
    for b in &batches {
        assert_eq!(b.column(5).data_type(), &DataType::Decimal128(18, 2));
        let ids = b.column(0).as_primitive::<Int64Type>();
        let column = b.column(5).as_primitive::<Decimal128Type>();
        for (id, value) in ids.values().iter().zip(column.iter()) {
            assert_eq!(value, amount(*id), "row {id}");
            amounts.push(value);
        }
    }
    assert_eq!(amounts.len(), 100_000);
    assert!(amounts.windows(2).all(|w| w[0] <= w[1]), "amounts in order, NULLs first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_half_the_rows_gets_a_share_that_needs_no_sort() {
    let dir = tempfile::tempdir().unwrap();
    let report = Arc::new(SortReport::default());
    let half = |id: i64| if id % 2 == 0 { Some(500) } else { scattered(id) };
    // One sort column: the frequent key is the whole key.
    let sorted =
        sort_with(input(100_000, &half), schema(), &["k".into()], &budget(dir.path(), 1 << 20), 3, report.clone());
    let batches: Vec<RecordBatch> = sorted.unwrap().map(Result::unwrap).collect().await;
    let keys: Vec<Option<i64>> = batches.iter().flat_map(|b| b.column(1).as_primitive::<Int64Type>().iter()).collect();
    assert_eq!(keys.len(), 100_000);
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        keys.iter().filter(|k| **k == Some(500)).count(),
        50_000 + (0..100_000).filter(|&i| i % 2 == 1 && scattered(i) == Some(500)).count()
    );
    assert!(count(&report.single_key_shares) > 0, "{report:?}");
    assert_eq!(count(&report.external_sorts), 0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_input_ends_the_sort_with_its_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let good: Vec<_> =
        (0..60).map(|n| Ok(batch(&(n * 1000..(n + 1) * 1000).collect::<Vec<_>>(), &scattered))).collect();
    let failing = futures::stream::iter(good)
        .chain(futures::stream::iter([Err(WarehouseError::Source("day-42.parquet: truncated".into()))]))
        .boxed();
    let sorted = sorted(failing, schema(), &columns(), &budget(dir.path(), 1 << 20)).unwrap();
    let results: Vec<_> = sorted.collect().await;
    assert_eq!(results.len(), 1, "no rows before the error");
    let err = results.into_iter().next().unwrap().unwrap_err().to_string();
    assert!(err.contains("day-42.parquet: truncated"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_stops_the_sort_and_its_files_go() {
    let dir = tempfile::tempdir().unwrap();
    let mut sorted = sorted(input(100_000, &scattered), schema(), &columns(), &budget(dir.path(), 1 << 20)).unwrap();
    assert!(sorted.next().await.unwrap().is_ok());
    assert!(std::fs::read_dir(dir.path()).unwrap().count() > 0, "the sort is under way");
    drop(sorted);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_dir(dir.path()).unwrap().count() > 0 {
        assert!(std::time::Instant::now() < deadline, "the spill folder is still there");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Dropped while it is still taking rows in (the writer failed, the load
/// was cancelled), the sort stops reading at once instead of spilling the
/// rest of the input: this input never ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_gone_during_the_split_stops_the_input_and_the_files_go() {
    let dir = tempfile::tempdir().unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let endless = futures::stream::iter(0..)
        .map(move |n: i64| {
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(batch(&(n * 1000..(n + 1) * 1000).collect::<Vec<_>>(), &scattered))
        })
        .boxed();
    let sorted = sorted(endless, schema(), &columns(), &budget(dir.path(), 1 << 20)).unwrap();
    // Let it split a while: the spill file is there and growing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(&pulled) < 200 {
        assert!(std::time::Instant::now() < deadline, "the sort does not read");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    drop(sorted);
    while std::fs::read_dir(dir.path()).unwrap().count() > 0 {
        assert!(std::time::Instant::now() < deadline, "the sort goes on without a reader");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let stopped_at = count(&pulled);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(count(&pulled), stopped_at, "no batch is read after the sort stopped");
}
