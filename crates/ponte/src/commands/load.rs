//! `ponte load`

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressStyle};
use ponte_config::{Config, Function};
use ponte_state::{RunEnd, RunKind, Started, StateDb, Trigger};
use ponte_warehouse::{LoadObserver, LoadOptions, LoadReport, Warehouse};

use super::each;
use crate::cli::LoadArgs;

pub fn run(config_path: &Path, args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let functions =
        each::select(&config.functions, args.all, args.function.as_deref(), "function", |f| &f.name, &config.path)?;
    let state = StateDb::open(&config.project.state_dir)?;
    let runtime = crate::runtime()?;
    let warehouse = runtime.block_on(ponte_warehouse::open(&config.warehouse))?;
    each::run_each(
        functions,
        args.json,
        args.all,
        |f: &Function| serde_json::json!({ "function": f.name, "table": f.load.table }),
        |f| match runtime.block_on(load_one(&config, f, &state, warehouse.as_ref(), &Trigger::Cli, !args.json))? {
            Started::Ran(report) => Ok(each::Outcome { report, succeeded: true }),
            Started::AlreadyRunning(already) => Err(already.into()),
        },
        print_report,
    )
}

/// Runs one function's load, one run at a time per function, recorded in
/// the run history: [`StateDb::run_recorded`], as every run is.
pub async fn load_one(
    config: &Config,
    f: &Function,
    state: &StateDb,
    warehouse: &dyn Warehouse,
    trigger: &Trigger,
    show_progress: bool,
) -> anyhow::Result<Started<LoadReport>> {
    let load = |id: ponte_state::RunId| async move {
        let source = ponte_store::open(&f.load.store, ponte_store::Access::ReadOnly)
            .with_context(|| format!("function `{}`", f.name))?;
        // The run's id names its warehouse write: a BigQuery job id that is
        // unique per state directory and run.
        let progress = Arc::new(Progress::new(&f.name, show_progress));
        let options = LoadOptions {
            run_key: Some(format!("{}_{}", state.instance_id()?, id.0)),
            observer: Some(progress.clone()),
        };
        let result = ponte_warehouse::load_with(&f.load, source, warehouse, &options)
            .await
            .with_context(|| format!("function `{}`", f.name));
        progress.bar.finish_and_clear();
        result
    };
    let history_entry = |result: &anyhow::Result<LoadReport>| match result {
        Ok(report) => RunEnd::succeeded(serde_json::to_value(report).ok()),
        Err(e) => RunEnd::failed(None, crate::error_text::error_text(e)),
    };
    let started = state.run_recorded(RunKind::Load, &f.name, trigger, load, history_entry).await?.transpose()?;
    if let Started::Ran(_) = &started {
        // The table changed: persisted derived tables over it follow.
        super::derived::rebuild_after_load(config, &f.load.table, state, warehouse, trigger, show_progress).await;
    }
    Ok(started)
}

/// A progress bar of parquet bytes read, with files and rows in the message.
struct Progress {
    bar: ProgressBar,
    files: AtomicUsize,
    files_done: AtomicUsize,
    rows: AtomicU64,
}

impl Progress {
    fn new(function: &str, visible: bool) -> Self {
        let bar = if visible { ProgressBar::new(0) } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {function} [{{bar:25}}] {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} ETA {{eta}} {{msg}}"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        Self { bar, files: AtomicUsize::new(0), files_done: AtomicUsize::new(0), rows: AtomicU64::new(0) }
    }

    fn show(&self) {
        let (done, files) = (self.files_done.load(Ordering::Relaxed), self.files.load(Ordering::Relaxed));
        // After the last file, a clustered table still sorts its ranges of
        // keys and every table finishes its file: say so, or the bar looks stuck.
        let then = if done == files && files > 0 { "; finishing the table" } else { "" };
        self.bar
            .set_message(format!("{done}/{files} files, {} rows{then}", HumanCount(self.rows.load(Ordering::Relaxed))));
    }
}

impl LoadObserver for Progress {
    fn planned(&self, files: usize, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.show();
    }

    fn read(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bar.inc(bytes);
        self.show();
    }

    fn file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.show();
    }
}

fn print_report(r: &LoadReport) {
    println!(
        "{}: {} rows from {} file(s) ({} read, {} written) in {:.1} s, {} table update",
        r.table,
        HumanCount(r.rows),
        r.files.len(),
        HumanBytes(r.bytes_read),
        HumanBytes(r.bytes_written),
        r.duration_seconds,
        r.table_updates
    );
    for i in &r.ignored {
        println!("  skipped {} ({})", i.key, i.reason);
    }
}
