//! The config file as written: every key optional, every value spanned.
//!
//! Keys are optional here so that a missing key becomes one located
//! diagnostic among many instead of serde stopping at the first one.
//! Validation (`validate.rs`) turns this into the typed [`crate::Config`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawConfig {
    pub project: Option<S<RawProject>>,
    #[serde(default)]
    pub stores: BTreeMap<String, S<RawStore>>,
    pub warehouse: Option<S<RawWarehouse>>,
    #[serde(default)]
    pub transfers: Vec<S<RawTransfer>>,
    #[serde(default)]
    pub schedules: Vec<S<RawSchedule>>,
    #[serde(default)]
    pub topics: Vec<S<RawTopic>>,
    #[serde(default)]
    pub functions: Vec<S<RawFunction>>,
    pub semantic: Option<S<RawSemantic>>,
    pub server: Option<S<RawServer>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawProject {
    pub name: Option<S<String>>,
    pub state_dir: Option<S<String>>,
    pub time_zone: Option<S<String>>,
    pub shutdown_grace: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawStore {
    pub url: Option<S<String>>,
    pub endpoint: Option<S<String>>,
    pub region: Option<S<String>>,
    pub allow_http: Option<S<bool>>,
    pub virtual_hosted_style: Option<S<bool>>,
    pub access_key_id_env: Option<S<String>>,
    pub secret_access_key_env: Option<S<String>>,
    pub session_token_env: Option<S<String>>,
    pub service_account_path_env: Option<S<String>>,
    pub service_account_key_env: Option<S<String>>,
    pub role_arn: Option<S<String>>,
    pub role_session_name: Option<S<String>>,
    pub web_identity_audience: Option<S<String>>,
    pub web_identity_token_file: Option<S<String>>,
    pub sts_endpoint: Option<S<String>>,
    pub retry: Option<S<RawRetry>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRetry {
    pub max_retries: Option<S<i64>>,
    pub retry_timeout: Option<S<String>>,
    pub init_backoff: Option<S<String>>,
    pub max_backoff: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawWarehouse {
    pub kind: Option<S<String>>,
    pub store: Option<S<String>>,
    pub path: Option<S<String>>,
    pub snapshots_to_keep: Option<S<i64>>,
    pub result_cache_bytes: Option<S<i64>>,
    pub sort_memory_bytes: Option<S<i64>>,
    pub project: Option<S<String>>,
    pub dataset: Option<S<String>>,
    pub location: Option<S<String>>,
    pub credentials_env: Option<S<String>>,
    pub access_token_env: Option<S<String>>,
    pub endpoint: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTransfer {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub source: Option<S<RawTransferSource>>,
    pub sink: Option<S<RawTransferSink>>,
    pub overwrite_when: Option<S<String>>,
    pub delete_unique_in_sink: Option<S<bool>>,
    pub max_delete: Option<S<IntOrString>>,
    pub min_age: Option<S<String>>,
    pub concurrency: Option<S<i64>>,
    pub schedule: Option<S<RawCron>>,
    pub notify_topic: Option<S<String>>,
    pub event_stream: Option<S<RawEventStream>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawEventStream {
    pub queue: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTransferSource {
    pub store: Option<S<String>>,
    pub path: Option<S<String>>,
    pub include_prefixes: Option<Vec<S<String>>>,
    pub exclude_prefixes: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTransferSink {
    pub store: Option<S<String>>,
    pub path: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawCron {
    pub cron: Option<S<String>>,
    pub time_zone: Option<S<String>>,
    pub misfire: Option<S<String>>,
    pub misfire_window: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawSchedule {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub cron: Option<S<String>>,
    pub time_zone: Option<S<String>>,
    pub topic: Option<S<String>>,
    pub data: Option<S<String>>,
    pub attributes: Option<BTreeMap<String, S<String>>>,
    pub misfire: Option<S<String>>,
    pub misfire_window: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTopic {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawFunction {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub trigger_topic: Option<S<String>>,
    pub max_attempts: Option<S<i64>>,
    pub min_backoff: Option<S<String>>,
    pub max_backoff: Option<S<String>>,
    pub load: Option<S<RawLoad>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawLoad {
    pub store: Option<S<String>>,
    pub prefix: Option<S<String>>,
    pub table: Option<S<String>>,
    pub schema_file: Option<S<String>>,
    pub write: Option<S<String>>,
    pub allow_empty: Option<S<bool>>,
    pub cluster_by: Option<S<Vec<S<String>>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawSemantic {
    pub models: Option<Vec<S<String>>>,
    pub dashboards: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawServer {
    pub bind: Option<S<String>>,
    pub public_url: Option<S<String>>,
    pub embed_domains: Option<Vec<S<String>>>,
    pub embed_secrets: Option<Vec<S<RawEmbedSecret>>>,
    pub api_clients: Option<Vec<S<RawApiClient>>>,
    pub push_token_env: Option<S<String>>,
    pub push_oidc_audience: Option<S<String>>,
    pub push_oidc_email: Option<S<String>>,
    pub push_oidc_jwks_url: Option<S<String>>,
    pub admin_token_env: Option<S<String>>,
    pub request_timeout: Option<S<String>>,
    pub max_body_bytes: Option<S<u64>>,
    pub header_timeout: Option<S<String>>,
    pub trust_forwarded_for: Option<S<bool>>,
    pub tls_cert_file: Option<S<String>>,
    pub tls_key_file: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawEmbedSecret {
    pub env: Option<S<String>>,
    pub algorithm: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawApiClient {
    pub client_id_env: Option<S<String>>,
    pub client_secret_env: Option<S<String>>,
    pub user_attributes: Option<BTreeMap<String, S<String>>>,
}

/// A value that may be written as a number or as a string (`max_delete = 100`
/// or `max_delete = "10%"`; a model's `limit = "500"` or dashboard `id = 7`).
#[derive(Debug, Clone, PartialEq)]
pub enum IntOrString {
    /// Written as a whole number.
    Int(i64),
    /// Written as a string.
    String(String),
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v).map(IntOrString::Int).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_owned()))
            }
        }
        deserializer.deserialize_any(V)
    }
}
