//! The escalation graph: identities (users, groups, service accounts), what they can reach
//! (running pods in a namespace, reading token Secrets, impersonation, binding roles to
//! themselves, minting certificates, admission webhooks) and the targets (cluster-admin, a
//! node). Every edge that an RBAC grant creates carries the binding, role and rule behind it;
//! edges without one are facts of the cluster (a pod may mount any service account of its
//! namespace, a service account is in its groups), which no binding removal can cut.
//!
//! Built once per input: the capabilities of every role are derived once (rule matching),
//! each identity's edges are computed in parallel from the bindings that name it, then the
//! intermediate nodes are expanded. Node and edge order is deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use k8s_openapi::api::rbac::v1::PolicyRule;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;

use super::admission::{Admitted, admits};
use super::caps::{Cap, Names, cluster_admin_rules, rule_caps};
use crate::index::entry::{BindingId, BindingKind, RoleId, RoleKind};
use crate::index::rbac_index::RbacIndex;
use crate::model::WorkloadKind;
use crate::model::identity::{
    ANONYMOUS, AUTHENTICATED, SERVICE_ACCOUNTS, SUPERUSER_GROUP, UNAUTHENTICATED,
    split_service_account_user,
};
use crate::pss::Level;
use crate::pss::admission::Admission;
use crate::pss::assess::namespace_labels;
use crate::rbac::covers::covers;

pub type NodeId = NodeIndex<u32>;

/// Namespaces every cluster has, considered even when the input does not mention them.
pub const BUILT_IN_NAMESPACES: [&str; 3] = ["default", "kube-public", "kube-system"];

/// The signer whose certificates authenticate any user in any group to the API server.
pub const API_SERVER_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client";
/// The signer of kubelet client certificates (users `system:node:*` in `system:nodes`).
pub const KUBELET_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client-kubelet";

/// Where a granted right applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Granted by a ClusterRoleBinding: cluster-scoped resources and every namespace.
    Cluster,
    /// RoleBindings in every namespace: namespaced resources only.
    EveryNamespace,
    Namespace(String),
}

impl Scope {
    /// The namespace namespaced rights are limited to (`None`: every namespace).
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            _ => None,
        }
    }

    /// The namespaced scope both rights share, if any.
    fn intersect(&self, other: &Scope) -> Option<Scope> {
        match (self, other) {
            (Scope::Namespace(a), Scope::Namespace(b)) => (a == b).then(|| self.clone()),
            (Scope::Namespace(_), _) => Some(self.clone()),
            (_, Scope::Namespace(_)) => Some(other.clone()),
            _ => Some(Scope::EveryNamespace),
        }
    }

    fn covers(&self, namespace: &str) -> bool {
        self.namespace().is_none_or(|ns| ns == namespace)
    }
}

/// A role an identity could bind to itself: one of the input, or any role at all (the
/// built-in `cluster-admin`, which every cluster has, when `bind` is not limited by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantedRole {
    Any,
    Role(RoleId),
}

/// A node of the escalation graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKey {
    User(String),
    Group(String),
    ServiceAccount {
        namespace: String,
        name: String,
    },
    /// Holding a role through a binding the identity can create for itself.
    RoleGrant {
        role: GrantedRole,
        scope: Scope,
    },
    /// Getting a pod (or a workload's pods) created in a namespace (`None`: every namespace).
    RunPods(Option<String>),
    /// Acting as any service account of a namespace.
    ServiceAccountsOf(Option<String>),
    /// Reading the legacy token Secrets of a namespace.
    TokenSecrets(Option<String>),
    /// Running commands in the running pods of a namespace.
    ExecPods(Option<String>),
    AnyUser,
    AnyGroup,
    /// Writing admission webhook configurations: every matching write passes through them.
    Webhooks {
        mutating: bool,
    },
    /// Getting client certificates of a signer issued.
    Certificates {
        signer: String,
    },
    ClusterAdmin,
    /// Root on a node: a privileged pod with the host's filesystem and namespaces.
    NodeEscape,
}

/// The grant behind an edge: binding, role and effective rule. A role bound by the identity
/// itself (through [`NodeKey::RoleGrant`]) has no binding yet; the `Any` role has no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    pub binding: Option<BindingId>,
    pub role: Option<RoleId>,
    pub rule: Option<usize>,
}

/// What an edge means.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    /// An identity acts with the rights of its groups.
    MemberOf,
    /// `system:masters` bypasses authorization.
    Superuser,
    /// The rules cover every verb on every resource and non-resource URL.
    HoldsEverything,
    /// `create` on pods or a controller.
    CreatesPods(&'static str),
    /// A pod of the namespace may run as any of its service accounts and read the token.
    PodRunsAs,
    /// A privileged pod is admitted in the namespace.
    PrivilegedPod {
        enforce: String,
        exemption: Option<String>,
    },
    /// Rights in every namespace include this one.
    InNamespace,
    /// A set of identities includes this one.
    OneOf,
    /// `create serviceaccounts/token`.
    RequestsToken,
    /// `get`/`list`/`watch` secrets.
    ReadsSecrets,
    /// The Secret holds the service account's legacy token.
    TokenSecret(String),
    ImpersonatesServiceAccount,
    ImpersonatesUser,
    /// Needs a user impersonation too (the second grant).
    ImpersonatesGroup,
    /// `pods/exec`, `pods/attach` or `pods/ephemeralcontainers`.
    Execs(&'static str),
    /// A workload of the input runs as the service account (index in `Cluster::workloads`).
    PodOf(usize),
    /// `nodes/proxy`: the kubelet API runs commands in any pod.
    NodesProxy,
    /// Create a binding and `bind` its role.
    Binds,
    /// Update an existing binding (add oneself) and `bind` its role.
    UpdatesBinding(BindingId),
    /// `escalate` and `update` on a role the identity is bound to.
    RewritesRole,
    /// `create` roles with `escalate`, then bind them.
    CreatesRole,
    /// `create` a CSR, `update` its approval and `approve` for the signer.
    ApprovesCertificates,
    /// A certificate of the signer names any user and groups.
    MintsIdentity,
    /// `create`/`update`/`patch` webhook configurations.
    WritesWebhooks,
    /// A mutating webhook rewrites every pod created.
    MutatesPods,
    /// Admission webhooks receive every Secret written.
    SeesSecrets,
    /// Root on a node reads the tokens of the DaemonSet pods running there.
    OnEveryNode(usize),
    /// The identity holds the target role (query-time edge into a role target).
    HoldsRole,
}

/// An edge: what it means and the grants it needs (all of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub evidence: Vec<Evidence>,
}

