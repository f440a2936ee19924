//! The checked, typed form of a `.ksim` file: plain data the scenario and policy runners
//! evaluate.
//!
//! Everything here has been validated: identities are resolved to the user and groups the
//! apiserver would authenticate, levels and versions are parsed, resources are split into
//! resource, API group and subresource, and `load` patterns are resolved to files. Each
//! statement and rule keeps its span, position and text as written, so reports can quote it.

use std::fmt;
use std::path::PathBuf;

use crate::dsl::ast::{SetRelation, Span};
use crate::model::WorkloadKind;
use crate::model::identity::{
    ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, service_account_groups, service_account_user,
};

pub use crate::dsl::ast::RuleMode;

/// One checked `.ksim` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    /// The file's display name.
    pub file: String,
    pub identities: Vec<Identity>,
    pub scenarios: Vec<Scenario>,
    pub policies: Vec<Policy>,
}

/// Where a statement is and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub span: Span,
    /// 1-based line and column of the start.
    pub line: u32,
    pub column: u32,
    /// The text exactly as written (may span several lines).
    pub text: String,
}

/// `identity NAME = SUBJECT [groups [..]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub principal: Principal,
    pub origin: Origin,
}

/// A concrete RBAC subject.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User(name) => write!(f, "user:{}", quote_if_needed(name)),
            Subject::Group(name) => write!(f, "group:{}", quote_if_needed(name)),
            Subject::ServiceAccount { namespace, name } => write!(f, "sa:{namespace}/{name}"),
        }
    }
}

/// `name` as the language would accept it after a prefix: bare if possible, else quoted.
pub fn quote_if_needed(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:@*+/".contains(c));
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Who makes a request: the subject as written and the user and groups the apiserver would
/// authenticate it as (see the Identities section of the language reference).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Principal {
    pub subject: Subject,
    /// The user name of the request; `None` for a bare `group:G`, which asks about members
    /// of G with no other identity.
    pub user: Option<String>,
    /// Every group of the request, sorted and without duplicates.
    pub groups: Vec<String>,
    /// The identity name when the subject was written as a declared identity.
    pub identity: Option<String>,
}

impl Principal {
    /// The request identity of a subject plus extra groups, as the apiserver authenticates it.
    pub fn authenticate(subject: Subject, extra_groups: &[String]) -> Self {
        let (user, mut groups) = match &subject {
            Subject::User(name) if name == ANONYMOUS => {
                (Some(name.clone()), vec![UNAUTHENTICATED.to_string()])
            }
            Subject::User(name) => (Some(name.clone()), vec![AUTHENTICATED.to_string()]),
            Subject::Group(name) => (None, vec![name.clone()]),
            Subject::ServiceAccount { namespace, name } => {
                let mut groups = service_account_groups(namespace);
                groups.push(AUTHENTICATED.to_string());
                (Some(service_account_user(namespace, name)), groups)
            }
        };
        groups.extend(extra_groups.iter().cloned());
        groups.sort();
        groups.dedup();
        Self {
            subject,
            user,
            groups,
            identity: None,
        }
    }
}

/// A name that may contain `*` globs (each `*` matches any run of characters, `/` and `:`
/// included).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamePattern(pub String);

impl NamePattern {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_literal(&self) -> bool {
        !self.0.contains('*')
    }

