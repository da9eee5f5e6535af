//! Schedules, topics and the daemon as users run them: `ponte trigger`,
//! `ponte publish`, `ponte run` killed, stopped and restarted.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ponte, text};

const FUNCTION: &str = "carrega_faturas";
const TABLE: &str = "objeto_dados_energia_gestao_faturas_v2";

struct Deployment {
    dir: tempfile::TempDir,
    config: String,
}

impl Deployment {
    /// One schedule publishing topic `faturas`, one function loading the
    /// invoices folder on it. `function_extra` and `schedule_extra` are
    /// extra TOML lines for each.
    fn new(rows: &str, schedule_extra: &str, function_extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let schemas = ponte_testkit::repo_root().join("examples/comerc/schemas");
        std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
        std::fs::copy(schemas.join("comerc.json"), dir.path().join("schemas/comerc.json")).unwrap();
        let config = dir.path().join("ponte.toml");
        std::fs::write(
            &config,
            format!(
                r#"
[project]
name = "t"
shutdown_grace = "60s"

[stores.landing]
url = "file://./landing"

[[topics]]
name = "faturas"

[[schedules]]
name = "diario"
cron = "0 8 * * 1-5"
time_zone = "America/Sao_Paulo"
topic = "faturas"
data = "carregar faturas"
{schedule_extra}

[[functions]]
name = "{FUNCTION}"
trigger_topic = "faturas"
{function_extra}
[functions.load]
store = "landing"
prefix = "{TABLE}/"
table = "{TABLE}"
schema_file = "schemas/comerc.json"
"#
            ),
        )
        .unwrap();
        let out = ponte(&[
            "demo-data",
            "--dir",
            dir.path().join("landing").to_str().unwrap(),
            "--rows",
            rows,
            "--days",
            "120",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        Self { dir, config: config.to_str().unwrap().to_owned() }
    }

    fn ponte(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--config", &self.config]);
        ponte(&all)
    }

    fn runs(&self) -> Vec<serde_json::Value> {
        let out = self.ponte(&["runs", "--limit", "100", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }

    /// (kind, status) of every run, oldest first.
    fn statuses(&self) -> Vec<(String, String)> {
        let mut runs: Vec<(String, String)> = self
            .runs()
            .iter()
            .map(|r| (r["kind"].as_str().unwrap().to_owned(), r["status"].as_str().unwrap().to_owned()))
            .collect();
        runs.reverse();
        runs
    }

    fn count(&self, kind: &str, status: &str) -> usize {
        self.statuses().iter().filter(|(k, s)| k == kind && s == status).count()
    }

    fn wait_for(&self, what: &str, timeout: Duration, mut done: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(start.elapsed() < timeout, "timed out waiting for {what}; runs: {:?}", self.statuses());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn daemon(&self) -> Daemon {
        let log = self.dir.path().join(format!("daemon-{}.log", Instant::now().elapsed().as_nanos()));
        let child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["run", "--config", &self.config])
            .env_remove("PONTE_CONFIG")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    fn landing(&self) -> PathBuf {
        self.dir.path().join("landing").join(TABLE)
    }
}

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then the exit status and the log.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        self.signal("-TERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            assert!(start.elapsed() < Duration::from_secs(90), "the daemon did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn load_running(d: &Deployment) -> bool {
    d.statuses().iter().any(|(k, s)| k == "load" && s == "running")
}

#[test]
fn schedules_next_prints_fire_times_with_the_zone_offset() {
    let d = Deployment::new("100", "", "");
    let out = d.ponte(&["schedules", "next", "diario", "--count", "3", "--after", "2026-01-02T12:00:00Z"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2026-01-05T08:00:00-03:00\n2026-01-06T08:00:00-03:00\n2026-01-07T08:00:00-03:00\n");
    let out = d.ponte(&["schedules", "next", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no schedule named `nope`") && text(&out.stderr).contains("diario"));
    let out = d.ponte(&["schedules", "next", "diario", "--after", "yesterday"]);
    assert!(text(&out.stderr).contains("--after `yesterday` is not an RFC 3339 time"), "{}", text(&out.stderr));
}

#[test]
fn trigger_runs_the_subscribers_and_reports_them() {
    let d = Deployment::new("2000", "", "");
    let out = d.ponte(&["trigger", "diario"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("diario: published message 1 on topic faturas, data: carregar faturas"), "{stdout}");
    assert!(stdout.contains(&format!("✓ function:{FUNCTION} attempt 1/5:")), "{stdout}");
    let runs = d.runs();
    assert_eq!(runs[0]["kind"], "load");
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "message:1 (trigger:diario)");

    let out = d.ponte(&["trigger", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no schedule or transfer job named `nope`; known: diario"));
}

#[test]
fn overlapping_triggers_give_one_run_and_one_skip() {
    let d = Deployment::new("400000", "", "");
    let first = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["trigger", "diario", "--config", &d.config])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    d.wait_for("the first load to start", Duration::from_secs(60), load_running);
    let second = d.ponte(&["trigger", "diario"]);
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}{}", text(&first.stdout), text(&first.stderr));
    assert!(second.status.success(), "a skip is not a failure: {}", text(&second.stdout));
    assert!(text(&second.stdout).contains("skipped: function `carrega_faturas` is already running"));
    assert_eq!((d.count("load", "succeeded"), d.count("load", "skipped")), (1, 1), "{:?}", d.statuses());
}

#[test]
fn a_poisoned_message_is_dead_lettered_after_max_attempts() {
    let d = Deployment::new("2000", "", "max_attempts = 3\nmin_backoff = \"1s\"\nmax_backoff = \"1s\"");
    std::fs::write(d.landing().join("2025-99-99.parquet"), b"PAR1 not really").unwrap();
    let daemon = d.daemon();
    let out = d.ponte(&["publish", "faturas", "--data", "carregar"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.wait_for("the message to be dead-lettered", Duration::from_secs(60), |d| {
        d.count("message", "dead_lettered") == 1
    });
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert_eq!(d.count("load", "failed"), 3, "{:?}", d.statuses());
    let runs = d.runs();
    let dead = runs.iter().find(|r| r["status"] == "dead_lettered").unwrap();
    let error = dead["error"].as_str().unwrap();
    assert!(error.contains("dead-lettered after 3 attempts") && error.contains("2025-99-99.parquet"), "{error}");
    assert!(log.contains("message data: carregar"), "the message's data opens the function's log:\n{log}");
}

#[test]
fn a_daemon_killed_mid_run_redelivers_and_exactly_one_load_succeeds() {
    let d = Deployment::new("400000", "", "");
    let daemon = d.daemon();
    assert!(d.ponte(&["publish", "faturas"]).status.success());
    d.wait_for("the load to start", Duration::from_secs(60), load_running);
    daemon.kill();
    let daemon = d.daemon();
    d.wait_for("the redelivered load to succeed", Duration::from_secs(120), |d| d.count("load", "succeeded") == 1);
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert!(log.contains("delivering them again"), "{log}");
    assert_eq!(d.count("load", "succeeded"), 1, "{:?}", d.statuses());
    assert_eq!(d.count("load", "interrupted"), 1, "{:?}", d.statuses());
}

#[test]
fn sigterm_lets_the_run_in_flight_finish() {
    let d = Deployment::new("400000", "", "");
    let daemon = d.daemon();
    assert!(d.ponte(&["publish", "faturas"]).status.success());
    d.wait_for("the load to start", Duration::from_secs(60), load_running);
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert_eq!(d.statuses().last().unwrap(), &("load".to_owned(), "succeeded".to_owned()), "{log}");
    // Nothing is left to deliver: a new daemon runs nothing.
    let daemon = d.daemon();
    std::thread::sleep(Duration::from_secs(2));
    let (_, log) = daemon.stop();
    assert!(log.contains("0 delivery(ies) run"), "{log}");
}

/// Fires missed while no daemon ran: `run_once` publishes once for them,
/// `skip` records them and runs nothing.
#[test]
fn missed_fires_follow_the_misfire_policy() {
    for (policy, runs_expected) in [("run_once", 1), ("skip", 0)] {
        let d = Deployment::new("2000", &format!("misfire = \"{policy}\""), "");
        let config = std::fs::read_to_string(&d.config).unwrap().replace("0 8 * * 1-5", "* * * * *");
        std::fs::write(&d.config, config).unwrap();
        // The daemon last saw the schedule ten minutes ago.
        let state = ponte_state::StateDb::open(&d.dir.path().join(".ponte")).unwrap();
        state.record_fire("schedule:diario", chrono::Utc::now() - chrono::TimeDelta::minutes(10), None).unwrap();
        drop(state);
        let daemon = d.daemon();
        d.wait_for("the missed fires to be handled", Duration::from_secs(60), |d| {
            d.runs().iter().any(|r| r["kind"] == "schedule" && r["trigger"] == "misfire")
                && d.count("load", "succeeded") == runs_expected
        });
        let (status, log) = daemon.stop();
        assert!(status.success(), "{log}");
        let runs = d.runs();
        let misfire = runs.iter().find(|r| r["kind"] == "schedule").unwrap();
        let missed = misfire["counters"]["missed"].as_u64().unwrap();
        assert!((9..=11).contains(&missed), "{misfire}");
        assert_eq!(misfire["status"], if policy == "skip" { "skipped" } else { "succeeded" });
        assert!(d.count("load", "succeeded") <= runs_expected + 1, "{:?}", d.statuses());
    }
}
