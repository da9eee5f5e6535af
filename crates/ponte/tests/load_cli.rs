//! `ponte load` as users run it: killed mid-way, the old table stands, and
//! the next load succeeds and cleans up after the killed ones.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{FUNCTION, TABLE, invoice_deployment, ponte, text, write_landing_data};

/// The table's row count, read through `ponte sql` as a user would.
fn row_count(config: &str) -> u64 {
    let out = ponte(&["sql", &format!("SELECT count(*) AS n FROM {TABLE}"), "--config", config]);
    assert!(out.status.success(), "a query failed after a killed load: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| l.trim_matches(|c: char| c == '|' || c.is_whitespace()).parse().ok())
        .next()
        .unwrap_or_else(|| panic!("no count in {stdout}"))
}

/// Snapshot folders that still hold files.
fn snapshots(dir: &Path) -> Vec<String> {
    let root = dir.join(".ponte/warehouse").join(TABLE).join("snapshots");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| std::fs::read_dir(e.path()).unwrap().next().is_some())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_load_killed_mid_way_leaves_the_old_table_and_the_next_load_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = invoice_deployment(dir.path(), "", "");
    write_landing_data(dir.path(), "30000");
    let out = ponte(&["load", FUNCTION, "--config", &config]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let old_rows = row_count(&config);
    assert!(old_rows > 0);

    // New data, several times bigger, so that a load takes long enough to be killed.
    write_landing_data(dir.path(), "400000");
    let mut interrupted = 0;
    for delay_ms in [150, 400, 800, 1500] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["load", FUNCTION, "--config", &config])
            .env_remove("PONTE_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
            child.kill().unwrap();
            child.wait().unwrap();
            assert_eq!(row_count(&config), old_rows, "a killed load after {delay_ms} ms changed the table");
        } else {
            // Finished before the kill: the table is the new one, whole.
            child.wait().unwrap();
            break;
        }
    }
    assert!(interrupted > 0, "every load finished before its kill: make the data bigger");

    let out = ponte(&["load", FUNCTION, "--json", "--config", &config]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let new_rows = report["rows"].as_u64().unwrap();
    assert!(new_rows > old_rows);
    assert_eq!(report["table_updates"], 1);
    assert_eq!(row_count(&config), new_rows);
    // The current snapshot and at most the one kept for readers; the orphans
    // of the killed loads are gone.
    let left = snapshots(dir.path());
    assert!(left.len() <= 2 && left.contains(&report["snapshot"].as_str().unwrap().to_owned()), "{left:?}");

    let out = ponte(&["runs", "--json", "--config", &config]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[0], "succeeded");
    assert_eq!(statuses.iter().filter(|s| **s == "interrupted").count(), interrupted, "{statuses:?}");
}
