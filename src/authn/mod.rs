//! Offline authentication: the identity (user, groups) a credential authenticates as, mapped
//! the way kube-apiserver's authenticators map it.
//!
//! Sources: X.509 client certificates ([`x509`]: CN → user, each O → a group), bearer tokens
//! tried in the apiserver's order — the static token file ([`token_file`]), service-account
//! JWTs and OIDC ID tokens ([`jwt`]), bootstrap tokens against `bootstrap.kubernetes.io/token`
//! Secrets ([`bootstrap`]) — kubeconfig files that carry either ([`kubeconfig`]), and
//! CertificateSigningRequests in the input ([`csr`]). Every authenticated identity gets
//! `system:authenticated` as the apiserver's group adder gives it. Token signatures are never
//! verified (the report says so); certificates are verified only against `--ca`.
//!
//! Problems with the credential itself (a corrupt kubeconfig, a malformed token) are
//! [`Diagnostic`]s with file, line and column; a credential that is well formed but would be
//! rejected (an untrusted certificate, an expired bootstrap token) is an [`Identity`] with
//! `rejected` set, so the report can still say who it names.
#![doc(hidden)]

pub mod bootstrap;
pub mod csr;
pub mod jwt;
pub mod kubeconfig;
pub mod token_file;
pub mod x509;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::model::identity::{ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, UserInfo};
use crate::source::{Diagnostic, Location};

pub use bootstrap::BootstrapSecret;
pub use token_file::StaticTokens;

/// Which authenticator recognised the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// An X.509 client certificate.
    ClientCertificate,
    /// A line of `--token-auth-file`.
    StaticToken,
    /// A legacy (Secret-based) service-account token.
    ServiceAccountTokenLegacy,
    /// A bound (TokenRequest) service-account token.
    ServiceAccountToken,
    /// An OIDC ID token.
    OidcToken,
    /// A bootstrap token.
    BootstrapToken,
    /// The certificate a CertificateSigningRequest would be issued.
    CertificateSigningRequest,
}

impl Method {
    pub fn describe(self) -> &'static str {
        match self {
            Method::ClientCertificate => "X.509 client certificate",
            Method::StaticToken => "static token file",
            Method::ServiceAccountTokenLegacy => "service account token (legacy, Secret-based)",
            Method::ServiceAccountToken => "service account token (bound)",
            Method::OidcToken => "OIDC ID token",
            Method::BootstrapToken => "bootstrap token",
            Method::CertificateSigningRequest => "CertificateSigningRequest",
        }
    }
}

/// Who a credential authenticates as, where that came from, and what to be careful about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// In the order the authenticator gives them, `system:authenticated` last.
    pub groups: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    pub method: Method,
    /// Where the credential was read: `FILE`, or `FILE (context C, user U)` for a kubeconfig.
    pub source: String,
    /// Facts about the credential as `(name, value)`: issuer, expiry, signer, usages, bound pod.
    pub details: Vec<(String, String)>,
    /// Why the apiserver would not accept the credential, when it would not.
    pub rejected: Option<String>,
    pub warnings: Vec<String>,
}

impl Identity {
    /// An identity with the user and groups an authenticator returned, before the group adder.
    pub fn new(method: Method, source: impl Into<String>, user: impl Into<String>) -> Self {
        Identity {
            user: user.into(),
            uid: String::new(),
            groups: Vec::new(),
            extra: BTreeMap::new(),
            method,
            source: source.into(),
            details: Vec::new(),
            rejected: None,
            warnings: Vec::new(),
        }
    }

    pub fn authenticates(&self) -> bool {
        self.rejected.is_none()
    }

    /// The apiserver's AuthenticatedGroupAdder: `system:authenticated` is appended unless the
    /// user is anonymous or already in `system:authenticated` or `system:unauthenticated`.
    pub fn add_authenticated_group(&mut self) {
        if self.user == ANONYMOUS {
            return;
        }
        if self
            .groups
            .iter()
            .any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED)
        {
            return;
        }
        self.groups.push(AUTHENTICATED.to_string());
    }

    /// The request identity the authorizers see.
    pub fn user_info(&self) -> UserInfo {
        UserInfo::new(self.user.clone(), self.groups.clone())
    }

    pub fn detail(&mut self, name: &str, value: impl Into<String>) {
        self.details.push((name.to_string(), value.into()));
    }
}

