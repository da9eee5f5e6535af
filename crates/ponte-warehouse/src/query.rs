//! Queries over the embedded warehouse, through DataFusion.
//!
//! Each query gets a fresh session that registers every table's current
//! snapshot, read from its manifest at that moment: a query sees one
//! consistent snapshot per table, and a load that commits meanwhile changes
//! nothing for it. Values come in as bound parameters (`$1`, `$2`, …), never
//! as SQL text, and only queries run: DDL, DML and other statements are
//! refused.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use chrono::{DateTime, NaiveDate, Utc};
use datafusion::common::ParamValues;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::{SQLOptions, SessionContext};
use datafusion::scalar::ScalarValue;
use serde::Serialize;

use crate::{EmbeddedWarehouse, Warehouse, WarehouseError};

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

impl EmbeddedWarehouse {
    /// A session with every table's current snapshot registered.
    async fn session(&self) -> Result<SessionContext, WarehouseError> {
        let ctx = SessionContext::new();
        let url = ObjectStoreUrl::parse(STORE_URL).map_err(query_error)?;
        ctx.register_object_store(url.as_ref(), self.store().clone());
        for table in self.list_tables().await? {
            let Some(manifest) = self.manifest(&table).await? else { continue };
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
            let provider = ListingTable::try_new(config).map_err(query_error)?;
            ctx.register_table(table.as_str(), Arc::new(provider)).map_err(query_error)?;
        }
        Ok(ctx)
    }

    /// Runs one SELECT with bound parameters.
    pub async fn run_query(&self, sql: &str, params: &[Param]) -> Result<QueryResult, WarehouseError> {
        let ctx = self.session().await?;
        let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        let mut df = ctx.sql_with_options(sql, read_only).await.map_err(query_error)?;
        if !params.is_empty() {
            let values = ParamValues::List(params.iter().map(|p| p.scalar().into()).collect());
            df = df.with_param_values(values).map_err(query_error)?;
        }
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await.map_err(query_error)?;
        Ok(QueryResult { schema, batches })
    }
}
