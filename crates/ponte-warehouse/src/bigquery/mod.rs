//! The BigQuery warehouse, over BigQuery's REST API (v2).
//!
//! - Loads are load jobs (sourceFormat PARQUET, CREATE_IF_NEEDED,
//!   WRITE_TRUNCATE or WRITE_APPEND, the schema file's schema): one job is
//!   one table update, and BigQuery applies it atomically.
//! - Files in GCS are loaded by URI: BigQuery reads them, no byte passes
//!   through ponte ([`Warehouse::load_objects`]). Anything else is streamed,
//!   re-encoded as one parquet file, through a resumable upload.
//! - A run's job id comes from its idempotency key, so a retried trigger
//!   finds the job it already started and waits for it instead of loading
//!   twice.
//! - Queries go through jobs.query with named parameters and page through
//!   getQueryResults.
//!
//! Tested against a local server that follows the published REST
//! reference (the discovery document), not against Google itself.

mod client;
mod jobs;
mod query_job;
mod rows;
mod schema;
mod sql;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use arrow_schema::SchemaRef;
use async_trait::async_trait;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use self::client::{Auth, Client, is_not_found};
use self::jobs::{JobSource, commit_of, job_id};
use self::upload::ResumableUpload;
use crate::embedded::check_name;
use crate::{
    BatchStream, Commit, QueryOptions, QueryParam, QueryResult, SourceObjects, TableWrite, Warehouse, WarehouseError,
};

/// Rows per page of query results.
const PAGE_ROWS: u32 = 10_000;
/// How long one jobs.query or getQueryResults call waits for the query.
const QUERY_WAIT: Duration = Duration::from_secs(10);

/// Which dataset.
#[derive(Debug, Clone)]
pub struct Location {
    /// GCP project id.
    pub project: String,
    /// Dataset.
    pub dataset: String,
    /// The dataset's location (`US`, `southamerica-east1`, …), for jobs.
    pub location: Option<String>,
}

/// How to authenticate.
pub enum Credentials {
    /// An OAuth access token used as is.
    AccessToken(String),
    /// A service-account key: its JSON, or the path of its file.
    ServiceAccount {
        /// The JSON or path.
        key: String,
        /// Where it came from (an env var's name), for messages.
        source: String,
    },
    /// Application-default credentials.
    ApplicationDefault,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Self::ServiceAccount { source, .. } => write!(f, "ServiceAccount(from {source})"),
            Self::ApplicationDefault => f.write_str("ApplicationDefault"),
        }
    }
}

/// Tables in a BigQuery dataset.
#[derive(Debug)]
pub struct BigQueryWarehouse {
    client: Arc<Client>,
    project: String,
    dataset: String,
    location: Option<String>,
}

