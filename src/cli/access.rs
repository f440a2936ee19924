//! `kubesim access [SUBJECT]`: the rules that apply to the subject, as `kubectl auth can-i
//! --list`; across the authorizer chain when one is configured, and for the identity of a
//! credential with `--as-kubeconfig` and the other `--as-*` flags.

use clap::Args;

use super::can::{AsCredentialArgs, asker};
use super::whoami::AuthenticatorArgs;
use super::{AuthorizationArgs, ExitStatus, InputArgs, OutputFormat, print_stdout};
use kubesim::report::access::{access_json, access_text};

#[derive(Debug, Args)]
pub struct AccessArgs {
    #[command(flatten)]
    pub names: super::StrictArgs,
    /// Whose access: user:NAME, group:NAME or sa:NAMESPACE/NAME (or an --as-* credential)
    pub subject: Option<String>,
    /// An extra group of the subject; repeatable
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,
    #[command(flatten)]
    pub as_credential: AsCredentialArgs,
    #[command(flatten)]
    pub authenticators: AuthenticatorArgs,
    #[command(flatten)]
    pub authorization: AuthorizationArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &AccessArgs) -> ExitStatus {
    let (chain, policy_errors) = match args.authorization.chain() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (user, identity, loaded) = match asker(
        args.subject.as_deref(),
        &args.as_groups,
        &args.as_credential,
        &args.authenticators,
        &args.input,
    ) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let errors = loaded.input_errors || policy_errors;
    if let Some(reason) = identity.as_ref().and_then(|i| i.rejected.as_ref()) {
        if !args.input.quiet {
            print_stdout(&format!("the credential does not authenticate: {reason}\n"));
        }
        return if errors {
            ExitStatus::Error
        } else {
            ExitStatus::Negative
        };
    }
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let written = identity.is_none();
    let groups = if written { user.groups() } else { &[] };
    let question = (
        written.then(|| user.name()),
        groups,
        namespace.as_str(),
        None,
    );
    if let Err(code) = super::check_names(&loaded.index, &chain, question, &args.names) {
        return code;
    }
    if !args.input.quiet {
        let rules = chain.access(&loaded.index, &user, &namespace);
        let text = match args.output {
            OutputFormat::Table => access_text(&loaded.index, &rules),
            OutputFormat::Json => access_json(&loaded.index, &user, &namespace, &rules),
        };
        print_stdout(&text);
    }
    if errors {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
