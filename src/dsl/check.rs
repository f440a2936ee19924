//! Semantic checks and lowering: from the syntax tree to the typed [`Program`].
//!
//! The checker walks the whole file and collects every problem instead of stopping at the
//! first: unknown identities, levels, versions, severities and kinds; subjects, resources,
//! namespaces and labels that are not well formed; duplicate names; `show diff` outside a
//! what-if; `load`/`apply` patterns that match no file; and, as warnings, namespace patterns
//! that match none of the [`CheckContext::known_namespaces`]. Statements with errors are left
//! out of the program. The checker itself reads nothing: files, policy files and credentials
//! are asked of the [`CheckContext::resolver`], so it can run on text alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::dsl::ast::{self, Condition, File, Item, Node, SourceText, Span, SubjectExpr};
use crate::dsl::diagnostic::{DslDiagnostic, sort_diagnostics};
use crate::dsl::program::*;
use crate::model::WorkloadKind;
use crate::model::identity::split_service_account_user;
use crate::model::names;

/// What the checker needs to know about the world outside the file.
#[derive(Clone)]
pub struct CheckContext<'a> {
    /// Answers for the files and credentials the file names, relative to the `.ksim` file.
    pub resolver: &'a dyn Resolve,
    /// Namespaces present in the manifests, when known; namespace patterns that match none
    /// of them are reported as warnings.
    pub known_namespaces: Option<BTreeSet<String>>,
    /// The newest `v1.N` the engines know; newer versions are accepted with a warning.
    pub latest_minor: u64,
}

impl<'a> CheckContext<'a> {
    pub fn new(resolver: &'a dyn Resolve) -> Self {
        Self {
            resolver,
            known_namespaces: None,
            latest_minor: LATEST_KNOWN_MINOR,
        }
    }
}

/// The outside world as the checker sees it: what a `load`/`apply` pattern matches, whether
/// an ABAC policy file exists, and whom a credential authenticates as. Every path is written
/// relative to the `.ksim` file; the implementation decides what that means.
pub trait Resolve: Sync {
    /// The files `pattern` (a path, or a glob with `*`, `**`, `?`, `[..]`, `{a,b}`) matches,
    /// sorted; `Err` with the reason when the glob is not valid.
    fn files(&self, pattern: &str) -> Result<Vec<PathBuf>, String>;

    /// The regular file at `path`, or `None` when there is none.
    fn existing_file(&self, path: &str) -> Option<PathBuf>;

    /// Whom `credential` authenticates as; `Err` with the reason when it cannot be read.
    fn credential(&self, credential: &CredentialFile) -> Result<Authenticated, String>;
}

/// A credential an `identity NAME = ...` declaration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialFile {
    pub kind: ast::CredentialKind,
    /// As written, relative to the `.ksim` file.
    pub path: String,
    /// The kubeconfig context to use; `None`: its current context.
    pub context: Option<String>,
}

/// Whom a credential authenticates as, as the apiserver's authenticators would map it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authenticated {
    pub user: String,
    /// In the authenticator's order; the checker sorts them.
    pub groups: Vec<String>,
    /// Why the apiserver would not accept the credential, when it would not.
    pub rejected: Option<String>,
    /// Things to be careful about, such as an expiry that has passed.
    pub warnings: Vec<String>,
}

/// The newest Kubernetes minor version the built-in data describes (v1.37).
pub const LATEST_KNOWN_MINOR: u64 = 37;

/// Words that cannot name an identity because statements starting with them mean something
/// else.
const RESERVED_WORDS: &[&str] = &[
    "any",
    "can",
    "cannot",
    "who",
    "namespace",
    "pods",
    "workloads",
    "expect",
    "show",
    "load",
    "defaults",
    "whatif",
    "bind",
    "apply",
    "remove",
    "label",
    "forbid",
    "require",
    "except",
    "identity",
    "scenario",
    "policy",
];

/// Checks a parsed file and lowers it. The diagnostics are sorted by position; the program
/// should be run only when none of them is an error.
pub fn check(file: &File, context: &CheckContext<'_>) -> (Program, Vec<DslDiagnostic>) {
    let mut checker = Checker {
        source: Arc::clone(&file.source),
        context,
        diagnostics: Vec::new(),
        identities: BTreeMap::new(),
    };
    let program = checker.file(file);
    let mut diagnostics = checker.diagnostics;
    sort_diagnostics(&mut diagnostics);
    (program, diagnostics)
}

struct Checker<'a> {
    source: Arc<SourceText>,
    context: &'a CheckContext<'a>,
    diagnostics: Vec<DslDiagnostic>,
    identities: BTreeMap<String, Principal>,
}

/// Where a subject appears decides what it may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SubjectUse {
    /// One subject (expect, show, bind, identity).
    Concrete,
    /// A pattern (who-can lists, policies, except lists).
    Pattern,
}

