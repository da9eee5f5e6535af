//! Shared helpers for ponte's tests: where the repository is, and the Python
//! environment (pyarrow, DuckDB, moto, looker-sdk) that independent checks
//! run in.
//!
//! The Python environment is made by `scripts/python-env.sh`, the same script
//! the README's test command runs first, so `cargo test` alone also works: the
//! first test that needs Python creates it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root exists")
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

/// Runs a Python script in the test environment with `args`; returns stdout.
/// Panics with stderr when it fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python()).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(out.status.success(), "python failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

mod moto;
pub use moto::{ACCESS_KEY, Moto, SECRET_KEY};

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback").local_addr().expect("local addr").port()
}
