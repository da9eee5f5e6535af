//! Queries over the embedded warehouse, through DataFusion.
//!
//! Each query gets its own session in which the tables it names are
//! registered at their current snapshot, read from their manifests at that
//! moment: a query sees one consistent snapshot per table, and a load that
//! commits meanwhile changes nothing for it. Values come in as bound
//! parameters (`$1`, `$2`, …), never as SQL text, and only queries run: DDL,
//! DML and other statements are refused.
//!
//! What does not change between queries is kept (see [`QueryCache`]): the
//! table built from a manifest, for as long as the manifest stays the same,
//! the parquet footers of snapshot files, which never change, and results,
//! keyed by the snapshots they were read from ([`crate::result_cache`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use bytes::Bytes;
use chrono::NaiveDate;
use datafusion::catalog::{
    CatalogProvider as _, CatalogProviderList as _, MemoryCatalogProvider, MemoryCatalogProviderList,
    MemorySchemaProvider,
};
use datafusion::common::ParamValues;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use object_store::ObjectStore;
use object_store::path::Path;
use parquet::file::metadata::ParquetMetaData;
pub use ponte_semantic::compile::QueryParam;

use crate::embedded::Manifest;
use crate::result_cache::{ResultCache, ResultKey};
use crate::snapshot_table::SnapshotTable;
use crate::truncate_dates::TruncateDates;
use crate::{EmbeddedWarehouse, WarehouseError};

/// The URL the warehouse's store is registered under in DataFusion.
const STORE_URL: &str = "ponte://warehouse";

/// DataFusion's value for a bound parameter.
fn scalar(param: &QueryParam) -> ScalarValue {
    match param {
        QueryParam::Null => ScalarValue::Null,
        QueryParam::Bool(b) => ScalarValue::Boolean(Some(*b)),
        QueryParam::Int(i) => ScalarValue::Int64(Some(*i)),
        QueryParam::Float(f) => ScalarValue::Float64(Some(*f)),
        QueryParam::String(s) => ScalarValue::Utf8(Some(s.clone())),
        QueryParam::Date(d) => {
            let days = (*d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32;
            ScalarValue::Date32(Some(days))
        }
        QueryParam::Timestamp(t) => ScalarValue::TimestampMicrosecond(Some(t.timestamp_micros()), Some("UTC".into())),
    }
}

/// A query's rows.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Column names and types.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
    /// Whether the rows came from the backend's result cache (the embedded
    /// warehouse's, or BigQuery's) rather than from reading the tables.
    pub cache_hit: bool,
}

/// How a query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// Take a cached result when there is one (the default). Cached results
    /// are exact: the embedded cache is keyed by the snapshot of each table
    /// read, BigQuery's by the tables' last change. Off, the query reads the
    /// tables (the Looker API's `cache=false`; benchmarks).
    pub use_cache: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        Self { use_cache: true }
    }
}

impl QueryResult {
    /// How many rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

fn query_error(e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Query(e.to_string())
}

/// What the queries of one warehouse share.
///
/// DataFusion's runtime, whose cache keeps the footers (and page indexes)
/// of the parquet files read so far: a snapshot file is never rewritten, a
/// new snapshot has new paths, and the cache checks size and modification
/// time anyway. And per table, the provider built from its manifest, reused
/// while the manifest read for a query is byte for byte the one it was built
/// from; a commit writes a new manifest, so the next query builds anew, while
/// queries already running keep the provider (and files) they started with.
pub(crate) struct QueryCache {
    runtime: Arc<RuntimeEnv>,
    /// The session every query starts from, built once: building one
    /// registers DataFusion's few hundred functions and rules, about half a
    /// millisecond a query. Each query clones it with a catalog of its own.
    template: SessionState,
    store: Arc<dyn ObjectStore>,
    tables: Mutex<HashMap<String, CachedTable>>,
    results: ResultCache,
}

struct CachedTable {
    manifest: Bytes,
    snapshot: String,
    provider: Arc<SnapshotTable>,
}

impl std::fmt::Debug for QueryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables = self.tables.lock().map(|t| t.len()).unwrap_or_default();
        write!(f, "QueryCache({tables} tables, {:?})", self.results)
    }
}

