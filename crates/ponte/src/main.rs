//! The `ponte` binary: turns arguments into calls on the library crates.
//!
//! Every capability lives in a library crate and is reachable from Rust
//! without this binary; this crate only parses flags, wires the pieces
//! together, renders output for people (`--json` for machines) and maps
//! failures to exit codes: 0 success, 1 failure, 2 usage or not built yet.

mod cli;
mod commands;
mod examples;
mod logging;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc hands freed memory back promptly; with glibc's per-thread arenas
/// the part buffers of a sync left peak RSS near twice its memory budget.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.log_format, cli.verbose);
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
