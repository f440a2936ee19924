//! The `kubesim` binary: parse arguments, dispatch, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    kubesim::dsl::install_parser_limits();
    kubesim::cli::run(kubesim::cli::Cli::parse())
}
