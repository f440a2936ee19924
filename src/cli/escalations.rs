//! `kubesim escalations [--for SUBJECT] [--to TARGET]`: privilege-escalation paths in the
//! access graph, each with its shortest path and a minimal set of bindings that cuts it. Also
//! the Pod Security options the escalation commands share (what a node escape needs).

use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::{
    ExitStatus, InputArgs, print_diagnostics, print_stdout, stream_stdout, subject_arg, usage_error,
};
use kubesim::compare::source_is_system;
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Source, Target, find_escalations, known_sources,
};
use kubesim::index::{Indexed, RbacIndex};
use kubesim::pss::LevelVersion;
use kubesim::pss::admission::{Admission, PodSecurityConfig, Policy};
use kubesim::report::escalate::{escalations_dot, escalations_text, write_escalations_json};

/// The Pod Security admission settings of the cluster the manifests go to.
#[derive(Debug, Clone, Args)]
pub struct AdmissionArgs {
    /// Enforce LEVEL[:VERSION] in namespaces without labels (the admission plugin's defaults)
    #[arg(long, value_name = "LEVEL[:VERSION]")]
    pub default_enforce: Option<String>,
    /// PodSecurity admission configuration (exemptions and defaults)
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<String>,
}

impl AdmissionArgs {
    pub fn admission(&self) -> Result<Admission, String> {
        let mut config = match &self.admission_config {
            None => PodSecurityConfig::default(),
            Some(path) => {
                let value = kubesim::manifest::read_document(path)?;
                PodSecurityConfig::from_json(&value).map_err(|e| format!("{path}: {e}"))?
            }
        };
        if let Some(text) = &self.default_enforce {
            let lv: LevelVersion = text
                .parse()
                .map_err(|e| format!("--default-enforce: {e}"))?;
            config.defaults = Policy {
                enforce: lv,
                ..config.defaults
            };
        }
        Ok(Admission::new(config))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EscalationFormat {
    Table,
    Json,
    Dot,
}

#[derive(Debug, Args)]
pub struct EscalationsArgs {
    /// Only paths from this subject (user:NAME, group:NAME, sa:NS/NAME)
    #[arg(long = "for", value_name = "SUBJECT")]
    pub source: Option<String>,
    /// Target: cluster-admin, node, clusterrole:NAME, role:NS/NAME or a subject; repeatable
    /// (default: cluster-admin and node)
    #[arg(long = "to", value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Skip computing the bindings that cut each path
    #[arg(long)]
    pub no_cut: bool,
    /// Leave out paths from system:* subjects and kube-system service accounts (as who-can
    /// does); a subject given with --for is kept
    #[arg(long)]
    pub exclude_system: bool,
    #[command(flatten)]
    pub admission: AdmissionArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: EscalationFormat,
}

/// Loads the input and builds its RBAC index, printing every diagnostic.
pub(super) fn load(input: &InputArgs) -> Result<(Arc<RbacIndex>, bool), ExitStatus> {
    let loaded = input.load().map_err(|e| usage_error(&e))?;
    let (indexed, diagnostics) = Indexed::build(loaded);
    print_diagnostics(&diagnostics);
    let errors = diagnostics.iter().any(|d| d.is_error());
    Ok((indexed.rbac, errors))
}

/// The `--to` targets, cluster-admin and a node when none is given.
pub(super) fn parse_targets(written: &[String]) -> Result<Vec<Target>, ExitStatus> {
    if written.is_empty() {
        return Ok(vec![Target::ClusterAdmin, Target::NodeEscape]);
    }
    written
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<_, _>>()
        .map_err(|e| usage_error(&e))
}

pub fn run(args: &EscalationsArgs) -> ExitStatus {
    let targets = match parse_targets(&args.targets) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let source = match args.source.as_deref().map(subject_arg) {
        None => None,
        Some(Ok(s)) => Some(Source::from_subject(&s)),
        Some(Err(code)) => return code,
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
    let sources = match source {
        Some(s) => vec![s],
        None => known_sources(&index)
            .into_iter()
            .filter(|s| !(args.exclude_system && source_is_system(s)))
            .collect(),
    };
    let findings = match find_escalations(&graph, &index, &sources, &targets, !args.no_cut) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    if !args.input.quiet {
        match args.output {
            EscalationFormat::Table => print_stdout(&escalations_text(&index, &findings)),
            // JSON is streamed: at 100k objects it is tens of megabytes.
            EscalationFormat::Json => {
                stream_stdout(|out| write_escalations_json(&index, &findings, out));
            }
            EscalationFormat::Dot => print_stdout(&escalations_dot(&index, &findings)),
        }
    }
    if input_errors {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
