//! kubeconfig files: the context (given, or `current-context`), its user entry, and the
//! credential kubectl would present — a client certificate (`client-certificate-data` or
//! `client-certificate`, paths relative to the kubeconfig as kubectl resolves them) and/or a
//! bearer token (`token` or `tokenFile`). When a user has both, the apiserver authenticates
//! the certificate first, as its x509 authenticator runs before the token authenticators.
//! Credential plugins (`exec`, `auth-provider`) are never run; basic auth is reported as
//! removed. Every problem points at the line and column of the field at fault.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::{AuthOptions, Identity, TokenOrigin};
use crate::manifest::yaml::{RawDocument, locate, parse_stream};
use crate::source::{Diagnostic, Location, PathSegment};

/// A parsed kubeconfig and where its fields are.
struct Config {
    file: Arc<str>,
    text: String,
    doc: RawDocument,
}

impl Config {
    fn location(&self, path: &[PathSegment]) -> Location {
        match locate(&self.text, self.doc.offset, self.doc.offset_line, path) {
            Some((line, column)) => Location::new(self.file.clone(), line, column),
            None => Location::new(self.file.clone(), self.doc.line, self.doc.column),
        }
    }

    fn error(&self, path: &[PathSegment], message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.location(path), message)
    }

    /// The entry named `name` of the list `key` (`contexts`, `users`), with its index.
    fn named(&self, key: &str, name: &str) -> Result<Option<(usize, &Value)>, Diagnostic> {
        let Some(list) = self.doc.value.get(key) else {
            return Ok(None);
        };
        if list.is_null() {
            return Ok(None);
        }
        let Some(items) = list.as_array() else {
            return Err(self.error(&[key_of(key)], format!("{key} must be a list")));
        };
        Ok(items
            .iter()
            .enumerate()
            .find(|(_, item)| item.get("name").and_then(Value::as_str) == Some(name)))
    }
}

fn key_of(key: &str) -> PathSegment {
    PathSegment::Key(key.to_string())
}

/// What kubectl would send for one context.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub context: String,
    pub user: String,
    pub namespace: Option<String>,
    pub cluster: Option<String>,
    /// The client certificate's PEM text and where it was read.
    pub certificate: Option<(Vec<u8>, Location)>,
    pub token: Option<(String, TokenOrigin)>,
}

