//! `kubesim graph [--to TARGET] [--subject S] [-n NS] [--all] -o dot|mermaid`: the access graph
//! as a picture, with the escalation paths of the subjects drawn as labelled hops. By default
//! only the paths to cluster-admin and a node, and the bindings they use, are drawn.

use clap::{Args, ValueEnum};

use super::escalations::{AdmissionArgs, load, parse_targets};
use super::{ExitStatus, InputArgs, print_stdout, usage_error};
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Source, find_escalations, known_sources,
};
use kubesim::rbac::query::parse_subject;
use kubesim::report::graph::{Selection, graph_dot, graph_mermaid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PictureFormat {
    Dot,
    Mermaid,
}

/// What is drawn when no option narrows it.
const GRAPH_SCOPE: &str = "By default the picture holds only the escalation paths to cluster-admin \
and to a node's root (`--to` picks others), with the subjects, bindings, roles and workloads \
they use: the whole cluster is not readable as one picture. `--subject S` draws every binding of \
S and its paths, `-n NS` the bindings, service accounts and workloads of one namespace and their \
paths, `--all` every binding and workload.";

#[derive(Debug, Args)]
#[command(after_help = GRAPH_SCOPE)]
pub struct GraphArgs {
    /// Only the bindings naming this subject (user:NAME, group:NAME, sa:NS/NAME), the
    /// workloads running as it, and its paths
    #[arg(long = "subject", visible_alias = "for", value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Draw the paths to TARGET: cluster-admin, node, clusterrole:NAME, role:NS/NAME or a
    /// subject; repeatable (default: cluster-admin and node)
    #[arg(long = "to", value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Every binding and workload of the input, not only those the paths use
    #[arg(long, conflicts_with_all = ["subject"])]
    pub all: bool,
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
    let targets = match parse_targets(&args.targets) {
        Ok(t) => t,
        Err(code) => return code,
    };
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
    let findings = match find_escalations(&graph, &index, &sources, &targets, false) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    let selection = Selection {
        namespace: args.input.namespace.clone(),
        subject: subject.map(|s| s.to_string()),
        everything: args.all,
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
