//! A stand-in STS that answers every `AssumeRoleWithWebIdentity` with one
//! of AWS's error bodies (`fakes/sts_refusal.py`), for the failures moto
//! never produces. Stopped when the handle drops.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running refusing STS.
pub struct StsRefusal {
    child: Child,
    /// `http://127.0.0.1:PORT`, for `sts_endpoint`.
    pub endpoint: String,
    log: tempfile::NamedTempFile,
}

impl StsRefusal {
    /// Starts one that answers `status` with `code` and `message`.
    pub fn start(status: u16, code: &str, message: &str) -> Self {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let port = crate::free_port();
        let child = Command::new(crate::python())
            .arg(crate::repo_root().join("crates/ponte-testkit/fakes/sts_refusal.py"))
            .args(["--port", &port.to_string(), "--status", &status.to_string(), "--code", code, "--message", message])
            .arg("--log")
            .arg(log.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the STS stand-in starts");
        let mut server = Self { child, endpoint: format!("http://127.0.0.1:{port}"), log };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !crate::answers_http(port, "/") {
            assert!(server.child.try_wait().expect("its status").is_none(), "the STS stand-in exited at start");
            assert!(Instant::now() < deadline, "the STS stand-in did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The form fields of each request so far (`WebIdentityToken` is
    /// `true` when one was sent, never the token).
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.log.path())
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }
}

impl Drop for StsRefusal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
