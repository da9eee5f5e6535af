//! The validated, typed configuration every stage takes by reference.
//!
//! Names that point elsewhere (a transfer's stores, a function's schema) are
//! already resolved: downstream code never looks a name up by string again,
//! except topics, which are the bus's own keys.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;

use crate::aws_role::RoleFederation;
use crate::cron::CronSchedule;
use crate::schema::TableSchema;
use crate::store_url::StoreUrl;

/// A whole, validated `ponte.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file.
    pub path: PathBuf,
    /// Its folder: relative paths in the config resolve against it.
    pub base_dir: PathBuf,
    /// Project-wide settings.
    pub project: Project,
    /// Object stores by name.
    pub stores: BTreeMap<String, Arc<Store>>,
    /// Where tables live.
    pub warehouse: Warehouse,
    /// Transfer jobs, in file order.
    pub transfers: Vec<TransferJob>,
    /// Schedules, in file order.
    pub schedules: Vec<Schedule>,
    /// Topics, in file order.
    pub topics: Vec<Topic>,
    /// Functions, in file order.
    pub functions: Vec<Function>,
    /// Model and dashboard files.
    pub semantic: SemanticFiles,
    /// The HTTP server.
    pub server: Server,
}

impl Config {
    /// A transfer job by name.
    pub fn transfer(&self, name: &str) -> Option<&TransferJob> {
        self.transfers.iter().find(|t| t.name == name)
    }

    /// A schedule by name.
    pub fn schedule(&self, name: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.name == name)
    }

    /// A function by name.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }
}

/// `[project]`
#[derive(Debug, Clone)]
pub struct Project {
    /// Shown in logs and pages.
    pub name: String,
    /// Runs, queue and manifests live here (default `.ponte`, resolved).
    pub state_dir: PathBuf,
    /// Default zone for schedules that name none.
    pub time_zone: Tz,
    /// How long the daemon waits for runs in flight when asked to stop.
    pub shutdown_grace: Duration,
}

/// `[stores.NAME]`: an object store and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// The key under `[stores]`.
    pub name: String,
    /// Where the objects live.
    pub url: StoreUrl,
    /// Connection options; only those that apply to the URL's scheme are set.
    pub options: StoreOptions,
}

/// Connection options of a store. Credentials are named by environment
/// variable, never written in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// S3 or GCS endpoint override (a local S3 server, GCS's emulator).
    pub endpoint: Option<String>,
    /// S3 region.
    pub region: Option<String>,
    /// Allow `http://` endpoints (local servers only).
    pub allow_http: bool,
    /// S3 virtual-hosted-style requests; `false` means path-style.
    pub virtual_hosted_style: bool,
    /// Env var holding the S3 access key id.
    pub access_key_id_env: Option<String>,
    /// Env var holding the S3 secret access key.
    pub secret_access_key_env: Option<String>,
    /// Env var holding an S3 session token.
    pub session_token_env: Option<String>,
    /// Env var holding the path of a GCS service-account JSON file.
    pub service_account_path_env: Option<String>,
    /// Env var holding a GCS service-account JSON key itself.
    pub service_account_key_env: Option<String>,
    /// S3 through an assumed role (`role_arn`): credentials from AWS STS
    /// for a web identity token, never a key. Excludes the key options.
    /// Boxed: most stores have none, and every config holds many options.
    pub role: Option<Box<RoleFederation>>,
    /// Request retries.
    pub retry: RetryOptions,
}

/// How requests to a store are retried (object_store's retry settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOptions {
    /// Attempts after the first.
    pub max_retries: usize,
    /// Give up retrying a request after this long.
    pub retry_timeout: Duration,
    /// First backoff.
    pub init_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            max_retries: 10,
            retry_timeout: Duration::from_secs(180),
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
        }
    }
}

/// `[warehouse]`: one backend, each with a config type of its own, so a
/// backend's `open` takes only the settings that are its.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warehouse {
    /// Parquet snapshots queried by DataFusion.
    Embedded(EmbeddedConfig),
    /// Google BigQuery over its REST API.
    BigQuery(BigQueryConfig),
}