    pub fn matches(&self, candidate: &str) -> bool {
        wildcard_match(self.0.as_bytes(), candidate.as_bytes())
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `*`-only glob matching in linear-times-backtrack steps (no recursion, no allocation).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if text.get(t) == Some(&c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// A set of subjects, in who-can lists, policies and `except` lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectPattern {
    /// `any subject`
    Any,
    /// `any user`
    AnyUser,
    /// `any group`
    AnyGroup,
    /// `any sa`
    AnyServiceAccount,
    User(NamePattern),
    Group(NamePattern),
    ServiceAccount {
        namespace: NamePattern,
        name: NamePattern,
    },
}

impl SubjectPattern {
    pub fn matches(&self, subject: &Subject) -> bool {
        match (self, subject) {
            (SubjectPattern::Any, _)
            | (SubjectPattern::AnyUser, Subject::User(_))
            | (SubjectPattern::AnyGroup, Subject::Group(_))
            | (SubjectPattern::AnyServiceAccount, Subject::ServiceAccount { .. }) => true,
            (SubjectPattern::User(p), Subject::User(n))
            | (SubjectPattern::Group(p), Subject::Group(n)) => p.matches(n),
            (
                SubjectPattern::ServiceAccount { namespace, name },
                Subject::ServiceAccount {
                    namespace: ns,
                    name: n,
                },
            ) => namespace.matches(ns) && name.matches(n),
            _ => false,
        }
    }

    /// The pattern matching exactly one subject.
    pub fn exactly(subject: &Subject) -> Self {
        match subject {
            Subject::User(n) => SubjectPattern::User(NamePattern(n.clone())),
            Subject::Group(n) => SubjectPattern::Group(NamePattern(n.clone())),
            Subject::ServiceAccount { namespace, name } => SubjectPattern::ServiceAccount {
                namespace: NamePattern(namespace.clone()),
                name: NamePattern(name.clone()),
            },
        }
    }
}

/// `RESOURCE[.GROUP][/SUBRESOURCE]`, each part possibly `*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceRef {
    pub resource: String,
    /// The API group: as written, or the group of a well-known built-in resource when none
    /// was written (`deployments` → `apps`, like kubectl), else `""` (core).
    pub group: String,
    /// Whether the group was written; if not, a runner may resolve custom resources itself.
    pub group_written: bool,
    pub subresource: Option<String>,
}

/// What a request does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Resource {
        verb: String,
        resource: ResourceRef,
        /// `named NAME`
        name: Option<String>,
        /// `None` is cluster scope (written `cluster-wide` or nothing); a pattern only in
        /// policies.
        namespace: Option<NamePattern>,
    },
    /// `VERB url PATH`
    NonResource { verb: String, path: String },
}

/// Levels and versions are the Pod Security engine's own types, so what the language parses is
/// exactly what the engine evaluates.
pub use crate::pss::{Level, Version};

/// `KIND NAMESPACE/NAME`
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadRef {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

/// The workloads a pod-security statement or rule is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadSelector {
    One(WorkloadRef),
    /// `pods in NS`: only Pod objects.
    Pods(NamePattern),
    /// `workloads in NS`: pods and every pod template.
    Workloads(NamePattern),
    /// `any workload`
    Any,
}

/// What an escalation path leads to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EscalationTarget {
    ClusterRole(String),
    Role { namespace: String, name: String },
    Principal(Principal),
}

/// The tree an `against "..."` expectation compares the state it sees with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BaseTree {
    /// A directory standing in for the `.ksim` file's own: the scenario's `load` patterns are
    /// resolved against it.
    Directory(PathBuf),
    /// A commit of the git repository holding the `.ksim` file: the `load` patterns are
    /// resolved against the file's directory in that commit.
    Revision { commit: String },
}

/// `against "BASE"`: the base as written and the tree it names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Against {
    pub written: String,
    pub tree: BaseTree,
}

/// Whose gain an expectation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GainHolders {
    /// `no subject|user|group|sa gains`: each user, group or service account a binding
    /// names, on its own (`Any`, `AnyUser`, `AnyGroup` or `AnyServiceAccount`).
    NoneOf(SubjectPattern),
    /// One subject with its user and every group it authenticates with.
    One(Principal),
}

/// What a gain expectation asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GainTarget {
    Access(Access),
    /// Every permission of the ClusterRole, cluster-wide.
    ClusterRole(String),
    /// Every permission of the Role, in its namespace.
    Role {
        namespace: String,
        name: String,
    },
}