impl Checker<'_> {
    fn error(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
    ) -> &mut DslDiagnostic {
        self.diagnostics
            .push(DslDiagnostic::error(&self.source, span, code, message));
        // Just pushed, so the list is not empty.
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn warning(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
    ) -> &mut DslDiagnostic {
        self.diagnostics
            .push(DslDiagnostic::warning(&self.source, span, code, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn origin(&self, span: Span) -> Origin {
        let (line, column) = self.source.line_col(span.start);
        Origin {
            span,
            line,
            column,
            text: self.source.slice(span).to_string(),
        }
    }

    fn file(&mut self, file: &File) -> Program {
        let mut program = Program {
            file: self.source.name.to_string(),
            ..Program::default()
        };
        // Identities first: they may be used before they are declared.
        let mut first_seen: BTreeMap<(&str, String), Span> = BTreeMap::new();
        for item in &file.items {
            let (what, name) = match &item.node {
                Item::Identity(decl) => ("identity", &decl.name),
                Item::Scenario(block) => ("scenario", &block.name),
                Item::Policy(block) => ("policy", &block.name),
            };
            if let Some(first) = first_seen.get(&(what, name.node.clone())) {
                let first = *first;
                self.error(
                    name.span,
                    "kubesim::dsl::duplicate-name",
                    format!("{what} `{}` is declared twice", name.node),
                )
                .notes
                .push((first, "first declared here".to_string()));
            } else {
                first_seen.insert((what, name.node.clone()), name.span);
            }
            if let Item::Identity(decl) = &item.node
                && let Some(identity) = self.identity(decl, item.span)
            {
                self.identities
                    .entry(identity.name.clone())
                    .or_insert_with(|| identity.principal.clone());
                program.identities.push(identity);
            }
        }
        for item in &file.items {
            match &item.node {
                Item::Identity(_) => {}
                Item::Scenario(block) => {
                    if let Some(scenario) = self.scenario(block, item.span) {
                        program.scenarios.push(scenario);
                    }
                }
                Item::Policy(block) => {
                    if let Some(policy) = self.policy(block, item.span) {
                        program.policies.push(policy);
                    }
                }
            }
        }
        program
    }

    // ------------------------------------------------------------------ identities and subjects

    fn identity(&mut self, decl: &ast::IdentityDecl, span: Span) -> Option<Identity> {
        let name = &decl.name;
        if RESERVED_WORDS.contains(&name.node.as_str()) {
            self.error(
                name.span,
                "kubesim::dsl::reserved-word",
                format!(
                    "`{}` is a reserved word and cannot name an identity",
                    name.node
                ),
            );
        }
        if let Some(credential) = &decl.credential {
            let mut principal = self.credential_principal(credential)?;
            principal.identity = Some(name.node.clone());
            return Some(Identity {
                name: name.node.clone(),
                principal,
                origin: self.origin(span),
            });
        }
        let subject_node = decl.subject.as_ref()?;
        let subject = match &subject_node.node {
            SubjectExpr::Prefixed(prefixed) => self.concrete_prefixed(prefixed, subject_node.span),
            _ => {
                self.error(
                    subject_node.span,
                    "kubesim::dsl::invalid-subject",
                    "an identity is declared from a `user:`, `group:` or `sa:` subject",
                );
                None
            }
        }?;
        let groups: Vec<String> = match &decl.groups {
            None => Vec::new(),
            Some(groups) => {
                if !matches!(subject, Subject::User(_)) {
                    self.error(
                        subject_node.span,
                        "kubesim::dsl::invalid-subject",
                        "only a `user:` identity can list groups",
                    )
                    .help = Some(
                        "service accounts and groups get their groups from the apiserver".into(),
                    );
                }
                for group in groups {
                    if group.node.is_empty() {
                        self.error(
                            group.span,
                            "kubesim::dsl::invalid-subject",
                            "empty group name",
                        );
                    }
                }
                groups.iter().map(|g| g.node.clone()).collect()
            }
        };
        let mut principal = Principal::authenticate(subject, &groups);
        principal.identity = Some(name.node.clone());
        Some(Identity {
            name: name.node.clone(),
            principal,
            origin: self.origin(span),
        })
    }

    /// The identity a credential file authenticates as, as the resolver reads it. Problems with the credential are errors;
    /// an expired credential is a warning.
    fn credential_principal(
        &mut self,
        credential: &Node<ast::CredentialExpr>,
    ) -> Option<Principal> {
        let credential_file = CredentialFile {
            kind: credential.kind,
            path: credential.path.node.clone(),
            context: credential.context.as_ref().map(|c| c.node.clone()),
        };
        let identity = match self.context.resolver.credential(&credential_file) {
            Ok(identity) => identity,
            Err(reason) => {
                self.error(
                    credential.path.span,
                    "kubesim::dsl::invalid-credential",
                    format!("cannot read the credential: {reason}"),
                );
                return None;
            }
        };
        if let Some(reason) = &identity.rejected {
            self.error(
                credential.span,
                "kubesim::dsl::invalid-credential",
                format!("the credential does not authenticate: {reason}"),
            );
            return None;
        }
        for warning in identity.warnings.iter().filter(|w| w.contains("expired")) {
            self.warning(
                credential.span,
                "kubesim::dsl::expired-credential",
                warning.clone(),
            );
        }
        let subject = match split_service_account_user(&identity.user) {
            Some((namespace, name)) => Subject::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            None => Subject::User(identity.user.clone()),
        };
        let mut groups = identity.groups.clone();
        groups.sort();
        groups.dedup();
        Some(Principal {
            subject,
            user: Some(identity.user),
            groups,
            identity: None,
        })
    }

    /// A concrete subject, or an identity.
    fn principal(&mut self, expr: &Node<SubjectExpr>) -> Option<Principal> {
        match &expr.node {
            SubjectExpr::Prefixed(prefixed) => self
                .concrete_prefixed(prefixed, expr.span)
                .map(|subject| Principal::authenticate(subject, &[])),
            SubjectExpr::Identity(name) => self.lookup_identity(name, expr.span),
            SubjectExpr::Any(kind) => {
                self.error(
                    expr.span,
                    "kubesim::dsl::pattern-not-allowed",
                    format!("`any {}` names many subjects, but one is needed here", kind.word()),
                )
                .help = Some("write one subject such as user:alice; patterns belong in policies and who-can lists".into());
                None
            }
        }
    }

    fn lookup_identity(&mut self, name: &str, span: Span) -> Option<Principal> {
        match self.identities.get(name) {
            Some(principal) => Some(principal.clone()),
            None => {
                let help = format!(
                    "declare it with `identity {name} = user:{name}`, or write a subject such as user:{name}"
                );
                self.error(
                    span,
                    "kubesim::dsl::unknown-identity",
                    format!("unknown identity `{name}`"),
                )
                .help = Some(help);
                None
            }
        }
    }

    fn concrete_prefixed(&mut self, prefixed: &ast::PrefixedName, span: Span) -> Option<Subject> {
        let pattern = self.prefixed_pattern(prefixed, span, SubjectUse::Concrete)?;
        match pattern {
            SubjectPattern::User(name) => Some(Subject::User(name.0)),
            SubjectPattern::Group(name) => Some(Subject::Group(name.0)),
            SubjectPattern::ServiceAccount { namespace, name } => Some(Subject::ServiceAccount {
                namespace: namespace.0,
                name: name.0,
            }),
            _ => None,
        }
    }

    fn subject_pattern(&mut self, expr: &Node<SubjectExpr>) -> Option<SubjectPattern> {
        match &expr.node {
            SubjectExpr::Any(kind) => Some(match kind {
                ast::AnyKind::Subject => SubjectPattern::Any,
                ast::AnyKind::User => SubjectPattern::AnyUser,
                ast::AnyKind::Group => SubjectPattern::AnyGroup,
                ast::AnyKind::ServiceAccount => SubjectPattern::AnyServiceAccount,
            }),
            SubjectExpr::Identity(name) => self
                .lookup_identity(name, expr.span)
                .map(|p| SubjectPattern::exactly(&p.subject)),
            SubjectExpr::Prefixed(prefixed) => {
                self.prefixed_pattern(prefixed, expr.span, SubjectUse::Pattern)
            }
        }
    }

    /// Validates `user:`/`group:`/`sa:` and the name after it.
    fn prefixed_pattern(
        &mut self,
        prefixed: &ast::PrefixedName,
        span: Span,
        usage: SubjectUse,
    ) -> Option<SubjectPattern> {
        let name = &prefixed.name;
        if usage == SubjectUse::Concrete && name.node.contains('*') {
            self.error(
                name.span,
                "kubesim::dsl::pattern-not-allowed",
                format!(
                    "`{}` is a pattern, but one subject is needed here",
                    self.source.slice(span)
                ),
            )
            .help = Some("globs belong in policies and who-can lists".into());
            return None;
        }
        match prefixed.prefix.node.as_str() {
            "user" | "group" if name.node.is_empty() => {
                self.error(span, "kubesim::dsl::invalid-subject", "empty subject name");
                None
            }
            "user" => Some(SubjectPattern::User(NamePattern(name.node.clone()))),
            "group" => Some(SubjectPattern::Group(NamePattern(name.node.clone()))),
            "sa" => {
                let parts = name.node.split_once('/');
                match parts {
                    Some((namespace, account))
                        if !account.contains('/')
                            && is_dns_label(namespace, true)
                            && is_dns_subdomain(account, true) =>
                    {
                        Some(SubjectPattern::ServiceAccount {
                            namespace: NamePattern(namespace.to_string()),
                            name: NamePattern(account.to_string()),
                        })
                    }
                    _ => {
                        self.error(
                            name.span,
                            "kubesim::dsl::invalid-subject",
                            format!("`{}` is not a service account", self.source.slice(span)),
                        )
                        .help = Some("write sa:NAMESPACE/NAME, e.g. sa:kube-system/default".into());
                        None
                    }
                }
            }
            "serviceaccount" => {
                self.error(
                    prefixed.prefix.span,
                    "kubesim::dsl::invalid-subject",
                    "service accounts are written `sa:NAMESPACE/NAME`",
                );
                None
            }
            other => {
                let message = if matches!(other, "role" | "clusterrole") {
                    format!("`{other}:` names a role, but a subject is needed here")
                } else {
                    format!("unknown subject kind `{other}:`")
                };
                self.error(
                    prefixed.prefix.span,
                    "kubesim::dsl::invalid-subject",
                    message,
                )
                .help = Some("subjects are user:NAME, group:NAME or sa:NAMESPACE/NAME".into());
                None
            }
        }
    }

    fn escalation_target(&mut self, expr: &Node<SubjectExpr>) -> Option<EscalationTarget> {
        if let SubjectExpr::Prefixed(prefixed) = &expr.node {
            let name = &prefixed.name;
            match prefixed.prefix.node.as_str() {
                "clusterrole" => {
                    if !names::is_path_segment_name(&name.node) {
                        self.invalid_role_name(name);
                        return None;
                    }
                    return Some(EscalationTarget::ClusterRole(name.node.clone()));
                }
                "role" => {
                    return match name.node.split_once('/') {
                        Some((namespace, role))
                            if is_dns_label(namespace, false)
                                && names::is_path_segment_name(role) =>
                        {
                            Some(EscalationTarget::Role {
                                namespace: namespace.to_string(),
                                name: role.to_string(),
                            })
                        }
                        _ => {
                            self.error(
                                name.span,
                                "kubesim::dsl::invalid-role",
                                format!("`{}` is not a role", self.source.slice(expr.span)),
                            )
                            .help = Some("write role:NAMESPACE/NAME or clusterrole:NAME".into());
                            None
                        }
                    };
                }
                _ => {}
            }
        }
        self.principal(expr).map(EscalationTarget::Principal)
    }

    fn invalid_role_name(&mut self, name: &Node<String>) {
        self.error(
            name.span,
            "kubesim::dsl::invalid-role",
            format!("`{}` is not a valid role name", name.node),
        );
    }

    // ------------------------------------------------------------------ terms

    fn namespace(
        &mut self,
        ns: &Node<String>,
        allow_glob: bool,
        selector: bool,
    ) -> Option<NamePattern> {
        let text = &ns.node;
        if text.contains('*') && !allow_glob {
            self.error(
                ns.span,
                "kubesim::dsl::pattern-not-allowed",
                format!("`{text}` is a pattern, but one namespace is needed here"),
            )
            .help = Some("globs in namespaces belong in policies and workload sets".into());
            return None;
        }
        if !is_dns_label(text, allow_glob) {
            self.error(
                ns.span,
                "kubesim::dsl::invalid-namespace",
                format!("`{text}` is not a valid namespace name"),
            )
            .help = Some(
                "namespaces are lower-case letters, digits and `-`, at most 63 characters".into(),
            );
            return None;
        }
        let pattern = NamePattern(text.clone());
        if (selector || !pattern.is_literal())
            && let Some(known) = &self.context.known_namespaces
            && !known.iter().any(|k| pattern.matches(k))
        {
            let what = if pattern.is_literal() {
                "namespace"
            } else {
                "namespace pattern"
            };
            self.warning(
                ns.span,
                "kubesim::dsl::no-such-namespace",
                format!("{what} `{text}` matches no namespace in the manifests"),
            );
        }
        Some(pattern)
    }

    fn level(&mut self, level: &Node<String>) -> Option<Level> {
        let parsed = level.node.parse::<Level>().ok();
        if parsed.is_none() {
            self.error(
                level.span,
                "kubesim::dsl::unknown-level",
                format!("unknown level `{}`", level.node),
            )
            .help = Some("levels are privileged, baseline and restricted".into());
        }
        parsed
    }

    fn version(&mut self, version: &Node<String>) -> Option<Version> {
        let latest = self.context.latest_minor;
        match version.node.parse::<Version>().ok() {
            Some(Version::V1(minor)) if minor > latest => {
                self.warning(
                    version.span,
                    "kubesim::dsl::future-version",
                    format!(
                        "`{}` is newer than the newest version kubesim knows (v1.{latest}); it is evaluated as latest",
                        version.node
                    ),
                );
                Some(Version::V1(minor))
            }
            Some(parsed) => Some(parsed),
            None => {
                self.error(
                    version.span,
                    "kubesim::dsl::unknown-version",
                    format!("unknown version `{}`", version.node),
                )
                .help = Some(format!("write v1.N (v1.0 to v1.{latest}) or latest"));
                None
            }
        }
    }

    fn optional_version(&mut self, version: &Option<Node<String>>) -> Option<Version> {
        match version {
            Some(v) => self.version(v),
            None => Some(Version::Latest),
        }
    }

    fn resource(&mut self, expr: &Node<ast::ResourceExpr>) -> Option<ResourceRef> {
        let mut ok = true;
        let mut part = |checker: &mut Self, node: &Node<String>, what: &str, group: bool| {
            let text = &node.node;
            if text == "*" {
                return;
            }
            if text.contains('*') {
                checker
                    .error(
                        node.span,
                        "kubesim::dsl::invalid-resource",
                        format!("`{text}` is not a valid {what}: `*` must stand alone"),
                    )
                    .help = Some(
                    "RBAC matches `*` only as a whole part, e.g. `*`, `*/scale` or `pods/*`".into(),
                );
                ok = false;
                return;
            }
            let valid = if group {
                is_dns_subdomain(text, false)
            } else {
                !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            if !valid {
                checker
                    .error(
                        node.span,
                        "kubesim::dsl::invalid-resource",
                        format!("`{text}` is not a valid {what}"),
                    )
                    .help = Some(
                    "resources are lower-case plurals such as pods or deployments.apps".into(),
                );
                ok = false;
            }
        };
        part(self, &expr.resource, "resource", false);
        if let Some(group) = &expr.group {
            part(self, group, "API group", true);
        }
        if let Some(sub) = &expr.subresource {
            part(self, sub, "subresource", false);
        }
        if !ok {
            return None;
        }
        let resource = expr.resource.node.clone();
        let (group, group_written) = match &expr.group {
            Some(group) => (group.node.clone(), true),
            // The scenario resolves an unqualified resource through the catalogue.
            None => (String::new(), false),
        };
        Some(ResourceRef {
            resource,
            group,
            group_written,
            subresource: expr.subresource.as_ref().map(|s| s.node.clone()),
        })
    }

    fn access(&mut self, expr: &Node<ast::AccessExpr>, allow_glob: bool) -> Option<Access> {
        match &expr.node {
            ast::AccessExpr::Url { verb, path } => {
                let verb = self.verb(verb);
                let path_ok = path.node.starts_with('/')
                    && !path.node.chars().any(char::is_whitespace)
                    && path.node.find('*').is_none_or(|i| i + 1 == path.node.len());
                if !path_ok {
                    self.error(
                        path.span,
                        "kubesim::dsl::invalid-url",
                        format!("`{}` is not a valid URL path", path.node),
                    )
                    .help = Some(
                        "URL paths start with `/` and may end with `*`, e.g. /healthz or /logs/*"
                            .into(),
                    );
                }
                Some(Access::NonResource {
                    verb: verb?,
                    path: path_ok.then(|| path.node.clone())?,
                })
            }
            ast::AccessExpr::Resource {
                verb,
                resource,
                name,
                scope,
            } => {
                let verb = self.verb(verb);
                let resource = self.resource(resource);
                let namespace = match scope.as_ref().map(|s| &s.node) {
                    Some(ast::ScopeExpr::Namespace(ns)) => {
                        Some(self.namespace(ns, allow_glob, false)?)
                    }
                    Some(ast::ScopeExpr::ClusterWide) | None => None,
                };
                if let Some(name) = name
                    && name.node.is_empty()
                {
                    self.error(name.span, "kubesim::dsl::invalid-name", "empty object name");
                    return None;
                }
                Some(Access::Resource {
                    verb: verb?,
                    resource: resource?,
                    name: name.as_ref().map(|n| n.node.clone()),
                    namespace,
                })
            }
        }
    }

    fn verb(&mut self, verb: &Node<String>) -> Option<String> {
        // The grammar admits letters or `*`; RBAC verbs are case-sensitive lower-case words.
        if verb.node != "*" && verb.node.chars().any(|c| c.is_ascii_uppercase()) {
            self.error(
                verb.span,
                "kubesim::dsl::invalid-verb",
                format!("`{}` is not a valid verb", verb.node),
            )
            .help = Some(format!(
                "verbs are lower-case, e.g. `{}`",
                verb.node.to_ascii_lowercase()
            ));
            return None;
        }
        Some(verb.node.clone())
    }

    fn workload(&mut self, expr: &Node<ast::WorkloadExpr>) -> Option<WorkloadRef> {
        let kind = WorkloadKind::from_word(&expr.kind.node);
        if kind.is_none() {
            let kinds: Vec<&str> = WorkloadKind::ALL.iter().map(|k| k.word()).collect();
            self.error(
                expr.kind.span,
                "kubesim::dsl::unknown-kind",
                format!("unknown workload kind `{}`", expr.kind.node),
            )
            .help = Some(format!("workload kinds are {}", kinds.join(", ")));
        }
        let namespace = self.namespace(&expr.namespace, false, false);
        let name_ok = is_dns_subdomain(&expr.name.node, false);
        if !name_ok {
            self.error(
                expr.name.span,
                "kubesim::dsl::invalid-name",
                format!("`{}` is not a valid object name", expr.name.node),
            );
        }
        Some(WorkloadRef {
            kind: kind?,
            namespace: namespace?.0,
            name: name_ok.then(|| expr.name.node.clone())?,
        })
    }

    fn workload_set(&mut self, set: &Node<ast::WorkloadSetExpr>) -> Option<WorkloadSelector> {
        Some(match &set.node {
            ast::WorkloadSetExpr::Pods(ns) => {
                WorkloadSelector::Pods(self.namespace(ns, true, true)?)
            }
            ast::WorkloadSetExpr::Workloads(ns) => {
                WorkloadSelector::Workloads(self.namespace(ns, true, true)?)
            }
            ast::WorkloadSetExpr::Any => WorkloadSelector::Any,
        })
    }

    // ------------------------------------------------------------------ scenarios

    fn scenario(&mut self, block: &ast::ScenarioBlock, span: Span) -> Option<Scenario> {
        let mut scenario = Scenario {
            name: block.name.node.clone(),
            origin: self.origin(span),
            loads: Vec::new(),
            defaults: None,
            authorization: None,
            statements: Vec::new(),
        };
        let mut defaults_span: Option<Span> = None;
        let mut whatif_names: BTreeMap<String, Span> = BTreeMap::new();
        for statement in &block.body {
            let origin = self.origin(statement.span);
            let kind = match &statement.node {
                ast::ScenarioStmt::Load(pattern) => {
                    if let Some(files) = self.resolve_files("load", pattern) {
                        scenario.loads.push(Load {
                            pattern: pattern.node.clone(),
                            files,
                            origin,
                        });
                    }
                    continue;
                }
                ast::ScenarioStmt::Authorization { modes, policy } => {
                    self.authorization(&mut scenario, modes, policy.as_ref(), statement.span);
                    continue;
                }
                ast::ScenarioStmt::Defaults(version) => {
                    if let Some(first) = defaults_span {
                        self.error(
                            statement.span,
                            "kubesim::dsl::duplicate-defaults",
                            "`defaults` is given twice in this scenario",
                        )
                        .notes
                        .push((first, "first given here".into()));
                    } else {
                        defaults_span = Some(statement.span);
                        scenario.defaults = self.version(version);
                    }
                    continue;
                }
                ast::ScenarioStmt::Expect(condition) => {
                    self.expectation(condition).map(StatementKind::Expect)
                }
                ast::ScenarioStmt::Show(show) => {
                    if matches!(show, ast::ShowExpr::Diff) {
                        self.error(
                            statement.span,
                            "kubesim::dsl::diff-outside-whatif",
                            "`show diff` is only meaningful inside a `whatif` block",
                        )
                        .help = Some("a diff compares a what-if's state with its scenario's; move this into a `whatif` block".into());
                        None
                    } else {
                        self.show(show).map(StatementKind::Show)
                    }
                }
                ast::ScenarioStmt::WhatIf(whatif) => {
                    if let Some(first) = whatif_names.get(&whatif.name.node) {
                        let first = *first;
                        self.error(
                            whatif.name.span,
                            "kubesim::dsl::duplicate-name",
                            format!(
                                "whatif `{}` is declared twice in this scenario",
                                whatif.name.node
                            ),
                        )
                        .notes
                        .push((first, "first declared here".into()));
                    } else {
                        whatif_names.insert(whatif.name.node.clone(), whatif.name.span);
                    }
                    Some(StatementKind::WhatIf(self.whatif(whatif)))
                }
            };
            if let Some(kind) = kind {
                scenario.statements.push(Statement { origin, kind });
            }
        }
        Some(scenario)
    }

    /// `authorization MODES [abac "FILE"]`: known modes, each once; ABAC with a policy file
    /// that exists.
    fn authorization(
        &mut self,
        scenario: &mut Scenario,
        modes: &[String],
        policy: Option<&Node<String>>,
        span: Span,
    ) {
        use crate::authz::Mode;
        if scenario.authorization.is_some() {
            self.error(
                span,
                "kubesim::dsl::duplicate-authorization",
                "`authorization` is given twice in this scenario",
            );
            return;
        }
        let parsed = match Mode::parse_list(&modes.join(",")) {
            Ok(m) => m,
            Err(message) => {
                self.error(span, "kubesim::dsl::invalid-authorization", message);
                return;
            }
        };
        let abac_policy = match (parsed.contains(&Mode::Abac), policy) {
            (true, None) => {
                self.error(
                    span,
                    "kubesim::dsl::invalid-authorization",
                    "authorization mode ABAC needs a policy file: add `abac \"FILE\"`",
                );
                return;
            }
            (false, Some(p)) => {
                self.warning(
                    p.span,
                    "kubesim::dsl::unused-abac-policy",
                    "the ABAC policy file is ignored: ABAC is not one of the modes",
                );
                None
            }
            (true, Some(p)) => {
                let Some(path) = self.context.resolver.existing_file(&p.node) else {
                    self.error(
                        p.span,
                        "kubesim::dsl::missing-file",
                        format!("the ABAC policy file `{}` does not exist", p.node),
                    );
                    return;
                };
                Some(path)
            }
            (false, None) => None,
        };
        scenario.authorization = Some(Authorization {
            modes: parsed,
            abac_policy,
            origin: self.origin(span),
        });
    }

    fn whatif(&mut self, block: &ast::WhatIfBlock) -> WhatIf {
        let mut steps = Vec::new();
        for statement in &block.body {
            let kind = match &statement.node {
                ast::WhatIfStmt::Expect(condition) => {
                    self.expectation(condition).map(StatementKind::Expect)
                }
                ast::WhatIfStmt::Show(show) => self.show(show).map(StatementKind::Show),
                ast::WhatIfStmt::Mutate(mutation) => {
                    self.mutation(mutation).map(StatementKind::Mutate)
                }
            };
            if let Some(kind) = kind {
                steps.push(Statement {
                    origin: self.origin(statement.span),
                    kind,
                });
            }
        }
        WhatIf {
            name: block.name.node.clone(),
            steps,
        }
    }

    fn expectation(&mut self, condition: &Condition) -> Option<Expectation> {
        match condition {
            Condition::Access {
                subject,
                allowed,
                access,
            } => {
                let principal = self.principal(subject);
                let access = self.access(access, false);
                Some(Expectation::Access {
                    principal: principal?,
                    allowed: *allowed,
                    access: access?,
                })
            }
            Condition::Escalation {
                subject,
                reachable,
                target,
            } => {
                let principal = self.principal(subject);
                let target = self.escalation_target(target);
                Some(Expectation::Escalation {
                    principal: principal?,
                    reachable: *reachable,
                    target: target?,
                })
            }
            Condition::WhoCan {
                access,
                relation,
                subjects,
            } => {
                let access = self.access(access, false);
                let patterns: Vec<Option<SubjectPattern>> =
                    subjects.iter().map(|s| self.subject_pattern(s)).collect();
                Some(Expectation::WhoCan {
                    access: access?,
                    relation: *relation,
                    subjects: patterns.into_iter().collect::<Option<Vec<_>>>()?,
                })
            }
            Condition::WorkloadLevel {
                workload,
                outcome,
                level,
                version,
            } => {
                let workload = self.workload(workload);
                let level = self.level(level);
                let version = self.optional_version(version);
                Some(Expectation::PodSecurity {
                    workloads: WorkloadSelector::One(workload?),
                    meets: *outcome == ast::LevelOutcome::Meets,
                    level: level?,
                    version: version?,
                })
            }
            Condition::SetLevel {
                set,
                outcome,
                level,
                version,
            } => {
                let workloads = self.workload_set(set);
                let level = self.level(level);
                let version = self.optional_version(version);
                Some(Expectation::PodSecurity {
                    workloads: workloads?,
                    meets: *outcome == ast::LevelOutcome::Meets,
                    level: level?,
                    version: version?,
                })
            }
            Condition::Admission {
                namespace,
                admission,
                workload,
            } => {
                let namespace = self.namespace(namespace, false, true);
                let workload = self.workload(workload);
                Some(Expectation::Admission {
                    namespace: namespace?.0,
                    admits: *admission == ast::Admission::Admits,
                    workload: workload?,
                })
            }
            // The grammar only admits this form in policies.
            Condition::NamespaceEnforces { namespace, .. } => {
                self.error(
                    namespace.span,
                    "kubesim::dsl::policy-only",
                    "`enforces` is only available in policies",
                );
                None
            }
        }
    }

    fn show(&mut self, show: &ast::ShowExpr) -> Option<Show> {
        Some(match show {
            ast::ShowExpr::WhoCan(access) => Show::WhoCan(self.access(access, false)?),
            ast::ShowExpr::Access { subject, namespace } => {
                let principal = self.principal(subject);
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                Show::Access {
                    principal: principal?,
                    namespace,
                }
            }
            ast::ShowExpr::Pss { namespace } => Show::Pss {
                namespace: match namespace {
                    Some(ns) => Some(self.namespace(ns, true, true)?),
                    None => None,
                },
            },
            ast::ShowExpr::Escalations { from, to } => {
                let from = from.as_ref().map(|s| self.principal(s));
                let to = to.as_ref().map(|t| self.escalation_target(t));
                Show::Escalations {
                    from: from.map_or(Some(None), |p| p.map(Some))?,
                    to: to.map_or(Some(None), |t| t.map(Some))?,
                }
            }
            ast::ShowExpr::Diff => Show::Diff,
        })
    }

    fn mutation(&mut self, mutation: &ast::Mutation) -> Option<Mutation> {
        match mutation {
            ast::Mutation::Bind {
                subject,
                role,
                namespace,
            } => {
                let subject = self.principal(subject).map(|p| p.subject);
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                let role_kind = match role.prefix.node.as_str() {
                    "role" => RoleKind::Role,
                    "clusterrole" => RoleKind::ClusterRole,
                    other => {
                        self.error(
                            role.prefix.span,
                            "kubesim::dsl::invalid-role",
                            format!("`{other}:` is not a role kind"),
                        )
                        .help = Some("bind to role:NAME in NAMESPACE or clusterrole:NAME".into());
                        return None;
                    }
                };
                if !names::is_path_segment_name(&role.name.node) {
                    self.invalid_role_name(&role.name);
                    return None;
                }
                if role_kind == RoleKind::Role && namespace.is_none() {
                    self.error(
                        role.span,
                        "kubesim::dsl::role-needs-namespace",
                        "binding a `role:` needs `in NAMESPACE`",
                    )
                    .help = Some("a Role exists in one namespace; use clusterrole: for a cluster-wide binding".into());
                    return None;
                }
                Some(Mutation::Bind {
                    subject: subject?,
                    role_kind,
                    role: role.name.node.clone(),
                    namespace,
                })
            }
            ast::Mutation::Apply(path) => Some(Mutation::Apply {
                pattern: path.node.clone(),
                files: self.resolve_files("apply", path)?,
            }),
            ast::Mutation::Remove {
                kind,
                namespace,
                name,
            } => {
                let Some(object_kind) = ObjectKind::parse(&kind.node) else {
                    self.error(
                        kind.span,
                        "kubesim::dsl::unknown-kind",
                        format!("unknown kind `{}`", kind.node),
                    )
                    .help = Some("kinds are role, clusterrole, rolebinding, clusterrolebinding, serviceaccount, namespace, secret and the workload kinds".into());
                    return None;
                };
                match (object_kind.is_namespaced(), namespace) {
                    (true, None) => {
                        self.error(
                            name.span,
                            "kubesim::dsl::missing-namespace",
                            format!(
                                "a {} is namespaced: write NAMESPACE/{}",
                                object_kind.kind(),
                                name.node
                            ),
                        );
                        return None;
                    }
                    (false, Some(ns)) => {
                        self.error(
                            ns.span,
                            "kubesim::dsl::unexpected-namespace",
                            format!(
                                "a {} is cluster-scoped and has no namespace",
                                object_kind.kind()
                            ),
                        );
                        return None;
                    }
                    _ => {}
                }
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                if !is_dns_subdomain(&name.node, false) && !names::is_path_segment_name(&name.node)
                {
                    self.error(
                        name.span,
                        "kubesim::dsl::invalid-name",
                        format!("`{}` is not a valid object name", name.node),
                    );
                    return None;
                }
                Some(Mutation::Remove {
                    kind: object_kind,
                    namespace,
                    name: name.node.clone(),
                })
            }
            ast::Mutation::Label { namespace, changes } => {
                let namespace = self.namespace(namespace, false, false);
                let mut labels = Vec::new();
                let mut ok = true;
                for change in changes {
                    if !names::is_qualified_name(&change.key.node) {
                        self.error(
                            change.key.span,
                            "kubesim::dsl::invalid-label",
                            format!("`{}` is not a valid label key", change.key.node),
                        )
                        .help = Some(
                            "label keys are [PREFIX/]NAME, e.g. pod-security.kubernetes.io/enforce"
                                .into(),
                        );
                        ok = false;
                    }
                    if !names::is_label_value(&change.value.node) {
                        self.error(
                            change.value.span,
                            "kubesim::dsl::invalid-label",
                            format!("`{}` is not a valid label value", change.value.node),
                        );
                        ok = false;
                    }
                    labels.push((change.key.node.clone(), change.value.node.clone()));
                }
                if !ok {
                    return None;
                }
                Some(Mutation::Label {
                    namespace: namespace?.0,
                    labels,
                })
            }
        }
    }

    /// The files a `load`/`apply` path or glob names.
    fn resolve_files(&mut self, statement: &str, pattern: &Node<String>) -> Option<Vec<PathBuf>> {
        match self.context.resolver.files(&pattern.node) {
            Ok(files) if !files.is_empty() => Some(files),
            Ok(_) => {
                self.error(
                    pattern.span,
                    "kubesim::dsl::no-match",
                    format!("`{statement}` pattern `{}` matches no file", pattern.node),
                )
                .help = Some("paths are relative to the directory of the .ksim file".into());
                None
            }
            Err(reason) => {
                self.error(
                    pattern.span,
                    "kubesim::dsl::invalid-glob",
                    format!("`{}` is not a valid glob: {reason}", pattern.node),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------------ policies

    fn policy(&mut self, block: &ast::PolicyBlock, span: Span) -> Option<Policy> {
        let severity = match &block.severity {
            None => PolicySeverity::Medium,
            Some(word) => match PolicySeverity::parse(&word.node) {
                Some(severity) => severity,
                None => {
                    self.error(
                        word.span,
                        "kubesim::dsl::unknown-severity",
                        format!("unknown severity `{}`", word.node),
                    )
                    .help = Some("severities are low, medium, high and critical".into());
                    PolicySeverity::Medium
                }
            },
        };
        let mut rules = Vec::new();
        for rule in &block.rules {
            if let Some(rule) = self.policy_rule(rule) {
                rules.push(rule);
            }
        }
        Some(Policy {
            name: block.name.node.clone(),
            severity,
            origin: self.origin(span),
            rules,
        })
    }

    fn policy_rule(&mut self, rule: &Node<ast::PolicyRule>) -> Option<PolicyRule> {
        #[derive(PartialEq)]
        enum Ranges {
            Subjects,
            Workloads,
            Namespaces,
        }
        let (condition, ranges) = match &rule.condition.node {
            Condition::Access {
                subject,
                allowed,
                access,
            } => {
                let subjects = self.subject_pattern(subject);
                let access = self.access(access, true);
                (
                    subjects
                        .zip(access)
                        .map(|(subjects, access)| RuleCondition::Access {
                            subjects,
                            allowed: *allowed,
                            access,
                        }),
                    Ranges::Subjects,
                )
            }
            Condition::Escalation {
                subject,
                reachable,
                target,
            } => {
                let subjects = self.subject_pattern(subject);
                let target = self.escalation_target(target);
                (
                    subjects
                        .zip(target)
                        .map(|(subjects, target)| RuleCondition::Escalation {
                            subjects,
                            reachable: *reachable,
                            target,
                        }),
                    Ranges::Subjects,
                )
            }
            Condition::WorkloadLevel {
                workload,
                outcome,
                level,
                version,
            } => {
                let workload = self.workload(workload);
                let level = self.level(level);
                let version = self.optional_version(version);
                (
                    (|| {
                        Some(RuleCondition::PodSecurity {
                            workloads: WorkloadSelector::One(workload?),
                            meets: *outcome == ast::LevelOutcome::Meets,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Workloads,
                )
            }
            Condition::SetLevel {
                set,
                outcome,
                level,
                version,
            } => {
                let workloads = self.workload_set(set);
                let level = self.level(level);
                let version = self.optional_version(version);
                (
                    (|| {
                        Some(RuleCondition::PodSecurity {
                            workloads: workloads?,
                            meets: *outcome == ast::LevelOutcome::Meets,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Workloads,
                )
            }
            Condition::NamespaceEnforces {
                namespace,
                level,
                version,
            } => {
                let namespaces = self.namespace(namespace, true, true);
                let level = self.level(level);
                let version = match version {
                    Some(v) => self.version(v).map(Some),
                    None => Some(None),
                };
                (
                    (|| {
                        Some(RuleCondition::NamespaceEnforces {
                            namespaces: namespaces?,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Namespaces,
                )
            }
            // The grammar keeps these out of policies.
            Condition::WhoCan { .. } | Condition::Admission { .. } => {
                self.error(
                    rule.condition.span,
                    "kubesim::dsl::scenario-only",
                    "this form is only available in scenarios",
                );
                return None;
            }
        };
        let mut exceptions = Vec::new();
        let mut exceptions_ok = true;
        for exception in rule.exceptions.iter().flatten() {
            let (lowered, kind) = match &exception.node {
                ast::ExceptionExpr::Subject(subject) => (
                    self.subject_pattern(&Node::new(subject.clone(), exception.span))
                        .map(Exception::Subject),
                    Ranges::Subjects,
                ),
                ast::ExceptionExpr::Workload(workload) => (
                    self.workload(&Node::new(workload.clone(), exception.span))
                        .map(|w| Exception::Workloads(WorkloadSelector::One(w))),
                    Ranges::Workloads,
                ),
                ast::ExceptionExpr::WorkloadSet(set) => (
                    self.workload_set(&Node::new(set.clone(), exception.span))
                        .map(Exception::Workloads),
                    Ranges::Workloads,
                ),
                ast::ExceptionExpr::Namespace(ns) => (
                    self.namespace(ns, true, true).map(Exception::Namespace),
                    Ranges::Namespaces,
                ),
            };
            // A namespace exception also makes sense for workload rules (all its workloads).
            let fits =
                kind == ranges || (kind == Ranges::Namespaces && ranges == Ranges::Workloads);
            if !fits {
                let expected = match ranges {
                    Ranges::Subjects => "subjects",
                    Ranges::Workloads => "workloads or `namespace NS`",
                    Ranges::Namespaces => "`namespace NS`",
                };
                self.error(
                    exception.span,
                    "kubesim::dsl::exception-mismatch",
                    format!("this rule can only except {expected}"),
                );
                exceptions_ok = false;
                continue;
            }
            match lowered {
                Some(lowered) => exceptions.push(lowered),
                None => exceptions_ok = false,
            }
        }
        if !exceptions_ok {
            return None;
        }
        Some(PolicyRule {
            origin: self.origin(rule.span),
            mode: rule.mode,
            condition: condition?,
            exceptions,
        })
    }
}

/// RFC 1123 label (namespaces); `*` allowed anywhere when `glob`.
fn is_dns_label(text: &str, glob: bool) -> bool {
    if glob && text.contains('*') {
        return text.len() <= 63
            && text
                .chars()
                .all(|c| c == '*' || c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    }
    names::is_dns1123_label(text)
}

/// RFC 1123 subdomain (most object names); `*` allowed anywhere when `glob`.
fn is_dns_subdomain(text: &str, glob: bool) -> bool {
    if glob {
        names::is_dns1123_subdomain(&text.replace('*', "a"))
    } else {
        names::is_dns1123_subdomain(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_like_kubernetes() {
        assert!(is_dns_label("payments", false));
        assert!(!is_dns_label("Payments", false));
        assert!(!is_dns_label("-x", false));
        assert!(is_dns_label("prod-*", true));
        assert!(!is_dns_label("prod-*", false));
        assert!(is_dns_subdomain("app.config", false));
        assert!(names::is_qualified_name(
            "pod-security.kubernetes.io/enforce"
        ));
        assert!(!names::is_qualified_name("bad key"));
        assert!(names::is_label_value(""));
        assert!(!names::is_label_value("-x"));
        assert!(names::is_path_segment_name(
            "system:controller:job-controller"
        ));
    }
}
