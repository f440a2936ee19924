//! ABAC: the apiserver's `--authorization-policy-file`, one Policy object per line, matched
//! exactly as upstream's ABAC authorizer matches it (pkg/auth/authorizer/abac).
//!
//! Lines are `abac.authorization.kubernetes.io/v1beta1` Policy objects (fields under `spec`);
//! lines without a registered apiVersion/kind are read in the unversioned v0 format, as
//! upstream falls back to it. Blank lines and lines starting with `#` are skipped. On load,
//! `user: "*"` or `group: "*"` becomes the group `system:authenticated` (so `*` never
//! matches anonymous requests), and v0 lines get v0's defaults. A policy matches when:
//! - its subject matches: `user`, if set, equals the user name; `group`, if set, is one of the
//!   user's groups; at least one of them is set;
//! - the verb is `get`, `list` or `watch`, or the policy is not `readonly`;
//! - for a resource request: `namespace`, `resource` and `apiGroup` each equal the request's
//!   or are `*` (an unset field is `""`, which matches only `""`: cluster scope, the core
//!   group); subresources and names are not compared;
//! - for a non-resource request: `nonResourcePath` is `*`, equals the path, or ends in `*` and
//!   the path starts with what precedes the stars.
//!
//! ABAC never denies: the first matching line allows, otherwise it has no opinion
//! (`No policy matched.`).

use std::sync::Arc;

use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::Value;

use crate::model::Action;
use crate::model::identity::{AUTHENTICATED, UserInfo};
use crate::source::{Diagnostic, Location};

/// The `apiVersion` of a current ABAC policy line.
pub const API_VERSION: &str = "abac.authorization.kubernetes.io/v1beta1";
const API_VERSION_V0: &str = "abac.authorization.kubernetes.io/v0";
/// Upstream's reason when no line matches.
pub const NO_POLICY_MATCHED: &str = "No policy matched.";

/// The format a line was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `abac.authorization.kubernetes.io/v1beta1`.
    V1beta1,
    /// Unversioned: `{"user": .., "group": .., "readonly": .., "resource": .., "namespace": ..}`.
    V0,
}

/// One policy line, after conversion to the internal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// 1-based line in the file.
    pub line: u32,
    /// The format the line was written in.
    pub format: Format,
    /// The user the policy applies to (`*` for everyone, empty when it names a group).
    pub user: String,
    /// The group the policy applies to (`*` for every group, empty when it names a user).
    pub group: String,
    /// Only `get`, `list` and `watch` are allowed.
    pub readonly: bool,
    /// The API group of the resources (`*` for any).
    pub api_group: String,
    /// The resource (`*` for any).
    pub resource: String,
    /// The namespace (`*` for any).
    pub namespace: String,
    /// The non-resource URL path (`*` or a `prefix*` for many).
    pub non_resource_path: String,
    /// The line as written.
    pub text: String,
}

/// The policies of one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyList {
    /// The file's name as reported in reasons and diagnostics.
    pub file: String,
    /// The policies that parsed, in file order.
    pub policies: Vec<Policy>,
}

impl PolicyList {
    /// Reads a policy file; `Err` only when it cannot be read. Bad lines are reported and left
    /// out; the others still count.
    pub fn read(path: &str) -> Result<(PolicyList, Vec<Diagnostic>), Diagnostic> {
        let text = crate::authn::read_text(path).map_err(|e| crate::authn::file_error(path, &e))?;
        Ok(PolicyList::parse(path, &text))
    }