/// A checked `expect` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// Holds when the authorizer's decision is `allowed`.
    Access {
        principal: Principal,
        allowed: bool,
        access: Access,
    },
    /// Holds when a path exists (`reachable`) or none does.
    Escalation {
        principal: Principal,
        reachable: bool,
        target: EscalationTarget,
    },
    /// Holds when the allowed subjects are exactly / include / exclude the listed ones.
    WhoCan {
        access: Access,
        relation: SetRelation,
        subjects: Vec<SubjectPattern>,
    },
    /// Holds when every selected workload meets (`meets`) or fails the level.
    PodSecurity {
        workloads: WorkloadSelector,
        meets: bool,
        level: Level,
        version: Version,
    },
    /// Holds when the namespace's enforce labels admit (`admits`) or reject the workload.
    Admission {
        namespace: String,
        admits: bool,
        workload: WorkloadRef,
    },
    /// `no ... gains T` holds when no holder gains T from the base to the state; `S gains T`
    /// when S may do all of T in the state and could not in the base; `S does not gain T`
    /// when it is not so.
    Gain {
        base: Against,
        holders: GainHolders,
        gains: bool,
        target: GainTarget,
    },
    /// Holds when no workload below `level` in the state was at `level` or above in the base
    /// (a workload new in the state counts as having been above).
    DropBelow {
        base: Against,
        level: Level,
        version: Version,
    },
}

impl Expectation {
    /// The base tree, for an expectation that compares with one.
    pub fn base(&self) -> Option<&Against> {
        match self {
            Expectation::Gain { base, .. } | Expectation::DropBelow { base, .. } => Some(base),
            _ => None,
        }
    }
}

/// A checked `show` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    WhoCan(Access),
    Access {
        principal: Principal,
        namespace: Option<String>,
    },
    Pss {
        namespace: Option<NamePattern>,
    },
    Escalations {
        from: Option<Principal>,
        to: Option<EscalationTarget>,
    },
    /// Only inside a what-if.
    Diff,
}

/// Kinds a `remove` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    ServiceAccount,
    Namespace,
    Secret,
    Workload(WorkloadKind),
}

impl ObjectKind {
    /// Accepts the lower-case word or the manifest kind (`rolebinding`, `RoleBinding`).
    pub fn parse(word: &str) -> Option<Self> {
        let kind = match word.to_ascii_lowercase().as_str() {
            "role" => ObjectKind::Role,
            "clusterrole" => ObjectKind::ClusterRole,
            "rolebinding" => ObjectKind::RoleBinding,
            "clusterrolebinding" => ObjectKind::ClusterRoleBinding,
            "serviceaccount" | "sa" => ObjectKind::ServiceAccount,
            "namespace" => ObjectKind::Namespace,
            "secret" => ObjectKind::Secret,
            other => return WorkloadKind::from_word(other).map(ObjectKind::Workload),
        };
        Some(kind)
    }

    /// The kind as written in manifests.
    pub fn kind(self) -> &'static str {
        match self {
            ObjectKind::Role => "Role",
            ObjectKind::ClusterRole => "ClusterRole",
            ObjectKind::RoleBinding => "RoleBinding",
            ObjectKind::ClusterRoleBinding => "ClusterRoleBinding",
            ObjectKind::ServiceAccount => "ServiceAccount",
            ObjectKind::Namespace => "Namespace",
            ObjectKind::Secret => "Secret",
            ObjectKind::Workload(kind) => kind.kind(),
        }
    }

    pub fn is_namespaced(self) -> bool {
        !matches!(
            self,
            ObjectKind::ClusterRole | ObjectKind::ClusterRoleBinding | ObjectKind::Namespace
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

/// A checked what-if mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// A RoleBinding in `namespace`, or a ClusterRoleBinding when it is `None`.
    Bind {
        subject: Subject,
        role_kind: RoleKind,
        role: String,
        namespace: Option<String>,
    },
    /// Add the objects of these files (same kind/namespace/name replaces).
    Apply {
        pattern: String,
        files: Vec<PathBuf>,
    },
    Remove {
        kind: ObjectKind,
        namespace: Option<String>,
        name: String,
    },
    /// Set these labels on the namespace.
    Label {
        namespace: String,
        labels: Vec<(String, String)>,
    },
}

/// One statement of a scenario or what-if, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub origin: Origin,
    pub kind: StatementKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    Expect(Expectation),
    /// A show and the label its snapshot is named by, when it was given one.
    Show(Show, Option<String>),
    WhatIf(WhatIf),
    /// Only inside a what-if; applies to the statements after it in the same block.
    Mutate(Mutation),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIf {
    pub name: String,
    pub steps: Vec<Statement>,
}

/// `load "PATTERN"` resolved against the `.ksim` file's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub pattern: String,
    /// Matching files, sorted.
    pub files: Vec<PathBuf>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub origin: Origin,
    pub loads: Vec<Load>,
    /// `defaults VERSION`: merge Kubernetes' built-in roles and bindings of that version.
    pub defaults: Option<Version>,
    /// `authorization MODES [abac "FILE"]`: the authorizer chain (RBAC alone when absent).
    pub authorization: Option<Authorization>,
    pub statements: Vec<Statement>,
}

