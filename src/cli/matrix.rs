//! `kubesim matrix`: resources × verbs for one subject (`--subject`), or subjects × resources
//! for one verb (`--verb`), like rakkess.

use clap::Args;
use serde_json::json;

use super::{
    ExitStatus, InputArgs, OutputFormat, load_index, print_stdout, subject_arg, usage_error,
};
use kubesim::index::catalog::ResolvedResource;
use kubesim::rbac::matrix::{
    DEFAULT_VERBS, bound_subjects, default_resources, subject_matrix, verb_matrix,
};
use kubesim::rbac::query::{ResourceSpec, parse_resource};
use kubesim::report::access::{matrix_json, matrix_text};

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Rows are resources, columns verbs, for this subject
    #[arg(long, conflicts_with = "verb", required_unless_present = "verb")]
    pub subject: Option<String>,
    /// Rows are subjects, columns resources, for this verb
    #[arg(long)]
    pub verb: Option<String>,
    /// Subjects for --verb (comma-separated or repeated; default: every bound subject in scope)
    #[arg(long, value_delimiter = ',')]
    pub subjects: Vec<String>,
    /// Resources (comma-separated or repeated; default: the standard resources in scope)
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
    /// Verbs for --subject (comma-separated; default: get,list,watch,create,update,patch,delete,deletecollection)
    #[arg(long, value_delimiter = ',')]
    pub verbs: Vec<String>,
    /// An extra group of --subject; repeatable
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &MatrixArgs) -> ExitStatus {
    let subject = match args.subject.as_deref().map(subject_arg).transpose() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut subjects = Vec::new();
    for s in &args.subjects {
        match subject_arg(s) {
            Ok(s) => subjects.push(s),
            Err(code) => return code,
        }
    }
    let loaded = match load_index(&args.input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let mut resource_error = false;
    let resources: Vec<ResolvedResource> = if args.resources.is_empty() {
        default_resources(&loaded.catalog, &namespace)
    } else {
        let mut out = Vec::new();
        for text in &args.resources {
            match parse_resource(text) {
                Ok(ResourceSpec::Resource {
                    resource,
                    group,
                    subresource,
                }) => match loaded
                    .catalog
                    .resolve(&resource, group.as_deref(), &subresource, "")
                {
                    Ok(r) => out.push(r.resource),
                    Err(e) => {
                        eprintln!("error: {e}");
                        resource_error = true;
                        out.push(e.fallback(&subresource));
                    }
                },
                Ok(ResourceSpec::Url(_)) => {
                    return usage_error("matrix takes resources, not non-resource URLs");
                }
                Err(e) => return usage_error(&e.to_string()),
            }
        }
        out
    };
    let (matrix, corner, meta) = match (&subject, &args.verb) {
        (Some(subject), _) => {
            let verbs: Vec<String> = if args.verbs.is_empty() {
                DEFAULT_VERBS.iter().map(|v| (*v).to_string()).collect()
            } else {
                args.verbs.clone()
            };
            let user = subject.user_info(&args.as_groups);
            (
                subject_matrix(&loaded.index, &user, &namespace, &resources, &verbs),
                "RESOURCE",
                json!({"subject": subject.to_string(), "namespace": namespace}),
            )
        }
        (None, Some(verb)) => {
            if subjects.is_empty() {
                subjects = bound_subjects(&loaded.index, &namespace);
            }
            (
                verb_matrix(&loaded.index, &subjects, &namespace, &resources, verb),
                "SUBJECT",
                json!({"verb": verb, "namespace": namespace}),
            )
        }
        (None, None) => return usage_error("give --subject or --verb"),
    };
    if !args.input.quiet {
        print_stdout(&match args.output {
            OutputFormat::Table => matrix_text(&matrix, corner),
            OutputFormat::Json => matrix_json(&matrix, meta),
        });
    }
    if loaded.input_errors || resource_error {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