impl Step {
    fn fact(kind: StepKind) -> Step {
        Step {
            kind,
            evidence: Vec::new(),
        }
    }

    /// The bindings whose removal breaks this edge (any one of them does).
    pub fn bindings(&self) -> impl Iterator<Item = BindingId> + '_ {
        self.evidence.iter().filter_map(|e| e.binding)
    }
}

/// Options of the analysis.
#[derive(Debug, Clone, Default)]
pub struct EscalationOptions {
    /// The Pod Security admission configuration (defaults and exemptions).
    pub admission: Admission,
}

/// One capability an identity holds, with where and why.
#[derive(Debug, Clone)]
struct Held<'a> {
    cap: &'a Cap,
    scope: Scope,
    evidence: Evidence,
}

/// The facts about the input the edges are computed from.
struct Context<'a> {
    index: &'a RbacIndex,
    role_caps: Vec<Vec<(usize, Cap)>>,
    any_role_caps: Vec<Cap>,
    admin_role: Vec<bool>,
    namespaces: BTreeSet<String>,
    service_accounts: BTreeMap<String, BTreeSet<String>>,
    /// Namespace → (secret, service account) of legacy token Secrets.
    token_secrets: BTreeMap<String, Vec<(String, String)>>,
    /// Namespace → (workload index, service account).
    workloads: BTreeMap<String, Vec<(usize, String)>>,
    /// Pod name → the indexes of the Pods so named, ascending (a cap limited to pod names
    /// looks them up instead of visiting every workload of every namespace it covers).
    pods_named: HashMap<&'a str, Vec<usize>>,
    /// Service account name → the namespaces that have one so named, sorted.
    service_accounts_named: HashMap<String, Vec<String>>,
    /// Legacy token Secret name → (namespace, position in `token_secrets[namespace]`), sorted.
    token_secrets_named: HashMap<String, Vec<(String, usize)>>,
    daemonsets: Vec<(usize, String, String)>,
    privileged: BTreeMap<String, Option<Admitted>>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    bindings_of: HashMap<NodeKey, Vec<BindingId>>,
    /// Namespace → (name, id) of its Roles, sorted.
    roles_by_namespace: BTreeMap<String, Vec<(String, RoleId)>>,
}

/// The escalation graph of one input.
#[derive(Debug, Clone)]
pub struct EscalationGraph {
    pub graph: DiGraph<NodeKey, Step, u32>,
    pub nodes: HashMap<NodeKey, NodeId>,
    /// Bindings naming each identity directly, in visiting order.
    pub bindings_of: HashMap<NodeKey, Vec<BindingId>>,
    /// Namespaces considered (the input's and the built-in ones).
    pub namespaces: BTreeSet<String>,
    /// Known service accounts per namespace.
    pub service_accounts: BTreeMap<String, BTreeSet<String>>,
    /// Whether a privileged pod is admitted, per namespace.
    pub privileged: BTreeMap<String, Option<Admitted>>,
}

/// The identity node a binding subject names (`None` for one that never matches). A `User`
/// named `system:serviceaccount:NS:NAME` is that service account: the apiserver authenticates
/// its token as that user, and RBAC matches a User subject by the user name alone.
pub fn subject_key(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    binding_ns: &str,
) -> Option<NodeKey> {
    match kind {
        "User" => Some(match split_service_account_user(name) {
            Some((namespace, name)) => NodeKey::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            None => NodeKey::User(name.to_string()),
        }),
        "Group" => Some(NodeKey::Group(name.to_string())),
        "ServiceAccount" => {
            let ns = match namespace {
                Some(ns) if !ns.is_empty() => ns,
                _ => binding_ns,
            };
            (!ns.is_empty()).then(|| NodeKey::ServiceAccount {
                namespace: ns.to_string(),
                name: name.to_string(),
            })
        }
        _ => None,
    }
}

/// The groups an identity authenticates with.
pub fn membership(key: &NodeKey) -> Vec<String> {
    match key {
        NodeKey::User(name) if name == ANONYMOUS => vec![UNAUTHENTICATED.to_string()],
        NodeKey::User(_) => vec![AUTHENTICATED.to_string()],
        NodeKey::ServiceAccount { namespace, .. } => vec![
            SERVICE_ACCOUNTS.to_string(),
            format!("{SERVICE_ACCOUNTS}:{namespace}"),
            AUTHENTICATED.to_string(),
        ],
        _ => Vec::new(),
    }
}

