//! Re-syncs from an S3 server whose listings carry no ETag (as s3s-fs
//! lists; here moto through `ponte-testkit/fakes/moto_s3.py`, which drops
//! the ETags of one bucket's ListObjectsV2 and keeps them in GET and HEAD).
//! An unchanged object is then recognised by the size and modification
//! time its listing carries, compared with the listing it was copied from.
//! moto's own request log is the oracle that nothing was written, and
//! rclone reading every byte of both buckets the oracle of the copies.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::text;
use ponte_testkit::Moto;

const OBJECTS: usize = 20;

/// Buckets `lake` (listed without ETags) and `copia`, and `OBJECTS`
/// objects of a few KB in `lake/dados/`.
const SEED: &str = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="testing",
                  aws_secret_access_key="testing", region_name="us-east-1")
for b in ("lake", "copia"):
    s3.create_bucket(Bucket=b)
for i in range(int(sys.argv[2])):
    s3.put_object(Bucket="lake", Key=f"dados/{i:02}.bin", Body=bytes((j * (i + 1)) % 251 for j in range(1000 + 97 * i)))
"#;

/// Rewrites one object with other bytes of the same size.
const REWRITE: &str = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="testing",
                  aws_secret_access_key="testing", region_name="us-east-1")
old = s3.get_object(Bucket="lake", Key=sys.argv[2])["Body"].read()
s3.put_object(Bucket="lake", Key=sys.argv[2], Body=bytes(255 - b for b in old))
"#;

/// Prints, as JSON, a bucket's listing: key → [size, last modified, ETag or null].
const LIST: &str = r#"
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="testing",
                  aws_secret_access_key="testing", region_name="us-east-1")
items = s3.list_objects_v2(Bucket=sys.argv[2]).get("Contents", [])
print(json.dumps({o["Key"]: [o["Size"], o["LastModified"].isoformat(), o.get("ETag")] for o in items}))
"#;

fn listing(moto: &Moto, bucket: &str) -> serde_json::Map<String, serde_json::Value> {
    let out = ponte_testkit::run_python(LIST, &[&moto.endpoint, bucket]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn config(dir: &Path, moto: &Moto) -> std::path::PathBuf {
    let store = |name: &str, url: &str| {
        format!(
            "[stores.{name}]\nurl = \"{url}\"\nendpoint = \"{}\"\nallow_http = true\nregion = \"us-east-1\"\n\
             access_key_id_env = \"TEST_S3_KEY\"\nsecret_access_key_env = \"TEST_S3_KEY\"\n",
            moto.endpoint
        )
    };
    let text = format!(
        "[project]\nname = \"t\"\nstate_dir = \"{}\"\n{}{}\
         [[transfers]]\nname = \"to_copia\"\nsource = {{ store = \"lake\", path = \"dados\" }}\nsink = {{ store = \"copia\", path = \"dados\" }}\n",
        dir.join("state").display(),
        store("lake", "s3://lake"),
        store("copia", "s3://copia"),
    );
    let path = dir.join("ponte.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn ponte(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("TEST_S3_KEY", ponte_testkit::ACCESS_KEY)
        .env_remove("PONTE_CONFIG")
        .output()
        .unwrap()
}

/// Runs the job and returns its JSON report.
fn sync(config: &Path) -> serde_json::Value {
    let out = ponte(config, &["sync", "to_copia", "--json"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn counter(report: &serde_json::Value, name: &str) -> u64 {
    report["counters"][name].as_u64().unwrap_or_else(|| panic!("no counter {name} in {report}"))
}

/// The object writes and reads moto saw since recording started, as
/// `METHOD /bucket/key` (listings and HEADs left out).
fn object_requests(moto: &Moto) -> Vec<String> {
    moto.recorded_requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PUT" | "POST" | "GET"))
        .map(|r| {
            // The URL as sent: absolute (`http://host/bucket/key`) or a path.
            let path = match r.url.split_once("://") {
                Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
                None => r.url.trim_start_matches('/'),
            };
            format!("{} /{}", r.method, path)
        })
        .filter(|r| !r.contains('?') || r.contains("uploadId"))
        .collect()
}

#[test]
fn a_no_change_resync_from_a_server_that_lists_no_etags_copies_nothing_and_a_same_size_rewrite_is_copied() {
    let moto = Moto::start_with_untagged_listings(&["lake"]);
    ponte_testkit::run_python(SEED, &[&moto.endpoint, &OBJECTS.to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &moto);
    // The premise: the source's listing carries no ETag, the sink's does.
    let lake = listing(&moto, "lake");
    assert_eq!(lake.len(), OBJECTS);
    assert!(lake.values().all(|o| o[2].is_null()), "lake lists ETags: {lake:?}");

    let first = sync(&config);
    assert_eq!(counter(&first, "objectsCopiedToSink"), OBJECTS as u64, "{first}");
    assert_eq!(counter(&first, "objectsVerifiedByMd5"), OBJECTS as u64, "every copy verified: {first}");
    ponte_testkit::rclone_check("moto:lake/dados", "moto:copia/dados", Some(&moto)).unwrap();
    let copies = listing(&moto, "copia");
    assert!(copies.values().all(|o| o[2].is_string()), "copia lists ETags: {copies:?}");

    // No change: nothing read, nothing written, every object skipped by
    // its listed size and mtime.
    moto.start_recording();
    let again = sync(&config);
    assert_eq!(counter(&again, "objectsCopiedToSink"), 0, "{again}");
    assert_eq!(counter(&again, "objectsFromSourceSkippedBySync"), OBJECTS as u64, "{again}");
    assert_eq!(counter(&again, "objectsSkippedBySizeAndMtime"), OBJECTS as u64, "{again}");
    assert_eq!(counter(&again, "objectsCopiedWithoutComparableHash"), 0, "{again}");
    assert_eq!(object_requests(&moto), Vec::<String>::new(), "the no-change re-sync read or wrote objects");
    assert_eq!(listing(&moto, "copia"), copies, "the sink's objects were rewritten");
    // The history says the same.
    let out = ponte(&config, &["runs", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = &runs[0]["counters"]["counters"];
    assert_eq!(last["objectsSkippedBySizeAndMtime"], OBJECTS, "{runs}");
    assert_eq!(last["objectsCopiedToSink"], 0, "{runs}");

    // One object rewritten with as many bytes: its listed mtime moves (the
    // listing counts whole seconds, so the rewrite waits for the next one),
    // and it alone is read and written.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ponte_testkit::run_python(REWRITE, &[&moto.endpoint, "dados/07.bin"]);
    let rewritten = listing(&moto, "lake");
    assert_eq!(rewritten["dados/07.bin"][0], lake["dados/07.bin"][0], "same size");
    moto.start_recording();
    let third = sync(&config);
    assert_eq!(counter(&third, "objectsCopiedToSink"), 1, "{third}");
    assert_eq!(counter(&third, "objectsVerifiedByMd5"), 1, "{third}");
    assert_eq!(counter(&third, "objectsSkippedBySizeAndMtime"), OBJECTS as u64 - 1, "{third}");
    assert_eq!(object_requests(&moto), ["GET /lake/dados/07.bin", "PUT /copia/dados/07.bin"]);
    ponte_testkit::rclone_check("moto:lake/dados", "moto:copia/dados", Some(&moto)).unwrap();
    // And it is fingerprinted again: the next run copies nothing.
    let fourth = sync(&config);
    assert_eq!(counter(&fourth, "objectsCopiedToSink"), 0, "{fourth}");
}
