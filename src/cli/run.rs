//! `kubesim run FILES...`: runs scenarios (expectations and snapshots).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ExitStatus, print_stdout};
use kubesim::report::scenario::{render_json, render_junit, render_text};
use kubesim::report::snapshot::settle;
use kubesim::scenario::{RunOptions, run_files_with_progress};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Table,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files (.ksim)
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Write every `show` report as its snapshot
    #[arg(long)]
    pub accept: bool,
    /// Show the evidence of passing statements too (in every output format)
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: RunFormat,
    /// Worker threads (default: one per core)
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
}

pub fn run(args: &RunArgs) -> ExitStatus {
    let progress = super::progress::for_command(false, args.output != RunFormat::Table);
    let mut report = run_files_with_progress(
        &args.files,
        &RunOptions {
            passing_evidence: args.verbose,
        },
        &*progress,
    );
    settle(&mut report, args.accept);
    for file in &report.files {
        for d in &file.diagnostics {
            eprint!("{}", d.render_plain());
        }
        let mut loading: Vec<_> = file.scenarios.iter().flat_map(|s| &s.diagnostics).collect();
        loading.sort();
        loading.dedup();
        for d in loading {
            eprintln!("{d}");
        }
    }
    print_stdout(&match args.output {
        RunFormat::Table => render_text(&report, args.verbose),
        RunFormat::Json => render_json(&report),
        RunFormat::Junit => render_junit(&report),
    });
    let (_, failed) = report.counts();
    if report.has_errors() {
        ExitStatus::Error
    } else if failed > 0 {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}
