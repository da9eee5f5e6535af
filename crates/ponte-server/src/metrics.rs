//! Prometheus metrics at `GET /metrics` (OpenMetrics text).
//!
//! Two sources: what this process sees as it serves (HTTP responses by
//! status class, query latency by surface, embed logins by outcome and
//! rule), kept in memory; and what the run history holds (runs by kind and
//! status, objects and bytes transferred, rows loaded), read from the state
//! database at each scrape, so runs of every process that shares the state
//! folder count, and a restart does not reset them.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

type Labels = Vec<(&'static str, String)>;

/// Where a query came from, for the latency histogram.
#[derive(Debug, Clone, Copy)]
pub enum QuerySurface {
    /// The Looker API (`/api/4.0/queries/…`, looks).
    Api,
    /// A dashboard tile, look or explore page, or a download.
    Page,
}

impl QuerySurface {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Page => "page",
        }
    }
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    http_responses: Family<Labels, Counter>,
    query_seconds: Family<Labels, Histogram>,
    embed_logins: Family<Labels, Counter>,
    runs: Family<Labels, Counter>,
    objects_copied: Counter,
    bytes_copied: Counter,
    objects_deleted: Counter,
    rows_loaded: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn query_histogram() -> Histogram {
    // 5 ms to about 80 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ponte");
        let http_responses = Family::<Labels, Counter>::default();
        registry.register("http_responses", "HTTP responses by status class (2xx, 4xx, …)", http_responses.clone());
        let query_seconds = Family::<Labels, Histogram>::new_with_constructor(query_histogram as fn() -> Histogram);
        registry.register(
            "query_duration_seconds",
            "Warehouse query latency, compile to last row, by surface (api, page) and result cache (hit, miss)",
            query_seconds.clone(),
        );
        let embed_logins = Family::<Labels, Counter>::default();
        registry.register(
            "embed_logins",
            "Signed embed logins, accepted or rejected (with the rule that failed)",
            embed_logins.clone(),
        );
        let runs = Family::<Labels, Counter>::default();
        registry.register("runs", "Runs in the history, by kind and status", runs.clone());
        let objects_copied = Counter::default();
        registry.register(
            "transfer_objects_copied",
            "Objects copied to sinks by transfer runs",
            objects_copied.clone(),
        );
        let bytes_copied = Counter::default();
        registry.register("transfer_bytes_copied", "Bytes copied to sinks by transfer runs", bytes_copied.clone());
        let objects_deleted = Counter::default();
        registry.register(
            "transfer_objects_deleted",
            "Objects deleted from sinks by transfer runs",
            objects_deleted.clone(),
        );
        let rows_loaded = Counter::default();
        registry.register("load_rows", "Rows written to tables by load runs", rows_loaded.clone());
        Self {
            registry,
            http_responses,
            query_seconds,
            embed_logins,
            runs,
            objects_copied,
            bytes_copied,
            objects_deleted,
            rows_loaded,
        }
    }
}

impl Metrics {
    /// Records one warehouse query, answered from the result cache or not.
    pub fn observe_query(&self, surface: QuerySurface, cache_hit: bool, took: Duration) {
        let cache = if cache_hit { "hit" } else { "miss" };
        let labels = vec![("surface", surface.as_str().to_owned()), ("cache", cache.to_owned())];
        self.query_seconds.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// Records an embed login: accepted, or rejected by `rule` (the
    /// verifier's stable code, never anything from the URL).
    pub fn embed_login(&self, rejected_by: Option<&'static str>) {
        let labels = match rejected_by {
            None => vec![("result", "accepted".to_owned())],
            Some(rule) => vec![("result", "rejected".to_owned()), ("reason", rule.to_owned())],
        };
        self.embed_logins.get_or_create(&labels).inc();
    }

    fn http_response(&self, status: StatusCode) {
        let class = format!("{}xx", status.as_u16() / 100);
        self.http_responses.get_or_create(&vec![("class", class)]).inc();
    }

    /// The OpenMetrics text, with the run history's totals read now.
    pub fn render(&self, state: &ponte_state::StateDb) -> Result<String, ponte_state::StateError> {
        let totals = state.run_totals()?;
        for (kind, status, count) in totals.runs {
            let counter = self.runs.get_or_create(&vec![("kind", kind), ("status", status)]);
            set(&counter, count);
        }
        set(&self.objects_copied, totals.objects_copied);
        set(&self.bytes_copied, totals.bytes_copied);
        set(&self.objects_deleted, totals.objects_deleted);
        set(&self.rows_loaded, totals.rows_loaded);
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        Ok(text)
    }
}

/// Sets a counter to a total kept elsewhere (the run history), which only
/// grows.
fn set(counter: &Counter, total: u64) {
    counter.inner().store(total, std::sync::atomic::Ordering::Relaxed);
}

/// `GET /metrics`
pub(crate) async fn scrape(State(app): State<AppState>) -> Response {
    match app.metrics.render(&app.state) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
            .into_response(),
        Err(e) => {
            tracing::error!("metrics: the state database: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "the state database is unavailable").into_response()
        }
    }
}

/// Middleware counting every response by status class.
pub(crate) async fn count_responses(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    metrics.http_response(response.status());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_has_every_family_and_the_history_totals() {
        let dir = tempfile::tempdir().unwrap();
        let state = ponte_state::StateDb::open(dir.path()).unwrap();
        let run = state.start_run(ponte_state::RunKind::Load, "f", &ponte_state::Trigger::Cli).unwrap();
        state.finish_run(run, ponte_state::RunStatus::Succeeded, Some(&serde_json::json!({"rows": 42})), None).unwrap();
        let metrics = Metrics::default();
        metrics.observe_query(QuerySurface::Api, false, Duration::from_millis(30));
        metrics.observe_query(QuerySurface::Api, true, Duration::from_millis(1));
        metrics.observe_query(QuerySurface::Api, true, Duration::from_millis(1));
        metrics.embed_login(None);
        metrics.embed_login(Some("bad_signature"));
        metrics.http_response(StatusCode::NOT_FOUND);
        let text = metrics.render(&state).unwrap();
        for line in [
            "ponte_runs_total{kind=\"load\",status=\"succeeded\"} 1",
            "ponte_load_rows_total 42",
            "ponte_transfer_objects_copied_total 0",
            "ponte_embed_logins_total{result=\"accepted\"} 1",
            "ponte_embed_logins_total{result=\"rejected\",reason=\"bad_signature\"} 1",
            "ponte_http_responses_total{class=\"4xx\"} 1",
            "ponte_query_duration_seconds_count{surface=\"api\",cache=\"miss\"} 1",
            "ponte_query_duration_seconds_count{surface=\"api\",cache=\"hit\"} 2",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