impl<'a> Context<'a> {
    fn build(index: &'a RbacIndex, options: &EscalationOptions) -> Context<'a> {
        let cluster = &index.cluster;
        let role_caps: Vec<Vec<(usize, Cap)>> = index
            .roles
            .par_iter()
            .map(|role| {
                role.rules
                    .iter()
                    .enumerate()
                    .flat_map(|(k, r)| rule_caps(&r.rule).into_iter().map(move |c| (k, c)))
                    .collect()
            })
            .collect();
        let admin_rules = cluster_admin_rules();
        let admin_role: Vec<bool> = index
            .roles
            .par_iter()
            .map(|role| {
                role.kind == RoleKind::ClusterRole && {
                    let rules: Vec<PolicyRule> =
                        role.rules.iter().map(|r| r.rule.clone()).collect();
                    covers(&rules, &admin_rules).0
                }
            })
            .collect();
        let any_role_caps = rule_caps(&admin_rules[0]);

        let mut namespaces: BTreeSet<String> =
            BUILT_IN_NAMESPACES.iter().map(|s| s.to_string()).collect();
        namespaces.extend(
            cluster
                .namespaces
                .iter()
                .filter_map(|n| n.metadata.name.clone()),
        );
        namespaces.extend(
            cluster
                .per_namespace
                .keys()
                .filter(|k| !k.is_empty())
                .cloned(),
        );
        let mut service_accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut users = BTreeSet::new();
        let mut groups: BTreeSet<String> = [SUPERUSER_GROUP.to_string()].into();
        let mut bindings_of: HashMap<NodeKey, Vec<BindingId>> = HashMap::new();
        for (id, b) in index.bindings.iter().enumerate() {
            if !b.namespace.is_empty() {
                namespaces.insert(b.namespace.clone());
            }
            for s in &b.subjects {
                let Some(key) = subject_key(&s.kind, &s.name, s.namespace.as_deref(), &b.namespace)
                else {
                    continue;
                };
                match &key {
                    NodeKey::User(n) => {
                        users.insert(n.clone());
                    }
                    NodeKey::Group(n) => {
                        groups.insert(n.clone());
                    }
                    NodeKey::ServiceAccount { namespace, name } => {
                        namespaces.insert(namespace.clone());
                        service_accounts
                            .entry(namespace.clone())
                            .or_default()
                            .insert(name.clone());
                    }
                    _ => {}
                }
                let list = bindings_of.entry(key).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }
        for sa in &cluster.service_accounts {
            let ns = sa.metadata.namespace.clone().unwrap_or_default();
            namespaces.insert(ns.clone());
            service_accounts
                .entry(ns)
                .or_default()
                .insert(sa.metadata.name.clone().unwrap_or_default());
        }
        let mut token_secrets: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for secret in &cluster.secrets {
            if secret.type_.as_deref() != Some("kubernetes.io/service-account-token") {
                continue;
            }
            let Some(sa) = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
            else {
                continue;
            };
            let ns = secret.metadata.namespace.clone().unwrap_or_default();
            service_accounts
                .entry(ns.clone())
                .or_default()
                .insert(sa.clone());
            token_secrets
                .entry(ns)
                .or_default()
                .push((secret.metadata.name.clone().unwrap_or_default(), sa.clone()));
        }
        for list in token_secrets.values_mut() {
            list.sort();
            list.dedup();
        }
        let mut workloads: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
        let mut pods_named: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut daemonsets = Vec::new();
        for (i, w) in cluster.workloads.iter().enumerate() {
            if w.kind == WorkloadKind::PodTemplate {
                continue;
            }
            if w.kind == WorkloadKind::Pod {
                pods_named.entry(w.name.as_str()).or_default().push(i);
            }
            let sa = w.service_account.clone();
            namespaces.insert(w.namespace.clone());
            service_accounts
                .entry(w.namespace.clone())
                .or_default()
                .insert(sa.clone());
            if w.kind == WorkloadKind::DaemonSet {
                daemonsets.push((i, w.namespace.clone(), sa.clone()));
            }
            workloads
                .entry(w.namespace.clone())
                .or_default()
                .push((i, sa));
        }
        for ns in &namespaces {
            service_accounts
                .entry(ns.clone())
                .or_default()
                .insert("default".to_string());
        }
        // Names looked up by caps limited to them, instead of walking every namespace.
        let mut service_accounts_named: HashMap<String, Vec<String>> = HashMap::new();
        for (ns, names) in &service_accounts {
            for name in names {
                service_accounts_named
                    .entry(name.clone())
                    .or_default()
                    .push(ns.clone());
            }
        }
        let mut token_secrets_named: HashMap<String, Vec<(String, usize)>> = HashMap::new();
        for (ns, list) in &token_secrets {
            for (position, (secret, _)) in list.iter().enumerate() {
                token_secrets_named
                    .entry(secret.clone())
                    .or_default()
                    .push((ns.clone(), position));
            }
        }
        let labels = namespace_labels(cluster);
        let privileged = namespaces
            .iter()
            .map(|ns| {
                (
                    ns.clone(),
                    admits(&options.admission, ns, labels.get(ns), Level::Privileged),
                )
            })
            .collect();
        let mut roles_by_namespace: BTreeMap<String, Vec<(String, RoleId)>> = BTreeMap::new();
        for ((ns, name), id) in &index.role_by_name {
            roles_by_namespace
                .entry(ns.clone())
                .or_default()
                .push((name.clone(), *id));
        }
        for list in roles_by_namespace.values_mut() {
            list.sort();
        }
        Context {
            index,
            roles_by_namespace,
            role_caps,
            any_role_caps,
            admin_role,
            namespaces,
            service_accounts,
            token_secrets,
            workloads,
            pods_named,
            service_accounts_named,
            token_secrets_named,
            daemonsets,
            privileged,
            users,
            groups,
            bindings_of,
        }
    }

    fn binding_scope(&self, id: BindingId) -> Scope {
        let b = &self.index.bindings[id];
        match b.kind {
            BindingKind::ClusterRoleBinding => Scope::Cluster,
            BindingKind::RoleBinding => Scope::Namespace(b.namespace.clone()),
        }
    }

    /// The capabilities the bindings grant, each with its scope and grant.
    fn held_through(&self, bindings: &[BindingId], combined_only: bool) -> Vec<Held<'_>> {
        let mut out = Vec::new();
        for &id in bindings {
            let Ok(role) = self.index.bindings[id].role else {
                continue;
            };
            let scope = self.binding_scope(id);
            for (rule, cap) in &self.role_caps[role] {
                if (cap.cluster_scoped() && scope != Scope::Cluster)
                    || (combined_only && !cap.is_combined())
                {
                    continue;
                }
                out.push(Held {
                    cap,
                    scope: scope.clone(),
                    evidence: Evidence {
                        binding: Some(id),
                        role: Some(role),
                        rule: Some(*rule),
                    },
                });
            }
        }
        out
    }

    fn held_by_grant(&self, role: GrantedRole, scope: &Scope) -> Vec<Held<'_>> {
        let caps: Vec<(Option<usize>, &Cap)> = match role {
            GrantedRole::Any => self.any_role_caps.iter().map(|c| (None, c)).collect(),
            GrantedRole::Role(id) => self.role_caps[id]
                .iter()
                .map(|(k, c)| (Some(*k), c))
                .collect(),
        };
        caps.into_iter()
            .filter(|(_, c)| !c.cluster_scoped() || *scope == Scope::Cluster)
            .map(|(rule, cap)| Held {
                cap,
                scope: scope.clone(),
                evidence: Evidence {
                    binding: None,
                    role: match role {
                        GrantedRole::Any => None,
                        GrantedRole::Role(id) => Some(id),
                    },
                    rule,
                },
            })
            .collect()
    }

