//! Sync between local folders: every case of the plan, safety refusals,
//! dry runs, vanishing objects, injected faults, one run at a time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{bytes, job, local, put_all, snapshot, state};
use ponte_state::RunStatus;
use ponte_store::faults::{FaultInjectingStore, FaultPlan};
use ponte_transfer::{Action, Observer, Outcome, Refusal, SyncOptions, TransferError, quiet, sync, sync_stores};

fn urls(dir: &std::path::Path) -> (String, String) {
    (format!("file://{}", dir.join("src").display()), format!("file://{}", dir.join("dst").display()))
}

#[tokio::test]
async fn new_changed_unchanged_and_deleted_objects_converge() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    put_all(&src, &[("a/1", bytes(1, 100)), ("a/2", bytes(2, 200)), ("b/3", bytes(3, 300)), ("b/4", vec![])]).await;

    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.bytes_copied_to_sink), (4, 600));
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);

    // Change one (same size, other bytes), add one, delete one.
    put_all(&src, &[("a/1", bytes(9, 100)), ("c/5", bytes(5, 50))]).await;
    std::fs::remove_file(dir.path().join("src/b/3")).unwrap();
    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    let c = &r.counters;
    assert_eq!((c.objects_found_from_source, c.objects_found_only_from_sink), (4, 1));
    assert_eq!((c.objects_copied_to_sink, c.objects_deleted_from_sink, c.bytes_deleted_from_sink), (2, 1, 300));
    assert_eq!(c.objects_from_source_skipped_by_sync, 2, "a/2 and b/4 are unchanged: {r:?}");
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);

    // A third run has nothing to do.
    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_deleted_from_sink), (0, 0));
    assert_eq!(r.counters.objects_from_source_skipped_by_sync, 4);

    // Someone edits the sink by hand: its ETag no longer matches the last copy's.
    std::fs::write(dir.path().join("dst/a/2"), bytes(7, 200)).unwrap();
    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 1);
    assert_eq!(r.counters.objects_copied_without_comparable_hash, 1);
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);

    let runs = db.runs(10).unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|r| r.status == RunStatus::Succeeded));
    assert_eq!(runs[3].counters.as_ref().unwrap()["counters"]["objectsCopiedToSink"], 4);
}

#[tokio::test]
async fn tricky_keys_survive_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    let keys = [
        "with space/file name.parquet",
        "ação/relatório ç ü 日本.bin",
        "dt=2024-01-01/part=0.parquet",
        "a/b/c/d/e/f/g/h/deep.txt",
        "empty",
    ];
    let files: Vec<(&str, Vec<u8>)> =
        keys.iter().enumerate().map(|(i, k)| (*k, bytes(i as u8, if *k == "empty" { 0 } else { 10 + i }))).collect();
    put_all(&src, &files).await;
    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 5, "{r:?}");
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);
    let on_disk: Vec<String> = walk(&dir.path().join("dst"));
    assert!(on_disk.contains(&"ação/relatório ç ü 日本.bin".to_owned()), "{on_disk:?}");
    assert_eq!(std::fs::metadata(dir.path().join("dst/empty")).unwrap().len(), 0);
    let r = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    assert_eq!(r.counters.objects_copied_to_sink, 0);
}

fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[tokio::test]
async fn filters_scope_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, r#", include_prefixes = ["dados"], exclude_prefixes = ["dados_old/"]"#, "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    put_all(&src, &[("dados_infomerc/1", bytes(1, 5)), ("dados_old/2", bytes(2, 5)), ("outro/3", bytes(3, 5))]).await;
    // Sink objects outside the scope are never deleted.
    put_all(
        &dst,
        &[("outro/keep", bytes(4, 5)), ("dados_old/keep", bytes(5, 5)), ("dados_infomerc/stale", bytes(6, 5))],
    )
    .await;
    let r = sync(&job, &db, &SyncOptions { force: true, ..Default::default() }, quiet()).await.unwrap();
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_deleted_from_sink), (1, 1));
    let keys: Vec<String> = snapshot(&dst).await.into_keys().collect();
    assert_eq!(keys, ["dados_infomerc/1", "dados_old/keep", "outro/keep"]);
}

