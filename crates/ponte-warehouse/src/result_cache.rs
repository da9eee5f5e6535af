//! Query results kept in memory, keyed by what determines them exactly.
//!
//! A result is a function of the SQL text, its bound values and the
//! snapshot of each table it reads: snapshots never change once written,
//! and a commit makes a new one. So a key made of those three is never
//! stale, with no expiry to tune: the first query after a load reads the
//! new snapshot and the old entries age out of the LRU. Time-relative
//! filters ("last 7 days") reach the warehouse as bound dates, so tomorrow's
//! query has another key. An access filter is part of the SQL and its
//! values, so two customers never share an entry.
//!
//! A dashboard opened by many users at once asks the same queries at the
//! same moment: concurrent misses on one key wait for the first to finish
//! and take its result, instead of each scanning the table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::cast::AsArray as _;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::DataType;
use hashlink::LruCache;

use crate::{QueryParam, QueryResult, WarehouseError};

/// What a cached result is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ResultKey(String);

impl ResultKey {
    /// The key of `sql` with `params` over `tables` (each table with the
    /// snapshot the query reads).
    pub(crate) fn new(sql: &str, params: &[QueryParam], tables: &[(String, String)]) -> Self {
        // Debug keeps NaN apart from NULL and quotes strings, so no two
        // different parameter lists print the same.
        let mut tables: Vec<_> = tables.iter().map(|(t, s)| format!("{t}@{s}")).collect();
        tables.sort();
        Self(format!("{sql}\u{0}{params:?}\u{0}{}", tables.join(",")))
    }
}

/// An LRU of query results bounded in bytes, with one computation at a
/// time per key.
pub(crate) struct ResultCache {
    capacity: usize,
    entries: Mutex<Entries>,
    in_flight: Mutex<HashMap<ResultKey, Arc<tokio::sync::Mutex<()>>>>,
}

struct Entries {
    lru: LruCache<ResultKey, (QueryResult, usize)>,
    bytes: usize,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        write!(f, "ResultCache({} results, {} of {} bytes)", entries.lru.len(), entries.bytes, self.capacity)
    }
}

impl ResultCache {
    /// A cache holding at most `capacity` bytes of results; 0 turns it off.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(Entries { lru: LruCache::new_unbounded(), bytes: 0 }),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// The result for `key`: cached when `use_cache` allows and one is
    /// there, else computed by `run` (once, however many callers ask at the
    /// same time) and kept. Errors are not kept.
    pub(crate) async fn get_or_run<F>(
        &self,
        key: ResultKey,
        use_cache: bool,
        run: F,
    ) -> Result<QueryResult, WarehouseError>
    where
        F: std::future::Future<Output = Result<QueryResult, WarehouseError>>,
    {
        if self.capacity == 0 {
            return run.await;
        }
        if use_cache && let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let gate =
            self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).entry(key.clone()).or_default().clone();
        let turn = gate.lock().await;
        // Whoever held the gate before may have left the result.
        let found = if use_cache { self.get(&key) } else { None };
        let result = match found {
            Some(hit) => Ok(hit),
            None => run.await.inspect(|r| self.put(key.clone(), r)),
        };
        drop(turn);
        drop(gate);
        // The last one through the gate takes it down: then only the map
        // holds it.
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        if in_flight.get(&key).is_some_and(|g| Arc::strong_count(g) == 1) {
            in_flight.remove(&key);
        }
        result
    }

    fn get(&self, key: &ResultKey) -> Option<QueryResult> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.lru.get(key).map(|(result, _)| QueryResult { cache_hit: true, ..result.clone() })
    }

    /// Keeps `result`, evicting the least recently used results beyond the
    /// capacity. A result larger than a quarter of the cache is not kept:
    /// one export must not flush every dashboard's tiles.
    fn put(&self, key: ResultKey, result: &QueryResult) {
        let result = &compacted(result);
        let size = key.0.len() + result.batches.iter().map(|b| b.get_array_memory_size()).sum::<usize>();
        if size > self.capacity / 4 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, old)) = entries.lru.insert(key, (result.clone(), size)) {
            entries.bytes -= old;
        }
        entries.bytes += size;
        while entries.bytes > self.capacity {
            let Some((_, (_, evicted))) = entries.lru.remove_lru() else { break };
            entries.bytes -= evicted;
        }
    }

    /// How many results are kept, and their bytes.
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        (entries.lru.len(), entries.bytes)
    }
}

