//! `kubesim report -f DIR [--defaults latest] [--policy FILE|DIR] -o report.html`: the audit
//! report as one self-contained HTML file. Loads the input once, runs the escalation search
//! (with cuts), Pod Security and the policies, and hands everything to the HTML printer.

use std::path::PathBuf;

use clap::Args;

use super::escalations::AdmissionArgs;
use super::{ExitStatus, InputArgs, print_diagnostics, print_stdout, usage_error};
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Target, find_escalations, known_sources,
};
use kubesim::index::Indexed;
use kubesim::pss::Version;
use kubesim::pss::assess::{AssessOptions, assess};
use kubesim::report::html::{AuditInput, audit_html};
use kubesim::scenario::policy::check_policies;

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
        let super::check::CheckedPolicies {
            policies, valid, ..
        } = super::check::parse_policies(&args.policies).check(&indexed);
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