/// Reads `path` and resolves `context` (or the current context) to its credential.
pub fn resolve(path: &str, context: Option<&str>) -> Result<Resolved, Diagnostic> {
    let text = crate::authn::read_text(path).map_err(|e| super::file_error(path, &e))?;
    let file: Arc<str> = Arc::from(path);
    let mut stream = parse_stream(&text);
    if let Some(err) = stream.errors.first() {
        return Err(Diagnostic::error(
            Location::new(file, err.line, err.column),
            format!("invalid kubeconfig: {}", err.message),
        ));
    }
    if stream.documents.is_empty() {
        return Err(Diagnostic::error(
            Location::new(file, 0, 0),
            "invalid kubeconfig: the file holds no document",
        ));
    }
    let doc = stream.documents.remove(0);
    let config = Config { file, text, doc };
    if !config.doc.value.is_object() {
        return Err(config.error(&[], "invalid kubeconfig: expected a mapping (kind: Config)"));
    }
    let base_dir = Path::new(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (context_name, context_from) = match context {
        Some(c) => (c.to_string(), None),
        None => match config
            .doc
            .value
            .get("current-context")
            .and_then(Value::as_str)
        {
            Some(c) if !c.is_empty() => (c.to_string(), Some(vec![key_of("current-context")])),
            _ => {
                return Err(config.error(
                    &[],
                    "the kubeconfig has no current-context; pass --context NAME",
                ));
            }
        },
    };
    let Some((ci, ctx)) = config.named("contexts", &context_name)? else {
        let message = format!("context {context_name:?} does not exist in the kubeconfig");
        return Err(match context_from {
            Some(at) => config.error(&at, message),
            None => Diagnostic::error(Location::new(config.file.clone(), 0, 0), message),
        });
    };
    let ctx_path = |rest: &[&str]| -> Vec<PathSegment> {
        let mut p = vec![key_of("contexts"), PathSegment::Index(ci)];
        p.extend(rest.iter().map(|k| key_of(k)));
        p
    };
    let body = ctx.get("context").cloned().unwrap_or(Value::Null);
    let user_name = body.get("user").and_then(Value::as_str).unwrap_or("");
    if user_name.is_empty() {
        return Err(config.error(
            &ctx_path(&["context"]),
            format!("context {context_name:?} names no user"),
        ));
    }
    let Some((ui, user_entry)) = config.named("users", user_name)? else {
        return Err(config.error(
            &ctx_path(&["context", "user"]),
            format!(
                "user {user_name:?} of context {context_name:?} does not exist in the kubeconfig"
            ),
        ));
    };
    let user_path = |rest: &[&str]| -> Vec<PathSegment> {
        let mut p = vec![key_of("users"), PathSegment::Index(ui), key_of("user")];
        p.extend(rest.iter().map(|k| key_of(k)));
        p
    };
    let user = user_entry.get("user").cloned().unwrap_or(Value::Null);
    let text_field = |key: &str| -> Result<Option<String>, Diagnostic> {
        match user.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(config.error(&user_path(&[key]), format!("{key} must be a string"))),
        }
    };
    for plugin in ["exec", "auth-provider"] {
        if user.get(plugin).is_some_and(|v| !v.is_null()) {
            let what = user
                .get(plugin)
                .and_then(|p| p.get("command").or_else(|| p.get("name")))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(config.error(
                &user_path(&[plugin]),
                format!(
                    "user {user_name:?} gets its credential from the {plugin} plugin {what:?}; kubesim runs no programs: save the token it prints and pass --token-file"
                ),
            ));
        }
    }
    let mut certificate = None;
    if let Some(data) = text_field("client-certificate-data")? {
        let at = config.location(&user_path(&["client-certificate-data"]));
        let pem = STANDARD.decode(data.trim()).map_err(|e| {
            Diagnostic::error(
                at.clone(),
                format!("client-certificate-data is not base64: {e}"),
            )
        })?;
        certificate = Some((pem, at));
    } else if let Some(file) = text_field("client-certificate")? {
        let at = config.location(&user_path(&["client-certificate"]));
        let full = relative_to(&base_dir, &file);
        let pem = crate::authn::read_bytes(&full).map_err(|e| {
            Diagnostic::error(
                at.clone(),
                format!(
                    "cannot read client-certificate {}: {}",
                    full.display(),
                    super::file_error("", &e).message
                ),
            )
        })?;
        certificate = Some((
            pem,
            Location::new(Arc::from(full.to_string_lossy().as_ref()), 0, 0),
        ));
    }
    let mut token = None;
    if let Some(value) = text_field("token")? {
        let at = config.location(&user_path(&["token"]));
        let source = format!("{} (context {context_name}, user {user_name})", config.file);
        token = Some((
            value.trim().to_string(),
            TokenOrigin {
                location: at,
                source,
            },
        ));
    } else if let Some(file) = text_field("tokenFile")? {
        let full = relative_to(&base_dir, &file);
        let full_name = full.to_string_lossy().to_string();
        let (value, origin) = super::read_token_file(&full_name).map_err(|e| {
            config.error(
                &user_path(&["tokenFile"]),
                format!("cannot read tokenFile {full_name}: {}", e.message),
            )
        })?;
        token = Some((value, origin));
    }
    if certificate.is_none() && token.is_none() {
        let message = if user.get("username").is_some() || user.get("password").is_some() {
            format!(
                "user {user_name:?} uses basic authentication, which the apiserver no longer supports (removed in v1.19)"
            )
        } else {
            format!("user {user_name:?} has no client certificate and no token")
        };
        return Err(config.error(&user_path(&[]), message));
    }
    Ok(Resolved {
        context: context_name,
        user: user_name.to_string(),
        namespace: body
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        cluster: body
            .get("cluster")
            .and_then(Value::as_str)
            .map(str::to_string),
        certificate,
        token,
    })
}

fn relative_to(base: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// The identity the kubeconfig's context authenticates as.
pub fn authenticate(
    path: &str,
    context: Option<&str>,
    options: &AuthOptions,
) -> Result<Identity, Diagnostic> {
    let resolved = resolve(path, context)?;
    let source = format!(
        "{path} (context {}, user {})",
        resolved.context, resolved.user
    );
    let mut identity = match (&resolved.certificate, &resolved.token) {
        (Some((pem, at)), token) => {
            let mut identity = super::x509::authenticate_pem(
                pem,
                at,
                &source,
                options.client_ca.as_ref(),
                options.now(),
            )?;
            identity.add_authenticated_group();
            if token.is_some() {
                identity.warnings.push(
                    "the user also has a token; the apiserver authenticates the client certificate first".into(),
                );
            }
            identity
        }
        (None, Some((token, origin))) => {
            let origin = TokenOrigin {
                location: origin.location.clone(),
                source: source.clone(),
            };
            super::authenticate_token(token, &origin, options)?
        }
        (None, None) => {
            return Err(Diagnostic::error(
                Location::new(Arc::from(path), 0, 0),
                format!(
                    "user {:?} has no client certificate and no token",
                    resolved.user
                ),
            ));
        }
    };
    if let Some(ns) = &resolved.namespace {
        identity.detail("context namespace", ns.clone());
    }
    if let Some(cluster) = &resolved.cluster {
        identity.detail("cluster", cluster.clone());
    }
    Ok(identity)
}
