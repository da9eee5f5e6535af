//! The semantic layer at run time: the config's models read once, the
//! warehouse's column types, and the warehouse that runs the compiled SQL.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ponte_config::Config;
use ponte_semantic::compile::{
    Caller, CompiledQuery, Dialect, QueryError, QueryRequest, Target, WarehouseColumns, compile,
};
use ponte_semantic::model::derived::with_derived_columns;
use ponte_semantic::model::{Model, ModelErrors, columns_of_config, load_model};
use ponte_warehouse::{QueryOptions, QueryResult, Warehouse, WarehouseError};

/// Models, column kinds and the warehouse, shared by every request.
pub struct SemanticLayer {
    models: Vec<Model>,
    columns: WarehouseColumns,
    dialect: Dialect,
    warehouse: Arc<dyn Warehouse>,
}

impl std::fmt::Debug for SemanticLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        write!(f, "SemanticLayer({names:?}, {:?})", self.dialect)
    }
}

impl SemanticLayer {
    /// Reads the config's model files; column kinds come from the
    /// functions' schema files, so no warehouse call is needed.
    pub fn load(config: &Config, warehouse: Arc<dyn Warehouse>) -> Result<Self, ModelErrors> {
        let models: Vec<Model> = config.semantic.models.iter().map(|p| load_model(p)).collect::<Result<_, _>>()?;
        // Derived views' output columns join the tables' (a time field may sit on one).
        let columns = with_derived_columns(&models, &columns_of_config(config));
        Ok(Self::new(models, columns, dialect_of(config), warehouse))
    }

    /// A layer over models given directly.
    pub fn new(models: Vec<Model>, columns: WarehouseColumns, dialect: Dialect, warehouse: Arc<dyn Warehouse>) -> Self {
        Self { models, columns, dialect, warehouse }
    }

    /// Every model, in config order.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// The model called `name`.
    pub fn model(&self, name: &str) -> Result<&Model, QueryError> {
        self.models.iter().find(|m| m.name == name).ok_or_else(|| QueryError::UnknownModel { model: name.to_owned() })
    }

    /// Where compiled SQL runs.
    pub fn target(&self) -> Target<'_> {
        Target::new(self.dialect, &self.columns)
    }

    /// Compiles `request` for `caller` against its model, access filters
    /// included; `now` anchors relative date filters.
    pub fn compile(
        &self,
        request: &QueryRequest,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<CompiledQuery, QueryError> {
        compile(self.model(&request.model)?, request, caller, &self.target(), now)
    }

    /// Compiles `request` for `caller` and runs it.
    pub async fn execute(
        &self,
        request: &QueryRequest,
        caller: &Caller,
        options: QueryOptions,
    ) -> Result<(CompiledQuery, QueryResult), RunError> {
        let compiled = self.compile(request, caller, Utc::now())?;
        let result = self.run(&compiled, options).await?;
        Ok((compiled, result))
    }

    /// Runs a compiled query on the warehouse, and its table calculations
    /// over the rows.
    pub async fn run(&self, query: &CompiledQuery, options: QueryOptions) -> Result<QueryResult, WarehouseError> {
        let result = self.warehouse.query_with(&query.sql, &query.params, options).await?;
        // A pivoted query's calculations run on the spread table, when it
        // is rendered ([`crate::render::pivoted`]).
        if query.table_calculations.is_empty() || query.pivot.is_some() {
            return Ok(result);
        }
        // A pass over every row per term: off the async workers.
        let query = query.clone();
        tokio::task::spawn_blocking(move || crate::table_calcs::apply(&query, result))
            .await
            .map_err(|e| WarehouseError::Query(format!("table calculations stopped: {e}")))?
            .map_err(|e| WarehouseError::Query(format!("table calculations: {e}")))
    }

    /// Runs a compiled query and streams its rows (see
    /// [`Warehouse::query_stream`]): for results too large to hold. A query
    /// with table calculations is held whole (its column functions need
    /// every row; rows are capped as for any query) and streamed from
    /// memory.
    pub async fn stream(&self, query: &CompiledQuery) -> Result<ponte_warehouse::BatchStream, WarehouseError> {
        if query.table_calculations.is_empty() && query.pivot.is_none() {
            return self.warehouse.query_stream(&query.sql, &query.params).await;
        }
        let result = self.run(query, QueryOptions::default()).await?;
        Ok(Box::pin(futures::stream::iter(result.batches.into_iter().map(Ok))))
    }
}

/// Why a request did not run: the request itself (a 4xx to an HTTP
/// client), or the warehouse.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The request does not compile for this caller.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The warehouse failed to run the compiled SQL.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
}

/// The SQL dialect of the config's warehouse.
pub fn dialect_of(config: &Config) -> Dialect {
    match config.warehouse {
        ponte_config::Warehouse::BigQuery { .. } => Dialect::BigQuery,
        ponte_config::Warehouse::Embedded { .. } => Dialect::DataFusion,
    }
}
