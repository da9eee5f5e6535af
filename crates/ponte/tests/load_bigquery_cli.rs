//! `ponte load` with `kind = "bigquery"` in ponte.toml, against the local
//! BigQuery server that follows the REST contract: config keys, credentials
//! from a named env var, the report, and a failure's message.

mod common;

use std::process::Command;

use ponte_testkit::BigQueryFake;

fn config(dir: &std::path::Path, endpoint: &str) -> std::path::PathBuf {
    let text = format!(
        r#"
[project]
name = "t"
state_dir = ".ponte"

[stores.landing]
url = "file://./landing"

[warehouse]
kind = "bigquery"
project = "comerc-analytics"
dataset = "comerc"
location = "southamerica-east1"
access_token_env = "PONTE_TEST_BQ_TOKEN"
endpoint = "{endpoint}"

[[schedules]]
name = "daily"
cron = "0 8 * * *"
time_zone = "UTC"
topic = "loads"

[[topics]]
name = "loads"

[[functions]]
name = "load_sales"
trigger_topic = "loads"
[functions.load]
store = "landing"
prefix = "sales/"
table = "sales"
schema_file = "schema.json"
"#
    );
    std::fs::write(dir.join("ponte.toml"), text).unwrap();
    std::fs::write(
        dir.join("schema.json"),
        r#"[{"name": "id", "type": "INTEGER", "mode": "REQUIRED"}, {"name": "region", "type": "STRING"}]"#,
    )
    .unwrap();
    dir.join("ponte.toml")
}

fn ponte(config: &std::path::Path, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("PONTE_TEST_BQ_TOKEN", token)
        .env_remove("PONTE_CONFIG")
        .output()
        .expect("ponte runs")
}

#[test]
fn ponte_load_runs_one_bigquery_load_job_and_reports_it() {
    let fake = BigQueryFake::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake.endpoint);
    let sales = dir.path().join("landing/sales");
    std::fs::create_dir_all(&sales).unwrap();
    ponte_testkit::run_python(
        "import sys, pyarrow as pa, pyarrow.parquet as pq\n\
         for f in range(2):\n    pq.write_table(pa.table({'id': list(range(f*100, f*100+100)), 'region': ['sul'] * 100}), f'{sys.argv[1]}/{f}.parquet')\n",
        &[sales.to_str().unwrap()],
    );

    let out = ponte(&config, &fake.token, &["load", "load_sales", "--json"]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = if report.is_array() { report[0].clone() } else { report };
    assert_eq!(report["rows"], 200, "{report}");
    assert_eq!(report["table_updates"], 1);
    let job = report["snapshot"].as_str().unwrap();
    assert!(job.starts_with("ponte_load_sales_"), "{job}");
    let uploads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().starts_with("/upload/"))
        .collect();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["body"]["jobReference"]["jobId"], job);

    // `ponte sql` reads the same warehouse.
    let out = ponte(&config, &fake.token, &["sql", "SELECT count(*) AS n FROM sales"]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).contains("200"), "{}", common::text(&out.stdout));

    // A wrong token: a clear failure that does not print the token.
    let out = ponte(&config, "not-the-token", &["load", "load_sales"]);
    assert!(!out.status.success());
    let stderr = common::text(&out.stderr);
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(!stderr.contains("not-the-token") && !stderr.contains(&fake.token), "{stderr}");
}