/// The apiserver's OIDC flags (`--oidc-*`), mirrored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcOptions {
    /// `--oidc-issuer-url`; when absent, a JWT that is not a service-account token is read as
    /// an ID token of the issuer it names (with a warning).
    pub issuer_url: Option<String>,
    /// `--oidc-client-id`; when given, the token's `aud` must contain it.
    pub client_id: Option<String>,
    /// `--oidc-username-claim` (default `sub`).
    pub username_claim: String,
    /// `--oidc-username-prefix`; `None` is the flag left unset.
    pub username_prefix: Option<String>,
    /// `--oidc-groups-claim`.
    pub groups_claim: Option<String>,
    /// `--oidc-groups-prefix`.
    pub groups_prefix: String,
}

impl Default for OidcOptions {
    fn default() -> Self {
        OidcOptions {
            issuer_url: None,
            client_id: None,
            username_claim: "sub".to_string(),
            username_prefix: None,
            groups_claim: None,
            groups_prefix: String::new(),
        }
    }
}

/// Everything the authenticators are configured with.
#[derive(Debug, Clone, Default)]
pub struct AuthOptions {
    /// `--token-auth-file`.
    pub static_tokens: Option<StaticTokens>,
    pub oidc: OidcOptions,
    /// `--ca`: the client CA bundle certificates are verified against (DER, with file name).
    pub client_ca: Option<x509::CaBundle>,
    /// Bootstrap-token Secrets found in the input.
    pub bootstrap_secrets: Vec<BootstrapSecret>,
    /// The time credentials are checked at (Unix seconds); `None` is now.
    pub now: Option<i64>,
}

impl AuthOptions {
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0)
        })
    }
}

/// Where a bearer token was read from, so errors inside it can point at it.
#[derive(Debug, Clone)]
pub struct TokenOrigin {
    /// File and position of the token's first character.
    pub location: Location,
    /// How reports name the source.
    pub source: String,
}

impl TokenOrigin {
    pub fn file(name: &str) -> Self {
        TokenOrigin {
            location: Location::new(Arc::from(name), 1, 1),
            source: name.to_string(),
        }
    }

    /// The location `offset` characters into the token (tokens are one line).
    pub fn at(&self, offset: usize) -> Location {
        let mut location = self.location.clone();
        if location.line > 0 {
            location.column += u32::try_from(offset).unwrap_or(0);
        }
        location
    }
}

/// Authenticates a bearer token as the apiserver's token authenticators would, in their order:
/// the static token file, service-account tokens, bootstrap tokens, then OIDC.
pub fn authenticate_token(
    token: &str,
    origin: &TokenOrigin,
    options: &AuthOptions,
) -> Result<Identity, Diagnostic> {
    if token.is_empty() {
        return Err(Diagnostic::error(
            origin.location.clone(),
            "the token is empty",
        ));
    }
    if let Some(tokens) = &options.static_tokens
        && let Some(mut identity) = tokens.authenticate(token, &origin.source)
    {
        identity.add_authenticated_group();
        return Ok(identity);
    }
    if let Some((id, secret)) = bootstrap::parse_token(token) {
        let mut identity = bootstrap::authenticate(id, secret, &origin.source, options);
        identity.add_authenticated_group();
        return Ok(identity);
    }
    if looks_like_jwt(token) {
        let mut identity = jwt::authenticate(token, origin, options)?;
        identity.add_authenticated_group();
        return Ok(identity);
    }
    let mut message = String::from(
        "the token is neither a JWT (three base64url parts separated by dots) nor a bootstrap token (abcdef.0123456789abcdef)",
    );
    if options.static_tokens.is_some() {
        message.push_str(", and no line of the token file holds it");
    } else {
        message.push_str("; pass --token-auth-file if it is a static token");
    }
    Err(Diagnostic::error(origin.location.clone(), message))
}

