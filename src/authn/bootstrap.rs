//! Bootstrap tokens (`abcdef.0123456789abcdef`), checked as the apiserver's bootstrap-token
//! authenticator checks them against the Secret `kube-system/bootstrap-token-ID` of type
//! `bootstrap.kubernetes.io/token`: not being deleted, `token-secret` and `token-id` equal to
//! the token's, `expiration` (RFC 3339) not passed, `usage-bootstrap-authentication` `true`,
//! and `auth-extra-groups` each of the form `system:bootstrappers:…`. The identity is
//! `system:bootstrap:ID` in `system:bootstrappers` plus the extra groups, sorted.
//!
//! The manifest loader drops the data of every Secret, so the data of these Secrets is read
//! again here from the loaded source text of their documents.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::{AuthOptions, Identity, Method, format_time, parse_time};
use crate::manifest::Loaded;
use crate::model::Origin;
use crate::source::{Diagnostic, PathSegment};

pub const SECRET_TYPE: &str = "bootstrap.kubernetes.io/token";
const NAMESPACE: &str = "kube-system";
const NAME_PREFIX: &str = "bootstrap-token-";
const DEFAULT_GROUP: &str = "system:bootstrappers";

/// A bootstrap-token Secret with its data decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapSecret {
    pub namespace: String,
    pub name: String,
    pub secret_type: String,
    pub deleting: bool,
    /// `data` (base64-decoded) overlaid with `stringData`, as the apiserver stores it.
    pub data: BTreeMap<String, String>,
    pub origin: Origin,
}

/// Splits a bootstrap token into its ID and secret (`[a-z0-9]{6}.[a-z0-9]{16}`).
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    let ok = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (ok(id, 6) && ok(secret, 16)).then_some((id, secret))
}

/// The bootstrap-token Secrets of the loaded input (by name or by type), with their data read
/// again from the source text. Problems with the data are warnings.
pub fn secrets_from_loaded(loaded: &Loaded) -> (Vec<BootstrapSecret>, Vec<Diagnostic>) {
    let mut secrets = Vec::new();
    let mut diagnostics = Vec::new();
    for located in &loaded.cluster.secrets {
        let secret = &located.object;
        let name = secret.metadata.name.clone().unwrap_or_default();
        let namespace = secret.metadata.namespace.clone().unwrap_or_default();
        let secret_type = secret.type_.clone().unwrap_or_default();
        if secret_type != SECRET_TYPE && !name.starts_with(NAME_PREFIX) {
            continue;
        }
        let origin = located.origin.clone();
        let document = loaded
            .sources
            .text(&origin.file)
            .and_then(|text| document_at(text, &origin));
        let mut data = BTreeMap::new();
        match document {
            None => diagnostics.push(Diagnostic::warning(
                origin.location(),
                "the data of this bootstrap-token Secret could not be read again",
            )),
            Some(doc) => {
                if let Some(map) = doc.get("data").and_then(Value::as_object) {
                    for (key, value) in map {
                        let text = value.as_str().unwrap_or("");
                        match STANDARD.decode(text.trim()) {
                            Ok(bytes) => {
                                data.insert(
                                    key.clone(),
                                    String::from_utf8_lossy(&bytes).into_owned(),
                                );
                            }
                            Err(e) => diagnostics.push(Diagnostic::warning(
                                loaded.sources.locate(
                                    &origin,
                                    &crate::source::FieldPath(vec![
                                        PathSegment::Key("data".into()),
                                        PathSegment::Key(key.clone()),
                                    ]),
                                ),
                                format!("data.{key} is not base64: {e}"),
                            )),
                        }
                    }
                }
                if let Some(map) = doc.get("stringData").and_then(Value::as_object) {
                    for (key, value) in map {
                        data.insert(key.clone(), value.as_str().unwrap_or("").to_string());
                    }
                }
            }
        }
        secrets.push(BootstrapSecret {
            namespace,
            name,
            secret_type,
            deleting: secret.metadata.deletion_timestamp.is_some(),
            data,
            origin,
        });
    }
    (secrets, diagnostics)
}

