//! `ponte load`

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{HumanBytes, HumanCount};
use ponte_config::Function;
use ponte_state::{RunStatus, StateDb};
use ponte_warehouse::{LoadOptions, LoadReport, Warehouse};

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
        |f| {
            Ok(each::Outcome {
                report: runtime.block_on(load_one(f, &state, warehouse.as_ref(), "cli"))?,
                succeeded: true,
            })
        },
        print_report,
    )
}

/// Runs one function's load, one run at a time per function, recorded in
/// the run history.
pub async fn load_one(
    f: &Function,
    state: &StateDb,
    warehouse: &dyn Warehouse,
    trigger: &str,
) -> anyhow::Result<LoadReport> {
    let Some(_lock) = state.try_lock_run("load", &f.name)? else {
        state.record_skipped_run("load", &f.name, trigger, "another run of this function was in progress")?;
        bail!("function `{}` is already running; this start was recorded as skipped", f.name);
    };
    let id = state.start_run("load", &f.name, trigger)?;
    let result = async {
        let source = ponte_store::open(&f.load.store, ponte_store::Access::ReadOnly)
            .with_context(|| format!("function `{}`", f.name))?;
        // The run's id names its warehouse write: a BigQuery job id that is
        // unique per state directory and run.
        let options = LoadOptions { run_key: Some(format!("{}_{}", state.instance_id()?, id.0)) };
        ponte_warehouse::load_with(&f.load, source, warehouse, &options)
            .await
            .with_context(|| format!("function `{}`", f.name))
    }
    .await;
    match &result {
        Ok(report) => state.finish_run(id, RunStatus::Succeeded, Some(&serde_json::to_value(report)?), None)?,
        Err(e) => state.finish_run(id, RunStatus::Failed, None, Some(&format!("{e:#}")))?,
    }
    result
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