impl BigQueryWarehouse {
    /// Opens the warehouse a BigQuery `[warehouse]` describes.
    /// Credentials: `access_token_env` (a token as is), `credentials_env` (a
    /// service-account key, as JSON or a path), or else application-default
    /// credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server).
    pub async fn open(config: &ponte_config::BigQueryConfig) -> Result<Self, WarehouseError> {
        let ponte_config::BigQueryConfig { project, dataset, location, credentials_env, access_token_env, endpoint } =
            config;
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| WarehouseError::Auth(format!("environment variable {name} is not set")))
        };
        let credentials = if let Some(name) = access_token_env {
            Credentials::AccessToken(env(name)?.trim().to_owned())
        } else if let Some(name) = credentials_env {
            Credentials::ServiceAccount { key: env(name)?, source: name.clone() }
        } else {
            Credentials::ApplicationDefault
        };
        let location = Location { project: project.clone(), dataset: dataset.clone(), location: location.clone() };
        Self::connect(location, credentials, endpoint.as_deref()).await
    }

    /// Connects to `where_`'s dataset with `credentials`, at `endpoint`
    /// (BigQuery's public one when `None`).
    pub async fn connect(
        where_: Location,
        credentials: Credentials,
        endpoint: Option<&str>,
    ) -> Result<Self, WarehouseError> {
        let auth = match credentials {
            Credentials::AccessToken(token) => Auth::Token(token),
            Credentials::ServiceAccount { key, source } => {
                let account = if key.trim_start().starts_with('{') {
                    gcp_auth::CustomServiceAccount::from_json(&key)
                } else {
                    gcp_auth::CustomServiceAccount::from_file(key.trim())
                }
                .map_err(|e| WarehouseError::Auth(format!("the service-account key in {source} is unusable: {e}")))?;
                Auth::Provider(Arc::new(account))
            }
            Credentials::ApplicationDefault => Auth::Provider(gcp_auth::provider().await.map_err(|e| {
                WarehouseError::Auth(format!(
                    "no application-default credentials ({e}); set credentials_env or access_token_env"
                ))
            })?),
        };
        Ok(Self {
            client: Arc::new(Client::new(endpoint, auth)?),
            project: where_.project,
            dataset: where_.dataset,
            location: where_.location,
        })
    }

    /// Retries wait `first` at first, doubling; tests shorten them.
    pub fn with_retry_wait(mut self, first: Duration) -> Self {
        if let Some(client) = Arc::get_mut(&mut self.client) {
            client.retry.backoff.first = first;
        }
        self
    }

    fn table_path(&self, table: &str) -> String {
        format!("projects/{}/datasets/{}/tables/{table}", self.project, self.dataset)
    }

    /// Waits for a query to finish and reads every page of its rows.
    async fn query_rows(&self, mut response: Value) -> Result<QueryResult, WarehouseError> {
        let job_id = response["jobReference"]["jobId"].as_str().unwrap_or_default().to_owned();
        let location = response["jobReference"]["location"].as_str().map(str::to_owned).or(self.location.clone());
        let url = self.client.api_url(&format!("projects/{}/queries/{job_id}", self.project));
        let page = |token: Option<String>| {
            let mut query = vec![
                ("maxResults", PAGE_ROWS.to_string()),
                ("timeoutMs", QUERY_WAIT.as_millis().to_string()),
                ("formatOptions.useInt64Timestamp", "true".to_owned()),
            ];
            query.extend(location.clone().map(|l| ("location", l)));
            query.extend(token.map(|t| ("pageToken", t)));
            query
        };
        while response["jobComplete"].as_bool() != Some(true) {
            response = self.client.json("jobs.getQueryResults", Method::GET, &url, &page(None), None).await?;
        }
        check_query_errors(&job_id, &response)?;
        let cache_hit = response["cacheHit"].as_bool() == Some(true);
        let table = schema::parse_fields("query result", &response["schema"]["fields"])?;
        let arrow = rows::result_schema(&table);
        let mut batches = Vec::new();
        loop {
            let rows = response["rows"].as_array().map(Vec::as_slice).unwrap_or_default();
            if !rows.is_empty() {
                batches.push(rows::rows_to_batch(&table, &arrow, rows)?);
            }
            let Some(token) = response["pageToken"].as_str().map(str::to_owned) else { break };
            response = self.client.json("jobs.getQueryResults", Method::GET, &url, &page(Some(token)), None).await?;
            check_query_errors(&job_id, &response)?;
        }
        Ok(QueryResult { schema: arrow, batches, cache_hit })
    }
}