/// A scenario's authorizer chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub modes: Vec<crate::authz::Mode>,
    /// The ABAC policy file, resolved against the `.ksim` file's directory.
    pub abac_policy: Option<PathBuf>,
    pub origin: Origin,
}

pub use crate::model::PolicySeverity;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    /// `medium` unless written.
    pub severity: PolicySeverity,
    pub origin: Origin,
    pub rules: Vec<PolicyRule>,
}

/// A policy rule. It ranges over the offenders its condition selects (subjects, workloads or
/// namespaces) minus the exceptions; a `require` rule is violated by each offender for which
/// the condition does not hold, a `forbid` rule by each offender for which it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    pub origin: Origin,
    pub mode: RuleMode,
    pub condition: RuleCondition,
    pub exceptions: Vec<Exception>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleCondition {
    /// `SUBJECTS can|cannot ACCESS`
    Access {
        subjects: SubjectPattern,
        allowed: bool,
        access: Access,
    },
    /// `SUBJECTS can|cannot escalate to TARGET`
    Escalation {
        subjects: SubjectPattern,
        reachable: bool,
        target: EscalationTarget,
    },
    /// `WORKLOADS meet|fail LEVEL [at VERSION]`
    PodSecurity {
        workloads: WorkloadSelector,
        meets: bool,
        level: Level,
        version: Version,
    },
    /// `namespace NS enforces LEVEL [at VERSION]`: the namespace's enforce label is LEVEL
    /// or stricter (and its enforce-version, when given, is VERSION).
    NamespaceEnforces {
        namespaces: NamePattern,
        level: Level,
        version: Option<Version>,
    },
}

/// An `except [..]` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exception {
    Subject(SubjectPattern),
    Workloads(WorkloadSelector),
    Namespace(NamePattern),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_runs_of_any_characters() {
        let p = |s: &str| NamePattern(s.to_string());
        assert!(p("prod-*").matches("prod-eu"));
        assert!(p("prod-*").matches("prod-"));
        assert!(!p("prod-*").matches("staging"));
        assert!(p("system:*").matches("system:serviceaccounts:kube-system"));
        assert!(p("*a*b").matches("xxaxxb"));
        assert!(!p("*a*b").matches("xxaxxbc"));
        assert!(p("*").matches(""));
        assert!(p("exact").matches("exact"));
        assert!(!p("exact").matches("exactly"));
    }

    #[test]
    fn service_accounts_authenticate_with_their_groups() {
        let principal = Principal::authenticate(
            Subject::ServiceAccount {
                namespace: "payments".into(),
                name: "ci".into(),
            },
            &[],
        );
        assert_eq!(
            principal.user.as_deref(),
            Some("system:serviceaccount:payments:ci")
        );
        assert_eq!(
            principal.groups,
            [
                "system:authenticated",
                "system:serviceaccounts",
                "system:serviceaccounts:payments"
            ]
        );
        let anonymous = Principal::authenticate(Subject::User("system:anonymous".into()), &[]);
        assert_eq!(anonymous.groups, ["system:unauthenticated"]);
    }

    #[test]
    fn versions_parse_like_pod_security_admission() {
        assert_eq!("latest".parse::<Version>().ok(), Some(Version::Latest));
        assert_eq!("v1.25".parse::<Version>().ok(), Some(Version::V1(25)));
        assert_eq!("v1.0".parse::<Version>().ok(), Some(Version::V1(0)));
        assert_eq!("v1.05".parse::<Version>().ok(), None);
        assert_eq!("1.25".parse::<Version>().ok(), None);
        assert_eq!("v2.1".parse::<Version>().ok(), None);
    }
}
