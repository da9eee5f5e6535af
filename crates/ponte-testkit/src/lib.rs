//! Shared helpers for ponte's tests: where the repository is, the Python
//! environment (pyarrow, DuckDB, moto, looker-sdk) that independent checks
//! run in, and the JavaScript clients (Looker's Embed SDK) browser tests
//! load.
//!
//! The Python environment is made by `scripts/python-env.sh`, the same script
//! the README's test command runs first, so `cargo test` alone also works: the
//! first test that needs Python creates it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's root folder: the workspace above the running test's
/// crate (cargo sets `CARGO_MANIFEST_DIR` when it runs a test).
///
/// Not this crate's compile-time `env!("CARGO_MANIFEST_DIR")`: cargo reuses
/// a shared target folder's build of this crate for a clone at another path,
/// and that path would then point at the first clone, or nowhere.
pub fn repo_root() -> PathBuf {
    let start =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file() && dir.join("crates").is_dir())
        .unwrap_or_else(|| panic!("no repository root above {}", start.display()))
        .to_owned()
}

/// The Python interpreter of the test environment: `$PONTE_PYTHON` when set,
/// else the one `scripts/python-env.sh` creates (once) and prints.
///
/// Panics with the script's output when the environment cannot be made: a
/// test that needs an independent oracle must not pass without it.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(p) = std::env::var_os("PONTE_PYTHON") {
            return PathBuf::from(p);
        }
        let script = repo_root().join("scripts/python-env.sh");
        let out = Command::new("bash").arg(&script).output().expect("bash runs");
        assert!(out.status.success(), "{} failed:\n{}", script.display(), String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
    })
}

/// The `node_modules` folder of the JavaScript clients the tests drive
/// (Looker's Embed SDK 1.x and 2.x): `$PONTE_JS_MODULES` when set, else the
/// one `scripts/js-env.sh` installs (once) and prints.
pub fn js_modules() -> &'static Path {
    static MODULES: OnceLock<PathBuf> = OnceLock::new();
    MODULES.get_or_init(|| {
        if let Some(p) = std::env::var_os("PONTE_JS_MODULES") {
            return PathBuf::from(p);
        }
        let script = repo_root().join("scripts/js-env.sh");
        let out = Command::new("bash").arg(&script).output().expect("bash runs");
        assert!(out.status.success(), "{} failed:\n{}", script.display(), String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
    })
}

/// Runs a Python script in the test environment with `args`; returns stdout.
/// Panics with stderr when it fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python()).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(out.status.success(), "python failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

mod bigquery;
mod fake_process;
mod gce_metadata;
mod gcs;
mod moto;
mod moto_recorder;
mod sts_refusal;
pub use bigquery::BigQueryFake;
pub use gce_metadata::{MetadataServer, SUBJECT as METADATA_SUBJECT};
pub use gcs::{GcsObject, GcsServer};
pub use moto::{ACCESS_KEY, Moto, SECRET_KEY};
pub use moto_recorder::RecordedRequest;
pub use sts_refusal::StsRefusal;

/// A free TCP port on the loopback interface, never one this process
/// handed out before: tests run in parallel, and two servers told the same
/// port would answer for each other until one of them stops.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback").local_addr().expect("local addr").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Compares two trees with rclone (`rclone check --download`: every byte
/// of both sides is read and compared), an oracle independent of ponte.
/// Remotes are local paths or `moto:bucket/prefix` for the given moto
/// server. Returns rclone's report when they differ.
pub fn rclone_check(a: &str, b: &str, moto: Option<&Moto>) -> Result<(), String> {
    let mut cmd = Command::new("rclone");
    cmd.args(["check", "--download", a, b]);
    if let Some(m) = moto {
        // The endpoint is plain HTTP on loopback; a CA bundle set for the
        // machine only trips rclone's AWS SDK.
        cmd.env_remove("AWS_CA_BUNDLE")
            .env("RCLONE_CONFIG_MOTO_TYPE", "s3")
            .env("RCLONE_CONFIG_MOTO_PROVIDER", "Other")
            .env("RCLONE_CONFIG_MOTO_ENDPOINT", &m.endpoint)
            .env("RCLONE_CONFIG_MOTO_ACCESS_KEY_ID", ACCESS_KEY)
            .env("RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("RCLONE_CONFIG_MOTO_REGION", "us-east-1")
            .env("RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE", "true");
    }
    let out = cmd.output().expect("rclone runs (scripts/install-test-tools.sh installs it)");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Whether an HTTP server answers `GET path` on the loopback `port` (a
/// bare TCP connect could succeed on a socket connected to itself).
pub(crate) fn answers_http(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    if stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// This process's peak resident memory so far (VmHWM), in bytes.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM line");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).expect("a number of kB") * 1024
}
