//! `kubesim whoami`: the identity a credential authenticates as (like `kubectl auth whoami`,
//! offline), and with `--show-access` what the authorizers grant it. Also the credential and
//! authenticator options `can` and `access` share (`--as-kubeconfig`, `--oidc-*`, ...).

use clap::Args;

use super::{
    AuthorizationArgs, ExitStatus, InputArgs, LoadedIndex, OutputFormat, load_index_inspecting,
    print_diagnostics, print_stdout,
};
use kubesim::authn::x509::CaBundle;
use kubesim::authn::{self, AuthOptions, Identity, OidcOptions, StaticTokens};
use kubesim::manifest::Loaded;
use kubesim::report::access::{access_json_value, access_text};
use kubesim::report::whoami::{whoami_json, whoami_text};
use kubesim::source::Diagnostic;

/// How the authenticators are configured (the apiserver's flags, mirrored).
#[derive(Debug, Clone, Args)]
pub struct AuthenticatorArgs {
    /// Static token file (CSV: token,user,uid,"group1,group2"), as the apiserver's flag
    #[arg(long, value_name = "FILE")]
    pub token_auth_file: Option<String>,
    /// Verify client certificates against this CA bundle (PEM); untrusted or expired ones do
    /// not authenticate
    #[arg(long, value_name = "FILE")]
    pub ca: Option<String>,
    /// The OIDC issuer; ID tokens of other issuers do not authenticate
    #[arg(long, value_name = "URL")]
    pub oidc_issuer_url: Option<String>,
    /// The OIDC client ID; the token's audience must contain it
    #[arg(long, value_name = "ID")]
    pub oidc_client_id: Option<String>,
    /// The claim holding the user name
    #[arg(long, value_name = "CLAIM", default_value = "sub")]
    pub oidc_username_claim: String,
    /// Prefix of OIDC user names (default: ISSUER# unless the claim is email; - for none)
    #[arg(long, value_name = "PREFIX")]
    pub oidc_username_prefix: Option<String>,
    /// The claim holding the groups (a string or a list of strings)
    #[arg(long, value_name = "CLAIM")]
    pub oidc_groups_claim: Option<String>,
    /// Prefix of OIDC group names
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub oidc_groups_prefix: String,
}

impl AuthenticatorArgs {
    /// The authenticator options; problems reading the files are diagnostics.
    pub fn options(&self) -> Result<AuthOptions, Diagnostic> {
        let static_tokens = match &self.token_auth_file {
            Some(path) => {
                let tokens = StaticTokens::read(path)?;
                print_diagnostics(&tokens.warnings);
                Some(tokens)
            }
            None => None,
        };
        let client_ca = match &self.ca {
            Some(path) => Some(CaBundle::read(path)?),
            None => None,
        };
        Ok(AuthOptions {
            static_tokens,
            oidc: OidcOptions {
                issuer_url: self.oidc_issuer_url.clone(),
                client_id: self.oidc_client_id.clone(),
                username_claim: self.oidc_username_claim.clone(),
                username_prefix: self.oidc_username_prefix.clone(),
                groups_claim: self.oidc_groups_claim.clone(),
                groups_prefix: self.oidc_groups_prefix.clone(),
            },
            client_ca,
            bootstrap_secrets: Vec::new(),
            now: None,
        })
    }
}

/// One credential to authenticate: one the authenticators read, or a CertificateSigningRequest
/// from the manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    File(authn::Credential),
    Csr(String),
}

impl Credential {
    /// Whether resolving it needs the manifests (bootstrap-token Secrets, CSRs).
    fn needs_manifests(&self) -> bool {
        !matches!(self, Credential::File(authn::Credential::Certificate(_)))
    }
}

