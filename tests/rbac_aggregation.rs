//! ClusterRole aggregation read from manifests, as the clusterrole-aggregation controller
//! (`pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go`) leaves it:
//! it applies the aggregated `rules` by server-side apply, so an empty aggregation removes
//! nothing a manifest wrote, and a non-empty one replaces the role's own rules.

use std::path::Path;

use crate::util::kubesim;

const BINDING: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-agg}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}
subjects: [{kind: User, name: alice}]
";

fn manifests(roles: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rbac.yaml"),
        format!("{roles}\n---{BINDING}"),
    )
    .unwrap();
    dir
}

/// The exit code of `kubesim can user:alice VERB RESOURCE -f DIR`: 0 yes, 1 no.
fn alice_can(dir: &Path, verb: &str, resource: &str) -> i32 {
    let out = kubesim()
        .args(["can", "user:alice", verb, resource, "-f"])
        .arg(dir)
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

fn rules_of_agg(dir: &Path) -> Vec<String> {
    let out = kubesim()
        .args(["access", "user:alice", "-o", "json", "-f"])
        .arg(dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.to_string().lines().map(str::to_string).collect()
}

const AGG_OWN_GET_PODS: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {team: none}}]
rules:
- {apiGroups: [''], resources: [pods], verbs: [get]}
";

#[test]
fn an_aggregation_selecting_nothing_keeps_the_roles_own_rules() {
    // syncClusterRole applies `rules` empty, which the apply configuration omits; server-side
    // apply removes only fields its manager owns, and the manifest's rules are not its own.
    let dir = manifests(AGG_OWN_GET_PODS);
    assert_eq!(alice_can(dir.path(), "get", "pods"), 0);
    assert_eq!(alice_can(dir.path(), "list", "pods"), 1);
}

#[test]
fn an_empty_aggregation_strips_rules_the_controller_owns() {
    // The same apply removes `rules` when managedFields show the controller as their only
    // owner (the controller test's "strip rules").
    let owned = AGG_OWN_GET_PODS.replace(
        "metadata: {name: agg}",
        "metadata:\n  name: agg\n  managedFields:\n  - {manager: clusterrole-aggregation-controller, operation: Apply, fieldsType: FieldsV1, fieldsV1: {'f:rules': {}}}",
    );
    let dir = manifests(&owned);
    assert_eq!(alice_can(dir.path(), "get", "pods"), 1);
}

#[test]
fn a_matching_aggregation_replaces_the_roles_own_rules() {
    // A forced apply of a non-empty atomic `rules` list replaces it whoever wrote it
    // (the controller test's "remove dead rules").
    let roles = format!(
        "{AGG_OWN_GET_PODS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: lister, labels: {{team: none}}}}
rules:
- {{apiGroups: [''], resources: [pods], verbs: [list]}}
"
    );
    let dir = manifests(&roles);
    assert_eq!(alice_can(dir.path(), "list", "pods"), 0);
    assert_eq!(alice_can(dir.path(), "get", "pods"), 1);
}

#[test]
fn a_rule_shared_by_selected_roles_is_aggregated_once() {
    // ruleExists: a rule semantically equal to one already collected is not appended again.
    let roles = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {team: a}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: one, labels: {team: a}}
rules:
- {apiGroups: [''], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: two, labels: {team: a}}
rules:
- {apiGroups: [''], resources: [pods], verbs: [get], resourceNames: []}
- {apiGroups: [''], resources: [pods], verbs: [list]}
";
    let dir = manifests(roles);
    let text = rules_of_agg(dir.path()).join("\n");
    assert_eq!(text.matches("\"get\"").count(), 1, "{text}");
    assert_eq!(text.matches("\"list\"").count(), 1, "{text}");
}

#[test]
fn a_role_matching_its_own_selector_does_not_aggregate_itself() {
    // `if clusterRoles[i].Name == sharedClusterRole.Name { continue }`: the role is skipped,
    // so with nothing else selected its own rules stay (nothing to apply).
    let roles = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg, labels: {team: a}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {team: a}}]
rules:
- {apiGroups: [''], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: other, labels: {team: a}}
rules:
- {apiGroups: [''], resources: [pods], verbs: [list]}
";
    let dir = manifests(roles);
    // Another match replaces the own rule; the role's own rule is not collected from itself.
    assert_eq!(alice_can(dir.path(), "list", "pods"), 0);
    assert_eq!(alice_can(dir.path(), "get", "pods"), 1);
    let alone = manifests(&roles[..roles.find("---").unwrap()]);
    assert_eq!(alice_can(alone.path(), "get", "pods"), 0);
}
