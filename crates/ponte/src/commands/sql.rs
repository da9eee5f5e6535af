//! `ponte sql`

use std::path::Path;
use std::process::ExitCode;

pub fn run(config_path: &Path, statement: &str) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let runtime = crate::runtime()?;
    let result = runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        warehouse.query(statement, &[]).await
    })?;
    println!("{}", arrow_cast::pretty::pretty_format_batches(&result.batches)?);
    let n = result.num_rows();
    eprintln!("{n} row{}", if n == 1 { "" } else { "s" });
    Ok(ExitCode::SUCCESS)
}
