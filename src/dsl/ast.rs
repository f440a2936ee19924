//! The syntax tree of a `.ksim` file, exactly as written.
//!
//! Every node is wrapped in a [`Node`] that carries its [`Span`] (byte range plus file id), so
//! any statement's text can be recovered from the file's [`SourceText`] and every diagnostic can
//! point at the words that caused it. Words whose meaning is checked later (subject prefixes,
//! resources, levels, versions, namespaces) are kept as the strings the user typed; the checker
//! in `check.rs` validates them and lowers the tree into the typed `program.rs` form.
//! Equality of nodes ignores spans, so two trees parsed from differently formatted text compare
//! equal when they say the same thing.

use std::fmt;
use std::sync::Arc;

pub use crate::source::text::{FileId, SourceText, Span};

/// A syntax-tree value with the span it was parsed from. Equality ignores the span.
#[derive(Clone)]
pub struct Node<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Node<T> {
    pub fn new(node: T, span: Span) -> Self {
        Self { node, span }
    }
}

impl<T: PartialEq> PartialEq for Node<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Node<T> {}

impl<T: fmt::Debug> fmt::Debug for Node<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Spans would drown the tree in numbers; print them only in the alternate form.
        if f.alternate() {
            write!(
                f,
                "{:#?} @{}..{}",
                self.node, self.span.start, self.span.end
            )
        } else {
            self.node.fmt(f)
        }
    }
}

impl<T> std::ops::Deref for Node<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node
    }
}

/// A whole `.ksim` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub source: Arc<SourceText>,
    pub items: Vec<Node<Item>>,
}

impl File {
    /// The statement (or any node) as written in the file.
    pub fn text_of(&self, span: Span) -> &str {
        self.source.slice(span)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Identity(IdentityDecl),
    Scenario(ScenarioBlock),
    Policy(PolicyBlock),
}

/// `identity alice = user:alice groups [dev, oncall]`, or an identity read from a credential:
/// `identity me = kubeconfig "creds/kubeconfig.yaml" context "dev"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityDecl {
    pub name: Node<String>,
    /// The subject, unless the identity is read from a credential.
    pub subject: Option<Node<SubjectExpr>>,
    pub groups: Option<Vec<Node<String>>>,
    pub credential: Option<Node<CredentialExpr>>,
}

/// What a credential identity is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// `kubeconfig "FILE" [context "NAME"]`
    Kubeconfig,
    /// `cert "FILE"`: a PEM client certificate.
    Certificate,
    /// `token "FILE"`: a file holding a bearer token.
    Token,
}

/// `kubeconfig "FILE" [context "NAME"]`, `cert "FILE"` or `token "FILE"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialExpr {
    pub kind: CredentialKind,
    /// Relative to the `.ksim` file.
    pub path: Node<String>,
    pub context: Option<Node<String>>,
}

/// `PREFIX:NAME`, as in `user:alice`, `sa:ns/name` or `clusterrole:admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixedName {
    pub prefix: Node<String>,
    /// The name after the colon, unescaped if it was quoted.
    pub name: Node<String>,
}

/// A subject, subject pattern or escalation target as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectExpr {
    Prefixed(PrefixedName),
    /// `any subject`, `any user`, `any group`, `any sa`
    Any(AnyKind),
    /// A name declared with `identity`.
    Identity(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnyKind {
    Subject,
    User,
    Group,
    ServiceAccount,
}

impl AnyKind {
    pub fn word(self) -> &'static str {
        match self {
            AnyKind::Subject => "subject",
            AnyKind::User => "user",
            AnyKind::Group => "group",
            AnyKind::ServiceAccount => "sa",
        }
    }
}

/// `RESOURCE[.GROUP][/SUBRESOURCE]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceExpr {
    pub resource: Node<String>,
    pub group: Option<Node<String>>,
    pub subresource: Option<Node<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeExpr {
    /// `in NAMESPACE`
    Namespace(Node<String>),
    /// `cluster-wide`
    ClusterWide,
}

/// `VERB RESOURCE [named NAME] [in NS | cluster-wide]` or `VERB url PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a few per statement; boxing would only add noise"
)]
pub enum AccessExpr {
    Resource {
        verb: Node<String>,
        resource: Node<ResourceExpr>,
        name: Option<Node<String>>,
        scope: Option<Node<ScopeExpr>>,
    },
    Url {
        verb: Node<String>,
        path: Node<String>,
    },
}

