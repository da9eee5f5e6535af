//! The BigQuery backend against a local server that follows BigQuery's
//! published REST contract (the discovery document; tables in DuckDB):
//! the conformance suite, then the request bodies, job states and errors.
//! Not run against Google itself.

mod conformance;

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use ponte_config::{LoadSpec, Store, StoreOptions, StoreUrl, TableSchema, WriteMode};
use ponte_testkit::BigQueryFake;
use ponte_warehouse::{BigQueryWarehouse, Credentials, LoadOptions, Location, Warehouse, load_with};
use serde_json::{Value, json};

async fn warehouse(fake: &BigQueryFake) -> BigQueryWarehouse {
    let location = Location {
        project: "comerc-analytics".into(),
        dataset: "comerc".into(),
        location: Some("southamerica-east1".into()),
    };
    BigQueryWarehouse::connect(location, Credentials::AccessToken(fake.token.clone()), Some(&fake.endpoint))
        .await
        .unwrap()
        .with_retry_wait(std::time::Duration::from_millis(20))
}

fn schema_fields() -> Value {
    json!([
        {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
        {"name": "name", "type": "STRING", "mode": "NULLABLE"},
    ])
}

fn load_schema() -> TableSchema {
    ponte_config::schema::parse_schema("s.json".as_ref(), &schema_fields().to_string())
        .unwrap()
        .table("t")
        .unwrap()
        .clone()
}

fn spec(url: StoreUrl, prefix: &str, table: &str) -> LoadSpec {
    LoadSpec {
        store: Arc::new(Store { name: "landing".into(), url, options: StoreOptions::default() }),
        prefix: prefix.into(),
        table: table.into(),
        schema_file: "s.json".into(),
        schema: Arc::new(load_schema()),
        write: WriteMode::Truncate,
        allow_empty: false,
        cluster_by: vec![],
    }
}

/// Writes `files` parquet files of `rows` rows each under `dir`, with pyarrow.
fn write_parquet(dir: &Path, files: usize, rows: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let script = r#"
import sys, pyarrow as pa, pyarrow.parquet as pq
d, files, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for f in range(files):
    ids = list(range(f * rows, (f + 1) * rows))
    t = pa.table({"id": pa.array(ids, pa.int32()), "name": [f"n{i}" if i % 3 else None for i in ids]})
    pq.write_table(t, f"{d}/part-{f:03}.parquet")
"#;
    ponte_testkit::run_python(script, &[dir.to_str().unwrap(), &files.to_string(), &rows.to_string()]);
}

fn requests_to(fake: &BigQueryFake, fragment: &str) -> Vec<Value> {
    fake.requests().into_iter().filter(|r| r["path"].as_str().unwrap_or_default().contains(fragment)).collect()
}

fn posts(fake: &BigQueryFake, path_end: &str) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with(path_end))
        .collect()
}

async fn count(w: &BigQueryWarehouse, table: &str) -> i64 {
    let result = w.query(&format!("SELECT count(*) AS n FROM {table}"), &[]).await.unwrap();
    let column = result.batches[0].column(0).as_any().downcast_ref::<arrow_array::Int64Array>().unwrap().clone();
    column.value(0)
}

#[tokio::test]
async fn conforms() {
    let fake = BigQueryFake::start();
    conformance::run_all(&warehouse(&fake).await, "bq").await;
}

