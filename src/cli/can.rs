//! `kubesim can SUBJECT VERB RESOURCE`: is the request allowed, and by which binding, role and
//! rule (or what came closest). Also the loading and parsing the other RBAC commands share.

use std::sync::Arc;

use clap::Args;

use super::{
    EXIT_ERROR, EXIT_NEGATIVE, EXIT_OK, InputArgs, OutputFormat, print_diagnostics, print_stdout,
    usage_error,
};
use crate::graph::RbacIndex;
use crate::rbac::catalog::Catalog;
use crate::rbac::request::{
    Action, Request, ResourceSpec, parse_resource, parse_subject, parse_verb,
};
use crate::report::rbac::{can_json, can_text};

#[derive(Debug, Args)]
pub struct CanArgs {
    /// Who asks: user:NAME, group:NAME or sa:NAMESPACE/NAME
    pub subject: String,
    /// The verb (get, list, create, ..., or any string: RBAC compares verbs literally)
    pub verb: String,
    /// RESOURCE[.GROUP][/SUBRESOURCE], or a non-resource URL starting with /
    pub resource: String,
    /// The object's name
    #[arg(long)]
    pub name: Option<String>,
    /// The subresource (also writable as RESOURCE/SUBRESOURCE)
    #[arg(long)]
    pub subresource: Option<String>,
    /// A list/watch field selector; `metadata.name=N` makes the request carry the name N
    #[arg(long)]
    pub field_selector: Option<String>,
    /// An extra group of the subject; repeatable
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// The loaded input and its index, plus whether the input had errors.
pub(super) struct LoadedIndex {
    pub index: RbacIndex,
    pub catalog: Catalog,
    pub input_errors: bool,
}

/// Loads the manifests, builds the index, prints every diagnostic; `Err(exit code)` when the
/// input cannot be loaded at all.
pub(super) fn load_index(input: &InputArgs, machine_output: bool) -> Result<LoadedIndex, u8> {
    let mut loaded = input
        .load_showing_progress(machine_output)
        .map_err(|e| usage_error(&e))?;
    let cluster = std::mem::take(&mut loaded.cluster);
    let catalog = Catalog::new(&cluster.custom_resources);
    let index = RbacIndex::build(Arc::new(cluster));
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(index.diagnostics.iter().cloned());
    print_diagnostics(&diagnostics);
    Ok(LoadedIndex {
        index,
        catalog,
        input_errors: diagnostics.iter().any(|d| d.is_error()),
    })
}

/// Builds the action for VERB RESOURCE in `namespace`: kubectl's warnings go to stderr; an
/// unknown or ambiguous resource is reported and asked as written (returns true for "error").
pub(super) fn build_action(
    catalog: &Catalog,
    verb: &str,
    resource: &str,
    subresource: Option<&str>,
    name: Option<&str>,
    namespace: &str,
) -> Result<(Action, bool), u8> {
    let verb = parse_verb(verb).map_err(|e| usage_error(&e.to_string()))?;
    let spec = parse_resource(resource).map_err(|e| usage_error(&e.to_string()))?;
    match spec {
        ResourceSpec::Url(path) => {
            if name.is_some() || subresource.is_some() {
                return Err(usage_error(
                    "--name and --subresource do not apply to a non-resource URL",
                ));
            }
            Ok((Action::non_resource(&verb, &path), false))
        }
        ResourceSpec::Resource {
            resource,
            group,
            subresource: written_sub,
        } => {
            let sub = match (subresource, written_sub.as_str()) {
                (Some(s), "") => s.to_string(),
                (None, s) => s.to_string(),
                (Some(_), _) => {
                    return Err(usage_error(
                        "give the subresource either as RESOURCE/SUBRESOURCE or with --subresource",
                    ));
                }
            };
            let (resolved, failed) =
                match catalog.resolve(&resource, group.as_deref(), &sub, namespace) {
                    Ok(r) => {
                        for w in &r.warnings {
                            eprintln!("Warning: {w}");
                        }
                        (r.resource, false)
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        (e.fallback(&sub), true)
                    }
                };
            Ok((
                Action::resource(
                    &verb,
                    &resolved.group,
                    &resolved.resource,
                    &resolved.subresource,
                    namespace,
                    name.unwrap_or(""),
                ),
                failed,
            ))
        }
    }
}

pub fn run(args: &CanArgs) -> u8 {
    let subject = match parse_subject(&args.subject) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let loaded = match load_index(&args.input, args.output == OutputFormat::Json) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let (mut action, resource_error) = match build_action(
        &loaded.catalog,
        &args.verb,
        &args.resource,
        args.subresource.as_deref(),
        args.name.as_deref(),
        &namespace,
    ) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let (Some(selector), Action::Resource(r)) = (&args.field_selector, &mut action) {
        r.apply_field_selector(selector);
    }
    let request = Request::new(subject.user_info(&args.as_groups), action);
    let explanation = crate::rbac::explain(&loaded.index, &request);
    if !args.input.quiet {
        let text = match args.output {
            OutputFormat::Table => can_text(&loaded.index, &request, &explanation),
            OutputFormat::Json => can_json(&loaded.index, &request, &explanation, &[]),
        };
        print_stdout(&text);
    }
    if loaded.input_errors || resource_error {
        EXIT_ERROR
    } else if explanation.decision.allowed {
        EXIT_OK
    } else {
        EXIT_NEGATIVE
    }
}
