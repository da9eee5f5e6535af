//! A stand-in for Google's metadata server (`fakes/gce_metadata.py`): ID
//! tokens for any audience, signed by a key made at start, as ponte gets
//! them on Cloud Run, GCE or GKE. Stopped when the handle drops.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running metadata server stand-in.
pub struct MetadataServer {
    child: Child,
    /// `127.0.0.1:PORT`, the value of `GCE_METADATA_HOST`.
    pub host: String,
    files: tempfile::TempDir,
}

/// The numeric unique id of the service account the tokens are for: their
/// `sub`, what a trust policy's `accounts.google.com:sub` names.
pub const SUBJECT: &str = "112233445566778899000";

impl MetadataServer {
    /// Starts it on a free loopback port and waits until it answers.
    pub fn start() -> Self {
        let files = tempfile::tempdir().expect("a folder for its key and log");
        let port = crate::free_port();
        let child = Command::new(crate::python())
            .arg(crate::repo_root().join("crates/ponte-testkit/fakes/gce_metadata.py"))
            .args(["--port", &port.to_string(), "--subject", SUBJECT])
            .arg("--public-key")
            .arg(files.path().join("public.jwk"))
            .arg("--log")
            .arg(files.path().join("requests.jsonl"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the metadata stand-in starts");
        let mut server = Self { child, host: format!("127.0.0.1:{port}"), files };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !crate::answers_http(port, "/") {
            assert!(server.child.try_wait().expect("its status").is_none(), "the metadata stand-in exited at start");
            assert!(Instant::now() < deadline, "the metadata stand-in did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The identity requests so far: `{path, query, flavor}` each.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.files.path().join("requests.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("identity"))
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    /// Verifies `token` with this server's public key (joserfc, not ponte)
    /// and returns its claims; panics when the signature does not hold.
    pub fn verify(&self, token: &str) -> Value {
        let script = "import json, sys\n\
            from joserfc import jwt\n\
            from joserfc.jwk import RSAKey\n\
            key = RSAKey.import_key(json.load(open(sys.argv[1])))\n\
            print(json.dumps(jwt.decode(sys.argv[2], key, algorithms=['RS256']).claims))\n";
        let key = self.files.path().join("public.jwk");
        let out = crate::run_python(script, &[key.to_str().expect("utf-8 path"), token]);
        serde_json::from_str(&out).expect("the claims as JSON")
    }
}

impl Drop for MetadataServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