    /// Parses the text of a policy file named `file`.
    pub fn parse(file: &str, text: &str) -> (PolicyList, Vec<Diagnostic>) {
        let name: Arc<str> = Arc::from(file);
        let mut list = PolicyList {
            file: file.to_string(),
            policies: Vec::new(),
        };
        let mut diagnostics = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            match parse_line(raw) {
                Ok((policy, warnings)) => {
                    for (column, w) in warnings {
                        diagnostics.push(Diagnostic::warning(
                            Location::new(name.clone(), line, column),
                            w,
                        ));
                    }
                    list.policies.push(Policy {
                        line,
                        text: trimmed.to_string(),
                        ..policy
                    });
                }
                Err((column, message)) => diagnostics.push(Diagnostic::error(
                    Location::new(name.clone(), line, column),
                    message,
                )),
            }
        }
        (list, diagnostics)
    }

    /// The first policy that matches the request.
    pub fn authorize(&self, user: &UserInfo, action: &Action) -> Option<&Policy> {
        self.policies.iter().find(|p| p.matches(user, action))
    }

    /// Upstream's RulesFor: for every policy whose subject matches and whose namespace is `*`
    /// or `namespace`, a resource rule (when it names a resource) and a non-resource rule
    /// (when it names a path), with verbs `get list watch` when read-only, else `*`.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> Vec<(u32, PolicyRule)> {
        let mut rules = Vec::new();
        for p in &self.policies {
            if !p.subject_matches(user) || !(p.namespace == "*" || p.namespace == namespace) {
                continue;
            }
            let verbs: Vec<String> = if p.readonly {
                vec!["get".into(), "list".into(), "watch".into()]
            } else {
                vec!["*".into()]
            };
            if !p.resource.is_empty() {
                rules.push((
                    p.line,
                    PolicyRule {
                        verbs: verbs.clone(),
                        api_groups: Some(vec![p.api_group.clone()]),
                        resources: Some(vec![p.resource.clone()]),
                        ..PolicyRule::default()
                    },
                ));
            }
            if !p.non_resource_path.is_empty() {
                rules.push((
                    p.line,
                    PolicyRule {
                        verbs,
                        non_resource_urls: Some(vec![p.non_resource_path.clone()]),
                        ..PolicyRule::default()
                    },
                ));
            }
        }
        rules
    }

    /// The subjects of every policy that would allow the action for a matching subject.
    pub fn subjects_for(&self, action: &Action) -> Vec<&Policy> {
        self.policies
            .iter()
            .filter(|p| p.verb_matches(action) && p.action_matches(action))
            .filter(|p| !p.user.is_empty() || !p.group.is_empty())
            .collect()
    }
}

type LineError = (u32, String);

/// The 1-based column of a serde_json error on a one-line document.
fn json_column(e: &serde_json::Error) -> u32 {
    u32::try_from(e.column()).unwrap_or(1).max(1)
}

