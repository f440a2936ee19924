//! The `kubesim` binary: parse arguments, dispatch, exit.

use std::process::ExitCode;

use clap::Parser;

mod cli;

// Loading and indexing allocate millions of small objects and free most of them; glibc's
// allocator then spends more time walking its free lists than the queries spend computing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kubesim::dsl::install_parser_limits();
    cli::run(cli::Cli::parse())
}
