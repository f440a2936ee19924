//! `kubesim report -f DIR [--defaults latest] [--policy FILE|DIR] -o report.html`: the audit
//! report as one self-contained HTML file. Loads the input once, runs the escalation search
//! (with cuts), Pod Security and the policies, and hands everything to the HTML printer.

use std::path::{Path, PathBuf};

use clap::Args;

use super::escalations::AdmissionArgs;
use super::{ExitStatus, InputArgs, print_diagnostics, print_stdout, usage_error};
use kubesim::dsl::program::Policy;
use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Target, find_escalations, known_sources,
};
use kubesim::index::Indexed;
use kubesim::pss::Version;
use kubesim::pss::assess::{AssessOptions, assess};
use kubesim::report::html::{AuditInput, audit_html};
use kubesim::scenario::policy::{check_policies, known_namespaces};
use kubesim::scenario::resolve::FileResolver;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Policy file (.ksim) or directory of them to run too; repeatable
    #[arg(long = "policy", value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub admission: AdmissionArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// The HTML file to write (- for stdout)
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "report.html"
    )]
    pub output: String,
}

/// The `.ksim` files a `--policy` path names: the file, or every one under the directory,
/// sorted.
fn policy_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            policy_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "ksim") {
            out.push(p);
        }
    }
    Ok(())
}

/// Parses and checks the policies; `false` when one could not be read or is invalid (its
/// problems are printed, the others still run).
fn load_policies(paths: &[PathBuf], state: &Indexed) -> (Vec<(String, Policy)>, bool) {
    let namespaces = known_namespaces(state);
    let mut files = Vec::new();
    let mut valid = true;
    for path in paths {
        if let Err(e) = policy_files(path, &mut files) {
            eprintln!("{}: error: {e}", path.display());
            valid = false;
        }
    }
    let mut policies = Vec::new();
    for path in files {
        let name = path.to_string_lossy().replace('\\', "/");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: error: {e}");
                valid = false;
                continue;
            }
        };
        let file = match parse_file(&name, &text) {
            Ok(f) => f,
            Err(diagnostics) => {
                diagnostics
                    .iter()
                    .for_each(|d| eprint!("{}", d.render_plain()));
                valid = false;
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
            valid = false;
            continue;
        }
        policies.extend(program.policies.into_iter().map(|p| (name.clone(), p)));
    }
    (policies, valid)
}

pub fn run(args: &ReportArgs) -> ExitStatus {
    let admission = match args.admission.admission() {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let defaults_configured =
        args.admission.admission_config.is_some() || args.admission.default_enforce.is_some();
    let loaded = match args.input.load_showing_progress(args.output == "-") {
        Ok(l) => l,
        Err(e) => return usage_error(&e),
    };
    let (indexed, diagnostics) = Indexed::build(loaded);
    print_diagnostics(&diagnostics);
    let mut invalid = diagnostics.iter().any(|d| d.is_error());
    let index = &indexed.rbac;

    let graph = EscalationGraph::build(
        index,
        &EscalationOptions {
            admission: admission.clone(),
        },
    );
    let findings = match find_escalations(
        &graph,
        index,
        &known_sources(index),
        &[Target::ClusterAdmin, Target::NodeEscape],
        true,
    ) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    let pss = assess(
        indexed.cluster(),
        &indexed.sources,
        &AssessOptions {
            version: Version::Latest,
            admission,
            defaults_configured,
            locate_fields: true,
        },
        None,
    );
    let policies = if args.policies.is_empty() {
        None
    } else {
        let (policies, valid) = load_policies(&args.policies, &indexed);
        invalid |= !valid;
        Some(check_policies(&policies, &indexed))
    };
    let mut inputs: Vec<String> = args.input.files.iter().map(|f| format!("-f {f}")).collect();
    if args.input.defaults != "none" {
        inputs.push(format!("--defaults {}", args.input.defaults));
    }
    for p in &args.policies {
        inputs.push(format!("--policy {}", p.display()));
    }
    let html = audit_html(&AuditInput {
        inputs,
        index,
        graph: &graph,
        findings: &findings,
        pss: &pss,
        policies: policies.as_ref(),
    });
    if args.output == "-" {
        print_stdout(&html);
    } else {
        if let Err(e) = std::fs::write(&args.output, &html) {
            return usage_error(&format!("{}: {e}", args.output));
        }
        if !args.input.quiet {
            eprintln!("wrote {} ({} bytes)", args.output, html.len());
        }
    }
    if invalid {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
