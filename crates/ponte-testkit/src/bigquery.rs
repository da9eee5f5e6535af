//! The local BigQuery server of `fakes/bigquery.py`: BigQuery's REST
//! contract from the discovery document, tables in DuckDB.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running fake; killed on drop.
pub struct BigQueryFake {
    child: Child,
    port: u16,
    /// Its root URL, for the warehouse's `endpoint`.
    pub endpoint: String,
    /// The bearer token it accepts.
    pub token: String,
    gcs_root: tempfile::TempDir,
}

impl BigQueryFake {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        let port = crate::free_port();
        let gcs_root = tempfile::tempdir().expect("temp dir");
        let token = format!("test-token-{port}");
        let root = crate::repo_root();
        let child = Command::new(crate::python())
            .arg(root.join("crates/ponte-testkit/fakes/bigquery.py"))
            .args(["--port", &port.to_string(), "--token", &token])
            .arg("--spec")
            .arg(root.join("specs/google/bigquery.v2.json"))
            .arg("--gcs-root")
            .arg(gcs_root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the fake BigQuery starts");
        let fake = Self { child, port, endpoint: format!("http://127.0.0.1:{port}"), token, gcs_root };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the fake BigQuery did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        fake
    }

    /// The folder that `gs://<bucket>/<key>` URIs are read from
    /// (`<folder>/<bucket>/<key>`).
    pub fn gcs_root(&self) -> &Path {
        self.gcs_root.path()
    }

    /// A bucket folder under [`Self::gcs_root`], created.
    pub fn gcs_bucket(&self, bucket: &str) -> PathBuf {
        let dir = self.gcs_root.path().join(bucket);
        std::fs::create_dir_all(&dir).expect("bucket folder");
        dir
    }

    /// Every request received since the last reset, oldest first:
    /// `{method, path, query, body?, bytes?, content_range, upload_content_type}`.
    pub fn requests(&self) -> Vec<Value> {
        let v = self.control("GET", "/_fake/requests", "");
        v.as_array().cloned().unwrap_or_default()
    }

    /// Forgets recorded requests and queued faults (tables stay).
    pub fn reset(&self) {
        self.control("POST", "/_fake/reset", "");
    }

    /// Queues faults, e.g. `{"jobs.insert": [{"status": 429, "reason": "rateLimitExceeded"}]}`.
    pub fn inject(&self, faults: Value) {
        self.control("POST", "/_fake/faults", &faults.to_string());
    }

    fn control(&self, method: &str, path: &str, body: &str) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the fake");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{path}: {head}");
        serde_json::from_str(body).expect("JSON")
    }
}

impl Drop for BigQueryFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
