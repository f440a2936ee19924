//! `kubesim diff BASE HEAD`: access, escalation-path and pod-security changes between two
//! manifest trees, each a directory or a git revision of the current repository.

use clap::{Args, ValueEnum};

use super::escalations::AdmissionArgs;
use super::{ExitStatus, InputArgs, SarifArgs, print_diagnostics, print_stdout, usage_error};
use kubesim::compare::diff;
use kubesim::manifest::Loaded;
use kubesim::manifest::git::Side;
use kubesim::pss::assess::AssessOptions;
use kubesim::report::diff::{diff_json, diff_markdown, diff_sarif, diff_text};
use kubesim::scenario::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The base: a directory, or a git revision (branch, tag, commit) of this repository
    pub base: String,
    /// The head: a directory, or a git revision
    pub head: String,
    /// Exit with code 1 if any access or escalation path was gained
    #[arg(long)]
    pub fail_on_gain: bool,
    /// Exit with code 1 if any escalation path (to cluster-admin or a node) was gained
    #[arg(long)]
    pub fail_on_escalation: bool,
    /// Leave out system:* subjects and kube-system service accounts (as who-can does)
    #[arg(long)]
    pub exclude_system: bool,
    #[command(flatten)]
    pub admission: AdmissionArgs,
    /// Paths inside each side (default: all of it); other input options as for every command
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: DiffFormat,
    #[command(flatten)]
    pub sarif: SarifArgs,
}

fn load_side(text: &str, args: &DiffArgs) -> Result<Loaded, String> {
    let side = Side::resolve(text)?;
    let paths = if args.input.files.is_empty() {
        vec![".".to_string()]
    } else {
        args.input.files.clone()
    };
    let mut loaded = side.load(&paths, &args.input.load_options())?;
    if let Some(defaults) = kubesim::index::defaults::load(&args.input.defaults)? {
        let mut cluster = defaults.cluster;
        cluster.extend(std::mem::take(&mut loaded.cluster));
        loaded.cluster = cluster;
        loaded.sources.merge(defaults.sources);
    }
    Ok(loaded)
}

pub fn run(args: &DiffArgs) -> ExitStatus {
    let admission = match args.admission.admission() {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let mut states = Vec::new();
    let mut input_errors = false;
    let mut diagnostics = Vec::new();
    for side in [&args.base, &args.head] {
        let loaded = match load_side(side, args) {
            Ok(l) => l,
            Err(e) => return usage_error(&e),
        };
        print_diagnostics(&loaded.diagnostics);
        input_errors |= loaded.has_errors();
        diagnostics.extend(loaded.diagnostics);
        states.push(State::new(loaded.cluster, loaded.sources));
    }
    let options = AssessOptions {
        admission,
        defaults_configured: args.admission.admission_config.is_some()
            || args.admission.default_enforce.is_some(),
        locate_fields: false,
        ..AssessOptions::default()
    };
    let mut changes = diff(&states[0], &states[1], &options);
    if args.exclude_system {
        changes = changes.without_system();
    }
    if !args.input.quiet {
        print_stdout(&match args.output {
            DiffFormat::Table => diff_text(&states[0], &states[1], &changes),
            DiffFormat::Json => diff_json(&states[0], &states[1], &changes),
            DiffFormat::Markdown => diff_markdown(&states[0], &states[1], &changes),
            DiffFormat::Sarif => diff_sarif(
                &states[0],
                &states[1],
                &changes,
                &args.sarif.root(),
                &diagnostics,
            ),
        });
    }
    if input_errors {
        ExitStatus::Error
    } else if (args.fail_on_gain && changes.gained_anything())
        || (args.fail_on_escalation && !changes.paths_gained.is_empty())
    {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}