/// `[warehouse]` with `kind = "embedded"` (the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedConfig {
    /// Where tables live (a directory or an object-store URL).
    pub location: StoreUrl,
    /// How to reach `location`: the options of the `[stores.NAME]` the
    /// warehouse names with `store` (endpoint, credentials, retries), or
    /// the defaults for a bare `path`.
    pub options: StoreOptions,
    /// Old snapshots kept per table, for readers still on them.
    pub snapshots_to_keep: usize,
    /// Bytes of query results kept in memory, keyed by the snapshots
    /// they were read from (so never stale); 0 turns the cache off.
    pub result_cache_bytes: u64,
    /// Bytes of rows a clustered load holds in memory while it splits them
    /// into ranges of keys and sorts each: the lever on its peak memory.
    pub sort_memory_bytes: u64,
}

/// `[warehouse]` with `kind = "bigquery"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigQueryConfig {
    /// GCP project id.
    pub project: String,
    /// Dataset holding the tables.
    pub dataset: String,
    /// Dataset location (`US`, `southamerica-east1`, …).
    pub location: Option<String>,
    /// Env var holding a service-account JSON key or its path; without
    /// it (and without `access_token_env`), application-default
    /// credentials are used.
    pub credentials_env: Option<String>,
    /// Env var holding an OAuth access token used as is (from `gcloud
    /// auth print-access-token`, or a test server's token).
    pub access_token_env: Option<String>,
    /// The API's root URL, for a private endpoint or a test server;
    /// `https://bigquery.googleapis.com` by default.
    pub endpoint: Option<String>,
}

impl EmbeddedConfig {
    /// The default of `result_cache_bytes`: 64 MiB, the tiles of a few
    /// hundred dashboards' worth of customers.
    pub const DEFAULT_RESULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;
    /// The default of `sort_memory_bytes`: 64 MiB. With the writer's
    /// slices, its encoding threads and the reader's queue on top, a
    /// clustered load of the demo's 20M invoices peaked at 267-273 MB
    /// (bench/results/load.md); the budget, not the table's size, sets that
    /// peak. A quarter of it is split into the spill file at a time, and a
    /// range of keys up to a quarter is sorted in memory: at 20M invoices
    /// (about 3 GB in memory) 512 ranges fit, so no range is split twice.
    pub const DEFAULT_SORT_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
}

/// How a transfer decides whether to overwrite an object already in the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverwriteWhen {
    /// When size or content differ (the default).
    #[default]
    Different,
    /// Never overwrite.
    Never,
    /// Always overwrite.
    Always,
}

/// The most deletes one run may make before it refuses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxDelete {
    /// A number of objects.
    Count(u64),
    /// A percentage of the objects in the sink's scope (0–100).
    Percent(f64),
}

impl Default for MaxDelete {
    fn default() -> Self {
        Self::Percent(50.0)
    }
}

impl MaxDelete {
    /// The number of deletes allowed when the sink scope holds `sink_objects`.
    pub fn limit(self, sink_objects: u64) -> u64 {
        match self {
            Self::Count(n) => n,
            Self::Percent(p) => ((sink_objects as f64) * p / 100.0).floor() as u64,
        }
    }
}

/// `[[transfers]]`: a Storage-Transfer-Service-style job.
#[derive(Debug, Clone)]
pub struct TransferJob {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Where objects come from.
    pub source: TransferSource,
    /// Where they go.
    pub sink: TransferSink,
    /// When to overwrite what the sink has.
    pub overwrite_when: OverwriteWhen,
    /// Delete sink objects (in the filters' scope) that the source lacks.
    pub delete_unique_in_sink: bool,
    /// Refuse a run that would delete more than this.
    pub max_delete: MaxDelete,
    /// Skip source objects modified less than this long before the run.
    pub min_age: Option<Duration>,
    /// Objects copied at once.
    pub concurrency: usize,
    /// The job's own schedule, if any.
    pub schedule: Option<CronSchedule>,
    /// What the daemon does about fires of that schedule it missed.
    pub misfire: Misfire,
    /// Topic to publish to when a run finishes.
    pub notify_topic: Option<String>,
    /// Where the source bucket's S3 event notifications arrive, for
    /// Storage Transfer Service's event-driven mode: `ponte run` copies
    /// (and deletes) the objects they name within seconds.
    pub event_stream: Option<EventStream>,
}

