//! `ponte sync` as users run it: output, exit codes, kills.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte")).args(args).env_remove("PONTE_CONFIG").output().expect("ponte runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

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