#[tokio::test]
async fn a_mistyped_prefix_is_refused_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let good = job(dir.path(), &s, &d, r#", include_prefixes = ["dados_infomerc/"]"#, "");
    let typo = job(dir.path(), &s, &d, r#", include_prefixes = ["dados_infomerx/"]"#, "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    // A mistyped prefix covers other sink keys than the good one, so seed
    // the sink the way the typo's scope sees it: something is there.
    put_all(&src, &[("dados_infomerc/1", bytes(1, 5))]).await;
    put_all(&dst, &[("dados_infomerx/old-1", bytes(1, 5)), ("dados_infomerx/old-2", bytes(2, 5))]).await;
    sync(&good, &db, &SyncOptions::default(), quiet()).await.unwrap();
    let before = snapshot(&dst).await;
    let err = sync(&typo, &db, &SyncOptions::default(), quiet()).await.unwrap_err();
    assert!(matches!(&err, TransferError::Refused { refusal: Refusal::EmptySource { sink_objects: 2 }, .. }), "{err}");
    assert!(err.to_string().contains("the source side is empty"), "{err}");
    assert_eq!(snapshot(&dst).await, before);
    let last = &db.runs(1).unwrap()[0];
    assert_eq!(last.status, RunStatus::Failed);
    assert!(last.error.as_deref().unwrap().contains("source side is empty"));
}

#[tokio::test]
async fn too_many_deletes_are_refused_before_anything_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", r#"max_delete = "40%""#);
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    let files: Vec<(String, Vec<u8>)> = (0..10).map(|i| (format!("k{i}"), bytes(i, 10))).collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    put_all(&src, &refs).await;
    sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
    for i in 0..5 {
        std::fs::remove_file(dir.path().join(format!("src/k{i}"))).unwrap();
    }
    put_all(&src, &[("new", bytes(1, 3))]).await;
    let before = snapshot(&dst).await;
    let err = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            TransferError::Refused { refusal: Refusal::TooManyDeletes { deletes: 5, sink_objects: 10, .. }, .. }
        ),
        "{err}"
    );
    // Nothing at all changed: not even the harmless copy of `new`.
    assert_eq!(snapshot(&dst).await, before);
    let r = sync(&job, &db, &SyncOptions { force: true, ..Default::default() }, quiet()).await.unwrap();
    assert_eq!((r.counters.objects_deleted_from_sink, r.counters.objects_copied_to_sink), (5, 1));
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);
}

#[tokio::test]
async fn a_dry_run_plans_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    put_all(&src, &[("new", bytes(1, 5)), ("changed", bytes(2, 5))]).await;
    put_all(&dst, &[("changed", bytes(3, 6)), ("gone", bytes(4, 5))]).await;
    let before = snapshot(&dst).await;
    let r = sync(&job, &db, &SyncOptions { dry_run: true, ..Default::default() }, quiet()).await.unwrap();
    assert_eq!(r.outcome, Outcome::DryRun);
    let plan: Vec<(char, &str)> = r.plan.as_ref().unwrap().iter().map(|i| (i.action.mark(), i.key.as_str())).collect();
    assert_eq!(plan, [('~', "changed"), ('-', "gone"), ('+', "new")]);
    assert_eq!(snapshot(&dst).await, before);
    assert!(db.runs(10).unwrap().is_empty(), "a dry run writes no history");
    assert!(db.fingerprints("t").unwrap().is_empty());
    assert_eq!(r.plan.unwrap()[0].action, Action::Update);
}