/// `result` with its string views' strings copied out of the buffers they
/// point into: read from parquet, those are whole decoded pages, and a
/// tile's 500 rows kept as they came would hold megabytes of them.
fn compacted(result: &QueryResult) -> QueryResult {
    let batches = result
        .batches
        .iter()
        .map(|batch| {
            let columns: Vec<ArrayRef> = batch
                .columns()
                .iter()
                .map(|column| match column.data_type() {
                    DataType::Utf8View => Arc::new(column.as_string_view().gc()) as ArrayRef,
                    DataType::BinaryView => Arc::new(column.as_binary_view().gc()) as ArrayRef,
                    _ => column.clone(),
                })
                .collect();
            let rows = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
            RecordBatch::try_new_with_options(batch.schema(), columns, &rows).unwrap_or_else(|_| batch.clone())
        })
        .collect();
    QueryResult { batches, ..result.clone() }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    fn result(rows: usize) -> QueryResult {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let column = Arc::new(Int64Array::from_iter_values(0..rows as i64));
        QueryResult {
            batches: vec![RecordBatch::try_new(schema.clone(), vec![column]).unwrap()],
            schema,
            cache_hit: false,
        }
    }

    fn key(sql: &str) -> ResultKey {
        ResultKey::new(sql, &[], &[("t".into(), "s1".into())])
    }

    #[test]
    fn keys_differ_by_sql_values_and_snapshots() {
        let tables = |s: &str| vec![("t".to_owned(), s.to_owned())];
        let a = ResultKey::new("SELECT $1", &[QueryParam::Int(1)], &tables("s1"));
        assert_eq!(a, ResultKey::new("SELECT $1", &[QueryParam::Int(1)], &tables("s1")));
        assert_ne!(a, ResultKey::new("SELECT $1", &[QueryParam::Int(2)], &tables("s1")));
        assert_ne!(a, ResultKey::new("SELECT $1", &[QueryParam::Int(1)], &tables("s2")));
        assert_ne!(a, ResultKey::new("SELECT $1 ", &[QueryParam::Int(1)], &tables("s1")));
        assert_ne!(
            ResultKey::new("SELECT $1", &[QueryParam::Null], &tables("s1")),
            ResultKey::new("SELECT $1", &[QueryParam::Float(f64::NAN)], &tables("s1"))
        );
        assert_ne!(
            ResultKey::new("SELECT $1, $2", &[QueryParam::String("a, b".into())], &tables("s1")),
            ResultKey::new(
                "SELECT $1, $2",
                &[QueryParam::String("a".into()), QueryParam::String("b".into())],
                &tables("s1")
            )
        );
    }

    #[tokio::test]
    async fn a_second_ask_is_a_hit_and_use_cache_false_runs_again() {
        let cache = ResultCache::new(1 << 20);
        let runs = AtomicUsize::new(0);
        let run = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(result(10))
        };
        assert!(!cache.get_or_run(key("q"), true, run()).await.unwrap().cache_hit);
        let hit = cache.get_or_run(key("q"), true, run()).await.unwrap();
        assert!(hit.cache_hit);
        assert_eq!(hit.num_rows(), 10);
        assert!(!cache.get_or_run(key("q"), false, run()).await.unwrap().cache_hit);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_a_zero_capacity_keeps_nothing() {
        let cache = ResultCache::new(1 << 20);
        let err = cache.get_or_run(key("q"), true, async { Err(WarehouseError::Query("boom".into())) }).await;
        assert!(err.is_err());
        assert_eq!(cache.usage().0, 0);
        let off = ResultCache::new(0);
        off.get_or_run(key("q"), true, async { Ok(result(1)) }).await.unwrap();
        assert!(!off.get_or_run(key("q"), true, async { Ok(result(1)) }).await.unwrap().cache_hit);
    }

    #[tokio::test]
    async fn bytes_stay_under_the_capacity_and_the_least_recent_go_first() {
        let one = result(1000).batches[0].get_array_memory_size() + key("q0").0.len();
        let cache = ResultCache::new(one * 4);
        for i in 0..4 {
            cache.get_or_run(key(&format!("q{i}")), true, async { Ok(result(1000)) }).await.unwrap();
        }
        assert_eq!(cache.usage(), (4, one * 4));
        // q0 is used, so q1 is the one to go.
        assert!(cache.get_or_run(key("q0"), true, async { Ok(result(1000)) }).await.unwrap().cache_hit);
        cache.get_or_run(key("q4"), true, async { Ok(result(1000)) }).await.unwrap();
        assert_eq!(cache.usage(), (4, one * 4));
        assert!(cache.get_or_run(key("q0"), true, async { Ok(result(1000)) }).await.unwrap().cache_hit);
        assert!(!cache.get_or_run(key("q1"), true, async { Ok(result(1000)) }).await.unwrap().cache_hit);
        // Larger than a quarter of the cache: returned, not kept.
        cache.get_or_run(key("big"), true, async { Ok(result(2000)) }).await.unwrap();
        assert!(!cache.get_or_run(key("big"), true, async { Ok(result(2000)) }).await.unwrap().cache_hit);
    }

    #[tokio::test]
    async fn string_views_are_kept_without_the_pages_they_point_into() {
        // Ten strings that point into a 1 MB buffer, as a page read from
        // parquet would be.
        let page: String = (0..100_000).map(|i| format!("unit {i:05}")).collect();
        let views = arrow_array::StringViewArray::from_iter_values((0..10).map(|i| &page[i * 10..i * 10 + 10]));
        let views = arrow_array::StringViewArray::from_iter_values(
            std::iter::once(page.as_str()).chain(views.iter().map(Option::unwrap)),
        )
        .slice(1, 10);
        assert!(arrow_array::Array::get_array_memory_size(&views) > 1_000_000);
        let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8View, false)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(views)]).unwrap();
        let cache = ResultCache::new(1 << 20);
        let found = QueryResult { batches: vec![batch], schema, cache_hit: false };
        cache.get_or_run(key("q"), true, async { Ok(found) }).await.unwrap();
        let (kept, bytes) = cache.usage();
        assert_eq!(kept, 1);
        assert!(bytes < 10_000, "{bytes} bytes kept");
        let hit = cache.get_or_run(key("q"), true, async { unreachable!() }).await.unwrap();
        let names: Vec<&str> = hit.batches[0].column(0).as_string_view().iter().map(Option::unwrap).collect();
        assert_eq!(names, (0..10).map(|i| format!("unit {i:05}")).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_misses_on_one_key_run_once() {
        let cache = Arc::new(ResultCache::new(1 << 20));
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (cache, runs) = (cache.clone(), runs.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_run(key("q"), true, async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(result(10))
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut hits = 0;
        for t in tasks {
            hits += usize::from(t.await.unwrap().cache_hit);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(hits, 31);
        assert!(cache.in_flight.lock().unwrap().is_empty(), "gates are taken down");
    }
}
