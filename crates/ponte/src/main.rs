//! The `ponte` binary: turns arguments into calls on the library crates.
//!
//! Every capability lives in a library crate and is reachable from Rust
//! without this binary; this crate only parses flags, wires the pieces
//! together, renders output for people (`--json` for machines) and maps
//! failures to exit codes: 0 success, 1 failure, 2 usage or not built yet.

mod cli;
mod commands;
mod error_text;
mod examples;
mod logging;

use std::process::ExitCode;

use clap::Parser;

/// The async runtime commands run on. Blocking work (local file I/O) gets at
/// most 8 threads: enough for a sync's copies in flight, and a bound on the
/// memory each thread's allocator keeps.
///
/// Threads get 8 MiB stacks rather than tokio's 2 MiB. Query planning and
/// execution recurse over expression trees, and a stack overflow aborts
/// the whole process (it is not a panic a request can be failed with). The
/// query compiler already keeps the expressions it writes shallow (see
/// ponte-semantic's `any_of`); this is the margin for what it cannot see.
/// The memory is reserved address space, touched only as deep as used.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .max_blocking_threads(8)
        .build()
        .context("cannot start the async runtime")
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.log_format, cli.verbose);
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_text::error_text(&error));
            ExitCode::FAILURE
        }
    }
}
