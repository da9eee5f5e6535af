//! `gs://` end to end against a real GCS server: fake-gcs-server, with the
//! XML-API writes it refuses served by the contract front of
//! `ponte-testkit/fakes/gcs_xml.py` (see the README's Testing section).
//! The oracles are rclone (`check --download` over the emulator's JSON API)
//! and the emulator's own JSON listing (names, sizes, md5Hash, crc32c).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{ponte, text};
use ponte_testkit::GcsServer;

const KEY_ENV: &str = "TEST_GCS_KEY";
const FATURAS: &str = "objeto_dados_energia_gestao_faturas_v2";

/// `[stores.NAME]` for `url` on `gcs`, credentials as a user writes them
/// (the key comes from the environment variable the config names).
fn gcs_store(name: &str, url: &str, gcs: &GcsServer) -> String {
    format!(
        "[stores.{name}]\nurl = \"{url}\"\nendpoint = \"{}\"\nallow_http = true\nservice_account_key_env = \"{KEY_ENV}\"\n",
        gcs.endpoint
    )
}

fn run(config: &Path, gcs: &GcsServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env(KEY_ENV, gcs.service_account_key())
        .output()
        .unwrap()
}

fn sync(config: &Path, gcs: &GcsServer, job: &str) -> serde_json::Value {
    let out = run(config, gcs, &["sync", job, "--json"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn demo_data(dir: &Path) {
    let out = ponte(&["demo-data", "--dir", dir.to_str().unwrap(), "--rows", "2000", "--days", "30"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Seeds `bucket/path` from a local folder with rclone (the JSON API).
fn rclone_copy(local: &Path, gcs: &GcsServer, bucket_and_path: &str) {
    let out = Command::new("rclone").arg("copy").arg(local).arg(gcs.rclone_remote(bucket_and_path)).output().unwrap();
    assert!(out.status.success(), "rclone copy: {}", text(&out.stderr));
}

fn check(local: &Path, gcs: &GcsServer, bucket_and_path: &str) {
    ponte_testkit::rclone_check(local.to_str().unwrap(), &gcs.rclone_remote(bucket_and_path), None)
        .unwrap_or_else(|e| panic!("{} and {bucket_and_path} differ:\n{e}", local.display()));
}

fn counter(report: &serde_json::Value, name: &str) -> u64 {
    report["counters"][name].as_u64().unwrap_or_else(|| panic!("no counter {name} in {report}"))
}

/// The seed's main path: S3 (here a folder) into a GCS landing bucket,
/// small objects with XML PUTs and a large one with an XML multipart
/// upload; a second run copies nothing.
#[test]
fn syncs_into_gcs_and_a_rerun_copies_nothing() {
    let gcs = GcsServer::start();
    gcs.create_buckets(&["landing-bucket"]);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("s3");
    demo_data(&src);
    // Larger than a part (8 MiB): this one goes up as a multipart upload.
    let big: Vec<u8> = (0..20_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::create_dir_all(src.join("dados_infomerc")).unwrap();
    std::fs::write(src.join("dados_infomerc/big.bin"), &big).unwrap();
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            "[stores.s3]\nurl = \"file://./s3\"\n{}\n[[transfers]]\nname = \"to_gcs\"\nsource = {{ store = \"s3\" }}\nsink = {{ store = \"landing\" }}\ndelete_unique_in_sink = true\n",
            gcs_store("landing", "gs://landing-bucket/mirror", &gcs)
        ),
    )
    .unwrap();

    let first = sync(&config, &gcs, "to_gcs");
    let files = walk(&src);
    assert_eq!(counter(&first, "objectsCopiedToSink"), files.len() as u64, "{first}");
    // Every copy's CRC32C was compared with what GCS reports for it.
    assert_eq!(counter(&first, "objectsVerifiedByCrc32c"), files.len() as u64, "{first}");
    assert_eq!(counter(&first, "objectsVerifiedBySizeOnly"), 0, "{first}");
    check(&src, &gcs, "landing-bucket/mirror");
    let listed = gcs.objects("landing-bucket", "mirror/");
    assert_eq!(listed.len(), files.len());
    let big_object = listed.iter().find(|o| o.name == "mirror/dados_infomerc/big.bin").expect("the large object");
    assert_eq!(big_object.size, big.len() as u64);
    let requests = gcs.requests();
    let multipart =
        requests.iter().any(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("?uploads="));
    assert!(multipart, "the large object went up as an XML multipart upload: {requests:?}");

    let again = sync(&config, &gcs, "to_gcs");
    assert_eq!(counter(&again, "objectsCopiedToSink"), 0, "{again}");
    assert_eq!(counter(&again, "objectsFromSourceSkippedBySync"), files.len() as u64, "{again}");

    // A changed and a deleted source file: exactly those two change.
    std::fs::write(src.join("dados_infomerc/big.bin"), b"now small").unwrap();
    let gone = files.iter().find(|f| f.ends_with(".parquet")).unwrap();
    std::fs::remove_file(src.join(gone)).unwrap();
    let third = sync(&config, &gcs, "to_gcs");
    assert_eq!(counter(&third, "objectsCopiedToSink"), 1, "{third}");
    assert_eq!(counter(&third, "objectsDeletedFromSink"), 1, "{third}");
    check(&src, &gcs, "landing-bucket/mirror");
}

/// Bytes GCS stores other than those sent (a bit flipped on the way) fail
/// the copy by CRC32C, the only hash the sink reports here, and the wrong
/// object is removed; the next run copies it right.
#[test]
fn a_copy_gcs_stores_wrong_fails_by_crc32c_and_is_removed() {
    let gcs = GcsServer::start();
    gcs.create_buckets(&["landing-bucket"]);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("s3");
    demo_data(&src);
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            "[stores.s3]\nurl = \"file://./s3\"\n{}\n[[transfers]]\nname = \"to_gcs\"\nsource = {{ store = \"s3\" }}\nsink = {{ store = \"landing\" }}\n",
            gcs_store("landing", "gs://landing-bucket", &gcs)
        ),
    )
    .unwrap();
    let corrupted: Vec<String> = walk(&src).into_iter().filter(|f| f.contains("2025-11-21")).collect();
    assert!(corrupted.len() >= 3, "{corrupted:?}");
    gcs.corrupt_writes(Some("2025-11-21"));
    let out = run(&config, &gcs, &["sync", "to_gcs", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counter(&report, "objectsFromSourceFailed"), corrupted.len() as u64, "{report}");
    let breakdown = &report["errorBreakdowns"][0];
    assert_eq!(breakdown["errorCode"], "DATA_LOSS", "{report}");
    assert!(breakdown.to_string().contains("the sink reports CRC32C"), "{report}");
    let stored: Vec<String> = gcs.objects("landing-bucket", "").into_iter().map(|o| o.name).collect();
    assert!(corrupted.iter().all(|c| !stored.contains(c)), "a wrong copy is removed: {stored:?}");
    assert_eq!(stored.len(), walk(&src).len() - corrupted.len());

    gcs.corrupt_writes(None);
    let again = sync(&config, &gcs, "to_gcs");
    assert_eq!(counter(&again, "objectsCopiedToSink"), corrupted.len() as u64, "{again}");
    check(&src, &gcs, "landing-bucket");
}

/// Out of GCS, as a GCS-compatible server lists it (ETags bare in the
/// listing, quoted on a GET): the second run copies nothing. Before ETags
/// were compared as entity tags, every object was copied again.
#[test]
fn syncs_out_of_gcs_and_a_rerun_copies_nothing() {
    let gcs = GcsServer::start();
    gcs.create_buckets(&["source-bucket"]);
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed");
    demo_data(&seed);
    rclone_copy(&seed, &gcs, "source-bucket/raw");
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            "{}[stores.local]\nurl = \"file://./copy\"\n\n[[transfers]]\nname = \"from_gcs\"\nsource = {{ store = \"gcs\" }}\nsink = {{ store = \"local\" }}\n",
            gcs_store("gcs", "gs://source-bucket/raw", &gcs)
        ),
    )
    .unwrap();
    let first = sync(&config, &gcs, "from_gcs");
    let files = walk(&seed).len() as u64;
    assert_eq!(counter(&first, "objectsCopiedToSink"), files, "{first}");
    // The bytes read were checked against the CRC32C GCS reports.
    assert_eq!(counter(&first, "objectsVerifiedByCrc32c"), files, "{first}");
    check(&dir.path().join("copy"), &gcs, "source-bucket/raw");
    let again = sync(&config, &gcs, "from_gcs");
    assert_eq!(counter(&again, "objectsCopiedToSink"), 0, "{again}");
    assert_eq!(counter(&again, "objectsFromSourceSkippedBySync"), files, "{again}");
}

/// A load reads the landing bucket on GCS, and the embedded warehouse keeps
/// its tables in another GCS bucket; the table holds what pyarrow reads
/// from the source files.
#[test]
fn loads_from_gcs_into_a_warehouse_on_gcs() {
    let gcs = GcsServer::start();
    gcs.create_buckets(&["landing-bucket", "warehouse-bucket"]);
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed");
    demo_data(&seed);
    rclone_copy(&seed, &gcs, "landing-bucket/landing");
    let schemas = ponte_testkit::repo_root().join("examples/comerc/schemas/comerc.json");
    let config = dir.path().join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            "{}{}\n[warehouse]\nkind = \"embedded\"\nstore = \"tables\"\npath = \"warehouse\"\n\n[[topics]]\nname = \"faturas\"\n\n[[schedules]]\nname = \"diario\"\ncron = \"0 8 * * *\"\ntopic = \"faturas\"\n\n[[functions]]\nname = \"carrega\"\ntrigger_topic = \"faturas\"\n[functions.load]\nstore = \"landing\"\nprefix = \"{FATURAS}/\"\ntable = \"{FATURAS}\"\nschema_file = \"{}\"\n",
            gcs_store("landing", "gs://landing-bucket/landing", &gcs),
            gcs_store("tables", "gs://warehouse-bucket", &gcs),
            schemas.display()
        ),
    )
    .unwrap();
    let out = run(&config, &gcs, &["load", "carrega", "--json"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let tables = gcs.objects("warehouse-bucket", "warehouse/");
    assert!(tables.iter().any(|o| o.name.ends_with(".parquet")), "snapshots live in the bucket: {tables:?}");
    assert!(tables.iter().all(|o| !o.crc32c.is_empty()), "{tables:?}");

    let sql = format!("SELECT COUNT(*) AS n, CAST(SUM(valor_total) AS VARCHAR) AS total FROM {FATURAS}");
    let out = run(&config, &gcs, &["sql", &sql]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    // The one row of the printed table: `| 2000 | 1234.56 |`.
    let printed = text(&out.stdout);
    let row: Vec<&str> = printed.lines().nth(3).unwrap_or_default().split('|').map(str::trim).collect();
    assert_eq!(row.len(), 4, "{printed}");
    let expected = ponte_testkit::run_python(
        "import json, sys, pyarrow.dataset as ds, pyarrow.compute as pc\n\
         t = ds.dataset(sys.argv[1], format='parquet').to_table(columns=['valor_total'])\n\
         print(json.dumps({'n': t.num_rows, 'total': str(pc.sum(t['valor_total']).as_py())}))",
        &[seed.join(FATURAS).to_str().unwrap()],
    );
    let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(row[1], expected["n"].to_string(), "{printed}");
    assert_eq!(row[2], expected["total"].as_str().unwrap(), "{printed}");
}

/// Every file below `root`, relative, `/`-separated.
fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}
