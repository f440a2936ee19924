//! `kubesim graph [-n NS] [--for SUBJECT] -o dot|mermaid`: the access graph as a picture, with
//! the escalation paths of the subjects drawn highlighted.

use clap::{Args, ValueEnum};

use super::escalations::{AdmissionArgs, load};
use super::{ExitStatus, InputArgs, print_stdout, usage_error};
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Source, Target, find_escalations, known_sources,
};
use kubesim::rbac::query::parse_subject;
use kubesim::report::graph::{Selection, graph_dot, graph_mermaid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PictureFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Only the bindings naming this subject and the workloads running as it
    #[arg(long = "for", value_name = "SUBJECT")]
    pub subject: Option<String>,
    #[command(flatten)]
    pub admission: AdmissionArgs,
    /// -n NS draws only that namespace's bindings, service accounts and workloads
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "dot")]
    pub output: PictureFormat,
}

pub fn run(args: &GraphArgs) -> ExitStatus {
    let subject = match args.subject.as_deref().map(parse_subject) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return usage_error(&e.to_string()),
    };
    let admission = match args.admission.admission() {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let (index, input_errors) = match load(&args.input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let graph = EscalationGraph::build(&index, &EscalationOptions { admission });
    let sources = match &subject {
        Some(s) => vec![Source::from_subject(s)],
        None => known_sources(&index),
    };
    let findings = match find_escalations(
        &graph,
        &index,
        &sources,
        &[Target::ClusterAdmin, Target::NodeEscape],
        false,
    ) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    let selection = Selection {
        namespace: args.input.namespace.clone(),
        subject: subject.map(|s| s.to_string()),
    };
    if !args.input.quiet {
        print_stdout(&match args.output {
            PictureFormat::Dot => graph_dot(&index, &selection, &findings),
            PictureFormat::Mermaid => graph_mermaid(&index, &selection, &findings),
        });
    }
    if input_errors {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
