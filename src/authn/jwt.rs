//! JSON Web Tokens: service-account tokens and OIDC ID tokens, decoded without verifying their
//! signature (the identity says so in its warnings).
//!
//! Service-account tokens map as the apiserver's service-account authenticator maps them:
//! legacy tokens (issuer `kubernetes/serviceaccount`, claims `kubernetes.io/serviceaccount/*`)
//! and bound tokens (a `kubernetes.io` claim with the namespace, service account and bound
//! pod, node or secret) become `system:serviceaccount:NS:NAME` in `system:serviceaccounts`
//! and `system:serviceaccounts:NS`, with the bound objects in `extra` as upstream puts them.
//! Any other JWT is an OIDC ID token, mapped with the `--oidc-*` flags: the username claim
//! (default `sub`) prefixed by `ISSUER#` unless the claim is `email` or a prefix is given
//! (`-` disables prefixing), `email_verified` checked for the `email` claim, and the groups
//! claim read as a string or a list of strings, each with the groups prefix.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::{AuthOptions, Identity, Method, OidcOptions, TokenOrigin, format_time};
use crate::model::identity::{service_account_groups, service_account_user};
use crate::source::Diagnostic;

/// The issuer of legacy service-account tokens.
pub const LEGACY_SERVICE_ACCOUNT_ISSUER: &str = "kubernetes/serviceaccount";

const LEGACY_NAMESPACE: &str = "kubernetes.io/serviceaccount/namespace";
const LEGACY_NAME: &str = "kubernetes.io/serviceaccount/service-account.name";
const LEGACY_UID: &str = "kubernetes.io/serviceaccount/service-account.uid";
const LEGACY_SECRET: &str = "kubernetes.io/serviceaccount/secret.name";

/// A decoded JWT: its header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

/// Decodes a compact JWS (`HEADER.PAYLOAD.SIGNATURE`, base64url without padding). Errors point
/// at the part that is broken.
pub fn decode(token: &str, origin: &TokenOrigin) -> Result<Jwt, Diagnostic> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        let hint = if parts.len() == 5 {
            " (five parts is an encrypted JWE, which the apiserver does not accept)"
        } else {
            ""
        };
        return Err(Diagnostic::error(
            origin.at(0),
            format!(
                "malformed token: a JWT has three parts separated by dots, this one has {}{hint}",
                parts.len()
            ),
        ));
    }
    let header = decode_part(parts[0], "header", 0, origin)?;
    let claims = decode_part(parts[1], "payload", parts[0].len() + 1, origin)?;
    Ok(Jwt { header, claims })
}

fn decode_part(
    part: &str,
    what: &str,
    offset: usize,
    origin: &TokenOrigin,
) -> Result<Map<String, Value>, Diagnostic> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| {
        Diagnostic::error(
            origin.at(offset),
            format!("malformed token: the {what} is not base64url: {e}"),
        )
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Diagnostic::error(
            origin.at(offset),
            format!("malformed token: the {what} is not a JSON object"),
        )),
        Err(e) => Err(Diagnostic::error(
            origin.at(offset),
            format!("malformed token: the {what} is not JSON: {e}"),
        )),
    }
}

/// Authenticates a JWT: a service-account token when it carries service-account claims, else an
/// OIDC ID token.
pub fn authenticate(
    token: &str,
    origin: &TokenOrigin,
    options: &AuthOptions,
) -> Result<Identity, Diagnostic> {
    let jwt = decode(token, origin)?;
    let mut identity = if jwt.claims.contains_key("kubernetes.io") {
        bound_service_account(&jwt, &origin.source)
    } else if claim_str(&jwt.claims, "iss") == Some(LEGACY_SERVICE_ACCOUNT_ISSUER) {
        legacy_service_account(&jwt, &origin.source)
    } else {
        oidc(&jwt, &origin.source, &options.oidc)
    };
    let alg = claim_str(&jwt.header, "alg").unwrap_or("none").to_string();
    identity.warnings.insert(
        0,
        format!("the token's signature ({alg}) was not verified; kubesim only decodes it"),
    );
    time_claims(&jwt, &mut identity, options.now());
    Ok(identity)
}

