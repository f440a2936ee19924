//! `kubesim check POLICIES... -f MANIFESTS`: runs policies (files, or directories of `.ksim`
//! files) against manifests.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{ExitStatus, InputArgs, SarifArgs, print_diagnostics, print_stdout, usage_error};
use kubesim::dsl::program::{Policy, PolicySeverity};
use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::report::policy::PolicyEntry;
use kubesim::report::policy::{render_json, render_junit, render_sarif, render_text};
use kubesim::scenario::ksim_files_under;
use kubesim::scenario::policy::{check_policies, known_namespaces};
use kubesim::scenario::resolve::FileResolver;
use kubesim::scenario::state::State;
use kubesim::source::{Diagnostic, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files (.ksim), or directories of them
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
    #[command(flatten)]
    pub sarif: SarifArgs,
    /// Fail when a rule names a verb, resource or namespace found nowhere in the manifests,
    /// since such a rule can never be broken (the default)
    #[arg(long, overrides_with = "no_strict")]
    pub strict: bool,
    /// Only warn about such rules
    #[arg(long)]
    pub no_strict: bool,
}

pub fn run(args: &CheckArgs) -> ExitStatus {
    let Some(fail_on) = PolicySeverity::parse(&args.fail_on) else {
        return usage_error(&format!(
            "--fail-on {}: use low, medium, high or critical",
            args.fail_on
        ));
    };
    // Policies are read and parsed first, so their syntax errors are reported even when the
    // manifests cannot be read.
    let parsed = parse_policies(&args.policies);
    let loaded = match args
        .input
        .load_showing_progress(args.output != CheckFormat::Table)
    {
        Ok(l) => l,
        Err(e) => return usage_error(&e),
    };
    let mut invalid = loaded.has_errors();
    print_diagnostics(&loaded.diagnostics);
    let mut diagnostics = loaded.diagnostics;
    let state = State::new(loaded.cluster, loaded.sources);
    let CheckedPolicies {
        policies,
        valid,
        diagnostics: policy_diagnostics,
    } = parsed.check(&state);
    invalid |= !valid;
    let report = check_policies(&policies, &state);
    for (file, line, name) in &report.unknown {
        eprintln!("{file}:{line}: warning: {name}");
    }
    diagnostics.extend(policy_diagnostics);
    let vacuous = !args.no_strict && !report.unknown.is_empty();
    let catalogue: Vec<PolicyEntry> = policies
        .iter()
        .map(|(file, p)| PolicyEntry::of(file, p))
        .collect();
    if !args.input.quiet {
        print_stdout(&match args.output {
            CheckFormat::Table => render_text(&report),
            CheckFormat::Json => render_json(&report),
            CheckFormat::Sarif => {
                render_sarif(&report, &catalogue, &args.sarif.root(), &diagnostics)
            }
            CheckFormat::Junit => render_junit(&report, &catalogue),
        });
    }
    if invalid {
        ExitStatus::Error
    } else if vacuous || report.violations.iter().any(|v| v.severity >= fail_on) {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}

/// Policy files read and parsed, before the manifests they are checked against are loaded.
pub(super) struct ParsedPolicies {
    files: Vec<(PathBuf, String, kubesim::dsl::ast::File)>,
    /// A file could not be read or parsed (its problems were printed).
    invalid: bool,
    /// The problems printed, for reports that list them (SARIF's notifications).
    diagnostics: Vec<Diagnostic>,
}

/// Policies checked and ready to run.
pub(super) struct CheckedPolicies {
    /// The policies of every valid file, each with its file name.
    pub policies: Vec<(String, Policy)>,
    /// No file was unreadable or invalid.
    pub valid: bool,
    /// Every problem found in the policy files (already printed).
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads and parses the policies `paths` name: a directory stands for the `.ksim` files under
/// it, sorted (a directory holding none is an error, so a mistyped path cannot pass as
/// "0 violations"). Problems are printed; the other files are still used.
pub(super) fn parse_policies(paths: &[PathBuf]) -> ParsedPolicies {
    let mut parsed = ParsedPolicies {
        files: Vec::new(),
        invalid: false,
        diagnostics: Vec::new(),
    };
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let found = ksim_files_under(path);
        if found.is_empty() {
            let name = path.to_string_lossy().replace('\\', "/");
            parsed.fail(Diagnostic::error(
                Location::new(name.as_str().into(), 0, 0),
                "no .ksim files in this directory",
            ));
        }
        files.extend(found);
    }
    for path in files {
        let name = path.to_string_lossy().replace('\\', "/");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                parsed.fail(Diagnostic::error(
                    Location::new(name.as_str().into(), 0, 0),
                    e.to_string(),
                ));
                continue;
            }
        };
        match parse_file(&name, &text) {
            Ok(file) => parsed.files.push((path, name, file)),
            Err(diagnostics) => {
                diagnostics
                    .iter()
                    .for_each(|d| eprint!("{}", d.render_plain()));
                parsed.diagnostics.extend(diagnostics);
                parsed.invalid = true;
            }
        }
    }
    parsed
}

impl ParsedPolicies {
    /// Prints a problem that makes the policies invalid, and keeps it.
    fn fail(&mut self, diagnostic: Diagnostic) {
        eprintln!("{diagnostic}");
        self.diagnostics.push(diagnostic);
        self.invalid = true;
    }

    /// Checks the parsed files against the loaded `state` (namespace patterns that match none
    /// of its namespaces are warnings).
    pub(super) fn check(self, state: &State) -> CheckedPolicies {
        let namespaces = known_namespaces(state);
        let mut all_diagnostics = self.diagnostics;
        let mut valid = !self.invalid;
        let mut policies = Vec::new();
        for (path, name, file) in self.files {
            let resolver = FileResolver::new(path.parent().unwrap_or(Path::new(".")));
            let mut context = CheckContext::new(&resolver);
            context.known_namespaces = Some(namespaces.clone());
            let (program, diagnostics) = check(&file, &context);
            diagnostics
                .iter()
                .for_each(|d| eprint!("{}", d.render_plain()));
            let invalid = diagnostics.iter().any(Diagnostic::is_error);
            all_diagnostics.extend(diagnostics);
            if invalid {
                valid = false;
                continue;
            }
            policies.extend(program.policies.into_iter().map(|p| (name.clone(), p)));
        }
        CheckedPolicies {
            policies,
            valid,
            diagnostics: all_diagnostics,
        }
    }
}