impl QueryCache {
    /// A cache for queries over `store`, keeping up to `result_bytes` of
    /// results.
    pub(crate) fn new(store: Arc<dyn ObjectStore>, result_bytes: usize) -> Self {
        // Neither fails: the runtime's settings are the defaults, the URL a constant.
        let runtime = RuntimeEnvBuilder::new().build_arc().expect("DataFusion's default runtime");
        let url = ObjectStoreUrl::parse(STORE_URL).expect("a valid URL");
        runtime.register_object_store(url.as_ref(), store.clone());
        let template = SessionStateBuilder::new()
            .with_config(session_config())
            .with_runtime_env(runtime.clone())
            .with_default_features()
            .with_optimizer_rule(Arc::new(TruncateDates))
            .build();
        Self { runtime, template, store, tables: Mutex::new(HashMap::new()), results: ResultCache::new(result_bytes) }
    }

    /// A session for one query: the template's functions, rules and
    /// settings, and an empty catalog of its own, so that the tables one
    /// query registers are never seen by another.
    pub(crate) fn new_session(&self) -> Result<SessionContext, WarehouseError> {
        let mut state = self.template.clone();
        let options = state.config().options().catalog.clone();
        let catalog = Arc::new(MemoryCatalogProvider::new());
        catalog.register_schema(&options.default_schema, Arc::new(MemorySchemaProvider::new())).map_err(query_error)?;
        let catalogs = Arc::new(MemoryCatalogProviderList::new());
        catalogs.register_catalog(options.default_catalog, catalog);
        state.register_catalog_list(catalogs);
        Ok(SessionContext::new_with_state(state))
    }