/// A transfer's event stream (`event_stream = { queue = "…" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStream {
    /// The SQS queue the source bucket notifies.
    pub queue: crate::SqsQueue,
}

/// The source side of a transfer.
#[derive(Debug, Clone)]
pub struct TransferSource {
    /// The store.
    pub store: Arc<Store>,
    /// Root path inside the store (no leading or trailing `/`).
    pub path: String,
    /// Only keys (relative to `path`) starting with one of these.
    pub include_prefixes: Vec<String>,
    /// Never keys (relative to `path`) starting with one of these.
    pub exclude_prefixes: Vec<String>,
}

/// The sink side of a transfer.
#[derive(Debug, Clone)]
pub struct TransferSink {
    /// The store.
    pub store: Arc<Store>,
    /// Root path inside the store (no leading or trailing `/`).
    pub path: String,
}

/// `[[schedules]]`: a Cloud Scheduler job with a Pub/Sub target.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// When it fires.
    pub cron: CronSchedule,
    /// Where it publishes.
    pub topic: String,
    /// Message data.
    pub data: String,
    /// Message attributes.
    pub attributes: BTreeMap<String, String>,
    /// What the daemon does about fires it missed while it was down.
    pub misfire: Misfire,
}

/// Fires a schedule missed while the daemon was down, and what to do about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misfire {
    /// Skip them, or run once for them.
    pub policy: MisfirePolicy,
    /// Only a fire missed by less than this counts; older ones are skipped.
    pub window: Duration,
}

impl Default for Misfire {
    fn default() -> Self {
        Self { policy: MisfirePolicy::RunOnce, window: Duration::from_secs(24 * 3600) }
    }
}

/// `misfire = "run_once" | "skip"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MisfirePolicy {
    /// Publish once for the latest missed fire within the window (however
    /// many were missed), then go on with the schedule.
    #[default]
    RunOnce,
    /// Record the missed fires and publish nothing for them.
    Skip,
}

/// `[[topics]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// `[[functions]]`: what runs when a message arrives on its topic.
#[derive(Debug, Clone)]
pub struct Function {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// The topic it subscribes to.
    pub trigger_topic: String,
    /// Deliveries before a message is dead-lettered.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each later one.
    pub min_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// What it does.
    pub load: LoadSpec,
}

impl Function {
    /// The waits between a message's delivery attempts.
    pub fn backoff(&self) -> crate::Backoff {
        crate::Backoff { first: self.min_backoff, max: self.max_backoff }
    }
}

/// Replace (or append to) a table from every parquet file under a prefix.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// The store holding the files.
    pub store: Arc<Store>,
    /// Folder of the files inside the store (no leading or trailing `/`).
    pub prefix: String,
    /// Target table.
    pub table: String,
    /// Schema file the table follows.
    pub schema_file: PathBuf,
    /// The table's schema, read from that file.
    pub schema: Arc<TableSchema>,
    /// Replace or append.
    pub write: WriteMode,
    /// Accept an empty folder (and so an empty table).
    pub allow_empty: bool,
    /// Columns the table is clustered by, as spelled in the schema file (at
    /// most four, BigQuery's limit). The embedded warehouse writes the rows
    /// sorted by them; BigQuery clusters the table on them. Either way a
    /// query that filters on them, such as an explore's access filter on the
    /// customer's id, reads only the row groups and pages holding its rows
    /// instead of the whole table.
    pub cluster_by: Vec<String>,
}

/// `truncate` (replace the table) or `append`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    /// Replace the table's contents (BigQuery WRITE_TRUNCATE).
    #[default]
    Truncate,
    /// Add rows (BigQuery WRITE_APPEND).
    Append,
}