fn parse_line(raw: &str) -> Result<(Policy, Vec<(u32, String)>), LineError> {
    let value: Value = serde_json::from_str(raw).map_err(|e| {
        (
            json_column(&e),
            format!("invalid policy line: {}", strip_position(&e)),
        )
    })?;
    let Value::Object(object) = &value else {
        return Err((1, "a policy line must be a JSON object".into()));
    };
    let column_of = |key: &str| -> u32 {
        raw.find(&format!("\"{key}\"")).map_or(1, |i| {
            u32::try_from(raw[..i].chars().count() + 1).unwrap_or(1)
        })
    };
    let api_version = object.get("apiVersion").and_then(Value::as_str);
    let kind = object.get("kind").and_then(Value::as_str);
    let mut warnings = Vec::new();
    let (format, fields, allowed): (Format, &serde_json::Map<String, Value>, &[&str]) = match (
        api_version,
        kind,
    ) {
        (Some(API_VERSION), Some("Policy")) => {
            let spec = match object.get("spec") {
                Some(Value::Object(spec)) => spec,
                None | Some(Value::Null) => {
                    return Err((1, "a v1beta1 policy needs a spec".into()));
                }
                Some(_) => return Err((column_of("spec"), "spec must be an object".into())),
            };
            (
                Format::V1beta1,
                spec,
                &[
                    "user",
                    "group",
                    "readonly",
                    "apiGroup",
                    "resource",
                    "namespace",
                    "nonResourcePath",
                ],
            )
        }
        (Some(API_VERSION_V0), Some("Policy")) | (None, _) | (_, None) => (
            Format::V0,
            object,
            &["user", "group", "readonly", "resource", "namespace"],
        ),
        (Some(v), Some(k)) => {
            warnings.push((
                    column_of("apiVersion"),
                    format!("apiVersion {v:?} kind {k:?} is not registered; the line is read in the unversioned v0 format, as the apiserver does"),
                ));
            (
                Format::V0,
                object,
                &["user", "group", "readonly", "resource", "namespace"],
            )
        }
    };
    for key in fields.keys() {
        let meta = format == Format::V0 && (key == "apiVersion" || key == "kind");
        let spec_level = format == Format::V1beta1;
        if !allowed.contains(&key.as_str()) && !meta {
            warnings.push((
                column_of(key),
                format!(
                    "unknown field {key:?} is ignored{}",
                    if spec_level { " (in spec)" } else { "" }
                ),
            ));
        }
    }
    if format == Format::V1beta1 {
        for key in object.keys() {
            if !["apiVersion", "kind", "spec"].contains(&key.as_str()) {
                warnings.push((column_of(key), format!("unknown field {key:?} is ignored")));
            }
        }
    }
    let text = |key: &str| -> Result<String, LineError> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err((column_of(key), format!("{key} must be a string"))),
        }
    };
    let readonly = match fields.get("readonly") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err((
                column_of("readonly"),
                "readonly must be true or false".into(),
            ));
        }
    };
    let mut policy = Policy {
        line: 0,
        format,
        user: text("user")?,
        group: text("group")?,
        readonly,
        api_group: String::new(),
        resource: text("resource")?,
        namespace: text("namespace")?,
        non_resource_path: String::new(),
        text: String::new(),
    };
    match format {
        Format::V1beta1 => {
            policy.api_group = text("apiGroup")?;
            policy.non_resource_path = text("nonResourcePath")?;
            if policy.user == "*" || policy.group == "*" {
                policy.group = AUTHENTICATED.to_string();
                policy.user = String::new();
            }
        }
        Format::V0 => {
            let (v0_namespace, v0_resource) =
                (policy.namespace.is_empty(), policy.resource.is_empty());
            if policy.user.is_empty() && policy.group.is_empty() {
                policy.group = AUTHENTICATED.to_string();
            }
            if policy.user == "*" || policy.group == "*" {
                policy.group = AUTHENTICATED.to_string();
                policy.user = String::new();
            }
            if v0_namespace {
                policy.namespace = "*".into();
            }
            if v0_resource {
                policy.resource = "*".into();
            }
            policy.api_group = "*".into();
            if v0_namespace && v0_resource {
                policy.non_resource_path = "*".into();
            }
        }
    }
    Ok((policy, warnings))
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

impl Policy {
    /// upstream subjectMatches
    pub fn subject_matches(&self, user: &UserInfo) -> bool {
        // A set field must match ("*" matches anything); at least one must be set.
        if !self.user.is_empty() && self.user != "*" && self.user != user.name() {
            return false;
        }
        if !self.group.is_empty() && self.group != "*" && !user.groups().contains(&self.group) {
            return false;
        }
        !self.user.is_empty() || !self.group.is_empty()
    }

    /// upstream verbMatches: read-only requests always, others unless the policy is readonly.
    pub fn verb_matches(&self, action: &Action) -> bool {
        matches!(action.verb(), "get" | "list" | "watch") || !self.readonly
    }

    /// upstream resourceMatches || nonResourceMatches
    pub fn action_matches(&self, action: &Action) -> bool {
        match action {
            Action::Resource(r) => {
                (self.namespace == "*" || self.namespace == r.namespace)
                    && (self.resource == "*" || self.resource == r.resource)
                    && (self.api_group == "*" || self.api_group == r.api_group)
            }
            Action::NonResource(n) => {
                let p = &self.non_resource_path;
                p == "*"
                    || *p == n.path
                    || (p.ends_with('*') && n.path.starts_with(p.trim_end_matches('*')))
            }
        }
    }

    /// Whether this policy allows `user` to do `action`, as upstream's ABAC `matches`.
    pub fn matches(&self, user: &UserInfo, action: &Action) -> bool {
        self.subject_matches(user) && self.verb_matches(action) && self.action_matches(action)
    }
}
