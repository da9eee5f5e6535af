//! A stand-in STS that answers every `AssumeRoleWithWebIdentity` with one
//! of AWS's error bodies (`fakes/sts_refusal.py`), for the failures moto
//! never produces. Stopped when the handle drops.

use serde_json::Value;

use crate::fake_process::{FakeProcess, json_lines};

/// A running refusing STS.
pub struct StsRefusal {
    _process: FakeProcess,
    /// `http://127.0.0.1:PORT`, for `sts_endpoint`.
    pub endpoint: String,
    log: tempfile::NamedTempFile,
}

impl StsRefusal {
    /// Starts one that answers `status` with `code` and `message`.
    pub fn start(status: u16, code: &str, message: &str) -> Self {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let port = crate::free_port();
        let process = FakeProcess::start(
            "sts_refusal.py",
            vec![
                "--port".into(),
                port.to_string().into(),
                "--status".into(),
                status.to_string().into(),
                "--code".into(),
                code.into(),
                "--message".into(),
                message.into(),
                "--log".into(),
                log.path().into(),
            ],
            port,
            "/",
            "the STS stand-in",
        );
        Self { _process: process, endpoint: format!("http://127.0.0.1:{port}"), log }
    }

    /// The form fields of each request so far (`WebIdentityToken` is
    /// `true` when one was sent, never the token).
    pub fn requests(&self) -> Vec<Value> {
        json_lines(self.log.path())
    }
}
