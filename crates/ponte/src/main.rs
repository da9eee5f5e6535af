//! The `ponte` binary: turns arguments into calls on the library crates.
//!
//! Every capability lives in a library crate and is reachable from Rust
//! without this binary; this crate only parses flags, wires the pieces
//! together, renders output for people (`--json` for machines) and maps
//! failures to exit codes: 0 success, 1 failure, 2 a usage error.

mod cli;
mod commands;
mod error_text;
mod examples;
mod logging;

use std::process::ExitCode;

use clap::Parser;

/// A reader that stops early (`ponte runs | head -2`) closes the pipe;
/// Rust then fails the next write to stdout, and `println!` panics. Like
/// every Unix tool, ponte ends quietly instead, with the status a shell
/// gives a process a closed pipe stopped (128 + SIGPIPE). Any other panic
/// is reported as usual.
fn quiet_on_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        report(info);
    }));
}

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
    quiet_on_closed_pipe();
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
