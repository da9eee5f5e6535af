//! Sync against a real S3 server (moto): S3 → S3 (standing in for S3 → GCS
//! through its S3-compatible endpoint), S3 → folder and folder → S3, with
//! rclone checking the result byte for byte.

mod common;

use common::{bytes, job, local, moto_job, put_all, s3, snapshot, state};
use ponte_testkit::{Moto, rclone_check};
use ponte_transfer::{Outcome, Reason, SyncOptions, quiet, sync_stores};

/// The sink starts with one stale object in scope: deleting it is 100% of the sink.
const JOB_OPTS: &str = r#"max_delete = "100%""#;

fn tricky() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("dados_infomerc/2024-01-01.parquet", bytes(1, 3000)),
        ("dados_infomerc/2024-01-02.parquet", bytes(2, 3100)),
        ("dados_infomerc/with space/ação ü 日本.parquet", bytes(3, 10)),
        ("dados_infomerc/dt=2024-01-03/part=0.parquet", bytes(4, 20)),
        ("dados_infomerc/a/b/c/d/e/f/deep.bin", bytes(5, 30)),
        ("dados_infomerc/empty", vec![]),
        ("outro/not-in-scope.parquet", bytes(6, 40)),
    ]
}

#[tokio::test]
async fn s3_to_s3_mirrors_a_prefix_and_rclone_agrees() {
    let moto = Moto::start();
    moto.create_buckets(&["src", "dst"]);
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path(), "s3://src", "s3://dst", r#", include_prefixes = ["dados_infomerc/"]"#, JOB_OPTS);
    let (src, dst, db) = (s3(&moto.endpoint, "src"), s3(&moto.endpoint, "dst"), state(dir.path()));
    put_all(&src, &tricky()).await;
    put_all(&dst, &[("dados_infomerc/stale.parquet", bytes(9, 5)), ("outro/keep", bytes(8, 5))]).await;

    let r = sync_stores(&job, src.clone(), dst.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_deleted_from_sink), (6, 1));
    rclone_check("moto:src/dados_infomerc", "moto:dst/dados_infomerc", Some(&moto)).unwrap();
    assert!(snapshot(&dst).await.contains_key("outro/keep"), "out of scope: never deleted");

    // S3 ETags are MD5s: the second run decides by MD5 and copies nothing.
    let r = sync_stores(&job, src.clone(), dst.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_from_source_skipped_by_sync), (0, 6));

    // Same size, other bytes: found by MD5, not by size.
    put_all(&src, &[("dados_infomerc/2024-01-01.parquet", bytes(7, 3000))]).await;
    let dry = SyncOptions { dry_run: true, ..Default::default() };
    let plan = sync_stores(&job, src.clone(), dst.clone(), &db, &dry, quiet()).await.unwrap().plan.unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].reason, Reason::Md5Differs);
    sync_stores(&job, src.clone(), dst.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    rclone_check("moto:src/dados_infomerc", "moto:dst/dados_infomerc", Some(&moto)).unwrap();
}

#[tokio::test]
async fn s3_to_folder_and_back() {
    let moto = Moto::start();
    moto.create_buckets(&["lake", "back"]);
    let dir = tempfile::tempdir().unwrap();
    let landing = dir.path().join("landing");
    let down = job(dir.path(), "s3://lake", &format!("file://{}", landing.display()), "", "");
    let up = job(dir.path(), &format!("file://{}", landing.display()), "s3://back", "", "");
    let (lake, folder, back, db) =
        (s3(&moto.endpoint, "lake"), local(&landing), s3(&moto.endpoint, "back"), state(dir.path()));
    put_all(&lake, &tricky()).await;

    let r = sync_stores(&down, lake.clone(), folder.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 7);
    rclone_check("moto:lake", landing.to_str().unwrap(), Some(&moto)).unwrap();
    assert!(landing.join("dados_infomerc/with space/ação ü 日本.parquet").is_file());
    // The folder reports no MD5: the second run decides by the last copy's fingerprint.
    let r = sync_stores(&down, lake.clone(), folder.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_from_source_skipped_by_sync), (0, 7));

    let r = sync_stores(&up, folder.clone(), back.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 7);
    rclone_check(landing.to_str().unwrap(), "moto:back", Some(&moto)).unwrap();
    assert_eq!(snapshot(&back).await, snapshot(&lake).await);
}

/// Bytes that arrive corrupted (a bit flipped in transit) do not match the
/// source's MD5: the copy fails with DATA_LOSS and nothing reaches the sink,
/// small object or multipart.
#[tokio::test]
async fn corrupted_reads_fail_with_data_loss_and_leave_nothing() {
    use std::sync::Arc;
    use std::time::Duration;

    use ponte_store::faults::{FaultInjectingStore, FaultPlan};
    use ponte_transfer::ErrorCode;

    let moto = Moto::start();
    moto.create_buckets(&["src"]);
    let dir = tempfile::tempdir().unwrap();
    let landing = dir.path().join("landing");
    // An MD5 ETag that disagrees with the bytes is confirmed with S3 (is
    // the object encrypted with KMS?), so the job's store must reach moto.
    let job = moto_job(dir.path(), &moto.endpoint, "s3://src", &format!("file://{}", landing.display()));
    let (src, dst, db) = (s3(&moto.endpoint, "src"), local(&landing), state(dir.path()));
    // A single-part object of 9 MiB is bigger than one part: it streams
    // through a multipart upload on our side, and its ETag is still an MD5.
    put_all(&src, &[("small.bin", bytes(1, 5000)), ("big.bin", bytes(2, 9 << 20))]).await;
    let corrupting = Arc::new(FaultInjectingStore::new(
        src.clone(),
        FaultPlan { failure_rate: 0.0, latency: Duration::ZERO, corrupt_rate: 1.0, seed: 3 },
    ));
    let r =
        sync_stores(&job, corrupting, dst.clone(), &db, &SyncOptions { attempts: 1, ..Default::default() }, quiet())
            .await
            .unwrap();
    assert_eq!(r.outcome, Outcome::Failed);
    assert_eq!(r.counters.objects_from_source_failed, 2, "{r:?}");
    assert_eq!(r.error_breakdowns[0].error_code, ErrorCode::DataLoss);
    assert!(r.error_breakdowns[0].error_log_entries[0].error_details[0].contains("the source's ETag says"));
    assert!(snapshot(&dst).await.is_empty(), "nothing half-copied or corrupted is visible");
    assert_eq!(std::fs::read_dir(&landing).map(|d| d.count()).unwrap_or(0), 0, "no staging leftovers either");
    let r = sync_stores(&job, src.clone(), dst.clone(), &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 2);
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);
}
