//! The RBAC index over real data: bootstrap aggregation, visiting order, roleRef resolution.

use std::sync::Arc;

use kubesim::index::RbacIndex;
use kubesim::index::defaults;
use kubesim::index::entry::BindingKind;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::model::identity::UserInfo;
use kubesim::model::{Action, Request};
use kubesim::rbac::authorize::authorize;

fn index_of(text: &str) -> RbacIndex {
    let loaded = load_str("test.yaml", text, &LoadOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    RbacIndex::build(Arc::new(loaded.cluster))
}

#[test]
fn bootstrap_admin_edit_view_aggregate_to_29_27_12_rules() {
    let loaded = defaults::load("latest").unwrap().unwrap();
    let index = RbacIndex::build(Arc::new(loaded.cluster));
    assert!(index.diagnostics.is_empty(), "{:?}", index.diagnostics);
    let rules = |name: &str| index.roles[index.cluster_role_by_name[name]].rules.len();
    assert_eq!((rules("admin"), rules("edit"), rules("view")), (29, 27, 12));
    // edit's rules precede system:aggregate-to-admin's inside admin (selector matches sorted by name).
    let admin = &index.roles[index.cluster_role_by_name["admin"]];
    let first_from = admin.rules[0]
        .aggregated_from
        .map(|id| index.roles[id].name.clone());
    assert_eq!(first_from.as_deref(), Some("system:aggregate-to-edit"));
    assert!(admin.aggregated);
    // A role without aggregationRule keeps its own rules and names no source.
    let cluster_admin = &index.roles[index.cluster_role_by_name["cluster-admin"]];
    assert!(!cluster_admin.aggregated);
    assert!(
        cluster_admin
            .rules
            .iter()
            .all(|r| r.aggregated_from.is_none())
    );
}

const AGGREGATION: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {level: middle}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [delete]}   # replaced by aggregation
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: middle, labels: {level: middle}}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions:
    - {key: tier, operator: In, values: [leaf]}
    - {key: skip, operator: DoesNotExist}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b-leaf, labels: {tier: leaf}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [""], resources: [secrets], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a-leaf, labels: {tier: leaf}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [apps], resources: [deployments], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: skipped-leaf, labels: {tier: leaf, skip: "yes"}}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
"#;

#[test]
fn nested_aggregation_reaches_a_fixpoint_with_deduplicated_sorted_rules() {
    let index = index_of(AGGREGATION);
    let describe = |name: &str| -> Vec<String> {
        index.roles[index.cluster_role_by_name[name]]
            .rules
            .iter()
            .map(|r| {
                let from = r
                    .aggregated_from
                    .map(|id| index.roles[id].name.clone())
                    .unwrap_or_default();
                format!(
                    "{}:{} from {from}#{}",
                    r.rule.verbs.join(","),
                    r.rule.resources.clone().unwrap_or_default().join(","),
                    r.rule_index
                )
            })
            .collect()
    };
    let expected = vec![
        "get:pods from a-leaf#0".to_string(),
        "list:deployments from a-leaf#1".to_string(),
        "list:secrets from b-leaf#1".to_string(),
    ];
    assert_eq!(describe("middle"), expected);
    // The top role's own rule is discarded; nested rules keep their original source.
    assert_eq!(describe("top"), expected);
}

#[test]
fn bindings_are_visited_cluster_first_then_by_namespace_and_name() {
    let text = r#"
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: z, namespace: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
subjects: [{kind: User, name: alice}]
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: w, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gone}
subjects: [{kind: ServiceAccount, name: ci}]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: Group, name: devs}, {kind: ServiceAccount, name: nowhere}]
"#;
    let index = index_of(text);
    let order: Vec<(BindingKind, &str, &str)> = index
        .bindings
        .iter()
        .map(|b| (b.kind, b.namespace.as_str(), b.name.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            (BindingKind::ClusterRoleBinding, "", "x"),
            (BindingKind::RoleBinding, "a", "w"),
            (BindingKind::RoleBinding, "b", "z"),
        ]
    );
    assert_eq!(
        index.bindings[0].role,
        Err(r#"role.rbac.authorization.k8s.io "r" not found"#.to_string())
    );
    assert_eq!(
        index.bindings[1].role,
        Err(r#"clusterrole.rbac.authorization.k8s.io "gone" not found"#.to_string())
    );
    // A RoleBinding's service account without a namespace is in the binding's namespace.
    let user = "system:serviceaccount:a:ci";
    assert_eq!(index.candidate_bindings(user, &[], "a"), vec![1]);
    assert_eq!(
        index.candidate_bindings(user, &[], "b"),
        Vec::<usize>::new()
    );
    // Cluster-scoped requests never consult RoleBindings.
    assert_eq!(
        index.candidate_bindings("alice", &["devs".into()], ""),
        vec![0]
    );
    assert_eq!(
        index.candidate_bindings("alice", &["devs".into()], "b"),
        vec![0, 2]
    );
    // A ClusterRoleBinding's service account without a namespace matches nobody.
    assert_eq!(index.cluster_subjects.unmatchable, vec![0]);
}

#[test]
fn a_later_definition_replaces_an_earlier_one_with_a_warning() {
    let text = r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: dup}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: dup}
