//! Every kind of escalation edge, each with a minimal manifest set that has it and a near
//! variant that must not (wrong namespace, missing second permission, resourceNames that name
//! something else, a cluster-scoped right granted by a RoleBinding), plus shortest paths and
//! minimal cuts on a multi-hop example.

use std::sync::Arc;

use kubesim::escalate::graph::GrantedRole;
use kubesim::escalate::paths::Reach;
use kubesim::escalate::{
    Cut, EscalationGraph, EscalationOptions, Hop, HopEnd, NodeKey, Source, StepKind, Target,
};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::rbac::query::parse_subject;

fn index(yaml: &str) -> RbacIndex {
    let loaded = load_str("test.yaml", yaml, &LoadOptions::default());
    assert!(
        loaded.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        loaded.diagnostics
    );
    RbacIndex::build(Arc::new(loaded.cluster))
}

fn path(yaml: &str, source: &str, target: &str) -> Option<Vec<Hop>> {
    let index = index(yaml);
    let graph = EscalationGraph::build(&index, &EscalationOptions::default());
    let reach = Reach::new(&graph, &index, &Target::parse(target).unwrap()).unwrap();
    reach.path(&Source::from_subject(&parse_subject(source).unwrap()))
}

fn reaches(yaml: &str, source: &str, target: &str) -> bool {
    path(yaml, source, target).is_some()
}

fn kinds(hops: &[Hop]) -> Vec<StepKind> {
    hops.iter().map(|h| h.step.kind.clone()).collect()
}

/// A Role (or ClusterRole when `ns` is empty) with one rule, bound to `subject`.
fn grant(ns: &str, name: &str, subject: &str, rule: &str) -> String {
    let (kind, binding, meta) = if ns.is_empty() {
        (
            "ClusterRole",
            "ClusterRoleBinding",
            format!("{{name: {name}}}"),
        )
    } else {
        (
            "Role",
            "RoleBinding",
            format!("{{name: {name}, namespace: {ns}}}"),
        )
    };
    format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nrules:\n- {rule}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {binding}\nmetadata: {meta}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}\nsubjects:\n- {subject}\n"
    )
}

const ALICE: &str = "{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}";

fn sa(ns: &str, name: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}\n"
    )
}

