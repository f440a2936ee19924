//! What a single RBAC rule lets its holder do towards a stronger identity: the escalation
//! "capabilities". Each is decided by asking the rule matcher (`rule_allows`) about a concrete
//! request (verb, API group, resource, subresource, name), never by reading role names, so
//! wildcards, `*/sub` resources and resourceNames behave exactly as the authorizer treats them.
//!
//! A capability is abstract here (no namespace); the binding that grants the rule decides its
//! scope (a RoleBinding keeps it in its namespace, a ClusterRoleBinding makes it cluster-wide).

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::model::Action;
use crate::rbac::matching::rule_allows;

/// Which objects of a kind a rule reaches: all of them, or only the named ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Names {
    Any,
    Only(Vec<String>),
}

impl Names {
    pub fn allows(&self, name: &str) -> bool {
        match self {
            Names::Any => true,
            Names::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// One thing a rule allows that matters for escalation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cap {
    /// `create` on pods or a workload controller (the resource named).
    RunPods {
        resource: &'static str,
    },
    /// `create serviceaccounts/token`.
    RequestToken(Names),
    /// `get`, `list` or `watch` secrets.
    ReadSecrets(Names),
    /// `impersonate serviceaccounts` (namespaced).
    ImpersonateServiceAccounts(Names),
    /// `create pods/exec`, `create pods/attach`, `update|patch pods/ephemeralcontainers`.
    ExecPods {
        names: Names,
        subresource: &'static str,
    },
    /// `create rolebindings`.
    CreateRoleBindings,
    /// `update` or `patch` rolebindings (existing ones: add oneself as a subject).
    UpdateRoleBindings(Names),
    /// `bind` on roles (a Role in the binding's namespace).
    BindRoles(Names),
    /// `bind` on clusterroles.
    BindClusterRoles(Names),
    /// `escalate` on roles / clusterroles.
    EscalateRoles(Names),
    EscalateClusterRoles(Names),
    /// `update` or `patch` roles / clusterroles.
    UpdateRoles(Names),
    UpdateClusterRoles(Names),
    /// `create roles`.
    CreateRoles,
    // Cluster-scoped resources: only a ClusterRoleBinding grants these.
    /// `impersonate users`.
    ImpersonateUsers(Names),
    /// `impersonate groups`.
    ImpersonateGroups(Names),
    /// `create clusterrolebindings`.
    CreateClusterRoleBindings,
    /// `update` or `patch` clusterrolebindings.
    UpdateClusterRoleBindings(Names),
    /// `get` or `create` nodes/proxy: the kubelet API, which runs commands in any pod.
    NodesProxy,
    /// `create certificatesigningrequests`.
    CreateCsr,
    /// `update certificatesigningrequests/approval`.
    ApproveCsr,
    /// `approve` on signers (the names are signer names or `domain/*`).
    ApproveSigner(Names),
    /// `create`, `update` or `patch` on mutating / validating webhook configurations.
    WriteWebhooks {
        mutating: bool,
    },
}

impl Cap {
    /// Capabilities on cluster-scoped resources, which RoleBindings never grant (the
    /// request carries no namespace).
    pub fn cluster_scoped(&self) -> bool {
        matches!(
            self,
            Cap::ImpersonateUsers(_)
                | Cap::ImpersonateGroups(_)
                | Cap::CreateClusterRoleBindings
                | Cap::UpdateClusterRoleBindings(_)
                | Cap::NodesProxy
                | Cap::CreateCsr
                | Cap::ApproveCsr
                | Cap::ApproveSigner(_)
                | Cap::WriteWebhooks { .. }
                | Cap::EscalateClusterRoles(_)
                | Cap::UpdateClusterRoles(_)
        )
    }

    /// Capabilities that count together with others (checked per identity, over its own
    /// grants and its groups'). Impersonating a user is also needed to impersonate a group.
    pub fn is_combined(&self) -> bool {
        !matches!(
            self,
            Cap::RunPods { .. }
                | Cap::RequestToken(_)
                | Cap::ReadSecrets(_)
                | Cap::ExecPods { .. }
                | Cap::NodesProxy
                | Cap::WriteWebhooks { .. }
        )
    }
}

/// The workload kinds whose creation runs pods: (API group, resource).
pub const POD_CREATORS: [(&str, &str); 8] = [
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

const RBAC: &str = "rbac.authorization.k8s.io";
const CERTIFICATES: &str = "certificates.k8s.io";
const ADMISSION: &str = "admissionregistration.k8s.io";

/// Asks the rule about one request. The namespace does not matter to a rule (the binding
/// decides it), so a placeholder is used for namespaced resources.
fn allows(
    rule: &PolicyRule,
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
    name: &str,
) -> bool {
    rule_allows(
        rule,
        &Action::resource(verb, group, resource, sub, "ns", name),
    )
}

/// Which names the rule allows for this request: every name (the rule has no resourceNames),
/// only some, or none.
fn names_for(
    rule: &PolicyRule,
    verbs: &[&str],
    group: &str,
    resource: &str,
    sub: &str,
) -> Option<Names> {
    if verbs
        .iter()
        .any(|v| allows(rule, v, group, resource, sub, ""))
    {
        return Some(Names::Any);
    }
    let listed: Vec<String> = rule
        .resource_names
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .filter(|n| {
            verbs
                .iter()
                .any(|v| allows(rule, v, group, resource, sub, n))
        })
        .cloned()
        .collect();
    (!listed.is_empty()).then_some(Names::Only(listed))
}

/// Every escalation capability one rule grants, in a fixed order.
pub fn rule_caps(rule: &PolicyRule) -> Vec<Cap> {
    let mut caps = Vec::new();
    // Quick rejection: rules on resources only.
    if rule.resources.as_ref().is_none_or(|r| r.is_empty()) {
        return caps;
    }
    for (group, resource) in POD_CREATORS {
        if allows(rule, "create", group, resource, "", "") {
            caps.push(Cap::RunPods { resource });
        }
    }
    if let Some(n) = names_for(rule, &["create"], "", "serviceaccounts", "token") {
        caps.push(Cap::RequestToken(n));
    }
    if let Some(n) = names_for(rule, &["get", "list", "watch"], "", "secrets", "") {
        caps.push(Cap::ReadSecrets(n));
    }
    if let Some(n) = names_for(rule, &["impersonate"], "", "serviceaccounts", "") {
        caps.push(Cap::ImpersonateServiceAccounts(n));
    }
    for (verbs, sub) in [
        (&["create"][..], "exec"),
        (&["create"][..], "attach"),
        (&["update", "patch"][..], "ephemeralcontainers"),
    ] {
        if let Some(names) = names_for(rule, verbs, "", "pods", sub) {
            caps.push(Cap::ExecPods {
                names,
                subresource: sub,
            });
        }
    }
    if allows(rule, "create", RBAC, "rolebindings", "", "") {
        caps.push(Cap::CreateRoleBindings);
    }
    if let Some(n) = names_for(rule, &["update", "patch"], RBAC, "rolebindings", "") {
        caps.push(Cap::UpdateRoleBindings(n));
    }
    if let Some(n) = names_for(rule, &["bind"], RBAC, "roles", "") {
        caps.push(Cap::BindRoles(n));
    }
    if let Some(n) = names_for(rule, &["bind"], RBAC, "clusterroles", "") {
        caps.push(Cap::BindClusterRoles(n));
    }
    if let Some(n) = names_for(rule, &["escalate"], RBAC, "roles", "") {
        caps.push(Cap::EscalateRoles(n));
    }
    if let Some(n) = names_for(rule, &["escalate"], RBAC, "clusterroles", "") {
        caps.push(Cap::EscalateClusterRoles(n));
    }
    if let Some(n) = names_for(rule, &["update", "patch"], RBAC, "roles", "") {
        caps.push(Cap::UpdateRoles(n));
    }
    if let Some(n) = names_for(rule, &["update", "patch"], RBAC, "clusterroles", "") {
        caps.push(Cap::UpdateClusterRoles(n));
    }
    if allows(rule, "create", RBAC, "roles", "", "") {
        caps.push(Cap::CreateRoles);
    }
    if let Some(n) = names_for(rule, &["impersonate"], "", "users", "") {
        caps.push(Cap::ImpersonateUsers(n));
    }
    if let Some(n) = names_for(rule, &["impersonate"], "", "groups", "") {
        caps.push(Cap::ImpersonateGroups(n));
    }
    if allows(rule, "create", RBAC, "clusterrolebindings", "", "") {
        caps.push(Cap::CreateClusterRoleBindings);
    }
    if let Some(n) = names_for(rule, &["update", "patch"], RBAC, "clusterrolebindings", "") {
        caps.push(Cap::UpdateClusterRoleBindings(n));
    }
    if names_for(rule, &["get", "create"], "", "nodes", "proxy").is_some() {
        caps.push(Cap::NodesProxy);
    }
    if allows(
        rule,
        "create",
        CERTIFICATES,
        "certificatesigningrequests",
        "",
        "",
    ) {
        caps.push(Cap::CreateCsr);
    }
    if names_for(
        rule,
        &["update"],
        CERTIFICATES,
        "certificatesigningrequests",
        "approval",
    )
    .is_some()
    {
        caps.push(Cap::ApproveCsr);
    }
    if let Some(n) = names_for(rule, &["approve"], CERTIFICATES, "signers", "") {
        caps.push(Cap::ApproveSigner(n));
    }
    for (resource, mutating) in [
        ("mutatingwebhookconfigurations", true),
        ("validatingwebhookconfigurations", false),
    ] {
        if names_for(
            rule,
            &["create", "update", "patch"],
            ADMISSION,
            resource,
            "",
        )
        .is_some()
        {
            caps.push(Cap::WriteWebhooks { mutating });
        }
    }
    caps
}

/// The rules of the built-in `cluster-admin` ClusterRole: every verb on every resource of
/// every group, and every verb on every non-resource URL.
pub fn cluster_admin_rules() -> Vec<PolicyRule> {
    let all = || Some(vec!["*".to_string()]);
    vec![
        PolicyRule {
            api_groups: all(),
            resources: all(),
            verbs: vec!["*".into()],
            ..PolicyRule::default()
        },
        PolicyRule {
            non_resource_urls: all(),
            verbs: vec!["*".into()],
            ..PolicyRule::default()
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
        let v = |x: &[&str]| Some(x.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        PolicyRule {
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            api_groups: v(groups),
            resources: v(resources),
            resource_names: if names.is_empty() { None } else { v(names) },
            non_resource_urls: None,
        }
    }

    #[test]
    fn wildcards_and_names_follow_the_matcher() {
        let all = rule_caps(&rule(&["*"], &["*"], &["*"], &[]));
        assert!(all.contains(&Cap::RunPods { resource: "pods" }));
        assert!(all.contains(&Cap::ImpersonateGroups(Names::Any)));
        assert!(all.contains(&Cap::NodesProxy));
        // `*/exec` is a subresource wildcard; `pods/*` is not.
        assert!(
            rule_caps(&rule(&["create"], &[""], &["*/exec"], &[])).contains(&Cap::ExecPods {
                names: Names::Any,
                subresource: "exec"
            })
        );
        assert!(rule_caps(&rule(&["create"], &[""], &["pods/*"], &[])).is_empty());
        // create with resourceNames never matches a create (no name on create requests).
        assert!(rule_caps(&rule(&["create"], &[""], &["pods"], &["x"])).is_empty());
        assert_eq!(
            rule_caps(&rule(&["get"], &[""], &["secrets"], &["tok"])),
            vec![Cap::ReadSecrets(Names::Only(vec!["tok".into()]))]
        );
        // The wrong group allows nothing.
        assert!(rule_caps(&rule(&["create"], &["apps"], &["pods"], &[])).is_empty());
    }
}