#[tokio::test]
async fn a_local_folder_goes_up_as_one_parquet_upload_into_one_load_job() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("dados"), 3, 1000);
    let spec = spec(StoreUrl::File { path: dir.path().into() }, "dados", "faturas");
    let source = Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    let options = LoadOptions { run_key: Some("inst_7".into()), ..Default::default() };

    let report = load_with(&spec, source.clone(), &w, &options).await.unwrap();
    assert_eq!((report.rows, report.table_updates, report.files.len()), (3000, 1, 3));
    assert_eq!(report.snapshot, "ponte_load_faturas_inst_7", "the job id comes from the run key");
    assert_eq!(count(&w, "faturas").await, 3000);

    let uploads = posts(&fake, "/upload/bigquery/v2/projects/comerc-analytics/jobs");
    assert_eq!(uploads.len(), 1, "one upload, one job");
    assert_eq!(uploads[0]["query"]["uploadType"], "resumable");
    assert_eq!(uploads[0]["upload_content_type"], "application/octet-stream");
    let job = &uploads[0]["body"];
    assert_eq!(
        job["jobReference"],
        json!({"projectId": "comerc-analytics", "jobId": "ponte_load_faturas_inst_7", "location": "southamerica-east1"})
    );
    let load = &job["configuration"]["load"];
    assert_eq!(
        load["destinationTable"],
        json!({"projectId": "comerc-analytics", "datasetId": "comerc", "tableId": "faturas"})
    );
    assert_eq!(load["sourceFormat"], "PARQUET");
    assert_eq!(load["writeDisposition"], "WRITE_TRUNCATE");
    assert_eq!(load["createDisposition"], "CREATE_IF_NEEDED");
    assert_eq!(load["parquetOptions"], json!({"enableListInference": true}));
    assert_eq!(load["schema"]["fields"], schema_fields(), "the schema file's schema");
    assert!(load.get("sourceUris").is_none());
    assert!(load.get("clustering").is_none(), "no cluster_by, no clustering");
    assert!(
        posts(&fake, "/projects/comerc-analytics/jobs")
            .iter()
            .all(|r| r["path"].as_str().unwrap().starts_with("/upload"))
    );
    let chunks: Vec<Value> = fake.requests().into_iter().filter(|r| r["method"] == "PUT").collect();
    let last = chunks.last().unwrap()["content_range"].as_str().unwrap().to_owned();
    assert!(last.starts_with("bytes 0-") && !last.ends_with("/*"), "one final chunk: {last}");

    // The same trigger again: the job is found, nothing is uploaded twice.
    fake.reset();
    let again = load_with(&spec, source, &w, &options).await.unwrap();
    assert_eq!(again.snapshot, report.snapshot);
    assert_eq!(again.rows, 3000);
    let methods: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert!(methods.iter().all(|m| m.starts_with("GET /bigquery/v2/projects/comerc-analytics/jobs/")), "{methods:?}");
}

#[tokio::test]
async fn a_gcs_folder_loads_by_uri_with_no_byte_through_ponte() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let bucket = fake.gcs_bucket("landing");
    write_parquet(&bucket.join("dados"), 3, 500);
    std::fs::write(bucket.join("dados/_SUCCESS"), b"").unwrap();
    let mut spec = spec(StoreUrl::Gcs { bucket: "landing".into(), prefix: String::new() }, "dados", "faturas");
    spec.cluster_by = vec!["id".into()];
    // The footers are read through a store on the same files.
    let source = Arc::new(LocalFileSystem::new_with_prefix(&bucket).unwrap());

    let report = load_with(&spec, source, &w, &LoadOptions::default()).await.unwrap();
    assert_eq!((report.rows, report.bytes_read, report.table_updates), (1500, 0, 1));
    assert_eq!(report.ignored.len(), 1, "_SUCCESS is skipped and reported");
    let inserts = posts(&fake, "/bigquery/v2/projects/comerc-analytics/jobs");
    assert_eq!(inserts.len(), 1);
    let load = &inserts[0]["body"]["configuration"]["load"];
    assert_eq!(
        load["sourceUris"],
        json!([
            "gs://landing/dados/part-000.parquet",
            "gs://landing/dados/part-001.parquet",
            "gs://landing/dados/part-002.parquet"
        ])
    );
    assert_eq!(load["sourceFormat"], "PARQUET");
    assert_eq!(load["parquetOptions"]["enableListInference"], true);
    assert_eq!(load["clustering"], json!({"fields": ["id"]}), "BigQuery clusters the table itself");
    assert!(requests_to(&fake, "/upload").is_empty(), "nothing uploaded");
    assert_eq!(count(&w, "faturas").await, 1500);
}

#[tokio::test]
async fn throttling_is_retried_and_an_exhausted_quota_is_not() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let bucket = fake.gcs_bucket("landing");
    write_parquet(&bucket.join("dados"), 1, 10);
    let spec = spec(StoreUrl::Gcs { bucket: "landing".into(), prefix: String::new() }, "dados", "t");
    let source = Arc::new(LocalFileSystem::new_with_prefix(&bucket).unwrap());

    fake.inject(json!({"jobs.insert": [
        {"status": 429, "reason": "rateLimitExceeded"},
        {"status": 503, "reason": "backendError"},
    ]}));
    load_with(&spec, source.clone(), &w, &LoadOptions::default()).await.expect("throttling is waited out");
    assert_eq!(posts(&fake, "/jobs").len(), 3);

    fake.reset();
    fake.inject(json!({"jobs.insert": [{"status": 403, "reason": "quotaExceeded", "message": "Quota exceeded: Your table exceeded quota for imports or query appends per table"}]}));
    let err = load_with(&spec, source, &w, &LoadOptions::default()).await.unwrap_err();
    let text = format!("{err:#}");
    let chain = std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    assert!(chain.contains("quotaExceeded") && chain.contains("not retried"), "{chain}");
    assert!(!chain.contains(&fake.token) && !text.contains(&fake.token), "no secret in messages");
    assert_eq!(posts(&fake, "/jobs").len(), 1, "a quota error is not retried");
}