#[test]
fn creating_pods_reaches_the_service_accounts_of_that_namespace_only() {
    let yaml = [
        sa("a", "builder"),
        sa("b", "other"),
        grant(
            "a",
            "pods",
            ALICE,
            "{apiGroups: [''], resources: [pods], verbs: [create]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/builder").unwrap();
    assert_eq!(
        kinds(&hops),
        [
            StepKind::CreatesPods("pods"),
            StepKind::PodRunsAs,
            StepKind::OneOf
        ]
    );
    assert!(reaches(&yaml, "user:alice", "sa:a/default"));
    assert!(!reaches(&yaml, "user:alice", "sa:b/other"));
    // get pods is not create.
    let read_only = [
        sa("a", "builder"),
        grant(
            "a",
            "pods",
            ALICE,
            "{apiGroups: [''], resources: [pods], verbs: [get, list, update]}",
        ),
    ]
    .concat();
    assert!(!reaches(&read_only, "user:alice", "sa:a/builder"));
}

#[test]
fn a_workload_controller_runs_pods_too_but_only_in_its_api_group() {
    let yaml = [
        sa("a", "builder"),
        grant(
            "a",
            "jobs",
            ALICE,
            "{apiGroups: [batch], resources: [cronjobs], verbs: [create]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/builder").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::CreatesPods("cronjobs"));
    let wrong_group = [
        sa("a", "builder"),
        grant(
            "a",
            "jobs",
            ALICE,
            "{apiGroups: [apps], resources: [cronjobs], verbs: [create]}",
        ),
    ]
    .concat();
    assert!(!reaches(&wrong_group, "user:alice", "sa:a/builder"));
}

#[test]
fn a_cluster_role_binding_to_create_pods_reaches_every_namespace() {
    let yaml = [
        sa("a", "x"),
        sa("b", "yonder"),
        grant(
            "",
            "pods",
            ALICE,
            "{apiGroups: [apps], resources: [deployments], verbs: [create]}",
        ),
    ]
    .concat();
    assert!(reaches(&yaml, "user:alice", "sa:a/x"));
    assert!(reaches(&yaml, "user:alice", "sa:b/yonder"));
}

#[test]
fn token_requests_honour_resource_names() {
    let yaml = [
        sa("a", "deployer"),
        sa("a", "admin"),
        grant(
            "a",
            "tokens",
            ALICE,
            "{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create], resourceNames: [deployer]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/deployer").unwrap();
    assert_eq!(kinds(&hops), [StepKind::RequestsToken]);
    assert!(!reaches(&yaml, "user:alice", "sa:a/admin"));
    // `serviceaccounts` alone is not the token subresource.
    let no_sub = [
        sa("a", "deployer"),
        grant(
            "a",
            "tokens",
            ALICE,
            "{apiGroups: [''], resources: [serviceaccounts], verbs: [create]}",
        ),
    ]
    .concat();
    assert!(!reaches(&no_sub, "user:alice", "sa:a/deployer"));
}

const TOKEN_SECRET: &str = "---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: robot-token
  namespace: a
  annotations: {kubernetes.io/service-account.name: robot}
---
apiVersion: v1
kind: Secret
type: Opaque
metadata: {name: plain, namespace: a}
";

#[test]
fn reading_secrets_reaches_service_accounts_with_a_legacy_token_secret() {
    let yaml = [
        TOKEN_SECRET.to_string(),
        sa("a", "quiet"),
        grant(
            "a",
            "secrets",
            ALICE,
            "{apiGroups: [''], resources: [secrets], verbs: [list]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/robot").unwrap();
    assert_eq!(
        kinds(&hops),
        [
            StepKind::ReadsSecrets,
            StepKind::TokenSecret("robot-token".into())
        ]
    );
    // A service account without a token Secret in the input is not reached.
    assert!(!reaches(&yaml, "user:alice", "sa:a/quiet"));
    // Only the named Secret.
    let named_other = [
        TOKEN_SECRET.to_string(),
        grant(
            "a",
            "secrets",
            ALICE,
            "{apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: [plain]}",
        ),
    ]
    .concat();
    assert!(!reaches(&named_other, "user:alice", "sa:a/robot"));
    let named = named_other.replace("resourceNames: [plain]", "resourceNames: [robot-token]");
    assert!(reaches(&named, "user:alice", "sa:a/robot"));
}

#[test]
fn impersonating_service_accounts_stays_in_the_binding_namespace() {
    let yaml = [
        sa("a", "x"),
        sa("b", "yonder"),
        grant(
            "a",
            "imp",
            ALICE,
            "{apiGroups: [''], resources: [serviceaccounts], verbs: [impersonate]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/x").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::ImpersonatesServiceAccount);
    assert!(!reaches(&yaml, "user:alice", "sa:b/yonder"));
}

#[test]
fn impersonating_users_honours_names_and_groups_need_a_user() {
    let bob = grant(
        "",
        "bob-admin",
        "{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}",
        "{apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n- {nonResourceURLs: ['*'], verbs: ['*']}",
    );
    let named = [
        bob.clone(),
        grant(
            "",
            "imp",
            ALICE,
            "{apiGroups: [''], resources: [users], verbs: [impersonate], resourceNames: [bob]}",
        ),
    ]
    .concat();
    let hops = path(&named, "user:alice", "cluster-admin").unwrap();
    assert_eq!(
        kinds(&hops),
        [StepKind::ImpersonatesUser, StepKind::HoldsEverything]
    );
    let other = named.replace("resourceNames: [bob]", "resourceNames: [carol]");
    assert!(!reaches(&other, "user:alice", "cluster-admin"));
    // Users are cluster-scoped: a RoleBinding never grants impersonating them.
    let in_namespace = [
        bob,
        grant(
            "a",
            "imp",
            ALICE,
            "{apiGroups: [''], resources: [users], verbs: [impersonate]}",
        ),
    ]
    .concat();
    assert!(!reaches(&in_namespace, "user:alice", "user:bob"));

    let groups_only = grant(
        "",
        "imp",
        ALICE,
        "{apiGroups: [''], resources: [groups], verbs: [impersonate]}",
    );
    assert!(!reaches(&groups_only, "user:alice", "group:system:masters"));
    let with_user = grant(
        "",
        "imp",
        ALICE,
        "{apiGroups: [''], resources: [groups, users], verbs: [impersonate]}",
    );
    let hops = path(&with_user, "user:alice", "cluster-admin").unwrap();
    assert_eq!(
        kinds(&hops),
        [
            StepKind::ImpersonatesGroup,
            StepKind::OneOf,
            StepKind::Superuser
        ]
    );
}

const ADMIN_ROLE: &str = "---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ns-admin, namespace: a}
rules:
- {apiGroups: [''], resources: [pods], verbs: [create]}
";

#[test]
fn binding_a_role_needs_bind_on_it_and_creating_bindings() {
    let yaml = [
        sa("a", "x"),
        ADMIN_ROLE.to_string(),
        grant(
            "a",
            "binder",
            ALICE,
            "{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}\n- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind], resourceNames: [ns-admin]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/x").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::Binds);
    assert_eq!(hops[0].step.evidence.len(), 2);
    assert!(reaches(&yaml, "user:alice", "role:a/ns-admin"));
    // Without bind, the escalation check refuses a binding to a role one does not hold.
    let no_bind = yaml.replace("verbs: [bind]", "verbs: [get]");
    assert!(!reaches(&no_bind, "user:alice", "sa:a/x"));
    assert!(!reaches(&no_bind, "user:alice", "role:a/ns-admin"));
}

#[test]
fn binding_any_cluster_role_cluster_wide_is_cluster_admin_but_not_from_a_role_binding() {
    let rule = "{apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings, clusterroles], verbs: [create, bind]}";
    let cluster = grant("", "binder", ALICE, rule);
    let hops = path(&cluster, "user:alice", "cluster-admin").unwrap();
    assert_eq!(kinds(&hops), [StepKind::Binds, StepKind::HoldsEverything]);
    // The same rules through a RoleBinding: clusterrolebindings are cluster-scoped.
    let namespaced = grant("a", "binder", ALICE, rule);
    assert!(!reaches(&namespaced, "user:alice", "cluster-admin"));
}

#[test]
fn escalating_a_role_one_is_bound_to_gives_anything_in_its_scope() {
    let yaml = [
        sa("a", "x"),
        grant(
            "a",
            "self-editor",
            ALICE,
            "{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update], resourceNames: [self-editor]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/x").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::RewritesRole);
    assert!(!reaches(&yaml, "user:alice", "cluster-admin"));
    let without_escalate = yaml.replace("verbs: [escalate, update]", "verbs: [update]");
    assert!(!reaches(&without_escalate, "user:alice", "sa:a/x"));
}

const POD: &str = "---
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: a}
spec:
  serviceAccountName: robot
  containers: [{name: c, image: busybox}]
";

#[test]
fn exec_into_a_pod_acts_as_its_service_account() {
    for (rule, sub) in [
        (
            "{apiGroups: [''], resources: [pods/exec], verbs: [create]}",
            "exec",
        ),
        (
            "{apiGroups: [''], resources: [pods/attach], verbs: [create]}",
            "attach",
        ),
        (
            "{apiGroups: [''], resources: [pods/ephemeralcontainers], verbs: [patch]}",
            "ephemeralcontainers",
        ),
    ] {
        let yaml = [POD.to_string(), grant("a", "debug", ALICE, rule)].concat();
        let hops = path(&yaml, "user:alice", "sa:a/robot").unwrap();
        assert_eq!(
            kinds(&hops),
            [StepKind::Execs(sub), StepKind::PodOf(0)],
            "{rule}"
        );
        // Another namespace's pods are out of reach.
        let elsewhere = [POD.to_string(), grant("b", "debug", ALICE, rule)].concat();
        assert!(!reaches(&elsewhere, "user:alice", "sa:a/robot"), "{rule}");
    }
    let named_other = [
        POD.to_string(),
        grant(
            "a",
            "debug",
            ALICE,
            "{apiGroups: [''], resources: [pods/exec], verbs: [create], resourceNames: [web]}",
        ),
    ]
    .concat();
    assert!(!reaches(&named_other, "user:alice", "sa:a/robot"));
    assert!(reaches(
        &named_other.replace("[web]", "[shell]"),
        "user:alice",
        "sa:a/robot"
    ));
    // The name reaches the pod of that name only where the grant holds: not from another
    // namespace, and from a cluster-wide binding in every namespace.
    let named_rule =
        "{apiGroups: [''], resources: [pods/exec], verbs: [create], resourceNames: [shell]}";
    let in_b = [POD.to_string(), grant("b", "debug", ALICE, named_rule)].concat();
    assert!(!reaches(&in_b, "user:alice", "sa:a/robot"));
    let everywhere = [POD.to_string(), grant("", "debug", ALICE, named_rule)].concat();
    assert!(reaches(&everywhere, "user:alice", "sa:a/robot"));
}

#[test]
fn nodes_proxy_reaches_every_pod_but_only_cluster_wide() {
    let rule = "{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}";
    let yaml = [POD.to_string(), grant("", "kubelet", ALICE, rule)].concat();
    let hops = path(&yaml, "user:alice", "sa:a/robot").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::NodesProxy);
    let namespaced = [POD.to_string(), grant("a", "kubelet", ALICE, rule)].concat();
    assert!(!reaches(&namespaced, "user:alice", "sa:a/robot"));
}

#[test]
fn approving_client_certificates_mints_any_identity() {
    let rules = "{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}\n- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}\n- {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kube-apiserver-client]}";
    let yaml = grant("", "csr", ALICE, rules);
    let hops = path(&yaml, "user:alice", "cluster-admin").unwrap();
    assert_eq!(
        kinds(&hops),
        [
            StepKind::ApprovesCertificates,
            StepKind::MintsIdentity,
            StepKind::OneOf,
            StepKind::Superuser
        ]
    );
    assert_eq!(hops[0].step.evidence.len(), 3);
    // Approving for another signer mints nothing useful.
    let other = yaml.replace(
        "kubernetes.io/kube-apiserver-client",
        "example.com/internal",
    );
    assert!(!reaches(&other, "user:alice", "cluster-admin"));
    // Without the approval subresource nothing is approved.
    let no_approval = yaml.replace(
        "certificatesigningrequests/approval",
        "certificatesigningrequests/status",
    );
    assert!(!reaches(&no_approval, "user:alice", "cluster-admin"));
}

#[test]
fn writing_a_mutating_webhook_intercepts_every_pod() {
    let yaml = [
        sa("a", "x"),
        grant(
            "",
            "hooks",
            ALICE,
            "{apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [create]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "sa:a/x").unwrap();
    assert_eq!(
        kinds(&hops[..2]),
        [StepKind::WritesWebhooks, StepKind::MutatesPods]
    );
    let read_only = yaml.replace("verbs: [create]", "verbs: [get, list]");
    assert!(!reaches(&read_only, "user:alice", "sa:a/x"));
}

#[test]
fn node_escape_needs_a_namespace_that_admits_privileged_pods() {
    let ns = |name: &str, level: &str| {
        format!(
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{pod-security.kubernetes.io/enforce: {level}}}\n"
        )
    };
    let rule = "{apiGroups: [''], resources: [pods], verbs: [create]}";
    let open = [ns("a", "privileged"), grant("a", "run", ALICE, rule)].concat();
    let hops = path(&open, "user:alice", "node").unwrap();
    assert!(matches!(hops[1].step.kind, StepKind::PrivilegedPod { .. }));
    let closed = [ns("a", "baseline"), grant("a", "run", ALICE, rule)].concat();
    assert!(!reaches(&closed, "user:alice", "node"));
    // Exempting the namespace in the admission configuration opens it again.
    let index = index(&closed);
    let mut options = EscalationOptions::default();
    options.admission.config.exemptions.namespaces = vec!["a".into()];
    let graph = EscalationGraph::build(&index, &options);
    let reach = Reach::new(&graph, &index, &Target::NodeEscape).unwrap();
    assert!(reach.reaches(&Source::from_subject(&parse_subject("user:alice").unwrap())));
}

#[test]
fn a_service_account_acts_with_its_groups() {
    let yaml = [
        sa("a", "x"),
        sa("b", "yonder"),
        grant(
            "b",
            "group-run",
            "{kind: Group, apiGroup: rbac.authorization.k8s.io, name: 'system:serviceaccounts:a'}",
            "{apiGroups: [''], resources: [pods], verbs: [create]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "sa:a/x", "sa:b/yonder").unwrap();
    assert_eq!(hops[0].step.kind, StepKind::MemberOf);
    assert_eq!(
        hops[0].to,
        HopEnd::Node(NodeKey::Group("system:serviceaccounts:a".into()))
    );
    assert!(!reaches(&yaml, "sa:b/yonder", "sa:a/x"));
}

#[test]
fn holding_a_cluster_role_target_by_binding_or_by_covering_rules() {
    let viewer = "---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-viewer}
rules:
- {apiGroups: [''], resources: [pods], verbs: [get]}
";
    let yaml = [
        viewer.to_string(),
        grant(
            "",
            "wide",
            ALICE,
            "{apiGroups: [''], resources: [pods, services], verbs: [get, list]}",
        ),
    ]
    .concat();
    let hops = path(&yaml, "user:alice", "clusterrole:pod-viewer").unwrap();
    assert_eq!(kinds(&hops), [StepKind::HoldsRole]);
    // A RoleBinding of the same rules is not holding them cluster-wide.
    let namespaced = [
        viewer.to_string(),
        grant(
            "a",
            "narrow",
            ALICE,
            "{apiGroups: [''], resources: [pods], verbs: [get]}",
        ),
    ]
    .concat();
    assert!(!reaches(
        &namespaced,
        "user:alice",
        "clusterrole:pod-viewer"
    ));
}

fn multi_hop() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/escalate/multi-hop.yaml"
    ))
    .unwrap()
}

fn cut_names(index: &RbacIndex, cut: Option<Cut>) -> Vec<String> {
    match cut {
        Some(Cut::Bindings(ids)) => ids
            .iter()
            .map(|id| {
                let b = &index.bindings[*id];
                format!("{}/{}", b.namespace, b.name)
            })
            .collect(),
        other => panic!("expected a cut, got {other:?}"),
    }
}

#[test]
fn multi_hop_shortest_path_and_minimal_cuts() {
    let yaml = multi_hop();
    let index = index(&yaml);
    let graph = EscalationGraph::build(&index, &EscalationOptions::default());
    let source = |s: &str| Source::from_subject(&parse_subject(s).unwrap());

    let admin = Reach::new(&graph, &index, &Target::ClusterAdmin).unwrap();
    let hops = admin.path(&source("user:ci-bot")).unwrap();
    assert_eq!(
        kinds(&hops),
        [
            StepKind::CreatesPods("deployments"),
            StepKind::PodRunsAs,
            StepKind::OneOf,
            // Exec into the ops pod and the ops token Secret are equally short; the
            // choice between equals is stable.
            StepKind::Execs("exec"),
            StepKind::PodOf(0),
            StepKind::ImpersonatesGroup,
            StepKind::OneOf,
            StepKind::Superuser,
        ]
    );
    // One binding on the way cuts everything: the first.
    assert_eq!(
        cut_names(&index, admin.cut(&source("user:ci-bot"))),
        ["ci/deployer"]
    );
    // From the builder, two ways lead to ops; the single impersonation grant cuts both.
    assert_eq!(
        cut_names(&index, admin.cut(&source("sa:ci/builder"))),
        ["/ops-impersonates"]
    );
    // To ops itself, both ways have to go.
    let ops = Reach::new(&graph, &index, &Target::parse("sa:platform/ops").unwrap()).unwrap();
    assert_eq!(
        cut_names(&index, ops.cut(&source("sa:ci/builder"))),
        ["platform/builder-debugs", "platform/builder-reads-secrets"]
    );
    // The cut is real: without those bindings, no path is left.
    let mut removed = (*index.cluster).clone();
    removed.role_bindings.retain(|b| {
        !b.metadata
            .name
            .as_deref()
            .unwrap_or("")
            .starts_with("builder-")
    });
    let pruned = RbacIndex::build(Arc::new(removed));
    let graph = EscalationGraph::build(&pruned, &EscalationOptions::default());
    let ops = Reach::new(&graph, &pruned, &Target::parse("sa:platform/ops").unwrap()).unwrap();
    assert!(!ops.reaches(&source("sa:ci/builder")));
    // `ci` and `platform` admit no privileged pod, but cluster-admin runs one in a namespace
    // without labels.
    let graph = EscalationGraph::build(&index, &EscalationOptions::default());
    let node = Reach::new(&graph, &index, &Target::NodeEscape).unwrap();
    assert!(node.path(&source("user:ci-bot")).is_some_and(|p| {
        p.iter()
            .any(|h| matches!(h.step.kind, StepKind::PrivilegedPod { .. }))
    }));
}

/// Role grants of an identity, as the graph holds them.
fn role_grants_of_alice(yaml: &str) -> Vec<NodeKey> {
    let index = index(yaml);
    let graph = EscalationGraph::build(&index, &EscalationOptions::default());
    let alice = graph.node(&NodeKey::User("alice".into())).unwrap();
    let mut grants: Vec<NodeKey> = graph
        .graph
        .neighbors(alice)
        .map(|n| graph.graph[n].clone())
        .filter(|k| matches!(k, NodeKey::RoleGrant { .. }))
        .collect();
    grants.sort();
    grants
}

/// A grant of one Role is left out only when a grant of any role needs no other binding:
/// here binding any ClusterRole takes a second binding, so the grant of the Role alone stays
/// (a reviewer who removes that second binding must still see it); with both rights in one
/// binding, the grant of any role stands in for it and the Role is still reached.
#[test]
fn a_role_grant_stays_unless_a_grant_of_any_role_needs_no_more_bindings() {
    let binder = grant(
        "a",
        "binder",
        ALICE,
        "{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}\n- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind], resourceNames: [ns-admin]}",
    );
    let any_cluster_role = grant(
        "",
        "anybind",
        ALICE,
        "{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}",
    );
    let two_bindings = [ADMIN_ROLE.to_string(), binder.clone(), any_cluster_role].concat();
    let grants = role_grants_of_alice(&two_bindings);
    assert_eq!(grants.len(), 2, "{grants:?}");
    assert!(grants.iter().any(|k| matches!(
        k,
        NodeKey::RoleGrant {
            role: GrantedRole::Role(_),
            ..
        }
    )));
    assert!(grants.iter().any(|k| matches!(
        k,
        NodeKey::RoleGrant {
            role: GrantedRole::Any,
            ..
        }
    )));

    let one_binding = [
        ADMIN_ROLE.to_string(),
        binder.replace(
            "resourceNames: [ns-admin]}",
            "resourceNames: [ns-admin]}\n- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}",
        ),
    ]
    .concat();
    let grants = role_grants_of_alice(&one_binding);
    assert!(
        matches!(
            grants.as_slice(),
            [NodeKey::RoleGrant {
                role: GrantedRole::Any,
                ..
            }]
        ),
        "{grants:?}"
    );
    assert!(reaches(&one_binding, "user:alice", "role:a/ns-admin"));
}

#[test]
fn a_user_subject_named_as_a_service_account_binds_that_service_account() {
    // The apiserver authenticates the token of ci/deployer as the user
    // `system:serviceaccount:ci:deployer`, and RBAC matches a User subject by that name.
    let impersonate = "{apiGroups: [''], resources: [users, groups], verbs: [impersonate]}";
    let user =
        |name: &str| format!("{{kind: User, apiGroup: rbac.authorization.k8s.io, name: '{name}'}}");
    let bound = [
        sa("ci", "deployer"),
        grant(
            "",
            "imp",
            &user("system:serviceaccount:ci:deployer"),
            impersonate,
        ),
    ]
    .concat();
    assert!(reaches(&bound, "sa:ci/deployer", "cluster-admin"));
    // A name with a third part is no service account's user: nothing binds ci/deployer.
    let other = [
        sa("ci", "deployer"),
        grant(
            "",
            "imp",
            &user("system:serviceaccount:ci:deployer:x"),
            impersonate,
        ),
    ]
    .concat();
    assert!(!reaches(&other, "sa:ci/deployer", "cluster-admin"));
    assert!(reaches(
        &other,
        "user:system:serviceaccount:ci:deployer:x",
        "cluster-admin"
    ));
}

#[test]
fn a_user_subject_named_as_a_service_account_is_listed_as_that_account() {
    let out = crate::util::success_stdout(&[
        "escalations",
        "-f",
        "tests/data/escalate/user-named-as-service-account.yaml",
    ]);
    let sources: Vec<&str> = out.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        sources,
        ["sa:ci/deployer   node     3      ClusterRoleBinding deployer-by-user-name"]
    );
}
