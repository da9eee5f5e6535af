//! `ponte sql`

use std::path::Path;
use std::process::ExitCode;

use ponte_warehouse::EmbeddedWarehouse;

pub fn run(config_path: &Path, statement: &str) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let warehouse = EmbeddedWarehouse::open(&config.warehouse)?;
    let result = crate::runtime()?.block_on(warehouse.run_query(statement, &[]))?;
    println!("{}", arrow_cast::pretty::pretty_format_batches(&result.batches)?);
    let n = result.num_rows();
    eprintln!("{n} row{}", if n == 1 { "" } else { "s" });
    Ok(ExitCode::SUCCESS)
}