fn claim_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn claim_time(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims
        .get(name)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// Issuer, audience and times, plus the expiry warning.
fn time_claims(jwt: &Jwt, identity: &mut Identity, now: i64) {
    if let Some(iss) = claim_str(&jwt.claims, "iss") {
        identity.detail("issuer", iss);
    }
    match jwt.claims.get("aud") {
        Some(Value::String(aud)) => identity.detail("audience", aud.clone()),
        Some(Value::Array(auds)) => identity.detail(
            "audience",
            auds.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => {}
    }
    if let Some(iat) = claim_time(&jwt.claims, "iat") {
        identity.detail("issued at", format_time(iat));
    }
    if let Some(nbf) = claim_time(&jwt.claims, "nbf") {
        identity.detail("not before", format_time(nbf));
        if now < nbf {
            identity.warnings.push(format!(
                "the token is not valid before {}",
                format_time(nbf)
            ));
        }
    }
    match claim_time(&jwt.claims, "exp") {
        Some(exp) => {
            identity.detail("expires", format_time(exp));
            if now >= exp {
                identity
                    .warnings
                    .push(format!("the token expired at {}", format_time(exp)));
            }
        }
        None => identity.detail("expires", "never (no exp claim)"),
    }
}

fn service_account_identity(method: Method, source: &str, namespace: &str, name: &str) -> Identity {
    let mut identity = Identity::new(method, source, service_account_user(namespace, name));
    identity.groups = service_account_groups(namespace);
    identity
}

fn bound_service_account(jwt: &Jwt, source: &str) -> Identity {
    let k = jwt
        .claims
        .get("kubernetes.io")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let field = |object: &str, key: &str| -> String {
        k.get(object)
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let namespace = k
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let name = field("serviceaccount", "name");
    let mut identity =
        service_account_identity(Method::ServiceAccountToken, source, &namespace, &name);
    identity.uid = field("serviceaccount", "uid");
    if namespace.is_empty() || name.is_empty() {
        identity.rejected = Some(
            "the kubernetes.io claim names no namespace or service account, so the service-account authenticator rejects it"
                .into(),
        );
    }
    let mut extra = |key: &str, value: String| {
        if !value.is_empty() {
            identity
                .extra
                .insert(format!("authentication.kubernetes.io/{key}"), vec![value]);
        }
    };
    extra("pod-name", field("pod", "name"));
    extra("pod-uid", field("pod", "uid"));
    extra("node-name", field("node", "name"));
    extra("node-uid", field("node", "uid"));
    if let Some(jti) = claim_str(&jwt.claims, "jti") {
        extra("credential-id", format!("JTI={jti}"));
    }
    let pod = field("pod", "name");
    if !pod.is_empty() {
        identity.detail("bound to pod", format!("{namespace}/{pod}"));
    }
    let secret = field("secret", "name");
    if !secret.is_empty() {
        identity.detail("bound to secret", format!("{namespace}/{secret}"));
    }
    let node = field("node", "name");
    if !node.is_empty() {
        identity.detail("bound to node", node);
    }
    identity
        .warnings
        .push("the service account, and any bound pod or secret, were not checked to exist".into());
    identity
}

fn legacy_service_account(jwt: &Jwt, source: &str) -> Identity {
    let get = |key: &str| claim_str(&jwt.claims, key).unwrap_or("").to_string();
    let namespace = get(LEGACY_NAMESPACE);
    let name = get(LEGACY_NAME);
    let mut identity =
        service_account_identity(Method::ServiceAccountTokenLegacy, source, &namespace, &name);
    identity.uid = get(LEGACY_UID);
    let secret = get(LEGACY_SECRET);
    let missing: Vec<&str> = [
        (LEGACY_NAMESPACE, namespace.is_empty()),
        (LEGACY_NAME, name.is_empty()),
        (LEGACY_UID, identity.uid.is_empty()),
        (LEGACY_SECRET, secret.is_empty()),
    ]
    .into_iter()
    .filter(|(_, missing)| *missing)
    .map(|(claim, _)| claim)
    .collect();
    if !missing.is_empty() {
        identity.rejected = Some(format!(
            "the legacy service-account token lacks the claim(s) {}",
            missing.join(", ")
        ));
    }
    if !secret.is_empty() {
        identity.detail("secret", format!("{namespace}/{secret}"));
    }
    identity.warnings.push(
        "legacy Secret-based tokens are accepted only while their Secret exists; it was not checked"
            .into(),
    );
    identity
}

fn oidc(jwt: &Jwt, source: &str, options: &OidcOptions) -> Identity {
    let issuer = claim_str(&jwt.claims, "iss").unwrap_or("").to_string();
    let mut warnings = Vec::new();
    let mut rejected: Option<String> = None;
    let issuer_url = match &options.issuer_url {
        Some(url) => {
            if *url != issuer {
                rejected = Some(format!(
                    "the token's issuer {issuer:?} is not --oidc-issuer-url {url:?}, so no authenticator accepts it"
                ));
            }
            url.clone()
        }
        None => {
            if issuer.is_empty() {
                rejected = Some(
                    "the token names no issuer (iss claim), so no OIDC authenticator accepts it"
                        .into(),
                );
            } else {
                warnings.push(format!(
                    "read as an OIDC ID token of its own issuer (as with --oidc-issuer-url={issuer})"
                ));
            }
            issuer.clone()
        }
    };
    if let Some(client_id) = &options.client_id {
        let audiences: Vec<&str> = match jwt.claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audiences.contains(&client_id.as_str()) {
            rejected.get_or_insert(format!(
                "the token's audience does not contain --oidc-client-id {client_id:?}"
            ));
        }
    }
    let claim = options.username_claim.as_str();
    let username = match jwt.claims.get(claim) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            rejected.get_or_insert(format!(
                "oidc: parse username claims {claim:?}: the claim is not a string"
            ));
            String::new()
        }
        None => {
            rejected.get_or_insert(format!(
                "oidc: parse username claims {claim:?}: claim not present"
            ));
            String::new()
        }
    };
    if claim == "email" {
        match jwt.claims.get("email_verified") {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => {
                rejected.get_or_insert("oidc: email not verified".into());
            }
            Some(_) => {
                rejected.get_or_insert(
                    "oidc: parse 'email_verified' claim: the claim is not a boolean".into(),
                );
            }
        }
    }
    let prefix = username_prefix(options, &issuer_url);
    let mut identity = Identity::new(Method::OidcToken, source, format!("{prefix}{username}"));
    if let Some(groups_claim) = &options.groups_claim {
        match jwt.claims.get(groups_claim) {
            None => {}
            Some(Value::String(g)) => identity.groups.push(g.clone()),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                identity.groups = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
            }
            Some(_) => {
                rejected.get_or_insert(format!(
                    "oidc: parse groups claim {groups_claim:?}: not a string or a list of strings"
                ));
            }
        }
        for g in &mut identity.groups {
            g.insert_str(0, &options.groups_prefix);
        }
    }
    identity.detail("username claim", claim);
    identity.rejected = rejected;
    identity.warnings.extend(warnings);
    identity
}

/// The apiserver's legacy flag rule: with no `--oidc-username-prefix`, claims other than
/// `email` are prefixed with `ISSUER#`; `-` means no prefix.
pub fn username_prefix(options: &OidcOptions, issuer_url: &str) -> String {
    match options.username_prefix.as_deref() {
        Some("-") => String::new(),
        Some(prefix) if !prefix.is_empty() => prefix.to_string(),
        _ if options.username_claim != "email" => format!("{issuer_url}#"),
        _ => String::new(),
    }
}
