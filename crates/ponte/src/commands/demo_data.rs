//! `ponte demo-data`

use std::process::ExitCode;

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressStyle};
use ponte_demo::{DemoDataOptions, DemoDataReport, WrittenFile};

use crate::cli::DemoDataArgs;

pub fn run(args: &DemoDataArgs) -> anyhow::Result<ExitCode> {
    let mut options = DemoDataOptions::new(&args.dir);
    (options.rows, options.days, options.seed) = (args.rows, args.days, args.seed);
    let report = write(&options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_report(&report, &options);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the data with a progress bar on a terminal.
pub fn write(options: &DemoDataOptions) -> anyhow::Result<DemoDataReport> {
    let planned: u64 = ponte_demo::plan(options).iter().map(|f| f.rows).sum();
    let bar = ProgressBar::new(planned).with_style(
        ProgressStyle::with_template(
            "{spinner} sample data [{bar:30}] {human_pos}/{human_len} rows {per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let on_file = |f: &WrittenFile| bar.inc(f.rows);
    let report = ponte_demo::write_demo_data(options, &on_file);
    bar.finish_and_clear();
    Ok(report?)
}

pub fn print_report(report: &DemoDataReport, options: &DemoDataOptions) {
    println!("{:<40} {:>6} {:>12} {:>10}", "dataset", "files", "rows", "size");
    for d in &report.datasets {
        println!(
            "{:<40} {:>6} {:>12} {:>10}",
            d.name,
            d.files,
            HumanCount(d.rows).to_string(),
            HumanBytes(d.bytes).to_string()
        );
    }
    let rows: u64 = report.datasets.iter().map(|d| d.rows).sum();
    let bytes: u64 = report.datasets.iter().map(|d| d.bytes).sum();
    println!("{} rows, {} in {}", HumanCount(rows), HumanBytes(bytes), options.dir.display());
    if report.removed_stale > 0 {
        println!("removed {} day file(s) of an earlier run that this one no longer has", report.removed_stale);
    }
}

fn report_json(report: &DemoDataReport) -> serde_json::Value {
    serde_json::json!({
        "invoices": report.scale.invoices,
        "days": report.scale.days,
        "units": report.scale.units,
        "customers": report.scale.customers,
        "removed_stale": report.removed_stale,
        "datasets": report.datasets.iter().map(|d| serde_json::json!({
            "name": d.name, "files": d.files, "rows": d.rows, "bytes": d.bytes,
        })).collect::<Vec<_>>(),
    })
}