fn check_query_errors(job_id: &str, response: &Value) -> Result<(), WarehouseError> {
    match response["errors"].as_array() {
        Some(errors) if !errors.is_empty() => {
            let job = json!({ "status": { "errorResult": errors[0], "errors": errors } });
            Err(WarehouseError::Job { job_id: job_id.to_owned(), message: jobs::job_errors(&job) })
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl Warehouse for BigQueryWarehouse {
    async fn write_table(&self, write: TableWrite<'_>, mut batches: BatchStream) -> Result<Commit, WarehouseError> {
        check_name(write.table)?;
        let id = job_id(&write);
        if write.idempotency_key.is_some()
            && let Some(job) = self.get_job(&id).await?
        {
            tracing::info!(job = %id, "this run's load job already exists (a retried trigger); waiting for it");
            let job = self.wait_for(job).await?;
            return Ok(commit_of(write.table, &id, &job));
        }
        let body = self.load_job(&write, &id, JobSource::Upload);
        let upload = ResumableUpload::start(self.client.clone(), &self.project, &body).await?;
        let schema: SchemaRef = Arc::new(crate::arrow_schema(write.schema));
        let parquet_err = |what: &'static str| {
            let id = id.clone();
            move |source| WarehouseError::Parquet { what: format!("{what} the upload of job {id}"), source }
        };
        let mut writer =
            crate::parquet_writer::ParallelParquetWriter::try_new(upload, schema, crate::embedded::writer_properties())
                .map_err(parquet_err("starting"))?;
        while let Some(batch) = batches.next().await {
            let written = match batch {
                Ok(batch) => writer.write(&batch).await.map_err(parquet_err("writing")),
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                // The session is never finished, so no job exists and the
                // table is untouched.
                writer.into_inner().cancel().await;
                return Err(e);
            }
        }
        let upload = writer.finish().await.map_err(parquet_err("finishing"))?;
        let job = upload.into_job().ok_or_else(|| WarehouseError::Http {
            operation: "resumable upload".into(),
            message: "the upload finished without returning the job".into(),
        })?;
        let job = self.wait_for(job).await?;
        Ok(commit_of(write.table, &id, &job))
    }

    async fn load_objects(
        &self,
        write: TableWrite<'_>,
        objects: SourceObjects<'_>,
    ) -> Result<Option<Commit>, WarehouseError> {
        let ponte_config::StoreUrl::Gcs { bucket, prefix } = &objects.store.url else { return Ok(None) };
        check_name(write.table)?;
        let uris: Vec<String> = objects
            .keys
            .iter()
            .map(|key| match prefix.as_str() {
                "" => format!("gs://{bucket}/{key}"),
                p => format!("gs://{bucket}/{p}/{key}"),
            })
            .collect();
        self.run_load_job(&write, &uris).await.map(Some)
    }

    async fn replace_with_query(&self, table: &str, select: &str) -> Result<Option<Commit>, WarehouseError> {
        self.run_query_job(table, select).await.map(Some)
    }

    async fn table_schema(&self, table: &str) -> Result<Option<SchemaRef>, WarehouseError> {
        check_name(table)?;
        let url = self.client.api_url(&self.table_path(table));
        let found = match self.client.json("tables.get", Method::GET, &url, &[], None).await {
            Ok(t) => t,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let schema = schema::parse_fields(table, &found["schema"]["fields"])?;
        Ok(Some(Arc::new(crate::arrow_schema(&schema))))
    }

    async fn list_tables(&self) -> Result<Vec<String>, WarehouseError> {
        let url = self.client.api_url(&format!("projects/{}/datasets/{}/tables", self.project, self.dataset));
        let mut tables = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("maxResults", "1000".to_owned())];
            query.extend(token.take().map(|t| ("pageToken", t)));
            let page = self.client.json("tables.list", Method::GET, &url, &query, None).await?;
            for t in page["tables"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if let Some(name) = t["tableReference"]["tableId"].as_str() {
                    tables.push(name.to_owned());
                }
            }
            match page["nextPageToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        tables.sort();
        Ok(tables)
    }

    async fn query_with(
        &self,
        sql: &str,
        params: &[QueryParam],
        options: QueryOptions,
    ) -> Result<QueryResult, WarehouseError> {
        let (text, highest) = sql::rewrite(sql)?;
        if highest > params.len() {
            return Err(WarehouseError::Query(format!(
                "the query uses ${highest} but {} value(s) were given",
                params.len()
            )));
        }
        let mut request = json!({
            "query": text,
            "useLegacySql": false,
            "parameterMode": "NAMED",
            "queryParameters": sql::parameters(params),
            "defaultDataset": { "projectId": self.project, "datasetId": self.dataset },
            "maxResults": PAGE_ROWS,
            "timeoutMs": QUERY_WAIT.as_millis() as u64,
            "formatOptions": { "useInt64Timestamp": true },
            "useQueryCache": options.use_cache,
        });
        if let Some(location) = &self.location {
            request["location"] = json!(location);
        }
        let url = self.client.api_url(&format!("projects/{}/queries", self.project));
        let response = self.client.json("jobs.query", Method::POST, &url, &[], Some(&request)).await?;
        self.query_rows(response).await
    }
}
