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
//! and the parquet footers of snapshot files, which never change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use datafusion::common::ParamValues;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use object_store::ObjectStore;
use serde::Serialize;

use crate::embedded::Manifest;
use crate::{EmbeddedWarehouse, WarehouseError};

/// The URL the warehouse's store is registered under in DataFusion.
const STORE_URL: &str = "ponte://warehouse";

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Param {
    /// NULL.
    Null,
    /// BOOL.
    Bool(bool),
    /// INT64.
    Int(i64),
    /// FLOAT64.
    Float(f64),
    /// STRING.
    String(String),
    /// DATE.
    Date(NaiveDate),
    /// TIMESTAMP (UTC).
    Timestamp(DateTime<Utc>),
}

impl Param {
    fn scalar(&self) -> ScalarValue {
        match self {
            Self::Null => ScalarValue::Null,
            Self::Bool(b) => ScalarValue::Boolean(Some(*b)),
            Self::Int(i) => ScalarValue::Int64(Some(*i)),
            Self::Float(f) => ScalarValue::Float64(Some(*f)),
            Self::String(s) => ScalarValue::Utf8(Some(s.clone())),
            Self::Date(d) => {
                let days = (*d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32;
                ScalarValue::Date32(Some(days))
            }
            Self::Timestamp(t) => ScalarValue::TimestampMicrosecond(Some(t.timestamp_micros()), Some("UTC".into())),
        }
    }
}

/// A query's rows.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Column names and types.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
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
    tables: Mutex<HashMap<String, CachedTable>>,
}

struct CachedTable {
    manifest: Bytes,
    provider: Arc<ListingTable>,
}

impl std::fmt::Debug for QueryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables = self.tables.lock().map(|t| t.len()).unwrap_or_default();
        write!(f, "QueryCache({tables} tables)")
    }
}

impl QueryCache {
    /// A cache for queries over `store`.
    pub(crate) fn new(store: Arc<dyn ObjectStore>) -> Self {
        // Neither fails: the runtime's settings are the defaults, the URL a constant.
        let runtime = RuntimeEnvBuilder::new().build_arc().expect("DataFusion's default runtime");
        let url = ObjectStoreUrl::parse(STORE_URL).expect("a valid URL");
        runtime.register_object_store(url.as_ref(), store);
        Self { runtime, tables: Mutex::new(HashMap::new()) }
    }

    /// The provider for `table` at the manifest `bytes`, built unless cached.
    fn provider(&self, table: &str, bytes: Bytes) -> Result<Arc<ListingTable>, WarehouseError> {
        let mut tables = self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cached) = tables.get(table)
            && cached.manifest == bytes
        {
            return Ok(cached.provider.clone());
        }
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| WarehouseError::Manifest { table: table.to_owned(), message: e.to_string() })?;
        let provider = Arc::new(self.listing_table(table, &manifest)?);
        tables.insert(table.to_owned(), CachedTable { manifest: bytes, provider: provider.clone() });
        Ok(provider)
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
            .with_schema(Arc::new(manifest.schema.clone()));
        Ok(ListingTable::try_new(config)
            .map_err(query_error)?
            .with_cache(self.runtime.cache_manager.get_file_statistic_cache()))
    }
}

/// DataFusion's settings for warehouse queries.
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
    config
}

impl EmbeddedWarehouse {
    /// A session in which every table `sql` names is registered at its
    /// current snapshot. Names that are not tables stay unregistered, for
    /// DataFusion to report (or to resolve, as CTEs).
    async fn session(&self, sql: &str) -> Result<(SessionContext, datafusion::sql::parser::Statement), WarehouseError> {
        let cache = self.query_cache();
        let ctx = SessionContext::new_with_config_rt(session_config(), cache.runtime.clone());
        let state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state.sql_to_statement(sql, &dialect).map_err(query_error)?;
        let mut seen = std::collections::HashSet::new();
        for reference in state.resolve_table_references(&statement).map_err(query_error)? {
            let table = reference.table();
            if crate::embedded::check_name(table).is_err() || !seen.insert(table.to_owned()) {
                continue;
            }
            let Some(bytes) = self.manifest_bytes(table).await? else { continue };
            ctx.register_table(table, cache.provider(table, bytes)?).map_err(query_error)?;
        }
        Ok((ctx, statement))
    }

    /// Runs one SELECT with bound parameters.
    pub async fn run_query(&self, sql: &str, params: &[Param]) -> Result<QueryResult, WarehouseError> {
        let started = Instant::now();
        let (ctx, statement) = self.session(sql).await?;
        let registered = started.elapsed();
        let plan = ctx.state().statement_to_plan(statement).await.map_err(query_error)?;
        let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        read_only.verify_plan(&plan).map_err(query_error)?;
        let mut df = ctx.execute_logical_plan(plan).await.map_err(query_error)?;
        if !params.is_empty() {
            let values = ParamValues::List(params.iter().map(|p| p.scalar().into()).collect());
            df = df.with_param_values(values).map_err(query_error)?;
        }
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let planned = started.elapsed();
        let batches = df.collect().await.map_err(query_error)?;
        tracing::debug!(
            session_ms = registered.as_secs_f64() * 1e3,
            plan_ms = (planned - registered).as_secs_f64() * 1e3,
            execute_ms = (started.elapsed() - planned).as_secs_f64() * 1e3,
            "query"
        );
        Ok(QueryResult { schema, batches })
    }
}
