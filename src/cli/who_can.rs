//! `kubesim who-can VERB RESOURCE`: every subject allowed, with the bindings (and, across an
//! authorizer chain, the ABAC policy lines) that allow it.

use clap::Args;

use super::can::build_action;
use super::{AuthorizationArgs, ExitStatus, InputArgs, OutputFormat, load_index, print_stdout};
use kubesim::report::access::{who_can_json, who_can_text};

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    #[command(flatten)]
    pub names: super::StrictArgs,
    /// The verb
    pub verb: String,
    /// RESOURCE[.GROUP][/SUBRESOURCE], or a non-resource URL starting with /
    pub resource: String,
    /// The object's name
    #[arg(long)]
    pub name: Option<String>,
    /// The subresource (also writable as RESOURCE/SUBRESOURCE)
    #[arg(long)]
    pub subresource: Option<String>,
    /// Hide system:* subjects and kube-system service accounts
    #[arg(long)]
    pub exclude_system: bool,
    #[command(flatten)]
    pub authorization: AuthorizationArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &WhoCanArgs) -> ExitStatus {
    let (chain, policy_errors) = match args.authorization.chain() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let loaded = match load_index(&args.input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let (action, resource_error) = match build_action(
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
    let asked_verb = (
        action.verb(),
        !matches!(action, kubesim::model::Action::Resource(_)),
    );
    let question = (None, &[][..], namespace.as_str(), Some(asked_verb));
    if let Err(code) = super::check_names(&loaded.index, &chain, question, &args.names) {
        return code;
    }
    if !args.input.quiet {
        let result = chain.who_can(&loaded.index, &action, args.exclude_system);
        let text = match args.output {
            OutputFormat::Table => who_can_text(&loaded.index, &result),
            OutputFormat::Json => who_can_json(&loaded.index, &action, &result),
        };
        print_stdout(&text);
    }
    if loaded.input_errors || resource_error || policy_errors {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