    /// The provider for `table` at the manifest `bytes`, built unless
    /// cached, and the id of the snapshot it reads.
    async fn provider(&self, table: &str, bytes: Bytes) -> Result<(Arc<SnapshotTable>, String), WarehouseError> {
        {
            let tables = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(cached) = tables.get(table)
                && cached.manifest == bytes
            {
                return Ok((cached.provider.clone(), cached.snapshot.clone()));
            }
        }
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| WarehouseError::Manifest { table: table.to_owned(), message: e.to_string() })?;
        let files = self.listing_table(table, &manifest)?;
        let footers = self.footers(table, &manifest).await?;
        let provider = Arc::new(SnapshotTable::new(files, footers));
        let snapshot = manifest.current.clone();
        let mut tables = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tables.insert(
            table.to_owned(),
            CachedTable { manifest: bytes, snapshot: snapshot.clone(), provider: provider.clone() },
        );
        Ok((provider, snapshot))
    }

    /// The footers (with page indexes) of a snapshot's files: read once per
    /// snapshot, a few at a time, into DataFusion's footer cache, where the
    /// query's scan finds them.
    async fn footers(
        &self,
        table: &str,
        manifest: &Manifest,
    ) -> Result<HashMap<Path, Arc<ParquetMetaData>>, WarehouseError> {
        use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
        use futures::{StreamExt as _, TryStreamExt as _};
        use object_store::ObjectStoreExt as _;
        let footers = self.runtime.cache_manager.get_file_metadata_cache();
        // Collected first: a stream over a borrowing closure trips the
        // compiler's `Send` check of the query futures that await this.
        let reads: Vec<_> = manifest
            .files
            .iter()
            .map(|file| {
                let (store, footers) = (self.store.clone(), footers.clone());
                let path = Path::from(format!("{table}/{file}"));
                let (table, file) = (table.to_owned(), file.clone());
                let unreadable = move |e: &dyn std::fmt::Display| WarehouseError::Manifest {
                    table: table.clone(),
                    message: format!("{file}: cannot read its parquet footer: {e}"),
                };
                async move {
                    let meta = store.head(&path).await.map_err(|e| unreadable(&e))?;
                    let footer = DFParquetMetadata::new(store.as_ref(), &meta)
                        .with_file_metadata_cache(Some(footers))
                        .fetch_metadata()
                        .await
                        .map_err(|e| unreadable(&e))?;
                    Ok::<_, WarehouseError>((path, footer))
                }
            })
            .collect();
        futures::stream::iter(reads).buffer_unordered(8).try_collect().await
    }

    /// A table over the files a manifest names, with the manifest's schema
    /// (no inference).
    fn listing_table(&self, table: &str, manifest: &Manifest) -> Result<ListingTable, WarehouseError> {
        let paths = manifest
            .files
            .iter()
            .map(|f| ListingTableUrl::parse(format!("{STORE_URL}/{table}/{f}")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(query_error)?;
        let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(paths)
            .with_listing_options(options)
            .with_schema(Arc::new(string_views(&manifest.schema)));
        Ok(ListingTable::try_new(config)
            .map_err(query_error)?
            .with_cache(self.runtime.cache_manager.get_file_statistic_cache()))
    }
}

/// `schema` with its string columns read as string views: a view points
/// into the decoded page instead of copying each string out of it, and
/// grouping compares a view's inline prefix before the string (the units
/// tile, six string columns of 30,000 rows, measured 10% faster). Results
/// carry views too; the result cache keeps them compacted.
fn string_views(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// DataFusion's settings for warehouse queries (and, in
/// [`EmbeddedWarehouse::session`], one optimizer rule of ours:
/// [`TruncateDates`]).
///
/// Filters run while parquet is decoded ("late materialization"), cheapest
/// first: a query filters on the customer's id, which keeps few rows, so the
/// other columns are decoded for those rows only instead of for the whole
/// table (bench/results/query.md has the measurements).
fn session_config() -> SessionConfig {
    let mut config = SessionConfig::new();
    let parquet = &mut config.options_mut().execution.parquet;
    parquet.pushdown_filters = true;
    parquet.reorder_filters = true;
    // Files are split among the partitions by row group ([`SnapshotTable`]),
    // not by DataFusion's byte ranges, which would undo that.
    config.options_mut().optimizer.repartition_file_scans = false;
    // A GROUP BY that hardly groups (a table tile's distinct rows) stops
    // pre-aggregating per partition after 8,192 rows rather than 100,000:
    // a customer's 30,000 units were hashed twice for nothing.
    config.options_mut().execution.skip_partial_aggregation_probe_rows_threshold = 8192;
    config
}

/// A query ready to plan: its session, its parsed statement and the tables
/// registered in it, each with the snapshot it reads.
struct Session {
    ctx: SessionContext,
    statement: datafusion::sql::parser::Statement,
    tables: Vec<(String, String)>,
}

impl EmbeddedWarehouse {
    /// A session in which every table `sql` names is registered at its
    /// current snapshot. Names that are not tables stay unregistered, for
    /// DataFusion to report (or to resolve, as CTEs).
    async fn session(&self, sql: &str) -> Result<Session, WarehouseError> {
        let cache = self.query_cache();
        let ctx = cache.new_session()?;
        let state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state.sql_to_statement(sql, &dialect).map_err(query_error)?;
        crate::large_limits::tune_for_limit(&mut ctx.state_ref().write(), &statement);
        let mut seen = std::collections::HashSet::new();
        let mut tables = Vec::new();
        for reference in state.resolve_table_references(&statement).map_err(query_error)? {
            let table = reference.table();
            if crate::embedded::check_name(table).is_err() || !seen.insert(table.to_owned()) {
                continue;
            }
            let Some(bytes) = self.manifest_bytes(table).await? else { continue };
            let (provider, snapshot) = cache.provider(table, bytes).await?;
            ctx.register_table(table, provider).map_err(query_error)?;
            tables.push((table.to_owned(), snapshot));
        }
        Ok(Session { ctx, statement, tables })
    }

    /// Runs one SELECT with bound parameters, or finds its result cached
    /// for the snapshots the tables are at now.
    pub async fn run_query(
        &self,
        sql: &str,
        params: &[QueryParam],
        options: QueryOptions,
    ) -> Result<QueryResult, WarehouseError> {
        let started = Instant::now();
        let session = self.session(sql).await?;
        let key = ResultKey::new(sql, params, &session.tables);
        let results = &self.query_cache().results;
        let result = results.get_or_run(key, options.use_cache, execute(session, params, started)).await?;
        if result.cache_hit {
            tracing::debug!(total_ms = started.elapsed().as_secs_f64() * 1e3, "query (cached)");
        }
        Ok(result)
    }
}

impl EmbeddedWarehouse {
    /// Plans one SELECT with bound parameters and streams its rows as
    /// DataFusion produces them, without the result cache: what a download
    /// of every row reads, so the rows are never all in memory as Arrow,
    /// let alone as JSON or CSV text.
    pub async fn stream_query(&self, sql: &str, params: &[QueryParam]) -> Result<crate::BatchStream, WarehouseError> {
        use futures::StreamExt as _;
        let session = self.session(sql).await?;
        let df = plan(session, params).await?;
        let stream = df.execute_stream().await.map_err(query_error)?;
        Ok(Box::pin(stream.map(|batch| batch.map_err(query_error))))
    }
}

/// Plans a query in its session, read-only, with its parameters bound.
async fn plan(session: Session, params: &[QueryParam]) -> Result<datafusion::dataframe::DataFrame, WarehouseError> {
    let Session { ctx, statement, .. } = session;
    let plan = ctx.state().statement_to_plan(statement).await.map_err(query_error)?;
    let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
    read_only.verify_plan(&plan).map_err(query_error)?;
    let mut df = ctx.execute_logical_plan(plan).await.map_err(query_error)?;
    if !params.is_empty() {
        let values = ParamValues::List(params.iter().map(|p| scalar(p).into()).collect());
        df = df.with_param_values(values).map_err(query_error)?;
    }
    Ok(df)
}

/// Plans and runs a query in its session.
async fn execute(session: Session, params: &[QueryParam], started: Instant) -> Result<QueryResult, WarehouseError> {
    let registered = started.elapsed();
    let df = plan(session, params).await?;
    let df_schema = df.schema().clone();
    let planned = started.elapsed();
    let batches = df.collect().await.map_err(query_error)?;
    let schema: SchemaRef = Arc::new(df_schema.as_arrow().clone());
    tracing::debug!(
        session_ms = registered.as_secs_f64() * 1e3,
        plan_ms = (planned - registered).as_secs_f64() * 1e3,
        execute_ms = (started.elapsed() - planned).as_secs_f64() * 1e3,
        "query"
    );
    Ok(QueryResult { schema, batches, cache_hit: false })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_schema::{DataType, Field, Schema};
    use datafusion::datasource::empty::EmptyTable;

    use super::QueryCache;

    #[tokio::test]
    async fn each_session_has_a_catalog_of_its_own_and_the_templates_functions() {
        let cache = QueryCache::new(Arc::new(object_store::memory::InMemory::new()), 0);
        let one = cache.new_session().unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("d", DataType::Date32, true)]));
        one.register_table("t", Arc::new(EmptyTable::new(schema))).unwrap();
        let two = cache.new_session().unwrap();
        assert!(one.table_exist("t").unwrap());
        assert!(!two.table_exist("t").unwrap(), "a table registered for one query is seen by the next");
        let rows = two.sql("SELECT CAST(date_trunc('month', DATE '2026-12-06') AS DATE) AS m").await.unwrap();
        let text = arrow_cast::pretty::pretty_format_batches(&rows.collect().await.unwrap()).unwrap().to_string();
        assert!(text.contains("2026-12-01"), "{text}");
    }
}