#[tokio::test]
async fn failed_jobs_name_their_errors_and_leave_the_table() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let bucket = fake.gcs_bucket("landing");
    write_parquet(&bucket.join("dados"), 2, 100);
    let spec = spec(StoreUrl::Gcs { bucket: "landing".into(), prefix: String::new() }, "dados", "t");
    let source = Arc::new(LocalFileSystem::new_with_prefix(&bucket).unwrap());
    load_with(&spec, source.clone(), &w, &LoadOptions::default()).await.unwrap();

    fake.inject(json!({"job": [{
        "reason": "invalid",
        "message": "Error while reading data, error message: Parquet column 'id' has type INT32 which does not match the target cpp_type INT64.",
        "more": [{"reason": "invalid", "message": "File: gs://landing/dados/part-001.parquet", "location": "gs://landing/dados/part-001.parquet"}],
    }]}));
    let err = load_with(&spec, source.clone(), &w, &LoadOptions::default()).await.unwrap_err();
    let chain = std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    assert!(chain.contains("invalid: Error while reading data"), "{chain}");
    assert!(chain.contains("at gs://landing/dados/part-001.parquet"), "the errors list is shown: {chain}");
    assert_eq!(count(&w, "t").await, 200, "the failed job left the table as it was");

    // A job that fails for a passing reason runs again under a new id.
    fake.reset();
    fake.inject(json!({"job": [{"reason": "backendError", "message": "Backend error. Job aborted."}]}));
    let report =
        load_with(&spec, source, &w, &LoadOptions { run_key: Some("r9".into()), ..Default::default() }).await.unwrap();
    assert_eq!(report.snapshot, "ponte_load_t_r9_retry2");
    let ids: Vec<Value> = posts(&fake, "/jobs").iter().map(|r| r["body"]["jobReference"]["jobId"].clone()).collect();
    assert_eq!(ids, vec![json!("ponte_load_t_r9"), json!("ponte_load_t_r9_retry2")]);
}

#[tokio::test]
async fn an_upload_resumes_after_a_failed_chunk() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("dados"), 1, 2000);
    let spec = spec(StoreUrl::File { path: dir.path().into() }, "dados", "t");
    let source = Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    fake.inject(json!({"upload_chunk": [{"status": 503}]}));
    let report = load_with(&spec, source, &w, &LoadOptions::default()).await.unwrap();
    assert_eq!(report.rows, 2000);
    let ranges: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r["method"] == "PUT")
        .map(|r| r["content_range"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ranges.len(), 3, "the chunk, the status question, the chunk again: {ranges:?}");
    assert_eq!(ranges[1], "bytes */*");
    assert_eq!(ranges[0], ranges[2]);
    assert_eq!(count(&w, "t").await, 2000);
}

#[tokio::test]
async fn query_results_are_read_page_by_page() {
    let fake = BigQueryFake::start();
    let w = warehouse(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("dados"), 5, 5000);
    let spec = spec(StoreUrl::File { path: dir.path().into() }, "dados", "t");
    load_with(&spec, Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()), &w, &LoadOptions::default())
        .await
        .unwrap();
    fake.reset();
    let result = w
        .query("SELECT id, name FROM t WHERE id >= $1 ORDER BY id", &[ponte_warehouse::QueryParam::Int(10)])
        .await
        .unwrap();
    assert_eq!(result.num_rows(), 24_990);
    assert!(result.batches.len() >= 3, "{} pages", result.batches.len());
    let ids: Vec<i64> = result
        .batches
        .iter()
        .flat_map(|b| b.column(0).as_any().downcast_ref::<arrow_array::Int64Array>().unwrap().values().to_vec())
        .collect();
    assert_eq!(ids, (10..25_000).collect::<Vec<_>>());
    let pages = requests_to(&fake, "/queries/");
    assert_eq!(pages.len(), 2, "two more pages after the first");
    assert!(
        pages.iter().all(|p| p["query"]["formatOptions.useInt64Timestamp"] == "true"
            && p["query"]["location"] == "southamerica-east1")
    );
    let query = &posts(&fake, "/queries")[0]["body"];
    assert_eq!(query["parameterMode"], "NAMED");
    assert_eq!(query["query"], "SELECT id, name FROM t WHERE id >= @p1 ORDER BY id");
    assert_eq!(
        query["queryParameters"],
        json!([{"name": "p1", "parameterType": {"type": "INT64"}, "parameterValue": {"value": "10"}}])
    );
    assert_eq!(query["defaultDataset"], json!({"projectId": "comerc-analytics", "datasetId": "comerc"}));
    assert_eq!(query["useLegacySql"], false);
}