rules: [{apiGroups: [""], resources: [pods], verbs: [delete]}]
"#;
    let loaded = load_str("dup.yaml", text, &LoadOptions::default());
    let index = RbacIndex::build(Arc::new(loaded.cluster));
    assert_eq!(index.roles.len(), 1);
    assert_eq!(
        index.roles[0].rules[0].rule.verbs,
        vec!["delete".to_string()]
    );
    assert_eq!(index.diagnostics.len(), 1);
    assert_eq!(
        index.diagnostics[0].to_string(),
        "dup.yaml:2:1: warning: ClusterRole `dup` is defined again at dup.yaml:7; the later definition is used"
    );
}

/// The reason names the binding's first subject that applies to the user, whichever subject
/// led the decision to the binding; a user with more groups than the decision keeps at hand
/// gets the same answer.
#[test]
fn the_reason_names_the_first_subject_that_applies() {
    let text = r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: readers, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
- {kind: Robot, name: alice}
- {kind: User, name: bob}
- {kind: ServiceAccount, name: ci}
- {kind: Group, name: devs}
- {kind: User, name: alice}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: many-groups}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nothing}
"#;
    // Forty groups that some binding names, more than a decision keeps at hand.
    let subjects: String = (0..40)
        .map(|k| format!("- {{kind: Group, name: g{k}}}\n"))
        .collect();
    let index = index_of(&format!("{text}subjects:\n{subjects}"));
    let reason = |user: &str, groups: Vec<String>| {
        let request = Request::new(
            UserInfo::new(user, groups),
            Action::resource("get", "", "pods", "", "team", ""),
        );
        let decision = authorize(&index, &request);
        assert!(decision.allowed, "{user}");
        decision.reason(&index)
    };
    let by = |subject: &str| {
        format!(
            r#"RBAC: allowed by RoleBinding "readers/team" of ClusterRole "reader" to {subject}"#
        )
    };
    // Found through the user name, named by the group listed before it.
    assert_eq!(reason("alice", vec!["devs".into()]), by(r#"Group "devs""#));
    assert_eq!(reason("alice", vec![]), by(r#"User "alice""#));
    // The service account's namespace is the binding's.
    assert_eq!(
        reason("system:serviceaccount:team:ci", vec!["devs".into()]),
        by(r#"ServiceAccount "ci/team""#)
    );
    let many: Vec<String> = (0..40)
        .map(|k| format!("g{k}"))
        .chain(["devs".into()])
        .collect();
    assert_eq!(reason("alice", many), by(r#"Group "devs""#));
}

/// RBAC matches a service-account subject by comparing `system:serviceaccount:NS:NAME` byte for
/// byte (upstream `MatchesUsername`), so a user name with several colons can be the user of
/// more than one subject, and the candidate lookup must offer every one of them.
#[test]
fn candidates_cover_every_split_of_a_service_account_user_name() {
    let text = r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: one}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, namespace: a, name: "b:c"}]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: two}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, namespace: "a:b", name: c}]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: three}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, namespace: a, name: b}]
"#;
    let index = index_of(text);
    let names = |ids: Vec<usize>| -> Vec<String> {
        ids.into_iter()
            .map(|id| index.bindings[id].name.clone())
            .collect()
    };
    assert_eq!(
        names(index.candidate_bindings("system:serviceaccount:a:b:c", &[], "")),
        ["one", "two"]
    );
    assert_eq!(
        names(index.candidate_bindings("system:serviceaccount:a:b", &[], "")),
        ["three"]
    );
}
