//! `kubesim run FILES...`: runs scenarios (expectations and snapshots).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ExitStatus, print_stdout};
use kubesim::report::scenario::{render_json, render_junit, render_pending, render_text};
use kubesim::report::snapshot::{Accept, prune, settle, stale};
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
    /// Write the `show` reports as their snapshots: all of them, or with FILTER only those of
    /// one .ksim file, one statement (FILE:LINE) or one scenario (its name)
    #[arg(long, value_name = "FILTER", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    pub accept: Option<String>,
    /// List only the snapshots that are missing or differ (exit 1 when there are any)
    #[arg(long)]
    pub pending: bool,
    /// Delete the snapshot files no statement writes any more
    #[arg(long)]
    pub prune: bool,
    /// Show the evidence of passing statements too (in every output format)
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: RunFormat,
    /// Worker threads (default: one per core)
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// Fail an expectation that names a verb, resource, namespace or subject found nowhere
    /// in its input (the default)
    #[arg(long, overrides_with = "no_strict")]
    pub strict: bool,
    /// Answer such an expectation as written, with a warning
    #[arg(long)]
    pub no_strict: bool,
}

pub fn run(args: &RunArgs) -> ExitStatus {
    let progress = super::progress::for_command(false, args.output != RunFormat::Table);
    let mut report = run_files_with_progress(
        &args.files,
        &RunOptions {
            passing_evidence: args.verbose,
            strict: !args.no_strict,
        },
        &*progress,
    );
    let accept = match args.accept.as_deref() {
        None => Accept::None,
        Some("") => Accept::All,
        Some(filter) => Accept::Matching(filter.to_string()),
    };
    settle(&mut report, &accept);
    let left_behind = stale(&report);
    let mut prune_failed = false;
    if args.prune {
        let failed = prune(&left_behind);
        for (path, e) in &failed {
            eprintln!("error: cannot delete {}: {e}", path.display());
        }
        prune_failed = !failed.is_empty();
        for path in left_behind.iter().filter(|p| !p.exists()) {
            eprintln!("pruned {}", path.display());
        }
    } else {
        for path in &left_behind {
            eprintln!(
                "warning: stale snapshot {}: no statement writes it (--prune deletes it)",
                path.display()
            );
        }
    }
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
    if args.pending {
        let (list, count) = render_pending(&report);
        print_stdout(&list);
        return if report.has_errors() || prune_failed {
            ExitStatus::Error
        } else if count > 0 {
            ExitStatus::Negative
        } else {
            ExitStatus::Ok
        };
    }
    print_stdout(&match args.output {
        RunFormat::Table => render_text(&report, args.verbose),
        RunFormat::Json => render_json(&report),
        RunFormat::Junit => render_junit(&report),
    });
    let (_, failed) = report.counts();
    if report.has_errors() || prune_failed {
        ExitStatus::Error
    } else if failed > 0 {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}
