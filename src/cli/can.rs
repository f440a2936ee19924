//! `kubesim can SUBJECT VERB RESOURCE`: is the request allowed, and by which binding, role and
//! rule (or what came closest). Also the parsing the other RBAC commands share.

use clap::Args;

use super::whoami::{AuthenticatorArgs, Credential, identity_and_index};
use super::{
    AuthorizationArgs, ExitStatus, InputArgs, LoadedIndex, OutputFormat, check_names, load_index,
    print_stdout, subject_arg, usage_error,
};
use kubesim::authn::{self, Identity};
use kubesim::index::catalog::Catalog;
use kubesim::model::identity::UserInfo;
use kubesim::model::{Action, Request};
use kubesim::rbac::query::{ResourceSpec, parse_resource, parse_verb, unknown_verb_warning};
use kubesim::report::access::{can_json, can_text};

#[derive(Debug, Args)]
pub struct CanArgs {
    #[command(flatten)]
    pub names: super::StrictArgs,
    /// Who asks: user:NAME, group:NAME or sa:NAMESPACE/NAME. With an --as-* credential there
    /// is no subject, and this is the verb
    pub subject: String,
    /// The verb (get, list, create, ..., or any string: RBAC compares verbs literally); with
    /// an --as-* credential, the resource
    pub verb: String,
    /// RESOURCE[.GROUP][/SUBRESOURCE], or a non-resource URL starting with /
    pub resource: Option<String>,
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

/// Ask as the identity a credential authenticates as, instead of a written subject.
#[derive(Debug, Clone, Args)]
pub struct AsCredentialArgs {
    /// Ask as the user of this kubeconfig's current context (or --context)
    #[arg(long, value_name = "FILE", group = "as_credential")]
    pub as_kubeconfig: Option<String>,
    /// The kubeconfig context to use
    #[arg(long, value_name = "NAME", requires = "as_kubeconfig")]
    pub context: Option<String>,
    /// Ask as the identity of the bearer token in this file
    #[arg(long, value_name = "FILE", group = "as_credential")]
    pub as_token_file: Option<String>,
    /// Ask as the identity of this PEM client certificate
    #[arg(long, value_name = "FILE", group = "as_credential")]
    pub as_cert: Option<String>,
    /// Ask as the identity a certificate issued for this CertificateSigningRequest would carry
    #[arg(long, value_name = "NAME", group = "as_credential")]
    pub as_csr: Option<String>,
}

impl AsCredentialArgs {
    pub fn credential(&self) -> Option<Credential> {
        if let Some(path) = &self.as_kubeconfig {
            return Some(Credential::File(authn::Credential::Kubeconfig {
                path: path.clone(),
                context: self.context.clone(),
            }));
        }
        if let Some(path) = &self.as_token_file {
            return Some(Credential::File(authn::Credential::TokenFile(path.clone())));
        }
        if let Some(path) = &self.as_cert {
            return Some(Credential::File(authn::Credential::Certificate(
                path.clone(),
            )));
        }
        self.as_csr.clone().map(Credential::Csr)
    }
}

/// Who asks: a written subject (with `--as-group`s) or the identity of a credential, and the
/// index of the manifests. Prints the identity's warnings; a credential that would not
/// authenticate is answered as a denial by the caller.
pub(super) fn asker(
    subject: Option<&str>,
    as_groups: &[String],
    as_credential: &AsCredentialArgs,
    authenticators: &AuthenticatorArgs,
    input: &InputArgs,
) -> Result<(UserInfo, Option<Identity>, LoadedIndex), ExitStatus> {
    match (subject, as_credential.credential()) {
        (Some(_), Some(_)) => Err(usage_error(
            "give either a SUBJECT or an --as-* credential, not both",
        )),
        (None, None) => Err(usage_error(
            "give a SUBJECT (user:NAME, group:NAME or sa:NAMESPACE/NAME) or an --as-* credential",
        )),
        (Some(subject), None) => {
            let subject = subject_arg(subject)?;
            let loaded = load_index(input)?;
            Ok((subject.user_info(as_groups), None, loaded))
        }
        (None, Some(credential)) => {
            let (identity, loaded) = identity_and_index(&credential, authenticators, input, true)?;
            let Some(loaded) = loaded else {
                return Err(ExitStatus::Error);
            };
            for w in &identity.warnings {
                eprintln!("warning: {w}");
            }
            let mut groups = identity.groups.clone();
            for g in as_groups {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
            let user = UserInfo::new(identity.user.clone(), groups);
            Ok((user, Some(identity), loaded))
        }
    }
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
) -> Result<(Action, bool), ExitStatus> {
    let verb = parse_verb(verb).map_err(|e| usage_error(&e.to_string()))?;
    let spec = parse_resource(resource).map_err(|e| usage_error(&e.to_string()))?;
    match spec {
        ResourceSpec::Url(path) => {
            if name.is_some() || subresource.is_some() {
                return Err(usage_error(
                    "--name and --subresource do not apply to a non-resource URL",
                ));
            }
            if let Some(w) = unknown_verb_warning(&verb, true) {
                eprintln!("Warning: {w}");
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
            if let Some(w) = unknown_verb_warning(&verb, false) {
                eprintln!("Warning: {w}");
            }
            let (resolved, failed) = match catalog.resolve(
                &resource,
                group.as_deref(),
                &sub,
                namespace,
            ) {
                Ok(r) => {
                    for w in &r.warnings {
                        eprintln!("Warning: {w}");
                    }
                    for crd in &r.shadowed {
                        let built_in = match r.resource.group.as_str() {
                            "" => format!("{} (core group)", r.resource.resource),
                            group => format!("{}.{group}", r.resource.resource),
                        };
                        eprintln!(
                            "note: `{resource}` is the built-in {built_in}, as kubectl reads it; the custom resource is `{crd}`"
                        );
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

pub fn run(args: &CanArgs) -> ExitStatus {
    let (subject, verb, resource) = match &args.resource {
        Some(resource) => (Some(args.subject.as_str()), &args.verb, resource),
        None => (None, &args.subject, &args.verb),
    };
    let (chain, policy_errors) = match args.authorization.chain() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (user, identity, loaded) = match asker(
        subject,
        &args.as_groups,
        &args.as_credential,
        &args.authenticators,
        &args.input,
    ) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let (mut action, resource_error) = match build_action(
        &loaded.catalog,
        verb,
        resource,
        args.subresource.as_deref(),
        args.name.as_deref(),
        &namespace,
    ) {
        Ok(a) => a,
        Err(code) => return code,
    };
    // A credential's identity is what it is; a written subject may be a typo.
    let written = identity.is_none();
    let groups = if written { user.groups() } else { &[] };
    let asked_verb = (
        action.verb(),
        !matches!(action, kubesim::model::Action::Resource(_)),
    );
    let question = (
        written.then(|| user.name()),
        groups,
        namespace.as_str(),
        Some(asked_verb),
    );
    if let Err(code) = check_names(&loaded.index, &chain, question, &args.names) {
        return code;
    }
    if let (Some(selector), Action::Resource(r)) = (&args.field_selector, &mut action) {
        r.apply_field_selector(selector);
    }
    let errors = loaded.input_errors || resource_error || policy_errors;
    if let Some(identity) = &identity
        && let Some(reason) = &identity.rejected
    {
        // The apiserver answers 401 before any authorizer is asked.
        if !args.input.quiet {
            print_stdout(&format!(
                "no - the credential does not authenticate: {reason}
"
            ));
        }
        return if errors {
            ExitStatus::Error
        } else {
            ExitStatus::Negative
        };
    }
    let request = Request::new(user, action);
    let decision = chain.authorize(&loaded.index, &request);
    if !args.input.quiet {
        let text = match args.output {
            OutputFormat::Table => can_text(&loaded.index, &request, &decision),
            OutputFormat::Json => can_json(&loaded.index, &request, &decision, &[]),
        };
        print_stdout(&text);
    }
    let allowed = decision.allowed;
    if errors {
        ExitStatus::Error
    } else if allowed {
        ExitStatus::Ok
    } else {
        ExitStatus::Negative
    }
}
