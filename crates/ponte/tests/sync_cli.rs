//! `ponte sync` as users run it: output, exit codes, kills.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{ponte, text};

/// A deployment with one job mirroring `src` into `dst`, and sample data in `src`.
fn deployment(dir: &Path, rows: &str) -> String {
    let config = dir.join("ponte.toml");
    std::fs::write(
        &config,
        r#"
[project]
name = "t"

[stores.src]
url = "file://./src"
[stores.dst]
url = "file://./dst"

[[transfers]]
name = "mirror"
source = { store = "src" }
sink = { store = "dst" }
delete_unique_in_sink = true
"#,
    )
    .unwrap();
    let out = ponte(&["demo-data", "--dir", dir.join("src").to_str().unwrap(), "--rows", rows, "--days", "200"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    config.to_str().unwrap().to_owned()
}

#[test]
fn dry_run_then_sync_then_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let config = deployment(dir.path(), "2000");

    let out = ponte(&["sync", "mirror", "--dry-run", "--config", &config]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("mirror: dry run, nothing changed"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("  + dados_infomerc/2025-11-21.parquet")), "{stdout}");
    assert!(!dir.path().join("dst").exists(), "a dry run changes nothing, not even the sink folder");

    let out = ponte(&["sync", "mirror", "--json", "--config", &config]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "succeeded");
    let copied = report["counters"]["objectsCopiedToSink"].as_u64().unwrap();
    assert_eq!(copied, report["counters"]["objectsFoundFromSource"].as_u64().unwrap());
    ponte_testkit::rclone_check(
        dir.path().join("src").to_str().unwrap(),
        dir.path().join("dst").to_str().unwrap(),
        None,
    )
    .unwrap();

    // Something appears in the sink that the source does not have.
    std::fs::write(dir.path().join("dst/stale.bin"), "x").unwrap();
    let out = ponte(&["sync", "mirror", "--dry-run", "--config", &config]);
    let stdout = text(&out.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("  - stale.bin")), "{stdout}");
    assert!(stdout.contains("plan: 0 to copy"), "{stdout}");

    let out = ponte(&["sync", "--all", "--config", &config]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = |label: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap()
            .split_whitespace()
            .rev()
            .nth(2)
            .unwrap()
            .to_owned()
    };
    assert_eq!(row("copied"), "0", "{stdout}");
    assert_eq!(row("deleted from sink"), "1", "{stdout}");
    assert!(!dir.path().join("dst/stale.bin").exists());

    let out = ponte(&["runs", "--json", "--config", &config]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2, "dry runs are not in the history");
}

#[test]
fn a_refused_sync_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = deployment(dir.path(), "2000");
    assert!(ponte(&["sync", "mirror", "--config", &config]).status.success());
    // The source "disappears" (an unmounted disk, a wrong bucket): refuse.
    std::fs::rename(dir.path().join("src"), dir.path().join("src-moved")).unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let before = std::fs::read_dir(dir.path().join("dst")).unwrap().count();
    let out = ponte(&["sync", "mirror", "--config", &config]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the source side is empty") && stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path().join("dst")).unwrap().count(), before);

    let out = ponte(&["sync", "nope", "--config", &config]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no transfer job named `nope`") && stderr.trim_end().ends_with("jobs: mirror"), "{stderr}");
}

/// kill -9 at several points of a run; the next normal run converges.
#[test]
fn a_run_killed_mid_copy_converges_on_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let config = deployment(dir.path(), "60000");
    let mut interrupted_somewhere = false;
    for delay_ms in [40, 120, 250, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["sync", "mirror", "--config", &config])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        interrupted_somewhere |= child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(interrupted_somewhere, "every run finished before its kill: make the data bigger");
    let out = ponte(&["sync", "mirror", "--config", &config]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    ponte_testkit::rclone_check(
        dir.path().join("src").to_str().unwrap(),
        dir.path().join("dst").to_str().unwrap(),
        None,
    )
    .unwrap_or_else(|e| panic!("sink differs from source after the converging run:\n{e}"));
    let out = ponte(&["runs", "--json", "--config", &config]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[0], "succeeded");
    assert!(statuses.contains(&"interrupted"), "{statuses:?}");
}

/// An `s3://` store as a user configures it — endpoint, region, plain HTTP
/// for a local server, credentials from the environment variables it names —
/// against a real S3 server (moto).
#[test]
fn syncs_from_s3_configured_in_ponte_toml() {
    let moto = ponte_testkit::Moto::start();
    moto.create_buckets(&["comerc-datalake"]);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local-src");
    let out = ponte(&["demo-data", "--dir", local.to_str().unwrap(), "--rows", "500", "--days", "3"]);
    assert!(out.status.success());
    // Seed the bucket with the sample files (rclone copies them).
    let seed = Command::new("rclone")
        .args(["copy", local.to_str().unwrap(), "moto:comerc-datalake/raw"])
        .env_remove("AWS_CA_BUNDLE")
        .env("RCLONE_CONFIG_MOTO_TYPE", "s3")
        .env("RCLONE_CONFIG_MOTO_PROVIDER", "Other")
        .env("RCLONE_CONFIG_MOTO_ENDPOINT", &moto.endpoint)
        .env("RCLONE_CONFIG_MOTO_ACCESS_KEY_ID", ponte_testkit::ACCESS_KEY)
        .env("RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY", ponte_testkit::SECRET_KEY)
        .env("RCLONE_CONFIG_MOTO_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(seed.status.success(), "{}", text(&seed.stderr));
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[stores.s3]
url = "s3://comerc-datalake/raw"
endpoint = "{}"
allow_http = true
region = "us-east-1"
access_key_id_env = "TEST_S3_KEY"
secret_access_key_env = "TEST_S3_SECRET"
[stores.landing]
url = "file://./landing"

[[transfers]]
name = "sts_faturas"
source = {{ store = "s3", include_prefixes = ["objeto_dados_energia_gestao_faturas_v2/"] }}
sink = {{ store = "landing" }}
delete_unique_in_sink = true
"#,
            moto.endpoint
        ),
    )
    .unwrap();
    let run = |with_secret: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ponte"));
        cmd.args(["sync", "sts_faturas", "--json", "--config", config.to_str().unwrap()]).env("TEST_S3_KEY", "testing");
        if with_secret {
            cmd.env("TEST_S3_SECRET", "testing");
        } else {
            cmd.env_remove("TEST_S3_SECRET");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("environment variable TEST_S3_SECRET (named by `secret_access_key_env`) is not set"),
        "{stdout}"
    );

    let out = run(true);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["counters"]["objectsCopiedToSink"], 3, "{report}");
    ponte_testkit::rclone_check(
        local.join("objeto_dados_energia_gestao_faturas_v2").to_str().unwrap(),
        dir.path().join("landing/objeto_dados_energia_gestao_faturas_v2").to_str().unwrap(),
        None,
    )
    .unwrap();
    // Only the included prefix came over.
    assert_eq!(std::fs::read_dir(dir.path().join("landing")).unwrap().count(), 1);
    let out = run(true);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["counters"]["objectsCopiedToSink"], 0, "{report}");
}
