//! A real S3 server for tests: moto's standalone server, started on a free
//! loopback port and stopped when the handle drops. It runs through
//! `fakes/moto_s3.py`, which gives SSE-KMS objects the non-MD5 ETags S3
//! gives them and changes nothing else.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// Where moto's request recorder writes, when a test turns it on
    /// (`moto_recorder.rs`): a file of this server's own, never the
    /// working directory's `moto_recording` that parallel tests would share.
    pub(crate) recording: tempfile::TempDir,
}

/// Credentials moto accepts (it checks none).
pub const ACCESS_KEY: &str = "testing";
/// See [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "testing";

impl Moto {
    /// Starts a server and waits until it answers HTTP on its port.
    ///
    /// A free port can be taken by another process before moto binds it;
    /// moto then exits, and a bare TCP connect could still succeed (another
    /// server, or a socket connected to itself). So readiness means an HTTP
    /// reply from a moto that is still running, and a moto that exited is
    /// started again on another port.
    pub fn start() -> Self {
        Self::start_with_untagged_listings(&[])
    }

    /// Starts a server whose ListObjectsV2 of `buckets` lists no ETag (GET
    /// and HEAD still send one), as S3-compatible servers such as s3s-fs
    /// list: the case where a re-sync must recognise unchanged objects by
    /// the size and modification time the listing does carry.
    pub fn start_with_untagged_listings(buckets: &[&str]) -> Self {
        for _ in 0..5 {
            let port = crate::free_port();
            let recording = tempfile::tempdir().expect("a folder for moto's recording");
            let child = Command::new(crate::python())
                .arg(crate::repo_root().join("crates/ponte-testkit/fakes/moto_s3.py"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_RECORDER_FILEPATH", recording.path().join("requests.jsonl"))
                .env("PONTE_MOTO_UNTAGGED_LISTINGS", buckets.join(","))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto starts");
            let mut moto = Self { child, endpoint: format!("http://127.0.0.1:{port}"), recording };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if moto.child.try_wait().expect("moto's status").is_some() {
                    break;
                }
                if crate::answers_http(port, "/") {
                    return moto;
                }
                assert!(Instant::now() < deadline, "moto did not start on port {port}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("moto exited at start five times (ports taken?)");
    }

    /// Creates buckets.
    pub fn create_buckets(&self, names: &[&str]) {
        let script = "import sys, boto3\n\
            s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='testing', \
            aws_secret_access_key='testing', region_name='us-east-1')\n\
            for b in sys.argv[2:]:\n    s3.create_bucket(Bucket=b)\n";
        let mut args = vec![self.endpoint.as_str()];
        args.extend_from_slice(names);
        crate::run_python(script, &args);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