/// A credential read from a file or given inline, as `whoami`, `--as-*` and the language's
/// `identity ... from` name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A kubeconfig and the context to use (`None`: its current context).
    Kubeconfig {
        path: String,
        context: Option<String>,
    },
    /// A file holding a bearer token.
    TokenFile(String),
    /// A bearer token given on the command line (`--token`).
    Token(String),
    /// A PEM client certificate.
    Certificate(String),
}

/// The identity `credential` authenticates as, reading the files it names: kubeconfigs,
/// tokens and client certificates go through the authenticators as the apiserver runs them.
pub fn authenticate(
    credential: &Credential,
    options: &AuthOptions,
) -> Result<Identity, Diagnostic> {
    match credential {
        Credential::Kubeconfig { path, context } => {
            kubeconfig::authenticate(path, context.as_deref(), options)
        }
        Credential::TokenFile(path) => {
            let (token, origin) = read_token_file(path)?;
            authenticate_token(&token, &origin, options)
        }
        Credential::Token(token) => {
            let origin = TokenOrigin {
                location: Location::new("--token".into(), 0, 0),
                source: "--token".into(),
            };
            authenticate_token(token.trim(), &origin, options)
        }
        Credential::Certificate(path) => {
            let pem = crate::authn::read_bytes(path).map_err(|e| file_error(path, &e))?;
            let at = Location::new(path.as_str().into(), 0, 0);
            let mut identity =
                x509::authenticate_pem(&pem, &at, path, options.client_ca.as_ref(), options.now())?;
            identity.add_authenticated_group();
            Ok(identity)
        }
    }
}

/// JWS compact serialisation has three dot-separated parts (the signature may be empty); a
/// token with more dots or starting like a base64url JSON header was meant to be one.
fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") || token.matches('.').count() >= 2
}

/// Reads a token file as kubectl reads `tokenFile`: the whole file, surrounding whitespace
/// trimmed. The origin points at the token's first character.
pub fn read_token_file(path: &str) -> Result<(String, TokenOrigin), Diagnostic> {
    let text = crate::authn::read_text(path).map_err(|e| file_error(path, &e))?;
    let leading = &text[..text.len() - text.trim_start().len()];
    let line = 1 + u32::try_from(leading.matches('\n').count()).unwrap_or(0);
    let column = 1 + u32::try_from(
        leading
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0),
    )
    .unwrap_or(0);
    let origin = TokenOrigin {
        location: Location::new(Arc::from(path), line, column),
        source: path.to_string(),
    };
    Ok((text.trim().to_string(), origin))
}

/// `FILE: error: MESSAGE` for a file that cannot be read.
/// The largest credential, token, CA or policy file read: far above any real one, and small
/// enough that `tokenFile: /dev/zero` stops at once.
pub const MAX_CREDENTIAL_BYTES: u64 = 16 << 20;

/// Reads a credential-side file of at most [`MAX_CREDENTIAL_BYTES`].
pub fn read_bytes(path: impl AsRef<std::path::Path>) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    match crate::manifest::read_limited(file, MAX_CREDENTIAL_BYTES) {
        Ok(bytes) => Ok(bytes),
        Err(crate::manifest::ReadError::Io(e)) => Err(e),
        Err(crate::manifest::ReadError::TooLarge(limit)) => Err(std::io::Error::other(format!(
            "the file is larger than {}, more than any credential holds",
            crate::manifest::byte_size(limit)
        ))),
    }
}

/// [`read_bytes`] as UTF-8 text.
pub fn read_text(path: impl AsRef<std::path::Path>) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

pub fn file_error(path: &str, e: &std::io::Error) -> Diagnostic {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "the file is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    Diagnostic::error(Location::new(Arc::from(path), 0, 0), message)
}

/// A Unix time as RFC 3339 (`2026-01-02T03:04:05Z`).
pub fn format_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Parses an RFC 3339 time into Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}
