//! The admission layer (upstream `api/helpers.go` and `admission/`): the effective policy of a
//! namespace from its `pod-security.kubernetes.io/*` labels and the configured defaults, the
//! `PodSecurityConfiguration` (defaults and exemptions), and the decision for a pod or a
//! workload's pod template with the audit annotations, warnings and denial message phrased
//! exactly as the API server phrases them. Pure functions over data; no I/O.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::evaluate::Evaluator;
use super::format::go_quote;
use super::level::{Level, LevelVersion, Version};
use super::result::{CheckResult, all_allowed, forbidden_detail, forbidden_reason};
use crate::model::names;

/// Prefix of the namespace labels and (in-tree) of the audit annotation keys.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
pub const ENFORCE_LEVEL_LABEL: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
pub const AUDIT_LEVEL_LABEL: &str = "pod-security.kubernetes.io/audit";
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
pub const WARN_LEVEL_LABEL: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// Audit annotation keys (unprefixed, as the webhook writes them; the in-tree plugin prefixes
/// them with [`LABEL_PREFIX`]).
pub const ENFORCE_POLICY_ANNOTATION: &str = "enforce-policy";
pub const AUDIT_VIOLATIONS_ANNOTATION: &str = "audit-violations";
pub const EXEMPT_ANNOTATION: &str = "exempt";
pub const ERROR_ANNOTATION: &str = "error";

/// The enforce, audit and warn level-versions of a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    pub enforce: LevelVersion,
    pub audit: LevelVersion,
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// `privileged:latest` for every mode: what an unconfigured cluster applies.
    fn default() -> Self {
        Policy::uniform(LevelVersion::PRIVILEGED_LATEST)
    }
}

impl Policy {
    pub const fn uniform(level_version: LevelVersion) -> Self {
        Policy {
            enforce: level_version,
            audit: level_version,
            warn: level_version,
        }
    }

    /// Defaults with only `enforce` set (the `--default-enforce LEVEL[:VERSION]` semantics);
    /// audit and warn stay `privileged:latest`.
    pub const fn enforcing(enforce: LevelVersion) -> Self {
        Policy {
            enforce,
            audit: LevelVersion::PRIVILEGED_LATEST,
            warn: LevelVersion::PRIVILEGED_LATEST,
        }
    }

    pub fn fully_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|lv| lv.level == Level::Privileged)
    }

    /// Upstream `Policy.Equivalent`: privileged level-versions match regardless of version.
    pub fn equivalent(&self, other: &Policy) -> bool {
        let same = |a: LevelVersion, b: LevelVersion| {
            a.level == b.level && (a.level == Level::Privileged || a.version == b.version)
        };
        same(self.enforce, other.enforce)
            && same(self.audit, other.audit)
            && same(self.warn, other.warn)
    }
}

/// An invalid namespace label, printed like apimachinery's `field.Invalid`:
/// `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be ...`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LabelError {
    pub label: &'static str,
    pub value: String,
    pub message: String,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {}: {}",
            self.label,
            go_quote(&self.value),
            self.message
        )
    }
}

/// apimachinery's aggregate error text: one error as is, several as `[a, b]` with duplicate
/// messages removed.
pub fn aggregate_error_message(errors: &[LabelError]) -> String {
    let mut messages: Vec<String> = Vec::with_capacity(errors.len());
    for message in errors.iter().map(ToString::to_string) {
        if !messages.contains(&message) {
            messages.push(message);
        }
    }
    match messages.len() {
        0 => String::new(),
        1 => messages.remove(0),
        _ => format!("[{}]", messages.join(", ")),
    }
}