    /// Whether `namespace` is one of the input's (or the built-in ones) and in `scope`.
    fn considers(&self, scope: &Scope, namespace: &str) -> bool {
        scope.covers(namespace) && self.namespaces.contains(namespace)
    }

    /// Named service accounts in the scope's namespaces, by namespace and then in the order
    /// of `names`.
    fn named_service_accounts(&self, scope: &Scope, names: &[String]) -> Vec<NodeKey> {
        let mut found: Vec<(&String, usize)> = Vec::new();
        for (k, name) in names.iter().enumerate() {
            for ns in self.service_accounts_named.get(name).into_iter().flatten() {
                if self.considers(scope, ns) {
                    found.push((ns, k));
                }
            }
        }
        found.sort();
        found
            .into_iter()
            .map(|(ns, k)| NodeKey::ServiceAccount {
                namespace: ns.clone(),
                name: names[k].clone(),
            })
            .collect()
    }

    /// The edges a single capability gives, on its own.
    fn direct_edges(&self, held: &Held<'_>, out: &mut Vec<(NodeKey, Step)>) {
        let ns = held.scope.namespace().map(str::to_string);
        let step = |kind: StepKind| Step {
            kind,
            evidence: vec![held.evidence],
        };
        match held.cap {
            Cap::RunPods { resource } => {
                out.push((NodeKey::RunPods(ns), step(StepKind::CreatesPods(resource))))
            }
            Cap::RequestToken(names) | Cap::ImpersonateServiceAccounts(names) => {
                let kind = if matches!(held.cap, Cap::RequestToken(_)) {
                    StepKind::RequestsToken
                } else {
                    StepKind::ImpersonatesServiceAccount
                };
                match names {
                    Names::Any => out.push((NodeKey::ServiceAccountsOf(ns), step(kind))),
                    Names::Only(names) => {
                        for sa in self.named_service_accounts(&held.scope, names) {
                            out.push((sa, step(kind.clone())));
                        }
                    }
                }
            }
            Cap::ReadSecrets(names) => match names {
                Names::Any => {
                    let any = match &ns {
                        Some(ns) => self.token_secrets.contains_key(ns),
                        None => !self.token_secrets.is_empty(),
                    };
                    if any {
                        out.push((NodeKey::TokenSecrets(ns), step(StepKind::ReadsSecrets)));
                    }
                }
                Names::Only(names) => {
                    // The token Secrets so named in the scope, by namespace and then in the
                    // order each namespace lists them.
                    let mut found: Vec<&(String, usize)> = names
                        .iter()
                        .filter_map(|name| self.token_secrets_named.get(name))
                        .flatten()
                        .filter(|(ns, _)| self.considers(&held.scope, ns))
                        .collect();
                    found.sort();
                    found.dedup();
                    for (namespace, position) in found {
                        let Some((secret, sa)) = self
                            .token_secrets
                            .get(namespace)
                            .and_then(|list| list.get(*position))
                        else {
                            continue;
                        };
                        out.push((
                            NodeKey::ServiceAccount {
                                namespace: namespace.clone(),
                                name: sa.clone(),
                            },
                            Step {
                                kind: StepKind::TokenSecret(secret.clone()),
                                evidence: vec![held.evidence],
                            },
                        ));
                    }
                }
            },
            Cap::ExecPods { names, subresource } => match names {
                Names::Any => {
                    let any = match &ns {
                        Some(ns) => self.workloads.contains_key(ns),
                        None => !self.workloads.is_empty(),
                    };
                    if any {
                        out.push((NodeKey::ExecPods(ns), step(StepKind::Execs(subresource))));
                    }
                }
                Names::Only(names) => {
                    // The Pods so named in the scope, in namespace order and then in input
                    // order, as a walk of every namespace's workloads would meet them.
                    let cluster = &self.index.cluster;
                    let mut pods: Vec<usize> = names
                        .iter()
                        .filter_map(|name| self.pods_named.get(name.as_str()))
                        .flatten()
                        .copied()
                        .filter(|&w| self.considers(&held.scope, &cluster.workloads[w].namespace))
                        .collect();
                    pods.sort_by_key(|&w| (&cluster.workloads[w].namespace, w));
                    pods.dedup();
                    for w in pods {
                        let workload = &cluster.workloads[w];
                        out.push((
                            NodeKey::ServiceAccount {
                                namespace: workload.namespace.clone(),
                                name: workload.service_account.clone(),
                            },
                            step(StepKind::Execs(subresource)),
                        ));
                    }
                }
            },
            Cap::ImpersonateUsers(names) => match names {
                Names::Any => out.push((NodeKey::AnyUser, step(StepKind::ImpersonatesUser))),
                Names::Only(names) => {
                    for n in names {
                        out.push((NodeKey::User(n.clone()), step(StepKind::ImpersonatesUser)));
                    }
                }
            },
            Cap::NodesProxy => out.push((NodeKey::ExecPods(None), step(StepKind::NodesProxy))),
            Cap::WriteWebhooks { mutating } => out.push((
                NodeKey::Webhooks {
                    mutating: *mutating,
                },
                step(StepKind::WritesWebhooks),
            )),
            _ => {}
        }
    }

