//! `kubesim check POLICY_FILES... -f MANIFESTS`: runs policies against manifests.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{ExitStatus, InputArgs, print_diagnostics, print_stdout, usage_error};
use kubesim::dsl::program::PolicySeverity;
use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::report::policy::{render_json, render_junit, render_sarif, render_text};
use kubesim::scenario::policy::{check_policies, known_namespaces};
use kubesim::scenario::resolve::FileResolver;
use kubesim::scenario::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files (.ksim)
    #[arg(required = true, value_name = "POLICY_FILES")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Exit with code 1 only for violations of this severity or higher
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    pub fail_on: String,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: CheckFormat,
}

pub fn run(args: &CheckArgs) -> ExitStatus {
    let Some(fail_on) = PolicySeverity::parse(&args.fail_on) else {
        return usage_error(&format!(
            "--fail-on {}: use low, medium, high or critical",
            args.fail_on
        ));
    };
    let loaded = match args
        .input
        .load_showing_progress(args.output != CheckFormat::Table)
    {
        Ok(l) => l,
        Err(e) => return usage_error(&e),
    };
    let mut invalid = loaded.has_errors();
    print_diagnostics(&loaded.diagnostics);
    let state = State::new(loaded.cluster, loaded.sources);
    let namespaces = known_namespaces(&state);

    let mut policies = Vec::new();
    for path in &args.policies {
        let name = path.to_string_lossy().replace('\\', "/");
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: error: {e}");
                invalid = true;
                continue;
            }
        };
        let file = match parse_file(&name, &text) {
            Ok(f) => f,
            Err(diagnostics) => {
                diagnostics
                    .iter()
                    .for_each(|d| eprint!("{}", d.render_plain()));
                invalid = true;
                continue;
            }
        };
        let resolver = FileResolver::new(path.parent().unwrap_or(Path::new(".")));
        let mut context = CheckContext::new(&resolver);
        context.known_namespaces = Some(namespaces.clone());
        let (program, diagnostics) = check(&file, &context);
        diagnostics
            .iter()
            .for_each(|d| eprint!("{}", d.render_plain()));
        if diagnostics.iter().any(|d| d.is_error()) {
            invalid = true;
            continue;
        }
        policies.extend(program.policies.into_iter().map(|p| (name.clone(), p)));
    }
    let report = check_policies(&policies, &state);
    let catalogue: Vec<(String, String, PolicySeverity)> = policies
        .iter()
        .map(|(file, p)| (p.name.clone(), file.clone(), p.severity))
        .collect();
    if !args.input.quiet {
        print_stdout(&match args.output {
            CheckFormat::Table => render_text(&report),
            CheckFormat::Json => render_json(&report),
            CheckFormat::Sarif => render_sarif(&report, &catalogue),
            CheckFormat::Junit => render_junit(&report, &catalogue),
        });
    }
    if invalid {
        ExitStatus::Error
    } else if report.violations.iter().any(|v| v.severity >= fail_on) {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}