/// Upstream `PolicyToEvaluate`: the namespace's effective policy from its labels over the
/// defaults, plus the label errors. Invalid values fall back to `restricted` for enforce (fail
/// closed), `privileged` for audit and warn (fail open) and `latest` for versions. Without a
/// `warn` label, a valid `enforce` label stricter than the warn level also becomes the warn level
/// (and its version, unless `warn-version` is set).
pub fn policy_to_evaluate(
    labels: Option<&BTreeMap<String, String>>,
    defaults: &Policy,
) -> (Policy, Vec<LabelError>) {
    let mut policy = *defaults;
    let mut errors = Vec::new();
    let Some(labels) = labels.filter(|l| !l.is_empty()) else {
        return (policy, errors);
    };
    // Read in upstream's label order so the errors come out in the same order.
    let enforce_level = read_level_label(labels, ENFORCE_LEVEL_LABEL, &mut errors);
    if let Some(level) = enforce_level {
        policy.enforce.level = level.unwrap_or(Level::Restricted);
    }
    if let Some(version) = read_version_label(labels, ENFORCE_VERSION_LABEL, &mut errors) {
        policy.enforce.version = version;
    }
    if let Some(level) = read_level_label(labels, AUDIT_LEVEL_LABEL, &mut errors) {
        policy.audit.level = level.unwrap_or(Level::Privileged);
    }
    if let Some(version) = read_version_label(labels, AUDIT_VERSION_LABEL, &mut errors) {
        policy.audit.version = version;
    }
    let warn_level = read_level_label(labels, WARN_LEVEL_LABEL, &mut errors);
    if let Some(level) = warn_level {
        policy.warn.level = level.unwrap_or(Level::Privileged);
    }
    let warn_version = read_version_label(labels, WARN_VERSION_LABEL, &mut errors);
    if let Some(version) = warn_version {
        policy.warn.version = version;
    }
    let has_valid_enforce_level = matches!(enforce_level, Some(Some(_)));
    if warn_level.is_none() && has_valid_enforce_level && policy.enforce.level > policy.warn.level {
        policy.warn.level = policy.enforce.level;
        if warn_version.is_none() {
            policy.warn.version = policy.enforce.version;
        }
    }
    (policy, errors)
}

/// `None` if the label is absent, `Some(None)` if it is invalid (error recorded).
fn read_level_label(
    labels: &BTreeMap<String, String>,
    label: &'static str,
    errors: &mut Vec<LabelError>,
) -> Option<Option<Level>> {
    let value = labels.get(label)?;
    match value.parse::<Level>() {
        Ok(level) => Some(Some(level)),
        Err(err) => {
            errors.push(LabelError {
                label,
                value: value.clone(),
                message: err.to_string(),
            });
            Some(None)
        }
    }
}

/// `None` if the label is absent; an invalid value reads as `latest` (error recorded).
fn read_version_label(
    labels: &BTreeMap<String, String>,
    label: &'static str,
    errors: &mut Vec<LabelError>,
) -> Option<Version> {
    let value = labels.get(label)?;
    let (version, err) = Version::parse_or_latest(value);
    if let Some(err) = err {
        errors.push(LabelError {
            label,
            value: value.clone(),
            message: err.to_string(),
        });
    }
    Some(version)
}

/// Who or what the configuration exempts from Pod Security.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Exemptions {
    pub usernames: Vec<String>,
    pub namespaces: Vec<String>,
    pub runtime_classes: Vec<String>,
}

/// The PodSecurity admission plugin configuration (`PodSecurityConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PodSecurityConfig {
    /// Applied to namespaces without (some of) the labels; `privileged:latest` if unset.
    pub defaults: Policy,
    pub exemptions: Exemptions,
}

/// An unusable admission configuration, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid PodSecurity configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

const CONFIG_API_VERSIONS: [&str; 3] = [
    "pod-security.admission.config.k8s.io/v1",
    "pod-security.admission.config.k8s.io/v1beta1",
    "pod-security.admission.config.k8s.io/v1alpha1",
];