    /// Edges that need several capabilities of one identity together (its own and its
    /// groups'): binding a role, impersonating a group, rewriting a role, minting certificates.
    fn combined_edges(
        &self,
        pool: &[Held<'_>],
        holds: &[(BindingId, RoleId)],
        out: &mut Vec<(NodeKey, Step)>,
    ) {
        let two = |a: &Held<'_>, b: &Held<'_>, kind: StepKind| Step {
            kind,
            evidence: dedup(vec![a.evidence, b.evidence]),
        };
        // Rewriting a role one is bound to and creating a role with any rules: both grant any
        // role, so they are built first to dominate the grants below (they still come after
        // those in the edge list, as they always have).
        let mut late_grants: Vec<(NodeKey, Step)> = Vec::new();
        // Rewriting a role one is bound to: `escalate` and `update` on it.
        for &(binding, role) in holds {
            let r = &self.index.roles[role];
            let scope = self.binding_scope(binding);
            let escalate = pool.iter().find(|h| match (h.cap, r.kind) {
                (Cap::EscalateRoles(n), RoleKind::Role) => {
                    n.allows(&r.name) && h.scope.covers(&r.namespace)
                }
                (Cap::EscalateClusterRoles(n), RoleKind::ClusterRole) => n.allows(&r.name),
                _ => false,
            });
            let update = pool.iter().find(|h| match (h.cap, r.kind) {
                (Cap::UpdateRoles(n), RoleKind::Role) => {
                    n.allows(&r.name) && h.scope.covers(&r.namespace)
                }
                (Cap::UpdateClusterRoles(n), RoleKind::ClusterRole) => n.allows(&r.name),
                _ => false,
            });
            if let (Some(e), Some(u)) = (escalate, update) {
                let mut evidence = vec![
                    Evidence {
                        binding: Some(binding),
                        role: Some(role),
                        rule: None,
                    },
                    e.evidence,
                    u.evidence,
                ];
                evidence = dedup(evidence);
                late_grants.push((
                    NodeKey::RoleGrant {
                        role: GrantedRole::Any,
                        scope,
                    },
                    Step {
                        kind: StepKind::RewritesRole,
                        evidence,
                    },
                ));
            }
        }
        // Creating a role with any rules (`escalate`), then binding it.
        let find = |pred: &dyn Fn(&Cap) -> bool| pool.iter().find(|h| pred(h.cap));
        if let (Some(c), Some(e), Some(rb), Some(b)) = (
            find(&|c| matches!(c, Cap::CreateRoles)),
            find(&|c| matches!(c, Cap::EscalateRoles(Names::Any))),
            find(&|c| matches!(c, Cap::CreateRoleBindings)),
            find(&|c| matches!(c, Cap::BindRoles(Names::Any))),
        ) {
            let scope = [&e.scope, &rb.scope, &b.scope]
                .iter()
                .try_fold(c.scope.clone(), |acc, s| acc.intersect(s));
            if let Some(scope) = scope {
                late_grants.push((
                    NodeKey::RoleGrant {
                        role: GrantedRole::Any,
                        scope,
                    },
                    Step {
                        kind: StepKind::CreatesRole,
                        evidence: dedup(vec![c.evidence, e.evidence, rb.evidence, b.evidence]),
                    },
                ));
            }
        }
        // Grants of any role (rewriting a role, creating one, or binding any ClusterRole), with
        // the bindings each needs. A grant of one role that one of them dominates would be dropped by
        // `drop_dominated`, so it is never built: an identity that may bind every Role of
        // every namespace would otherwise build one edge per Role of the cluster.
        let mut any_grants: Vec<(Scope, Vec<BindingId>)> = late_grants
            .iter()
            .filter_map(|(key, step)| match key {
                NodeKey::RoleGrant {
                    role: GrantedRole::Any,
                    scope,
                } => Some((scope.clone(), step.bindings().collect())),
                _ => None,
            })
            .collect();
        for create in pool {
            let creates_cluster = matches!(create.cap, Cap::CreateClusterRoleBindings);
            if !creates_cluster && !matches!(create.cap, Cap::CreateRoleBindings) {
                continue;
            }
            for bind in pool {
                let Cap::BindClusterRoles(names) = bind.cap else {
                    continue;
                };
                let Some(scope) = cluster_role_binding_scope(create, bind) else {
                    continue;
                };
                if self.cluster_roles_named(names).contains(&GrantedRole::Any) {
                    let mut needs: Vec<BindingId> =
                        [create.evidence.binding, bind.evidence.binding]
                            .into_iter()
                            .flatten()
                            .collect();
                    needs.sort_unstable();
                    needs.dedup();
                    any_grants.push((scope, needs));
                }
            }
        }
        let dominated = |scope: &Scope, needs: [Option<BindingId>; 2]| {
            any_grants.iter().any(|(any_scope, bindings)| {
                let wide_enough = match (any_scope, scope) {
                    (Scope::Cluster, _) => true,
                    (Scope::EveryNamespace, Scope::Namespace(_) | Scope::EveryNamespace) => true,
                    (Scope::Namespace(x), Scope::Namespace(y)) => x == y,
                    _ => false,
                };
                wide_enough && bindings.iter().all(|b| needs.contains(&Some(*b)))
            })
        };
        let mut grants: Vec<(NodeKey, Step)> = Vec::new();
        for create in pool {
            let creates_cluster = matches!(create.cap, Cap::CreateClusterRoleBindings);
            if !creates_cluster && !matches!(create.cap, Cap::CreateRoleBindings) {
                continue;
            }
            for bind in pool {
                match bind.cap {
                    Cap::BindClusterRoles(names) => {
                        let Some(scope) = cluster_role_binding_scope(create, bind) else {
                            continue;
                        };
                        for role in self.cluster_roles_named(names) {
                            grants.push((
                                NodeKey::RoleGrant {
                                    role,
                                    scope: scope.clone(),
                                },
                                two(create, bind, StepKind::Binds),
                            ));
                        }
                    }
                    Cap::BindRoles(names) if !creates_cluster => {
                        let Some(scope) = create.scope.intersect(&bind.scope) else {
                            continue;
                        };
                        let needs = [create.evidence.binding, bind.evidence.binding];
                        let widest = match scope {
                            Scope::Namespace(_) => scope.clone(),
                            _ => Scope::EveryNamespace,
                        };
                        if dominated(&widest, needs) {
                            continue;
                        }
                        for (ns, role) in self.roles_named(&scope, names) {
                            if dominated(&Scope::Namespace(ns.clone()), needs) {
                                continue;
                            }
                            grants.push((
                                NodeKey::RoleGrant {
                                    role: GrantedRole::Role(role),
                                    scope: Scope::Namespace(ns),
                                },
                                two(create, bind, StepKind::Binds),
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
        // Updating an existing binding (adding oneself) needs `bind` on its role too.
        let can_bind = pool
            .iter()
            .any(|h| matches!(h.cap, Cap::BindRoles(_) | Cap::BindClusterRoles(_)));
        for update in pool.iter().filter(|_| can_bind) {
            let (cluster_bindings, names) = match update.cap {
                Cap::UpdateRoleBindings(n) => (false, n),
                Cap::UpdateClusterRoleBindings(n) => (true, n),
                _ => continue,
            };
            // When every `bind` this update could pair with is dominated in every scope the
            // updated bindings can have, none of its grants would be kept (an identity that
            // may update every binding would otherwise build one edge per binding).
            let widest = if cluster_bindings {
                Scope::Cluster
            } else {
                Scope::EveryNamespace
            };
            let all_dominated = pool
                .iter()
                .filter(|h| matches!(h.cap, Cap::BindRoles(_) | Cap::BindClusterRoles(_)))
                .all(|h| dominated(&widest, [update.evidence.binding, h.evidence.binding]));
            if all_dominated {
                continue;
            }
            let ids: std::ops::Range<BindingId> = if cluster_bindings {
                self.index.cluster_bindings.clone()
            } else {
                match update.scope.namespace() {
                    Some(ns) => self
                        .index
                        .namespace_bindings
                        .get(ns)
                        .cloned()
                        .unwrap_or_default(),
                    None => self.index.cluster_bindings.end..self.index.bindings.len(),
                }
            };
            for id in ids {
                let b = &self.index.bindings[id];
                let Ok(role) = b.role else { continue };
                if !names.allows(&b.name) {
                    continue;
                }
                let role_kind = self.index.roles[role].kind;
                let bind = pool.iter().find(|h| {
                    let (kind_ok, names) = match (h.cap, role_kind) {
                        (Cap::BindRoles(n), RoleKind::Role) => (true, n),
                        (Cap::BindClusterRoles(n), RoleKind::ClusterRole) => (true, n),
                        _ => return false,
                    };
                    kind_ok
                        && names.allows(&b.role_ref_name)
                        && if cluster_bindings {
                            h.scope == Scope::Cluster
                        } else {
                            h.scope.covers(&b.namespace)
                        }
                });
                if let Some(bind) = bind {
                    let scope = self.binding_scope(id);
                    if dominated(&scope, [update.evidence.binding, bind.evidence.binding]) {
                        continue;
                    }
                    grants.push((
                        NodeKey::RoleGrant {
                            role: GrantedRole::Role(role),
                            scope,
                        },
                        two(update, bind, StepKind::UpdatesBinding(id)),
                    ));
                }
            }
        }
        grants.extend(late_grants);
        out.extend(drop_dominated(grants));

        // Impersonating a group needs a user (or service account) to impersonate as well.
        let user = pool.iter().find(|h| {
            matches!(
                h.cap,
                Cap::ImpersonateUsers(_) | Cap::ImpersonateServiceAccounts(_)
            )
        });
        let direct_user: Option<Held<'_>> = user.cloned();
        if let Some(user) = direct_user {
            for group in pool {
                let Cap::ImpersonateGroups(names) = group.cap else {
                    continue;
                };
                let step = two(group, &user, StepKind::ImpersonatesGroup);
                match names {
                    Names::Any => out.push((NodeKey::AnyGroup, step)),
                    Names::Only(names) => {
                        for n in names {
                            out.push((NodeKey::Group(n.clone()), step.clone()));
                        }
                    }
                }
            }
        }
        // Certificates: create the CSR, approve it, for a signer the approval covers.
        let create = pool.iter().find(|h| matches!(h.cap, Cap::CreateCsr));
        let approval = pool.iter().find(|h| matches!(h.cap, Cap::ApproveCsr));
        if let (Some(create), Some(approval)) = (create, approval) {
            for signer in [API_SERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER] {
                let approve = pool.iter().find(|h| match h.cap {
                    Cap::ApproveSigner(n) => n.allows(signer) || n.allows("kubernetes.io/*"),
                    _ => false,
                });
                if let Some(approve) = approve {
                    out.push((
                        NodeKey::Certificates {
                            signer: signer.to_string(),
                        },
                        Step {
                            kind: StepKind::ApprovesCertificates,
                            evidence: dedup(vec![
                                create.evidence,
                                approval.evidence,
                                approve.evidence,
                            ]),
                        },
                    ));
                }
            }
        }
    }

    /// The ClusterRoles `bind` reaches: the named ones of the input; any role when the names
    /// are not limited, or when `cluster-admin` is named and not in the input (every cluster
    /// has it).
    fn cluster_roles_named(&self, names: &Names) -> Vec<GrantedRole> {
        match names {
            Names::Any => vec![GrantedRole::Any],
            Names::Only(names) => names
                .iter()
                .filter_map(|n| match self.index.cluster_role_by_name.get(n) {
                    Some(id) => Some(GrantedRole::Role(*id)),
                    None => (n == "cluster-admin").then_some(GrantedRole::Any),
                })
                .collect(),
        }
    }

    /// The Roles of the scope's namespaces `bind` reaches.
    fn roles_named(&self, scope: &Scope, names: &Names) -> Vec<(String, RoleId)> {
        let mut out: Vec<(String, RoleId)> = Vec::new();
        let mut add = |ns: &String, roles: &Vec<(String, RoleId)>| match names {
            Names::Any => out.extend(roles.iter().map(|(_, id)| (ns.clone(), *id))),
            Names::Only(names) => {
                for (name, id) in roles {
                    if names.contains(name) {
                        out.push((ns.clone(), *id));
                    }
                }
            }
        };
        match scope.namespace() {
            Some(ns) => {
                if let Some((ns, roles)) = self.roles_by_namespace.get_key_value(ns) {
                    add(ns, roles);
                }
            }
            None => {
                for (ns, roles) in &self.roles_by_namespace {
                    add(ns, roles);
                }
            }
        }
        out
    }

    /// Every edge leaving an identity or a role grant.
    fn identity_edges(&self, key: &NodeKey) -> Vec<(NodeKey, Step)> {
        let mut out = Vec::new();
        let (own, pool, holds) = match key {
            NodeKey::RoleGrant { role, scope } => {
                let own = self.held_by_grant(*role, scope);
                let pool: Vec<Held<'_>> = own
                    .iter()
                    .filter(|h| h.cap.is_combined())
                    .cloned()
                    .collect();
                let admin = match role {
                    GrantedRole::Any => true,
                    GrantedRole::Role(id) => self.admin_role[*id],
                };
                if admin && *scope == Scope::Cluster {
                    out.push((NodeKey::ClusterAdmin, Step::fact(StepKind::HoldsEverything)));
                }
                (own, pool, Vec::new())
            }
            _ => {
                for group in membership(key) {
                    if self.groups.contains(&group) {
                        out.push((NodeKey::Group(group), Step::fact(StepKind::MemberOf)));
                    }
                }
                if *key == NodeKey::Group(SUPERUSER_GROUP.to_string()) {
                    out.push((NodeKey::ClusterAdmin, Step::fact(StepKind::Superuser)));
                }
                let bindings = self.bindings_of.get(key).map(Vec::as_slice).unwrap_or(&[]);
                for &id in bindings {
                    if let (Ok(role), BindingKind::ClusterRoleBinding) =
                        (&self.index.bindings[id].role, self.index.bindings[id].kind)
                        && self.admin_role[*role]
                    {
                        out.push((
                            NodeKey::ClusterAdmin,
                            Step {
                                kind: StepKind::HoldsEverything,
                                evidence: vec![Evidence {
                                    binding: Some(id),
                                    role: Some(*role),
                                    rule: None,
                                }],
                            },
                        ));
                    }
                }
                let own = self.held_through(bindings, false);
                let mut pool: Vec<Held<'_>> = own
                    .iter()
                    .filter(|h| h.cap.is_combined())
                    .cloned()
                    .collect();
                let mut holds: Vec<(BindingId, RoleId)> = bindings
                    .iter()
                    .filter_map(|&id| self.index.bindings[id].role.as_ref().ok().map(|r| (id, *r)))
                    .collect();
                for group in membership(key) {
                    if let Some(group_bindings) = self.bindings_of.get(&NodeKey::Group(group)) {
                        pool.extend(self.held_through(group_bindings, true));
                        holds.extend(group_bindings.iter().filter_map(|&id| {
                            self.index.bindings[id].role.as_ref().ok().map(|r| (id, *r))
                        }));
                    }
                }
                (own, pool, holds)
            }
        };
        for held in &own {
            self.direct_edges(held, &mut out);
        }
        if !pool.is_empty() {
            self.combined_edges(&pool, &holds, &mut out);
        }
        dedup_edges(out)
    }

    /// Edges leaving an intermediate node: facts of the cluster.
    fn hub_edges(&self, key: &NodeKey) -> Vec<(NodeKey, Step)> {
        let mut out = Vec::new();
        let fact = |k: StepKind| Step::fact(k);
        let every = |make: fn(Option<String>) -> NodeKey, filter: &dyn Fn(&str) -> bool| {
            self.namespaces
                .iter()
                .filter(|ns| filter(ns))
                .map(|ns| (make(Some(ns.clone())), Step::fact(StepKind::InNamespace)))
                .collect::<Vec<_>>()
        };
        match key {
            NodeKey::RunPods(None) => out = every(NodeKey::RunPods, &|_| true),
            NodeKey::ServiceAccountsOf(None) => out = every(NodeKey::ServiceAccountsOf, &|_| true),
            NodeKey::TokenSecrets(None) => {
                out = every(NodeKey::TokenSecrets, &|ns| {
                    self.token_secrets.contains_key(ns)
                })
            }
            NodeKey::ExecPods(None) => {
                out = every(NodeKey::ExecPods, &|ns| self.workloads.contains_key(ns))
            }
            NodeKey::RunPods(Some(ns)) => {
                out.push((
                    NodeKey::ServiceAccountsOf(Some(ns.clone())),
                    fact(StepKind::PodRunsAs),
                ));
                if let Some(Some(admitted)) = self.privileged.get(ns) {
                    out.push((
                        NodeKey::NodeEscape,
                        fact(StepKind::PrivilegedPod {
                            enforce: admitted.enforce.clone(),
                            exemption: admitted.exemption.map(|e| e.as_str().to_string()).or_else(
                                || {
                                    admitted
                                        .runtime_class
                                        .as_ref()
                                        .map(|c| format!("runtimeClass {c}"))
                                },
                            ),
                        }),
                    ));
                }
            }
            NodeKey::ServiceAccountsOf(Some(ns)) => {
                for name in self.service_accounts.get(ns).into_iter().flatten() {
                    out.push((
                        NodeKey::ServiceAccount {
                            namespace: ns.clone(),
                            name: name.clone(),
                        },
                        fact(StepKind::OneOf),
                    ));
                }
            }
            NodeKey::TokenSecrets(Some(ns)) => {
                for (secret, sa) in self.token_secrets.get(ns).into_iter().flatten() {
                    out.push((
                        NodeKey::ServiceAccount {
                            namespace: ns.clone(),
                            name: sa.clone(),
                        },
                        fact(StepKind::TokenSecret(secret.clone())),
                    ));
                }
            }
            NodeKey::ExecPods(Some(ns)) => {
                for (w, sa) in self.workloads.get(ns).into_iter().flatten() {
                    out.push((
                        NodeKey::ServiceAccount {
                            namespace: ns.clone(),
                            name: sa.clone(),
                        },
                        fact(StepKind::PodOf(*w)),
                    ));
                }
            }
            NodeKey::AnyUser => {
                for u in &self.users {
                    out.push((NodeKey::User(u.clone()), fact(StepKind::OneOf)));
                }
            }
            NodeKey::AnyGroup => {
                for g in &self.groups {
                    out.push((NodeKey::Group(g.clone()), fact(StepKind::OneOf)));
                }
            }
            NodeKey::Webhooks { mutating } => {
                if *mutating {
                    out.push((NodeKey::RunPods(None), fact(StepKind::MutatesPods)));
                }
                if !self.token_secrets.is_empty() {
                    out.push((NodeKey::TokenSecrets(None), fact(StepKind::SeesSecrets)));
                }
            }
            NodeKey::Certificates { signer } => {
                if signer == API_SERVER_CLIENT_SIGNER {
                    out.push((NodeKey::AnyUser, fact(StepKind::MintsIdentity)));
                    out.push((NodeKey::AnyGroup, fact(StepKind::MintsIdentity)));
                } else {
                    out.push((
                        NodeKey::Group("system:nodes".into()),
                        fact(StepKind::MintsIdentity),
                    ));
                }
            }
            NodeKey::ClusterAdmin => out.push((
                NodeKey::RoleGrant {
                    role: GrantedRole::Any,
                    scope: Scope::Cluster,
                },
                fact(StepKind::HoldsEverything),
            )),
            NodeKey::NodeEscape => {
                for (w, ns, sa) in &self.daemonsets {
                    out.push((
                        NodeKey::ServiceAccount {
                            namespace: ns.clone(),
                            name: sa.clone(),
                        },
                        fact(StepKind::OnEveryNode(*w)),
                    ));
                }
            }
            _ => {}
        }
        dedup_edges(out)
    }
}

fn dedup(mut evidence: Vec<Evidence>) -> Vec<Evidence> {
    evidence.sort();
    evidence.dedup();
    evidence
}

/// Where an identity can bind ClusterRoles by creating bindings: a ClusterRoleBinding needs
/// `bind` cluster-wide, a RoleBinding works where its creation and the `bind` overlap.
fn cluster_role_binding_scope(create: &Held<'_>, bind: &Held<'_>) -> Option<Scope> {
    if matches!(create.cap, Cap::CreateClusterRoleBindings) {
        (bind.scope == Scope::Cluster).then_some(Scope::Cluster)
    } else {
        create.scope.intersect(&bind.scope)
    }
}

/// Keeps the first of equal edges (same target, kind and grants).
fn dedup_edges(edges: Vec<(NodeKey, Step)>) -> Vec<(NodeKey, Step)> {
    let mut seen = std::collections::HashSet::new();
    edges
        .into_iter()
        .filter(|(k, s)| {
            let bindings: Vec<BindingId> = s.bindings().collect();
            seen.insert((k.clone(), s.kind.clone(), bindings, s.evidence.clone()))
        })
        .collect()
}

/// Drops a role-grant edge when another edge of the same identity reaches a role grant that
/// holds at least as much (any role, in a scope as wide) and needs no other binding: both
/// stay or go together, so reachability and cuts are unchanged.
fn drop_dominated(grants: Vec<(NodeKey, Step)>) -> Vec<(NodeKey, Step)> {
    let dominates = |a: &NodeKey, b: &NodeKey| -> bool {
        let (
            NodeKey::RoleGrant {
                role: ra,
                scope: sa,
            },
            NodeKey::RoleGrant { role: _, scope: sb },
        ) = (a, b)
        else {
            return false;
        };
        *ra == GrantedRole::Any
            && match (sa, sb) {
                (Scope::Cluster, _) => true,
                (Scope::EveryNamespace, Scope::Namespace(_) | Scope::EveryNamespace) => true,
                (Scope::Namespace(x), Scope::Namespace(y)) => x == y,
                _ => false,
            }
    };
    // Only grants of any role dominate; there are few of them.
    let any: Vec<usize> = (0..grants.len())
        .filter(|&j| {
            matches!(
                grants[j].0,
                NodeKey::RoleGrant {
                    role: GrantedRole::Any,
                    ..
                }
            )
        })
        .collect();
    let kept: Vec<bool> = grants
        .iter()
        .enumerate()
        .map(|(i, (kb, sb))| {
            let needs: BTreeSet<BindingId> = sb.bindings().collect();
            !any.iter().any(|&j| {
                let (ka, sa) = &grants[j];
                j != i && ka != kb && dominates(ka, kb) && sa.bindings().all(|b| needs.contains(&b))
            })
        })
        .collect();
    grants
        .into_iter()
        .zip(kept)
        .filter_map(|(g, keep)| keep.then_some(g))
        .collect()
}

impl EscalationGraph {
    pub fn build(index: &RbacIndex, options: &EscalationOptions) -> EscalationGraph {
        let ctx = Context::build(index, options);
        let mut graph: DiGraph<NodeKey, Step, u32> = DiGraph::default();
        let mut nodes: HashMap<NodeKey, NodeId> = HashMap::new();
        let mut queue: VecDeque<NodeId> = VecDeque::new();
        let mut identities: Vec<NodeKey> = Vec::new();
        identities.extend(ctx.users.iter().map(|u| NodeKey::User(u.clone())));
        identities.extend(ctx.groups.iter().map(|g| NodeKey::Group(g.clone())));
        for (ns, names) in &ctx.service_accounts {
            for n in names {
                identities.push(NodeKey::ServiceAccount {
                    namespace: ns.clone(),
                    name: n.clone(),
                });
            }
        }
        for key in &identities {
            let id = graph.add_node(key.clone());
            nodes.insert(key.clone(), id);
        }
        for key in [NodeKey::ClusterAdmin, NodeKey::NodeEscape] {
            let id = graph.add_node(key.clone());
            nodes.insert(key, id);
            queue.push_back(id);
        }
        let edges: Vec<Vec<(NodeKey, Step)>> = identities
            .par_iter()
            .map(|k| ctx.identity_edges(k))
            .collect();
        let add = |graph: &mut DiGraph<NodeKey, Step, u32>,
                   nodes: &mut HashMap<NodeKey, NodeId>,
                   queue: &mut VecDeque<NodeId>,
                   from: NodeId,
                   list: Vec<(NodeKey, Step)>| {
            for (to, step) in list {
                let to = match nodes.get(&to) {
                    Some(id) => *id,
                    None => {
                        let id = graph.add_node(to.clone());
                        nodes.insert(to, id);
                        queue.push_back(id);
                        id
                    }
                };
                graph.add_edge(from, to, step);
            }
        };
        for (key, list) in identities.iter().zip(edges) {
            let from = nodes[key];
            add(&mut graph, &mut nodes, &mut queue, from, list);
        }
        while let Some(id) = queue.pop_front() {
            let key = graph[id].clone();
            let list = match &key {
                NodeKey::RoleGrant { .. }
                | NodeKey::User(_)
                | NodeKey::Group(_)
                | NodeKey::ServiceAccount { .. } => ctx.identity_edges(&key),
                _ => ctx.hub_edges(&key),
            };
            add(&mut graph, &mut nodes, &mut queue, id, list);
        }
        EscalationGraph {
            graph,
            nodes,
            bindings_of: ctx.bindings_of,
            namespaces: ctx.namespaces,
            service_accounts: ctx.service_accounts,
            privileged: ctx.privileged,
        }
    }

    pub fn node(&self, key: &NodeKey) -> Option<NodeId> {
        self.nodes.get(key).copied()
    }
}