/// `[semantic]`: model and dashboard files (resolved paths).
#[derive(Debug, Clone, Default)]
pub struct SemanticFiles {
    /// Model files.
    pub models: Vec<PathBuf>,
    /// Dashboard files.
    pub dashboards: Vec<PathBuf>,
}

/// `[server]`
#[derive(Debug, Clone)]
pub struct Server {
    /// Listen address.
    pub bind: SocketAddr,
    /// The URL users reach the server at, when it differs from `bind`.
    pub public_url: Option<String>,
    /// Origins allowed to frame embedded pages.
    pub embed_domains: Vec<String>,
    /// Embed signing secrets; several are active at once during rotation.
    pub embed_secrets: Vec<EmbedSecret>,
    /// API clients.
    pub api_clients: Vec<ApiClient>,
    /// Env var holding the token a Pub/Sub push subscription must send
    /// (`?token=` on its push endpoint); without it push is refused.
    pub push_token_env: Option<String>,
    /// The OIDC token a Pub/Sub push subscription must send
    /// (`Authorization: Bearer <JWT>` signed by Google).
    pub push_oidc: Option<PushOidc>,
    /// Env var holding the bearer token of the admin API (`/api/runs`,
    /// `/api/admin/…`); without it the admin API is off.
    pub admin_token_env: Option<String>,
    /// How long an API request or page may take before it is answered
    /// 503 (Pub/Sub push and admin triggers, which run jobs, are exempt).
    pub request_timeout: Duration,
    /// The largest request body accepted, except Pub/Sub push (16 MiB).
    pub max_body_bytes: u64,
    /// How long a client may take to send a request's headers before the
    /// connection is closed: a client that trickles them (slowloris) holds
    /// a connection no longer than this.
    pub header_timeout: Duration,
    /// Whether a client's address is the last one in `X-Forwarded-For`
    /// (the one the reverse proxy in front of ponte appended) rather than
    /// the connection's peer, which behind a proxy is the proxy itself.
    /// Login throttling counts failures per client address.
    pub trust_forwarded_for: bool,
    /// HTTPS served by ponte itself: the certificate chain and private key,
    /// PEM files. Without them the server speaks plain HTTP (behind a proxy
    /// that terminates TLS, or on localhost).
    pub tls: Option<Tls>,
}

/// The files of `server.tls_cert_file` and `server.tls_key_file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// The certificate chain, PEM, leaf first.
    pub cert_file: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

impl Server {
    /// The default of `request_timeout`.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
    /// The default of `header_timeout`.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);
    /// The default of `max_body_bytes`: 1 MiB, ample for query bodies.
    pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;
}

impl Server {
    /// The base URL users reach the server at: `public_url`, else
    /// `http://<bind>` (`https://` when ponte serves TLS itself). Signed
    /// embed URLs are made for it.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.tls.is_some() => format!("https://{}", self.bind),
            None => format!("http://{}", self.bind),
        }
    }
}

/// What a push subscription's OIDC token must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOidc {
    /// The `aud` claim: the audience set on the push subscription.
    pub audience: String,
    /// The `email` claim, when set: the subscription's service account.
    pub email: Option<String>,
    /// Where the signing keys are (Google's by default).
    pub jwks_url: String,
}

/// Google's OIDC signing keys.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// An embed secret, named by its environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSecret {
    /// Env var holding the secret.
    pub env: String,
    /// HMAC algorithm.
    pub algorithm: EmbedAlgorithm,
}

/// Signed-embed HMAC algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedAlgorithm {
    /// `hmac/sha-1`, Looker's original.
    Sha1,
    /// `hmac/sha-256`.
    #[default]
    Sha256,
}

/// An API client: credentials by env var name, plus its user attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// Env var holding the client id.
    pub client_id_env: String,
    /// Env var holding the client secret.
    pub client_secret_env: String,
    /// Attributes access filters read.
    pub user_attributes: BTreeMap<String, String>,
}