impl PodSecurityConfig {
    /// Reads either a `PodSecurityConfiguration` or an `AdmissionConfiguration` whose
    /// `PodSecurity` plugin has an inline `configuration` (an `AdmissionConfiguration` without
    /// that plugin yields the built-in defaults). The document is already parsed, so callers
    /// keep YAML handling to themselves. Unknown fields are ignored.
    pub fn from_json(document: &serde_json::Value) -> Result<Self, ConfigError> {
        match document.get("kind").and_then(|k| k.as_str()) {
            Some("AdmissionConfiguration") => Self::from_admission_configuration(document),
            Some("PodSecurityConfiguration") => Self::from_pod_security_configuration(document),
            other => Err(ConfigError {
                problems: vec![format!(
                    "kind: expected AdmissionConfiguration or PodSecurityConfiguration, got {}",
                    other.map_or_else(|| "nothing".to_owned(), go_quote)
                )],
            }),
        }
    }

    fn from_admission_configuration(document: &serde_json::Value) -> Result<Self, ConfigError> {
        let plugins = document.get("plugins").and_then(|p| p.as_array());
        let plugin = plugins
            .into_iter()
            .flatten()
            .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("PodSecurity"));
        let Some(plugin) = plugin else {
            return Ok(PodSecurityConfig::default());
        };
        match plugin.get("configuration") {
            Some(configuration) => Self::from_pod_security_configuration(configuration),
            None => Err(ConfigError {
                problems: vec![
                    "plugins[PodSecurity]: the configuration must be inline (`configuration:`); a `path:` cannot be followed here".to_owned(),
                ],
            }),
        }
    }

    fn from_pod_security_configuration(document: &serde_json::Value) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let api_version = document.get("apiVersion").and_then(|v| v.as_str());
        if !api_version.is_some_and(|v| CONFIG_API_VERSIONS.contains(&v)) {
            problems.push(format!(
                "apiVersion: expected one of {}, got {}",
                CONFIG_API_VERSIONS.join(", "),
                api_version.map_or_else(|| "nothing".to_owned(), go_quote)
            ));
        }
        if document.get("kind").and_then(|k| k.as_str()) != Some("PodSecurityConfiguration") {
            problems.push("kind: expected PodSecurityConfiguration".to_owned());
        }
        let defaults_doc = document.get("defaults");
        let mut read_default = |key: &str| -> Option<&str> {
            match defaults_doc.and_then(|d| d.get(key)) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) if s.is_empty() => None,
                Some(serde_json::Value::String(s)) => Some(s.as_str()),
                Some(_) => {
                    problems.push(format!("defaults.{key}: must be a string"));
                    None
                }
            }
        };
        let texts = [
            read_default("enforce"),
            read_default("enforce-version"),
            read_default("audit"),
            read_default("audit-version"),
            read_default("warn"),
            read_default("warn-version"),
        ];
        let mut mode =
            |level_key: &str, level: Option<&str>, version_key: &str, version: Option<&str>| {
                let level = match level.map(|l| (l, l.parse::<Level>())) {
                    None => Level::Privileged,
                    Some((_, Ok(level))) => level,
                    Some((text, Err(err))) => {
                        problems.push(format!(
                            "defaults.{level_key}: Invalid value: {}: {err}",
                            go_quote(text)
                        ));
                        Level::Privileged
                    }
                };
                let version = match version.map(|v| (v, v.parse::<Version>())) {
                    None => Version::Latest,
                    Some((_, Ok(version))) => version,
                    Some((text, Err(err))) => {
                        problems.push(format!(
                            "defaults.{version_key}: Invalid value: {}: {err}",
                            go_quote(text)
                        ));
                        Version::Latest
                    }
                };
                LevelVersion::new(level, version)
            };
        let defaults = Policy {
            enforce: mode("enforce", texts[0], "enforce-version", texts[1]),
            audit: mode("audit", texts[2], "audit-version", texts[3]),
            warn: mode("warn", texts[4], "warn-version", texts[5]),
        };
        let exemptions_doc = document.get("exemptions");
        let mut list = |key: &str, valid: fn(&str) -> Option<&'static str>| -> Vec<String> {
            let mut values: Vec<String> = Vec::new();
            match exemptions_doc.and_then(|e| e.get(key)) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let Some(text) = item.as_str() else {
                            problems.push(format!("exemptions.{key}[{i}]: must be a string"));
                            continue;
                        };
                        if let Some(why) = valid(text) {
                            problems.push(format!(
                                "exemptions.{key}[{i}]: Invalid value: {}: {why}",
                                go_quote(text)
                            ));
                        } else if values.iter().any(|v| v == text) {
                            problems.push(format!(
                                "exemptions.{key}[{i}]: Duplicate value: {}",
                                go_quote(text)
                            ));
                        } else {
                            values.push(text.to_owned());
                        }
                    }
                }
                Some(_) => problems.push(format!("exemptions.{key}: must be a list of strings")),
            }
            values
        };
        let exemptions = Exemptions {
            usernames: list("usernames", |u| u.is_empty().then_some("must be non-empty")),
            namespaces: list("namespaces", |n| {
                (!names::is_dns1123_label(n)).then_some("must be a valid namespace name")
            }),
            runtime_classes: list("runtimeClasses", |r| {
                (!names::is_dns1123_subdomain(r)).then_some("must be a valid DNS subdomain name")
            }),
        };
        if problems.is_empty() {
            Ok(PodSecurityConfig {
                defaults,
                exemptions,
            })
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// Why a request was allowed without evaluating the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Exemption {
    Namespace,
    User,
    RuntimeClass,
}

