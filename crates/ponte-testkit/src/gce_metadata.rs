//! A stand-in for Google's metadata server (`fakes/gce_metadata.py`): ID
//! tokens for any audience, signed by a key made at start, as ponte gets
//! them on Cloud Run, GCE or GKE. Stopped when the handle drops.

use serde_json::Value;

use crate::fake_process::{FakeProcess, json_lines};

/// A running metadata server stand-in.
pub struct MetadataServer {
    _process: FakeProcess,
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
        let process = FakeProcess::start(
            "gce_metadata.py",
            vec![
                "--port".into(),
                port.to_string().into(),
                "--subject".into(),
                SUBJECT.into(),
                "--public-key".into(),
                files.path().join("public.jwk").into(),
                "--log".into(),
                files.path().join("requests.jsonl").into(),
            ],
            port,
            "/",
            "the metadata stand-in",
        );
        Self { _process: process, host: format!("127.0.0.1:{port}"), files }
    }

    /// The identity requests so far: `{path, query, flavor}` each.
    pub fn requests(&self) -> Vec<Value> {
        json_lines(&self.files.path().join("requests.jsonl"))
            .into_iter()
            .filter(|request| request.to_string().contains("identity"))
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