/// The identity of a credential; `loaded` gives the bootstrap-token Secrets and CSRs.
pub fn authenticate(
    credential: &Credential,
    mut options: AuthOptions,
    loaded: Option<&Loaded>,
    input: &InputArgs,
) -> Result<Identity, Vec<Diagnostic>> {
    let mut warnings = Vec::new();
    if let Some(loaded) = loaded {
        let (secrets, problems) = kubesim::authn::bootstrap::secrets_from_loaded(loaded);
        options.bootstrap_secrets = secrets;
        warnings = problems;
    }
    print_diagnostics(&warnings);
    let one = |d: Diagnostic| vec![d];
    let file_credential = match credential {
        Credential::File(file_credential) => file_credential,
        Credential::Csr(name) => {
            let Some(loaded) = loaded else {
                return Err(one(Diagnostic::error(
                    kubesim::source::Location::new("--csr".into(), 0, 0),
                    "a CertificateSigningRequest is read from the manifests: pass them with -f",
                )));
            };
            let docs =
                kubesim::authn::csr::documents(&input.files, input.load_options().walk, loaded);
            return match docs.iter().find(|d| d.name == *name) {
                Some(doc) => kubesim::authn::csr::authenticate(doc).map_err(one),
                None => {
                    let known: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
                    let hint = if known.is_empty() {
                        "the input holds none".to_string()
                    } else {
                        format!("the input holds {}", known.join(", "))
                    };
                    Err(one(Diagnostic::error(
                        kubesim::source::Location::new("--csr".into(), 0, 0),
                        format!("no CertificateSigningRequest named {name:?}: {hint}"),
                    )))
                }
            };
        }
    };
    authn::authenticate(file_credential, &options).map_err(one)
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// A kubeconfig file; its current context (or --context) names the credential
    #[arg(long, value_name = "FILE", group = "credential")]
    pub kubeconfig: Option<String>,
    /// The kubeconfig context to use
    #[arg(long, value_name = "NAME", requires = "kubeconfig")]
    pub context: Option<String>,
    /// A file holding a bearer token (JWT, bootstrap or static token)
    #[arg(long, value_name = "FILE", group = "credential")]
    pub token_file: Option<String>,
    /// A bearer token (prefer --token-file: command lines are visible to other users)
    #[arg(long, value_name = "TOKEN", group = "credential")]
    pub token: Option<String>,
    /// A PEM client certificate (further certificates in the file are intermediates)
    #[arg(long, value_name = "FILE", group = "credential")]
    pub cert: Option<String>,
    /// A CertificateSigningRequest of the manifests (-f): the identity its certificate would carry
    #[arg(long, value_name = "NAME", group = "credential")]
    pub csr: Option<String>,
    /// Also print what the authorizers grant the identity in -n NAMESPACE (like can-i --list)
    #[arg(long)]
    pub show_access: bool,
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

impl WhoamiArgs {
    fn credential(&self) -> Option<Credential> {
        if let Some(path) = &self.kubeconfig {
            return Some(Credential::File(authn::Credential::Kubeconfig {
                path: path.clone(),
                context: self.context.clone(),
            }));
        }
        if let Some(path) = &self.token_file {
            return Some(Credential::File(authn::Credential::TokenFile(path.clone())));
        }
        if let Some(token) = &self.token {
            return Some(Credential::File(authn::Credential::Token(token.clone())));
        }
        if let Some(path) = &self.cert {
            return Some(Credential::File(authn::Credential::Certificate(
                path.clone(),
            )));
        }
        self.csr.clone().map(Credential::Csr)
    }
}

/// Resolves the identity for `can`/`access`/`whoami`: prints every diagnostic; `Err(code)` when
/// the credential cannot be read. Returns the index (built from the same manifests) too.
pub(super) fn identity_and_index(
    credential: &Credential,
    authenticators: &AuthenticatorArgs,
    input: &InputArgs,
    want_index: bool,
) -> Result<(Identity, Option<LoadedIndex>), ExitStatus> {
    let options = match authenticators.options() {
        Ok(o) => o,
        Err(d) => {
            print_diagnostics(&[d]);
            return Err(ExitStatus::Error);
        }
    };
    let mut found: Option<Result<Identity, Vec<Diagnostic>>> = None;
    let needs_manifests = credential.needs_manifests() && !input.files.is_empty();
    let index = if want_index || needs_manifests {
        let loaded = load_index_inspecting(input, |loaded| {
            found = Some(authenticate(
                credential,
                options.clone(),
                Some(loaded),
                input,
            ));
        })?;
        Some(loaded)
    } else {
        None
    };
    let result = match found {
        Some(r) => r,
        None => authenticate(credential, options, None, input),
    };
    match result {
        Ok(identity) => Ok((identity, index)),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            Err(ExitStatus::Error)
        }
    }
}

pub fn run(args: &WhoamiArgs) -> ExitStatus {
    let Some(credential) = args.credential() else {
        return super::usage_error(
            "give a credential: --kubeconfig FILE [--context NAME], --token-file FILE, --token TOKEN, --cert FILE or --csr NAME",
        );
    };
    let (chain, policy_errors) = if args.show_access {
        match args.authorization.chain() {
            Ok((c, errors)) => (Some(c), errors),
            Err(code) => return code,
        }
    } else {
        (None, false)
    };
    let (identity, loaded) = match identity_and_index(
        &credential,
        &args.authenticators,
        &args.input,
        args.show_access,
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let input_errors = policy_errors || loaded.as_ref().is_some_and(|l| l.input_errors);
    let namespace = args.input.namespace.clone().unwrap_or_default();
    if !args.input.quiet {
        let text = match args.output {
            OutputFormat::Table => {
                let mut out = whoami_text(&identity);
                if let (Some(loaded), Some(chain)) = (&loaded, &chain) {
                    let scope = if namespace.is_empty() {
                        "cluster-wide".to_string()
                    } else {
                        format!("in namespace {namespace}")
                    };
                    out.push_str(&format!("\nAccess {scope}:\n"));
                    if !identity.authenticates() {
                        out.push_str("(none: the credential would not authenticate)\n");
                    } else {
                        let rules = chain.access(&loaded.index, &identity.user_info(), &namespace);
                        out.push_str(&access_text(&loaded.index, &rules));
                    }
                }
                out
            }
            OutputFormat::Json => {
                let access = match (&loaded, &chain) {
                    (Some(loaded), Some(chain)) if identity.authenticates() => {
                        let user = identity.user_info();
                        let rules = chain.access(&loaded.index, &user, &namespace);
                        Some(access_json_value(&loaded.index, &user, &namespace, &rules))
                    }
                    _ => None,
                };
                whoami_json(&identity, access)
            }
        };
        print_stdout(&text);
    }
    if input_errors {
        ExitStatus::Error
    } else if identity.authenticates() {
        ExitStatus::Ok
    } else {
        ExitStatus::Negative
    }
}