impl Exemption {
    /// The value of the `exempt` audit annotation.
    pub const fn as_str(self) -> &'static str {
        match self {
            Exemption::Namespace => "namespace",
            Exemption::User => "user",
            Exemption::RuntimeClass => "runtimeClass",
        }
    }
}

/// What is being admitted: a Pod (enforce applies) or a workload whose pod template is
/// checked (ReplicationController, PodTemplate, ReplicaSet, Deployment, StatefulSet,
/// DaemonSet, Job, CronJob: audit and warn only, never enforce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RequestKind {
    Pod,
    PodController,
}

/// A create request for a pod or a pod template. For a workload, `meta` and `spec` are the
/// template's (`spec.template`, or `spec.jobTemplate.spec.template` for a CronJob).
#[derive(Debug, Clone, Copy)]
pub struct AdmissionRequest<'a> {
    pub kind: RequestKind,
    /// The object's name (used in the denial message; may be empty, e.g. with generateName).
    pub name: &'a str,
    pub namespace: &'a str,
    /// The labels of the namespace; `None` if it has none.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
    /// The requesting user, if known (for user exemptions).
    pub username: Option<&'a str>,
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
}

/// The API server's answer to an [`AdmissionRequest`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdmissionDecision {
    /// False only when enforce rejects a Pod.
    pub allowed: bool,
    /// The namespace's effective policy.
    pub policy: Policy,
    /// Problems with the namespace labels (the policy then used fallbacks).
    pub policy_errors: Vec<LabelError>,
    pub exemption: Option<Exemption>,
    /// `pods "<name>" is forbidden: violates PodSecurity "<level>:<version>": <detail>`.
    pub denial: Option<String>,
    /// Unprefixed keys (`enforce-policy`, `audit-violations`, `exempt`, `error`).
    pub audit_annotations: BTreeMap<&'static str, String>,
    /// `would violate PodSecurity "<level>:<version>": <detail>`, only if still allowed.
    pub warnings: Vec<String>,
}

/// Upstream's message for a pod that enforce rejects (apimachinery `NewForbidden` text).
pub fn forbidden_pod_message(name: &str, enforce: LevelVersion, detail: &str) -> String {
    let violation = format!(
        "violates PodSecurity {}: {detail}",
        go_quote(&enforce.to_string())
    );
    if name.is_empty() {
        format!("pods is forbidden: {violation}")
    } else {
        format!("pods {} is forbidden: {violation}", go_quote(name))
    }
}

/// The text of an audit annotation or warning for a failing audit/warn policy.
pub fn would_violate_message(level_version: LevelVersion, detail: &str) -> String {
    format!(
        "would violate PodSecurity {}: {detail}",
        go_quote(&level_version.to_string())
    )
}

/// The PodSecurity admission plugin over a configuration and an evaluator.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    pub config: PodSecurityConfig,
    pub evaluator: Evaluator,
}