/// `KIND NAMESPACE/NAME`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadExpr {
    pub kind: Node<String>,
    pub namespace: Node<String>,
    pub name: Node<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadSetExpr {
    /// `pods in NAMESPACE`
    Pods(Node<String>),
    /// `workloads in NAMESPACE`
    Workloads(Node<String>),
    /// `any workload`
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LevelOutcome {
    /// `meets` / `meet`
    Meets,
    /// `fails` / `fail`
    Fails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    Admits,
    Rejects,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetRelation {
    Is,
    Includes,
    Excludes,
}

impl SetRelation {
    pub fn word(self) -> &'static str {
        match self {
            SetRelation::Is => "is",
            SetRelation::Includes => "includes",
            SetRelation::Excludes => "excludes",
        }
    }
}

/// What an `expect` statement asserts, or what a policy rule talks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `S can A` / `S cannot A`
    Access {
        subject: Node<SubjectExpr>,
        allowed: bool,
        access: Node<AccessExpr>,
    },
    /// `S can escalate to T` / `S cannot escalate to T`
    Escalation {
        subject: Node<SubjectExpr>,
        reachable: bool,
        target: Node<SubjectExpr>,
    },
    /// `who can A is|includes|excludes [..]`
    WhoCan {
        access: Node<AccessExpr>,
        relation: SetRelation,
        subjects: Vec<Node<SubjectExpr>>,
    },
    /// `W meets|fails L [at V]`
    WorkloadLevel {
        workload: Node<WorkloadExpr>,
        outcome: LevelOutcome,
        level: Node<String>,
        version: Option<Node<String>>,
    },
    /// `pods in NS meet L [at V]`, `workloads in NS ...`, `any workload ...`
    SetLevel {
        set: Node<WorkloadSetExpr>,
        outcome: LevelOutcome,
        level: Node<String>,
        version: Option<Node<String>>,
    },
    /// `namespace NS admits|rejects W`
    Admission {
        namespace: Node<String>,
        admission: Admission,
        workload: Node<WorkloadExpr>,
    },
    /// `against "BASE": no KIND gains T`, `S gains T`, `S does not gain T`
    Gain {
        /// A git revision or a directory, as written.
        base: Node<String>,
        holders: Node<GainHolders>,
        gains: bool,
        target: Node<GainTarget>,
    },
    /// `against "BASE": no workload drops below L [at V]`
    DropBelow {
        base: Node<String>,
        level: Node<String>,
        version: Option<Node<String>>,
    },
    /// `namespace NS enforces L [at V]` (policies only)
    NamespaceEnforces {
        namespace: Node<String>,
        level: Node<String>,
        version: Option<Node<String>>,
    },
}

/// Who a gain is asked of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GainHolders {
    /// `no subject|user|group|sa`: each holder of that kind on its own.
    NoneOf(AnyKind),
    One(Node<SubjectExpr>),
}

/// What is gained: every permission of a role, or one access.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per statement; boxing would only add noise"
)]
pub enum GainTarget {
    /// `clusterrole:NAME`, `role:NS/NAME`
    Role(PrefixedName),
    Access(Node<AccessExpr>),
}

/// What a `show` statement reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowExpr {
    /// `show who can A`
    WhoCan(Node<AccessExpr>),
    /// `show access S [in NS]`
    Access {
        subject: Node<SubjectExpr>,
        namespace: Option<Node<String>>,
    },
    /// `show pss [in NS]`
    Pss { namespace: Option<Node<String>> },
    /// `show escalations [for S] [to T]`
    Escalations {
        from: Option<Node<SubjectExpr>>,
        to: Option<Node<SubjectExpr>>,
    },
    /// `show diff` (what-if blocks only)
    Diff,
}

/// `KEY=VALUE`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelChange {
    pub key: Node<String>,
    pub value: Node<String>,
}

/// A change to the scenario's state inside a `whatif` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// `bind S to role:NAME in NS`, `bind S to clusterrole:NAME [in NS]`
    Bind {
        subject: Node<SubjectExpr>,
        role: Node<PrefixedName>,
        namespace: Option<Node<String>>,
    },
    /// `apply "PATH"`
    Apply(Node<String>),
    /// `remove KIND [NS/]NAME`
    Remove {
        kind: Node<String>,
        namespace: Option<Node<String>>,
        name: Node<String>,
    },
    /// `label namespace NS KEY=VALUE...`
    Label {
        namespace: Node<String>,
        changes: Vec<Node<LabelChange>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioBlock {
    pub name: Node<String>,
    pub body: Vec<Node<ScenarioStmt>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioStmt {
    /// `load "GLOB"`
    Load(Node<String>),
    /// `defaults VERSION`
    Defaults(Node<String>),
    /// `authorization MODE[, MODE]... [abac "FILE"]`
    Authorization {
        modes: Vec<String>,
        policy: Option<Node<String>>,
    },
    Expect(Condition),
    /// `show ... [as "LABEL"]`
    Show(ShowExpr, Option<Node<String>>),
    WhatIf(WhatIfBlock),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIfBlock {
    pub name: Node<String>,
    pub body: Vec<Node<WhatIfStmt>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhatIfStmt {
    Mutate(Mutation),
    Expect(Condition),
    /// `show ... [as "LABEL"]`
    Show(ShowExpr, Option<Node<String>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyBlock {
    pub name: Node<String>,
    pub severity: Option<Node<String>>,
    pub rules: Vec<Node<PolicyRule>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleMode {
    Forbid,
    Require,
}

/// `forbid|require CONDITION [except [..]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    pub mode: RuleMode,
    pub condition: Node<Condition>,
    pub exceptions: Option<Vec<Node<ExceptionExpr>>>,
}

/// One entry of an `except [..]` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionExpr {
    /// `namespace NS`
    Namespace(Node<String>),
    WorkloadSet(WorkloadSetExpr),
    Workload(WorkloadExpr),
    Subject(SubjectExpr),
}
