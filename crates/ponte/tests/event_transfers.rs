//! Event-driven transfers against a real S3 and SQS (moto, one server for
//! both, which sends the bucket's S3 event notifications to the queue as S3
//! does): `ponte run` copies what the events name within seconds, deletes
//! what they say is gone, deletes the messages only after the copy, and
//! leaves a poison message in the queue with a clear error. The oracles:
//! rclone reading every byte, and the queue's own counts.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::text;
use ponte_testkit::Moto;

/// A bucket that notifies a queue of every object written or removed.
const SETUP: &str = r#"
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
url = sqs.create_queue(QueueName="lake-events")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.create_bucket(Bucket="lake")
s3.put_bucket_notification_configuration(Bucket="lake", NotificationConfiguration={"QueueConfigurations": [
    {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
print(url)
"#;

/// `put KEY SIZE`, `put-corrupt KEY`, `delete KEY` (below `raw/`, the
/// store's prefix), `poison TEXT`, `count`: one action.
const ACT: &str = r#"
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
url, action = sys.argv[2], sys.argv[3]
if action == "put":
    size = int(sys.argv[5])
    s3.put_object(Bucket="lake", Key="raw/" + sys.argv[4], Body=bytes((i * 7 + size) % 251 for i in range(size)))
elif action == "put-corrupt":
    # An object whose bytes do not hash to the CRC-32 it carries (the header
    # is changed after boto3 computed it; moto keeps what it is sent).
    def lie(request, **_):
        request.headers["x-amz-checksum-crc32"] = "AAAAAA=="
    s3.meta.events.register("before-sign.s3.PutObject", lie)
    s3.put_object(Bucket="lake", Key="raw/" + sys.argv[4], Body=b"x" * 4096, ChecksumAlgorithm="CRC32",
                  ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/lake")
elif action == "delete":
    s3.delete_object(Bucket="lake", Key="raw/" + sys.argv[4])
elif action == "poison":
    print(sqs.send_message(QueueUrl=url, MessageBody=sys.argv[4])["MessageId"])
elif action == "count":
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    print(int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"]))
"#;

struct Lake {
    moto: Moto,
    queue_url: String,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Lake {
    fn new() -> Self {
        let moto = Moto::start();
        let queue_url = ponte_testkit::run_python(SETUP, &[&moto.endpoint]).trim().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ponte.toml");
        std::fs::write(
            &config,
            format!(
                r#"[project]
state_dir = "./state"
[stores.lake]
url = "s3://lake/raw"
endpoint = "{endpoint}"
allow_http = true
region = "us-east-1"
access_key_id_env = "TEST_S3_KEY"
secret_access_key_env = "TEST_S3_KEY"
[stores.landing]
url = "file://./landing"

[[transfers]]
name = "lake_events"
source = {{ store = "lake", include_prefixes = ["dados/"] }}
sink = {{ store = "landing" }}
delete_unique_in_sink = true
event_stream = {{ queue = "{queue_url}" }}
"#,
                endpoint = moto.endpoint
            ),
        )
        .unwrap();
        Self { moto, queue_url, dir, config }
    }

    fn act(&self, args: &[&str]) -> String {
        let mut all = vec![self.moto.endpoint.as_str(), self.queue_url.as_str()];
        all.extend_from_slice(args);
        ponte_testkit::run_python(ACT, &all)
    }

    fn landing(&self, key: &str) -> PathBuf {
        self.dir.path().join("landing").join(key)
    }

    fn messages_in_queue(&self) -> usize {
        self.act(&["count"]).trim().parse().unwrap()
    }

    fn daemon(&self) -> Daemon {
        let log = self.dir.path().join("daemon.log");
        let child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["run", "--bind", "127.0.0.1:0", "--config"])
            .arg(&self.config)
            .env_remove("PONTE_CONFIG")
            .env("TEST_S3_KEY", ponte_testkit::ACCESS_KEY)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }
}

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (30 s at most) for `done`; how long it took.
    fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) -> Duration {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        start.elapsed()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn same_bytes(lake: &Lake, key: &str, local: &Path) {
    ponte_testkit::rclone_check(&format!("moto:lake/raw/{key}"), local.to_str().unwrap(), Some(&lake.moto))
        .unwrap_or_else(|e| panic!("lake/raw/{key} and {} differ:\n{e}", local.display()));
}

#[test]
fn the_daemon_copies_and_deletes_what_events_name_and_then_deletes_the_events() {
    let lake = Lake::new();
    // Written while no daemon runs: its event waits in the queue.
    lake.act(&["put", "dados/2026-12-01.parquet", "300000"]);
    let daemon = lake.daemon();
    daemon
        .wait_for("the event queued before the daemon started", || lake.landing("dados/2026-12-01.parquet").is_file());

    let written = Instant::now();
    lake.act(&["put", "dados/relatório de março.parquet", "5000"]);
    daemon.wait_for("a new object", || lake.landing("dados/relatório de março.parquet").is_file());
    eprintln!(
        "an object written to the bucket reached the sink {} ms after the put began",
        written.elapsed().as_millis()
    );
    lake.act(&["put", "outros/fora.bin", "10"]);
    same_bytes(&lake, "dados", &lake.landing("dados"));

    lake.act(&["delete", "dados/2026-12-01.parquet"]);
    daemon.wait_for("the deleted object to leave the sink", || !lake.landing("dados/2026-12-01.parquet").exists());
    assert!(lake.landing("dados/relatório de março.parquet").is_file(), "only what the source lost is deleted");

    // A message that is no S3 notification is left for a dead-letter queue,
    // and named in the log; the others all left the queue after their runs.
    let poison = lake.act(&["poison", "hello, not an event"]);
    daemon.wait_for("the poison message to be reported", || daemon.log().contains(poison.trim()));
    let log = daemon.log();
    assert!(log.contains("is not an S3 event notification") && log.contains("redrive policy"), "{log}");
    daemon.wait_for("every other message to be deleted", || lake.messages_in_queue() == 1);
    assert!(!lake.landing("outros").exists(), "outside the transfer's include_prefixes: its event changed nothing");

    // Each batch is a run in the history, triggered by its events.
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["runs", "--json", "--config"])
        .arg(&lake.config)
        .output()
        .unwrap();
    let runs: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let triggers: Vec<&str> = runs.as_array().unwrap().iter().filter_map(|r| r["trigger"].as_str()).collect();
    assert!(
        triggers.iter().any(|t| t.starts_with("events:") && t.ends_with(&format!("({})", lake.queue_url))),
        "{runs}"
    );
}

#[test]
fn an_event_whose_copy_fails_stays_in_the_queue_and_nothing_reaches_the_sink() {
    let lake = Lake::new();
    let daemon = lake.daemon();
    lake.act(&["put-corrupt", "dados/ruim.bin"]);
    daemon.wait_for("the failed run to be reported", || daemon.log().contains("they stay in the queue"));
    assert!(!lake.landing("dados/ruim.bin").exists(), "nothing half-written or wrong in the sink");
    // Received and not deleted: hidden until its visibility timeout ends,
    // then handed out again (a crash at any point leaves it the same way).
    assert_eq!(lake.messages_in_queue(), 1);
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["runs", "--json", "--config"])
        .arg(&lake.config)
        .output()
        .unwrap();
    let runs: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let failed = runs.as_array().unwrap().iter().find(|r| r["status"] == "failed").unwrap_or_else(|| panic!("{runs}"));
    assert!(failed["trigger"].as_str().unwrap().starts_with("events:1 ("), "{failed}");
}

#[test]
fn a_queue_that_does_not_exist_is_named_with_what_to_fix_and_retried() {
    let lake = Lake::new();
    let config = std::fs::read_to_string(&lake.config).unwrap().replace("/lake-events", "/lake-evnets");
    std::fs::write(&lake.config, config).unwrap();
    let daemon = lake.daemon();
    daemon.wait_for("the refusal to be logged", || daemon.log().contains("refused ReceiveMessage"));
    let log = daemon.log();
    assert!(
        log.contains("/123456789012/lake-evnets` refused ReceiveMessage")
            && log.contains("QueueDoesNotExist")
            && log.contains("check `event_stream.queue`")
            && log.contains("trying again in 1s"),
        "{log}"
    );
}