impl Admission {
    pub fn new(config: PodSecurityConfig) -> Self {
        Admission {
            config,
            evaluator: Evaluator::new(),
        }
    }

    /// The effective policy of a namespace with these labels.
    pub fn namespace_policy(
        &self,
        labels: Option<&BTreeMap<String, String>>,
    ) -> (Policy, Vec<LabelError>) {
        policy_to_evaluate(labels, &self.config.defaults)
    }

    fn exempt_namespace(&self, namespace: &str) -> bool {
        self.config
            .exemptions
            .namespaces
            .iter()
            .any(|n| n == namespace)
    }

    /// Upstream `ValidatePod` / `ValidatePodController` for a create request.
    pub fn admit(&self, request: &AdmissionRequest<'_>) -> AdmissionDecision {
        let (policy, policy_errors) = self.namespace_policy(request.namespace_labels);
        let mut decision = AdmissionDecision {
            allowed: true,
            policy,
            policy_errors,
            exemption: None,
            denial: None,
            audit_annotations: BTreeMap::new(),
            warnings: Vec::new(),
        };
        let user_exempt = request
            .username
            .is_some_and(|u| self.config.exemptions.usernames.iter().any(|e| e == u));
        let exemption = if self.exempt_namespace(request.namespace) {
            Some(Exemption::Namespace)
        } else if user_exempt {
            Some(Exemption::User)
        } else {
            None
        };
        if let Some(exemption) = exemption {
            return decision.exempted(exemption);
        }
        let labels_valid = decision.policy_errors.is_empty();
        match request.kind {
            RequestKind::Pod if labels_valid && policy.fully_privileged() => {
                decision.audit_annotations.insert(
                    ENFORCE_POLICY_ANNOTATION,
                    LevelVersion::PRIVILEGED_LATEST.to_string(),
                );
                return decision;
            }
            RequestKind::PodController
                if labels_valid
                    && policy.audit.level == Level::Privileged
                    && policy.warn.level == Level::Privileged =>
            {
                return decision;
            }
            _ => {}
        }
        let runtime_class = request
            .spec
            .runtime_class_name
            .as_deref()
            .unwrap_or_default();
        if !runtime_class.is_empty()
            && self
                .config
                .exemptions
                .runtime_classes
                .iter()
                .any(|r| r == runtime_class)
        {
            return decision.exempted(Exemption::RuntimeClass);
        }
        if !labels_valid {
            decision.audit_annotations.insert(
                ERROR_ANNOTATION,
                format!(
                    "Failed to parse policy: {}",
                    aggregate_error_message(&decision.policy_errors)
                ),
            );
        }
        // Results per level-version, so identical modes are evaluated once (as upstream).
        let mut cache: Vec<(LevelVersion, Vec<CheckResult>)> = Vec::with_capacity(3);
        let summarize = |results: &[CheckResult]| -> (bool, String) {
            if all_allowed(results) {
                (true, String::new())
            } else {
                (false, forbidden_detail(results))
            }
        };
        let mut evaluate = |lv: LevelVersion| -> (bool, String) {
            if let Some((_, results)) = cache.iter().find(|(cached, _)| *cached == lv) {
                return summarize(results);
            }
            let results = self
                .evaluator
                .evaluate(lv.level, lv.version, request.meta, request.spec);
            let summary = summarize(&results);
            cache.push((lv, results));
            summary
        };
        if request.kind == RequestKind::Pod {
            decision
                .audit_annotations
                .insert(ENFORCE_POLICY_ANNOTATION, policy.enforce.to_string());
            let (allowed, detail) = evaluate(policy.enforce);
            if !allowed {
                decision.allowed = false;
                decision.denial =
                    Some(forbidden_pod_message(request.name, policy.enforce, &detail));
            }
        }
        let (audit_allowed, audit_detail) = evaluate(policy.audit);
        if !audit_allowed {
            decision.audit_annotations.insert(
                AUDIT_VIOLATIONS_ANNOTATION,
                would_violate_message(policy.audit, &audit_detail),
            );
        }
        // No warnings on a request that is rejected anyway.
        if decision.allowed {
            let (warn_allowed, warn_detail) = evaluate(policy.warn);
            if !warn_allowed {
                decision
                    .warnings
                    .push(would_violate_message(policy.warn, &warn_detail));
            }
        }
        decision
    }

