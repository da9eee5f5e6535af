//! `ponte demo`: the reference deployment, end to end, on sample data.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ponte_config::{Config, StoreUrl};
use ponte_demo::DemoDataOptions;

use super::demo_data;
use crate::cli::DemoArgs;
use crate::examples;

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    println!("ponte demo in {}", dir.display());
    write_example(dir)?;
    let config_path = dir.join("ponte.toml");
    let config = ponte_config::load(&config_path)?;
    println!("  ✓ config       {} (valid)", config_path.display());

    let source = source_folder(&config)?;
    let mut options = DemoDataOptions::new(&source);
    options.rows = args.rows;
    let report = demo_data::write(&options)?;
    let rows: u64 = report.datasets.iter().map(|d| d.rows).sum();
    let files: u64 = report.datasets.iter().map(|d| d.files).sum();
    println!("  ✓ sample data  {files} files, {rows} rows in {}", source.display());

    for stage in ["sync", "load", "serve"] {
        println!("  · {stage:<12} not built yet");
    }
    if !args.no_serve {
        println!("Nothing to serve yet: the server is still to come.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the built-in example into `dir`, replacing earlier copies of its
/// files and leaving everything else (data, state) alone.
fn write_example(dir: &Path) -> anyhow::Result<()> {
    for (rel, text) in examples::COMERC {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The local folder the transfers read from: where sample data goes.
fn source_folder(config: &Config) -> anyhow::Result<std::path::PathBuf> {
    let Some(job) = config.transfers.first() else { bail!("the demo config has no transfers") };
    match &job.source.store.url {
        StoreUrl::File { path } => {
            Ok(if job.source.path.is_empty() { path.clone() } else { path.join(&job.source.path) })
        }
        other => bail!("the demo writes sample data into a local folder, but the source store is {other}"),
    }
}
