//! The dangerous permissions an audit looks for — reading secrets, exec into pods,
//! impersonation, escalate and bind on roles, nodes/proxy, approving certificates, and creating
//! pods where privileged pods are admitted — and who holds each, with the binding and rule
//! that grant it, as the RBAC authorizer answers.

use std::collections::BTreeSet;

use super::EscalationGraph;
use crate::index::entry::{BindingId, BindingKind};
use crate::index::rbac_index::RbacIndex;
use crate::model::{Action, PolicySeverity as Severity};
use crate::rbac::query::SubjectSpec;
use crate::rbac::who_can::who_can;

/// One dangerous permission the report looks for.
struct Danger {
    what: &'static str,
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
    /// Cluster-scoped: only asked cluster-wide.
    cluster_scoped: bool,
    severity: Severity,
}

const DANGERS: &[Danger] = &[
    Danger {
        what: "get secrets",
        verb: "get",
        group: "",
        resource: "secrets",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::Medium,
    },
    Danger {
        what: "list secrets",
        verb: "list",
        group: "",
        resource: "secrets",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::Medium,
    },
    Danger {
        what: "create pods/exec",
        verb: "create",
        group: "",
        resource: "pods",
        subresource: "exec",
        cluster_scoped: false,
        severity: Severity::Medium,
    },
    Danger {
        what: "impersonate users",
        verb: "impersonate",
        group: "",
        resource: "users",
        subresource: "",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "impersonate groups",
        verb: "impersonate",
        group: "",
        resource: "groups",
        subresource: "",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "impersonate serviceaccounts",
        verb: "impersonate",
        group: "",
        resource: "serviceaccounts",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::High,
    },
    Danger {
        what: "escalate clusterroles",
        verb: "escalate",
        group: "rbac.authorization.k8s.io",
        resource: "clusterroles",
        subresource: "",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "escalate roles",
        verb: "escalate",
        group: "rbac.authorization.k8s.io",
        resource: "roles",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::High,
    },
    Danger {
        what: "bind clusterroles",
        verb: "bind",
        group: "rbac.authorization.k8s.io",
        resource: "clusterroles",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::High,
    },
    Danger {
        what: "bind roles",
        verb: "bind",
        group: "rbac.authorization.k8s.io",
        resource: "roles",
        subresource: "",
        cluster_scoped: false,
        severity: Severity::High,
    },
    Danger {
        what: "get nodes/proxy",
        verb: "get",
        group: "",
        resource: "nodes",
        subresource: "proxy",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "create nodes/proxy",
        verb: "create",
        group: "",
        resource: "nodes",
        subresource: "proxy",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "approve signers (CSR approve)",
        verb: "approve",
        group: "certificates.k8s.io",
        resource: "signers",
        subresource: "",
        cluster_scoped: true,
        severity: Severity::High,
    },
    Danger {
        what: "update certificatesigningrequests/approval",
        verb: "update",
        group: "certificates.k8s.io",
        resource: "certificatesigningrequests",
        subresource: "approval",
        cluster_scoped: true,
        severity: Severity::High,
    },
];

/// The permission to create pods where a privileged pod is admitted.
const PRIVILEGED_PODS: &str = "create pods where privileged pods are admitted";

/// One subject granted one dangerous permission by one binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DangerousGrant {
    /// Most severe first, then in the order of the list of dangers.
    pub rank: (std::cmp::Reverse<Severity>, usize),
    pub what: String,
    /// `""`: cluster-wide (a ClusterRoleBinding); otherwise the RoleBinding's namespace.
    pub namespace: String,
    pub subject: String,
    pub binding: BindingId,
    /// The effective rule of the binding's role that allows it.
    pub rule: usize,
    pub severity: Severity,
}

fn subject_text(kind: &str, namespace: &str, name: &str) -> String {
    let spec = match kind {
        "User" => SubjectSpec::User(name.to_string()),
        "Group" => SubjectSpec::Group(name.to_string()),
        _ => SubjectSpec::ServiceAccount {
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
    };
    spec.to_string()
}

/// Who holds each dangerous permission, as the RBAC authorizer answers: asked cluster-wide
/// (ClusterRoleBindings) and in every namespace (that namespace's RoleBindings), plus
/// `create pods` in every namespace where a privileged pod is admitted. The superuser group
/// needs no binding: it is listed only where a binding names it. Sorted.
pub fn dangerous_access(index: &RbacIndex, graph: &EscalationGraph) -> Vec<DangerousGrant> {
    let mut out = BTreeSet::new();
    let mut ask = |order: usize,
                   what: &str,
                   action: &Action,
                   severity: Severity,
                   only_role_bindings: bool| {
        let namespace = action.namespace().to_string();
        for s in who_can(index, action, false).subjects {
            for g in &s.via {
                let b = &index.bindings[g.binding];
                if only_role_bindings && b.kind != BindingKind::RoleBinding {
                    continue;
                }
                out.insert(DangerousGrant {
                    rank: (std::cmp::Reverse(severity), order),
                    what: what.to_string(),
                    namespace: if b.kind == BindingKind::RoleBinding {
                        namespace.clone()
                    } else {
                        String::new()
                    },
                    subject: subject_text(&s.kind, &s.namespace, &s.name),
                    binding: g.binding,
                    rule: g.rule,
                    severity,
                });
            }
        }
    };
    for (order, d) in DANGERS.iter().enumerate() {
        let cluster = Action::resource(d.verb, d.group, d.resource, d.subresource, "", "");
        ask(order, d.what, &cluster, d.severity, false);
        if d.cluster_scoped {
            continue;
        }
        for ns in &graph.namespaces {
            let action = Action::resource(d.verb, d.group, d.resource, d.subresource, ns, "");
            ask(order, d.what, &action, d.severity, true);
        }
    }
    // A ClusterRoleBinding's grant counts in every such namespace; it is listed once.
    for (ns, admitted) in &graph.privileged {
        if admitted.is_some() {
            let action = Action::resource("create", "", "pods", "", ns, "");
            ask(
                DANGERS.len(),
                PRIVILEGED_PODS,
                &action,
                Severity::Medium,
                false,
            );
        }
    }
    out.into_iter().collect()
}
