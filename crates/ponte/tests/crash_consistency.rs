//! Crash consistency: `ponte sync`, `ponte load` and the daemon killed with
//! SIGKILL at random points on the demo's data, each kill followed by a
//! normal run that must converge (the landing folder equal to the source
//! byte for byte, every table the old or the new snapshot and queryable,
//! every message run to success exactly once). The rounds and checks are in
//! `crash_suite.py`; `scripts/crash` runs the same suite by hand.
//!
//! `PONTE_CRASH_KILLS` sets the kills per phase (default 20) and
//! `PONTE_CRASH_SEED` the random seed (default: the clock; a failure prints
//! the seed to replay it).

mod common;

use std::process::Command;

use common::text;

#[test]
fn every_kill_is_followed_by_a_run_that_converges() {
    let dir = tempfile::tempdir().unwrap();
    let kills = std::env::var("PONTE_CRASH_KILLS").unwrap_or_else(|_| "20".into());
    let mut command = Command::new(ponte_testkit::python());
    command
        .arg(ponte_testkit::repo_root().join("crates/ponte/tests/crash_suite.py"))
        .args(["--bin", env!("CARGO_BIN_EXE_ponte"), "--kills", &kills, "--rows", "20000", "--dir"])
        .arg(dir.path())
        .env_remove("PONTE_CONFIG");
    if let Ok(seed) = std::env::var("PONTE_CRASH_SEED") {
        command.args(["--seed", &seed]);
    }
    let out = command.output().unwrap();
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
}
