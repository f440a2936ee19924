//! `kubesim who-can-run LEVEL`: which namespaces admit a pod of the level (labels, defaults,
//! exemptions) and who can create pods or controllers there, checked against `who-can`.

use std::sync::Arc;

use kubesim::escalate::who_can_run::who_can_run;
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::model::Action;
use kubesim::pss::Level;
use kubesim::pss::admission::Admission;
use kubesim::rbac::who_can;

const MANIFESTS: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: open}
---
apiVersion: v1
kind: Namespace
metadata:
  name: locked
  labels: {pod-security.kubernetes.io/enforce: restricted}
---
apiVersion: v1
kind: Namespace
metadata:
  name: middle
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: runner}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev, namespace: open}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: runner}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: dev}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev, namespace: locked}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: runner}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: dev}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: runner}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
";

fn index() -> RbacIndex {
    let loaded = load_str("t.yaml", MANIFESTS, &LoadOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    RbacIndex::build(Arc::new(loaded.cluster))
}

fn subjects_in(result: &kubesim::escalate::who_can_run::WhoCanRun, ns: &str) -> Vec<String> {
    result
        .namespaces
        .iter()
        .find(|n| n.namespace == ns)
        .map(|n| n.runners.iter().map(|r| r.subject.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn privileged_pods_only_where_enforce_allows_and_only_for_those_who_can_create() {
    let index = index();
    let result = who_can_run(&index, &Admission::default(), Level::Privileged, None);
    let admitting: Vec<&str> = result
        .namespaces
        .iter()
        .map(|n| n.namespace.as_str())
        .collect();
    // Unlabelled namespaces (and those every cluster has) default to privileged.
    assert_eq!(admitting, ["default", "kube-public", "kube-system", "open"]);
    assert_eq!(result.rejecting, ["locked", "middle"]);
    assert_eq!(
        subjects_in(&result, "open"),
        ["group:system:masters", "sa:ci/deployer", "user:dev"]
    );
    assert_eq!(
        subjects_in(&result, "default"),
        ["group:system:masters", "sa:ci/deployer"]
    );
    // Same subjects as who-can, whichever way they create pods.
    let action = Action::resource("create", "apps", "deployments", "", "open", "");
    let who: Vec<String> = who_can(&index, &action, false)
        .subjects
        .iter()
        .map(|s| match s.kind.as_str() {
            "ServiceAccount" => format!("sa:{}/{}", s.namespace, s.name),
            kind => format!("{}:{}", kind.to_lowercase(), s.name),
        })
        .collect();
    assert_eq!(subjects_in(&result, "open"), who);
}

#[test]
fn baseline_pods_pass_a_baseline_namespace_and_exemptions_open_a_restricted_one() {
    let index = index();
    let result = who_can_run(
        &index,
        &Admission::default(),
        Level::Baseline,
        Some("middle"),
    );
    assert_eq!(result.namespaces.len(), 1);
    let mut admission = Admission::default();
    admission.config.exemptions.namespaces = vec!["locked".into()];
    let result = who_can_run(&index, &admission, Level::Privileged, Some("locked"));
    assert_eq!(
        subjects_in(&result, "locked"),
        ["group:system:masters", "sa:ci/deployer", "user:dev"]
    );
    assert!(result.namespaces[0].admitted.exemption.is_some());
    let result = who_can_run(
        &index,
        &Admission::default(),
        Level::Privileged,
        Some("locked"),
    );
    assert!(result.namespaces.is_empty());
}