    /// The warning upstream returns when a namespace that the configuration exempts is labelled
    /// with a non-privileged policy different from the defaults; `None` otherwise.
    pub fn exempt_namespace_warning(
        &self,
        namespace: &str,
        labels: Option<&BTreeMap<String, String>>,
    ) -> Option<String> {
        if !self.exempt_namespace(namespace) {
            return None;
        }
        let (policy, _) = self.namespace_policy(labels);
        if policy.fully_privileged() || policy.equivalent(&self.config.defaults) {
            return None;
        }
        let has = |key: &str| labels.is_some_and(|l| l.contains_key(key));
        let modes = [
            (
                "enforce",
                policy.enforce,
                ENFORCE_LEVEL_LABEL,
                ENFORCE_VERSION_LABEL,
            ),
            (
                "audit",
                policy.audit,
                AUDIT_LEVEL_LABEL,
                AUDIT_VERSION_LABEL,
            ),
            ("warn", policy.warn, WARN_LEVEL_LABEL, WARN_VERSION_LABEL),
        ];
        let shown: Vec<String> = modes
            .iter()
            .filter(|(_, lv, level_label, version_label)| {
                lv.level != Level::Privileged && (has(level_label) || has(version_label))
            })
            .map(|(mode, lv, _, _)| format!("{mode}={lv}"))
            .collect();
        Some(format!(
            "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
            go_quote(namespace),
            shown.join(", ")
        ))
    }

    /// The warnings upstream returns when a namespace's enforce level is tightened, for the
    /// pods already in it (`(name, metadata, spec)`). Pods with an exempt runtime class are
    /// skipped. Unlike the API server there is no pod-count or time limit, so every pod is
    /// checked (and the "only checked against the first N" warning never appears).
    pub fn existing_pods_warnings(
        &self,
        namespace: &str,
        enforce: LevelVersion,
        pods: &[(&str, &ObjectMeta, &PodSpec)],
    ) -> Vec<String> {
        // reason text → (lexically first pod name, pod count), in first-seen order.
        let mut groups: Vec<(String, &str, usize)> = Vec::new();
        for (name, meta, spec) in pods {
            let runtime_class = spec.runtime_class_name.as_deref().unwrap_or_default();
            if !runtime_class.is_empty()
                && self
                    .config
                    .exemptions
                    .runtime_classes
                    .iter()
                    .any(|r| r == runtime_class)
            {
                continue;
            }
            let results = self
                .evaluator
                .evaluate(enforce.level, enforce.version, meta, spec);
            if all_allowed(&results) {
                continue;
            }
            let reason = forbidden_reason(&results);
            match groups.iter_mut().find(|(r, _, _)| *r == reason) {
                Some(group) => {
                    group.2 += 1;
                    if *name < group.1 {
                        group.1 = name;
                    }
                }
                None => groups.push((reason, name, 1)),
            }
        }
        if groups.is_empty() {
            return Vec::new();
        }
        let mut pod_warnings: Vec<String> = groups
            .into_iter()
            .map(|(reason, first, count)| match count {
                1 => format!("{first}: {reason}"),
                2 => format!("{first} (and 1 other pod): {reason}"),
                n => format!("{first} (and {} other pods): {reason}", n - 1),
            })
            .collect();
        pod_warnings.sort();
        let mut warnings = vec![format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            go_quote(namespace),
            go_quote(&enforce.to_string())
        )];
        warnings.extend(pod_warnings);
        warnings
    }
}

impl AdmissionDecision {
    fn exempted(mut self, exemption: Exemption) -> Self {
        self.exemption = Some(exemption);
        self.audit_annotations
            .insert(EXEMPT_ANNOTATION, exemption.as_str().to_owned());
        self
    }
}
