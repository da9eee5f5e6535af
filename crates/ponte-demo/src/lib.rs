//! Sample data for the reference deployment: seven datasets of an
//! energy-management company, with Portuguese column names, laid out as the
//! S3 source holds them (`<dataset>/<yyyy-mm-dd>.parquet`, one file a day).
//!
//! The data is deterministic (same seed, same bytes), realistic enough to
//! make dashboards worth looking at (customers, consumer units, monthly
//! invoices with peak/off-peak kWh and BRL decimals, budgets, market prices,
//! a mailing list and the user → customer permissions that row-level
//! security reads), and mixes every type a loader must handle: strings,
//! int64, float64, decimal, date, timestamp, bool and nulls. Files are written
//! a batch at a time, so millions of rows take little memory.
//!
//! ```no_run
//! use ponte_demo::{DemoDataOptions, write_demo_data};
//! let mut options = DemoDataOptions::new("data/s3");
//! options.rows = 1_000_000;
//! let report = write_demo_data(&options, &|_file| {})?;
//! println!("{} invoices", report.datasets[1].rows);
//! # Ok::<(), ponte_demo::DemoDataError>(())
//! ```

mod datasets;
mod entities;
mod entropy;
mod scale;
mod vocab;
mod write;

pub use datasets::{DATASETS, Dataset};
pub use scale::Scale;
pub use write::{
    DatasetReport, DemoDataError, DemoDataOptions, DemoDataReport, PlannedFile, WrittenFile, plan, write_demo_data,
};
