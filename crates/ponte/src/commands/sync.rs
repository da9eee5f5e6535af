//! `ponte sync`

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use ponte_config::TransferJob;
use ponte_state::StateDb;
use ponte_transfer::{Observer, Outcome, SyncOptions, TransferError, TransferReport};

use super::each;
use crate::cli::SyncArgs;

pub fn run(config_path: &Path, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let jobs =
        each::select(&config.transfers, args.all, args.job.as_deref(), "transfer job", |t| &t.name, &config.path)?;
    let state = StateDb::open(&config.project.state_dir)?;
    let options = SyncOptions { dry_run: args.dry_run, force: args.force, ..SyncOptions::default() };
    let runtime = crate::runtime()?;
    each::run_each(
        jobs,
        args.json,
        args.all,
        |job: &TransferJob| serde_json::json!({ "job": job.name, "outcome": "error" }),
        |job| {
            let report = runtime.block_on(sync_one(job, &state, &options, !args.json))?;
            // As Storage Transfer Service notifies after every operation,
            // manual ones too: the daemon delivers it to the functions.
            if report.succeeded() && !args.dry_run && job.notify_topic.is_some() {
                let value = serde_json::to_value(&report)?;
                if let Some(m) = ponte_scheduler::Bus::new(&config, &state).notify_transfer(job, &value)? {
                    eprintln!("{}: published message {} on {}", job.name, m.id, m.topic);
                }
            }
            Ok(each::Outcome { succeeded: report.succeeded(), report })
        },
        print_report,
    )
}

/// Runs one job, with a progress bar on a terminal.
pub async fn sync_one(
    job: &TransferJob,
    state: &StateDb,
    options: &SyncOptions,
    show_progress: bool,
) -> Result<TransferReport, TransferError> {
    let progress = Arc::new(Progress::new(&job.name, show_progress && !options.dry_run));
    let result = ponte_transfer::sync(job, state, options, progress.clone()).await;
    progress.bar.finish_and_clear();
    result
}

/// A progress bar of bytes copied, with objects in the message.
struct Progress {
    bar: ProgressBar,
    objects: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl Progress {
    fn new(job: &str, visible: bool) -> Self {
        let bar = if visible { ProgressBar::new(0) } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {job} [{{bar:25}}] {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} ETA {{eta}} {{msg}}"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        Self { bar, objects: Default::default(), total: Default::default() }
    }
}

impl Observer for Progress {
    fn planned(&self, objects: u64, bytes: u64) {
        self.total.store(objects, std::sync::atomic::Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{objects} objects"));
    }

    fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    fn object_done(&self) {
        let done = self.objects.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let total = self.total.load(std::sync::atomic::Ordering::Relaxed);
        self.bar.set_message(format!("{done}/{total} objects"));
    }
}

fn print_report(r: &TransferReport) {
    let c = &r.counters;
    let outcome = match r.outcome {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed => "FAILED",
        Outcome::DryRun => "dry run, nothing changed",
    };
    println!("{}: {outcome} in {:.1} s", r.job, r.duration_seconds);
    if let Some(plan) = &r.plan {
        for item in plan {
            println!("  {} {}  ({})", item.action.mark(), item.key, HumanBytes(item.size));
        }
        println!(
            "  plan: {} to copy, {} to skip, {} to delete",
            plan.iter().filter(|i| matches!(i.action.mark(), '+' | '~')).count(),
            c.objects_from_source_skipped_by_sync,
            plan.iter().filter(|i| i.action.mark() == '-').count()
        );
        return;
    }
    let row = |label: &str, objects: u64, bytes: u64| {
        println!("  {label:<24} {objects:>9}  {:>10}", HumanBytes(bytes).to_string());
    };
    row("found in source", c.objects_found_from_source, c.bytes_found_from_source);
    row("found only in sink", c.objects_found_only_from_sink, c.bytes_found_only_from_sink);
    row("skipped (up to date)", c.objects_from_source_skipped_by_sync, c.bytes_from_source_skipped_by_sync);
    row("copied", c.objects_copied_to_sink, c.bytes_copied_to_sink);
    row("deleted from sink", c.objects_deleted_from_sink, c.bytes_deleted_from_sink);
    row("failed to copy", c.objects_from_source_failed, c.bytes_from_source_failed);
    row("failed to delete", c.objects_failed_to_delete_from_sink, c.bytes_failed_to_delete_from_sink);
    if c.objects_vanished_from_source > 0 {
        println!(
            "  {} object(s) vanished from the source after listing and were skipped",
            c.objects_vanished_from_source
        );
    }
    if c.objects_skipped_by_size_and_mtime > 0 {
        println!(
            "  note: {} of the skipped object(s) are listed without an ETag and were found unchanged by size and \
             modification time",
            c.objects_skipped_by_size_and_mtime
        );
    }
    if c.objects_copied_without_comparable_hash > 0 {
        println!(
            "  note: {} object(s) were copied because no MD5 or earlier copy could show the sink was current",
            c.objects_copied_without_comparable_hash
        );
    }
    for e in &r.error_breakdowns {
        println!("  {:?}: {} object(s)", e.error_code, e.error_count);
        for entry in &e.error_log_entries {
            println!("    {} — {}", entry.url, entry.error_details.join("; "));
        }
    }
    if let Some(why) = &r.deletes_skipped {
        println!("  {why}");
    }
}
