//! `ponte demo` end to end in a real browser: the example customer portal
//! embeds the main dashboard for a customer, and headless Chromium shows
//! every tile with that customer's numbers (checked against DuckDB) while
//! the portal receives the dashboard's events. The browser side is in
//! `browser_portal.py`; a screenshot lands in `test-artifacts/`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::text;

/// Stops the demo when the test ends, however it ends.
struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_portal_embeds_the_dashboard_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (ponte_port, portal_port) = (ponte_testkit::free_port(), ponte_testkit::free_port());
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["demo", "--dir", dir.path().to_str().unwrap(), "--rows", "20000"])
            .args(["--bind", &format!("127.0.0.1:{ponte_port}"), "--portal-bind", &format!("127.0.0.1:{portal_port}")])
            .env_remove("PONTE_CONFIG")
            .env("PONTE_EMBED_SECRET", "browser-test-embed-secret")
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap(),
    );
    let read_log = || std::fs::read_to_string(log.path()).unwrap_or_default();
    let start = Instant::now();
    let announced = format!("the customer portal at http://localhost:{portal_port}/");
    // The demo binds the portal's port a moment before it prints its URL: wait for both.
    while std::net::TcpStream::connect(("127.0.0.1", portal_port)).is_err() || !read_log().contains(&announced) {
        if let Ok(Some(status)) = demo.0.try_wait() {
            panic!("ponte demo exited with {status}:\n{}", read_log());
        }
        assert!(start.elapsed() < Duration::from_secs(300), "the demo did not serve its portal:\n{}", read_log());
        std::thread::sleep(Duration::from_millis(200));
    }

    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let artifacts = ponte_testkit::repo_root().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let screenshot = artifacts.join("portal-dashboard.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = ponte_testkit::repo_root().join("crates/ponte/tests/browser_portal.py");
    let out = Command::new(ponte_testkit::python())
        .arg(&script)
        .arg(format!("http://localhost:{portal_port}"))
        .arg(&landing)
        .arg(&screenshot)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report = format!("{}{}\n--- demo log ---\n{}", text(&out.stdout), text(&out.stderr), read_log());
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
    assert!(std::fs::metadata(&screenshot).map(|m| m.len() > 10_000).unwrap_or(false), "no screenshot:\n{report}");
    assert!(!read_log().contains("browser-test-embed-secret"), "the embed secret reached the log:\n{}", read_log());
}