/// The document (or List item) that starts at `origin` in `text`.
fn document_at(text: &str, origin: &Origin) -> Option<Value> {
    let rest = text.get(origin.offset..)?;
    let value = if rest.trim_start().starts_with('{') {
        serde_json::Deserializer::from_str(rest)
            .into_iter::<Value>()
            .next()?
            .ok()?
    } else {
        crate::manifest::yaml::parse_stream(rest)
            .documents
            .into_iter()
            .next()?
            .value
    };
    let mut value = &value;
    for i in origin.item.iter().flat_map(|items| items.iter()) {
        value = value.get("items")?.get(*i as usize)?;
    }
    Some(value.clone())
}

/// `\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`
fn valid_extra_group(group: &str) -> bool {
    let Some(rest) = group.strip_prefix("system:bootstrappers:") else {
        return false;
    };
    let last_ok = rest
        .bytes()
        .last()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    last_ok
        && rest.len() <= 256
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b':' || b == b'-')
}

/// Authenticates a bootstrap token against the Secrets of the input.
pub fn authenticate(id: &str, secret: &str, source: &str, options: &AuthOptions) -> Identity {
    let mut identity = Identity::new(
        Method::BootstrapToken,
        source,
        format!("system:bootstrap:{id}"),
    );
    identity.groups = vec![DEFAULT_GROUP.to_string()];
    identity.warnings.push(
        "the token was only compared with the Secret in the input, not with the cluster".into(),
    );
    let name = format!("{NAME_PREFIX}{id}");
    let Some(found) = options
        .bootstrap_secrets
        .iter()
        .find(|s| s.namespace == NAMESPACE && s.name == name)
    else {
        identity.rejected = Some(format!(
            "no Secret {NAMESPACE}/{name} in the input (pass the manifests that hold it with -f)"
        ));
        return identity;
    };
    identity.detail(
        "secret",
        format!("{NAMESPACE}/{name} ({})", found.origin.location()),
    );
    let get = |key: &str| found.data.get(key).map(String::as_str).unwrap_or("");
    let reject = |reason: String| Some(format!("Secret {NAMESPACE}/{name} {reason}"));
    if !get("description").is_empty() {
        identity.detail("description", get("description"));
    }
    let expiration = get("expiration");
    if !expiration.is_empty() {
        identity.detail("expires", expiration);
    }
    identity.rejected = if found.deleting {
        reject("is deleted and awaiting removal".into())
    } else if found.secret_type != SECRET_TYPE || found.data.is_empty() {
        reject(format!("has invalid type, expected {SECRET_TYPE}"))
    } else if get("token-secret") != secret {
        reject("has invalid value for key token-secret".into())
    } else if get("token-id") != id {
        reject("has invalid value for key token-id".into())
    } else if !expiration.is_empty() && parse_time(expiration).is_none_or(|t| t < options.now()) {
        match parse_time(expiration) {
            Some(t) => reject(format!("expired at {}", format_time(t))),
            None => reject(format!(
                "has an unparseable expiration {expiration:?}, which counts as expired"
            )),
        }
    } else if get("usage-bootstrap-authentication") != "true" {
        reject("is not marked usage-bootstrap-authentication=true".into())
    } else {
        None
    };
    let extra = get("auth-extra-groups");
    if !extra.is_empty() {
        let groups: Vec<&str> = extra.split(',').collect();
        if let Some(bad) = groups.iter().find(|g| !valid_extra_group(g)) {
            identity.rejected.get_or_insert_with(|| {
                format!(
                    "Secret {NAMESPACE}/{name} has invalid value for key auth-extra-groups: {bad:?} does not match system:bootstrappers:[a-z0-9:-]{{0,255}}[a-z0-9]"
                )
            });
        } else {
            identity.groups.extend(groups.iter().map(|g| g.to_string()));
            identity.groups.sort();
            identity.groups.dedup();
        }
    }
    identity
}