/// Deletes the named source file as soon as the plan is made, before its copy.
struct VanishOnPlan(std::path::PathBuf);
impl Observer for VanishOnPlan {
    fn planned(&self, _: u64, _: u64) {
        std::fs::remove_file(&self.0).unwrap();
    }
}

#[tokio::test]
async fn an_object_that_vanishes_mid_run_is_skipped_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", "");
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    put_all(&src, &[("stays", bytes(1, 5)), ("goes", bytes(2, 5))]).await;
    let r =
        sync(&job, &db, &SyncOptions::default(), Arc::new(VanishOnPlan(dir.path().join("src/goes")))).await.unwrap();
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!((r.counters.objects_copied_to_sink, r.counters.objects_vanished_from_source), (1, 1));
    assert_eq!(r.counters.objects_from_source_failed, 0);
    assert_eq!(snapshot(&dst).await.into_keys().collect::<Vec<_>>(), ["stays"]);
}

#[tokio::test]
async fn injected_faults_and_latency_still_converge() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", r#"max_delete = "100%""#);
    let (src, dst, db) = (local(&dir.path().join("src")), local(&dir.path().join("dst")), state(dir.path()));
    let files: Vec<(String, Vec<u8>)> =
        (0..150).map(|i| (format!("p{}/k{i}", i % 7), bytes(i as u8, 100 + i))).collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    put_all(&src, &refs).await;
    put_all(&dst, &[("stale-1", bytes(1, 1)), ("stale-2", bytes(2, 1))]).await;
    let plan = |seed| FaultPlan { failure_rate: 0.3, latency: Duration::from_millis(1), corrupt_rate: 0.0, seed };
    let mut injected = 0;
    let mut runs = 0;
    let mut held_back_deletes = 0;
    loop {
        runs += 1;
        let faulty_src = Arc::new(FaultInjectingStore::new(src.clone(), plan(runs)));
        let faulty_dst = Arc::new(FaultInjectingStore::new(dst.clone(), plan(runs + 100)));
        let options = SyncOptions { attempts: 2, ..Default::default() };
        let result = sync_stores(&job, faulty_src.clone(), faulty_dst.clone(), &db, &options, quiet()).await;
        injected += faulty_src.injected() + faulty_dst.injected();
        match result {
            Ok(r) if r.outcome == Outcome::Succeeded => break,
            Ok(r) => {
                assert!(!r.error_breakdowns.is_empty());
                if r.counters.objects_from_source_failed > 0 {
                    // The invariant: a run with failed copies deletes nothing.
                    assert_eq!(r.counters.objects_deleted_from_sink, 0, "{r:?}");
                    if r.deletes_skipped.is_some() {
                        held_back_deletes += 1;
                    }
                }
            }
            // A listing can fail too: the run changes nothing.
            Err(TransferError::List { .. }) => {}
            Err(e) => panic!("{e}"),
        }
        assert!(runs < 30, "did not converge");
    }
    assert!(injected > 10, "{injected}");
    assert!(runs > 1, "with 30% faults the first run should not have been clean");
    assert!(held_back_deletes >= 1, "no run had failed copies while deletes were pending");
    assert_eq!(snapshot(&dst).await, snapshot(&src).await);
}

#[tokio::test]
async fn a_second_start_while_one_runs_is_recorded_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (s, d) = urls(dir.path());
    let job = job(dir.path(), &s, &d, "", "");
    let (src, db) = (local(&dir.path().join("src")), state(dir.path()));
    put_all(&src, &[("a", bytes(1, 5))]).await;
    let held = db.try_lock_run(ponte_state::RunKind::Transfer, "t").unwrap().unwrap();
    let err = sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap_err();
    assert!(matches!(err, TransferError::AlreadyRunning { .. }), "{err}");
    assert_eq!(db.runs(1).unwrap()[0].status, RunStatus::Skipped);
    drop(held);
    sync(&job, &db, &SyncOptions::default(), quiet()).await.unwrap();
}
