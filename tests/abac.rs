//! ABAC exactly as upstream's authorizer: every field and wildcard, the v1beta1 `*` subject
//! conversion, the unversioned v0 format, the examples of the Kubernetes documentation, and
//! the authorizer chain (order, the deciding authorizer, the union's deny reason) through the
//! library and the command line.

use crate::util::kubesim;
use std::sync::Arc;

use kubesim::authz::abac::PolicyList;
use kubesim::authz::{Chain, Mode};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::model::identity::UserInfo;
use kubesim::model::{Action, Request};

fn policies(file: &str) -> PolicyList {
    let text = std::fs::read_to_string(file).unwrap();
    let (list, diagnostics) = PolicyList::parse(file, &text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    list
}

fn user(spec: &str) -> UserInfo {
    // "name" or "name|group1,group2"; authenticated unless anonymous.
    let (name, groups) = spec.split_once('|').unwrap_or((spec, ""));
    let mut groups: Vec<String> = groups
        .split(',')
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    if name == "system:anonymous" {
        groups.push("system:unauthenticated".into());
    } else {
        groups.push("system:authenticated".into());
    }
    UserInfo::new(name, groups)
}

/// `VERB RESOURCE[.GROUP][/SUB] [NAMESPACE]` or `VERB /PATH`.
fn action(text: &str) -> Action {
    let words: Vec<&str> = text.split_whitespace().collect();
    let verb = words[0];
    if words[1].starts_with('/') {
        return Action::non_resource(verb, words[1]);
    }
    let (main, sub) = words[1].split_once('/').unwrap_or((words[1], ""));
    let (resource, group) = main.split_once('.').unwrap_or((main, ""));
    Action::resource(
        verb,
        group,
        resource,
        sub,
        words.get(2).copied().unwrap_or(""),
        "",
    )
}

/// Each case: user, action, the line of the first matching policy (0 for none).
fn check(list: &PolicyList, cases: &[(&str, &str, u32)]) {
    let mut failures = Vec::new();
    for (who, what, line) in cases {
        let got = list
            .authorize(&user(who), &action(what))
            .map_or(0, |p| p.line);
        if got != *line {
            failures.push(format!("{who} {what}: expected line {line}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_documented_examples() {
    let list = policies("tests/data/auth/abac-docs.jsonl");
    check(
        &list,
        &[
            // Alice can do anything to all resources, in every group and namespace.
            ("alice", "delete secrets kube-system", 3),
            ("alice", "create deployments.apps default", 3),
            ("alice", "get nodes", 3),
            // ... but not non-resource paths beyond what everyone gets (line 11: read-only).
            ("alice", "get /healthz", 11),
            ("alice", "post /healthz", 0),
            // The kubelet reads any pod, writes none, and reads and writes events.
            ("kubelet", "list pods default", 5),
            ("kubelet", "watch pods kube-system", 5),
            ("kubelet", "delete pods default", 0),
            ("kubelet", "create events default", 7),
            ("kubelet", "get events.events.k8s.io default", 0),
            // Bob just reads pods in projectCaribou (the subresource is not compared).
            ("bob", "get pods projectCaribou", 9),
            ("bob", "get pods/log projectCaribou", 9),
            ("bob", "create pods/exec projectCaribou", 0),
            ("bob", "get pods default", 0),
            ("bob", "update pods projectCaribou", 0),
            // A read-only user limited to one namespace reads no other resource there.
            ("bob", "get configmaps projectCaribou", 0),
            // Anyone, authenticated or not, may read every non-resource path.
            ("someone", "get /version", 11),
            ("system:anonymous", "get /apis/apps", 12),
            ("system:anonymous", "get pods default", 0),
            ("someone", "put /version", 0),
        ],
    );
}

#[test]
fn every_field_and_wildcard() {
    let list = policies("tests/data/auth/abac-fields.jsonl");
    check(
        &list,
        &[
            // user, namespace, resource and the core group ("" matches only "").
            ("u-exact", "get configmaps ns1", 1),
            ("u-exact", "delete configmaps ns1", 1),
            ("u-exact", "get configmaps ns2", 0),
            ("u-exact", "get configmaps", 0),
            ("u-exact", "get configmaps.apps ns1", 0),
            ("other", "get configmaps ns1", 0),
            // group; namespace "*" includes cluster-scoped requests; apiGroup exact.
            ("x|g-apps", "create deployments.apps ns9", 2),
            ("x|g-apps", "list deployments.apps", 2),
            ("x|g-apps", "list deployments ns9", 0),
            ("x|g-other", "list deployments.apps ns9", 0),
            // apiGroup "*".
            ("u-anygroup", "get widgets.example.com ns1", 3),
            ("u-anygroup", "get widgets ns1", 3),
            ("u-anygroup", "get widgets.example.com ns2", 0),
            // An unset namespace matches only cluster scope.
            ("u-cluster", "get nodes", 4),
            ("u-cluster", "get nodes ns1", 0),
            ("u-cluster", "get /nodes", 0),
            // nonResourcePath: a trailing * is a prefix; otherwise exact.
            ("u-paths", "get /logs/", 5),
            ("u-paths", "get /logs/kube.log", 5),
            ("u-paths", "get /logs", 0),
            ("u-paths", "post /healthz", 6),
            ("u-paths", "get /healthz/ready", 0),
            ("u-paths", "get pods ns1", 0),
            // user and group: both must match.
            ("u-both|g-both", "get secrets ns1", 7),
            ("u-both", "get secrets ns1", 0),
            ("x|g-both", "get secrets ns1", 0),
            // user "*" becomes group system:authenticated: never the anonymous user.
            ("anyone", "watch configmaps public", 8),
            ("anyone", "update configmaps public", 0),
            ("system:anonymous", "get configmaps public", 0),
            // A policy without user or group matches nothing (line 9).
            ("nobody-special", "get pods ns1", 0),
            // v0: an unset namespace and resource mean every resource and path, any group.
            ("u-v0", "delete deployments.apps ns1", 10),
            ("u-v0", "post /anything", 10),
            // v0 with a namespace: read-only there, no paths.
            ("u-v0-ns", "get secrets.example.com ns2", 11),
            ("u-v0-ns", "create secrets ns2", 0),
            ("u-v0-ns", "get /version", 0),
        ],
    );
    // The conversion is visible on the loaded policy.
    let star = &list.policies[7];
    assert_eq!(
        (star.user.as_str(), star.group.as_str()),
        ("", "system:authenticated")
    );
}

#[test]
fn bad_lines_are_reported_and_the_others_kept() {
    let text = "# comment\n\n{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"a\", \"nonResourcePath\": \"*\"}}\n{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"b\", \"readonly\": \"yes\"}}\n{not json\n{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"c\", \"resouce\": \"pods\"}}\n";
    let (list, diagnostics) = PolicyList::parse("p.jsonl", text);
    let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        shown,
        [
            "p.jsonl:4:100: error: readonly must be true or false",
            "p.jsonl:5:2: error: invalid policy line: key must be a string",
            "p.jsonl:6:100: warning: unknown field \"resouce\" is ignored (in spec)",
        ]
    );
    let users: Vec<(&str, u32)> = list
        .policies
        .iter()
        .map(|p| (p.user.as_str(), p.line))
        .collect();
    assert_eq!(users, [("a", 3), ("c", 6)]);
}

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pod-reader
rules:
  - apiGroups: [\"\"]
    resources: [\"pods\"]
    verbs: [\"get\", \"list\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: alice-pods
subjects:
  - kind: User
    name: alice
    apiGroup: rbac.authorization.k8s.io
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
";

fn index() -> RbacIndex {
    let loaded = load_str("rbac.yaml", RBAC, &LoadOptions::default());
    RbacIndex::build(Arc::new(loaded.cluster))
}

#[test]
fn the_chain_runs_in_order_and_names_the_authorizer() {
    let index = index();
    let abac = Arc::new(policies("tests/data/auth/abac-docs.jsonl"));
    let abac_rbac = Chain::new(vec![Mode::Abac, Mode::Rbac], Some(abac.clone())).unwrap();
    let rbac_abac = Chain::new(vec![Mode::Rbac, Mode::Abac], Some(abac.clone())).unwrap();
    let get_pods = Request::new(user("alice"), action("get pods default"));

    // Both allow; the first in order decides.
    let d = abac_rbac.authorize(&index, &get_pods);
    assert!(d.allowed);
    assert_eq!(d.decider_name(), Some("ABAC"));
    assert_eq!(d.reason(&index), "ABAC: allowed by policy on line 3");
    let d = rbac_abac.authorize(&index, &get_pods);
    assert_eq!(d.decider_name(), Some("RBAC"));
    assert!(
        d.reason(&index)
            .starts_with("RBAC: allowed by ClusterRoleBinding \"alice-pods\"")
    );

    // Only RBAC allows: ABAC has no opinion and passes.
    let carol = Request::new(user("carol"), action("get pods default"));
    assert!(!abac_rbac.authorize(&index, &carol).allowed);
    let only_rbac = Chain::new(
        vec![Mode::Abac, Mode::Rbac],
        Some(Arc::new(PolicyList::default())),
    )
    .unwrap();
    let d = only_rbac.authorize(&index, &get_pods);
    assert_eq!(d.decider_name(), Some("RBAC"));

    // Nobody allows: upstream's union joins the non-empty reasons.
    let d = abac_rbac.authorize(&index, &carol);
    assert_eq!(d.reason(&index), "No policy matched.");
    let deny = Chain::new(vec![Mode::AlwaysDeny, Mode::Abac], Some(abac.clone())).unwrap();
    assert_eq!(
        deny.authorize(&index, &carol).reason(&index),
        "Everything is forbidden.\nNo policy matched."
    );
    // AlwaysDeny has no opinion: the next authorizer still allows.
    let d = deny.authorize(&index, &get_pods);
    assert_eq!(d.decider_name(), Some("ABAC"));

    // system:masters is allowed before any mode.
    let root = Request::new(user("root|system:masters"), action("delete nodes"));
    assert_eq!(
        deny.authorize(&index, &root).decider_name(),
        Some("system:masters")
    );

    // The gate's quick answer agrees with the explained one, mode by mode.
    let always = Chain::new(vec![Mode::AlwaysDeny, Mode::AlwaysAllow], None).unwrap();
    let rbac = Chain::default();
    for chain in [&abac_rbac, &rbac_abac, &only_rbac, &deny, &always, &rbac] {
        for request in [&get_pods, &carol, &root] {
            assert_eq!(
                chain.allows(&index, request),
                chain.authorize(&index, request).allowed,
                "{} for {:?}",
                chain.describe(),
                request.user
            );
        }
    }
    assert!(!rbac.allows(&index, &carol) && always.allows(&index, &carol));

    // ABAC needs its policy file; Node and Webhook cannot be evaluated offline.
    assert!(Chain::new(vec![Mode::Abac], None).is_err());
    assert!(Mode::parse_list("Node,RBAC").unwrap_err().contains("Node"));
    assert!(Mode::parse_list("RBAC,RBAC").is_err());
}

#[test]
fn who_can_and_access_span_the_chain() {
    let index = index();
    let abac = Arc::new(policies("tests/data/auth/abac-docs.jsonl"));
    let chain = Chain::new(vec![Mode::Abac, Mode::Rbac], Some(abac)).unwrap();
    let result = chain.who_can(&index, &action("get pods projectCaribou"), false);
    let abac_subjects: Vec<(&str, &str, u32)> = result
        .abac
        .iter()
        .map(|s| (s.kind, s.name.as_str(), s.line))
        .collect();
    assert_eq!(
        abac_subjects,
        [
            ("User", "alice", 3),
            ("User", "bob", 9),
            ("User", "kubelet", 5)
        ]
    );
    let rbac: Vec<&str> = result
        .rbac
        .as_ref()
        .unwrap()
        .subjects
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(rbac, ["system:masters", "alice"]);

    // RulesFor: bob reads pods in projectCaribou (RulesFor puts get, list and watch).
    let rules = chain.access(&index, &user("bob"), "projectCaribou");
    assert_eq!(rules.abac.len(), 1);
    assert_eq!(rules.abac[0].0, 9);
    assert_eq!(rules.abac[0].1.verbs, ["get", "list", "watch"]);
    assert!(
        chain
            .access(&index, &user("bob"), "default")
            .abac
            .is_empty()
    );
}

#[test]
fn the_commands_name_the_deciding_authorizer() {
    let dir = tempfile::tempdir().unwrap();
    let rbac = dir.path().join("rbac.yaml");
    std::fs::write(&rbac, RBAC).unwrap();
    let rbac = rbac.to_str().unwrap();
    let policy = "tests/data/auth/abac-docs.jsonl";
    let out = kubesim()
        .args([
            "can",
            "user:bob",
            "list",
            "pods",
            "-n",
            "projectCaribou",
            "-f",
            rbac,
        ])
        .args(["--authorization-mode", "ABAC,RBAC", "--abac-policy", policy])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("yes\n"), "{text}");
    assert!(
        text.contains("authorizers: ABAC (allowed), RBAC (not consulted)\n"),
        "{text}"
    );
    assert!(
        text.contains("reason: ABAC: allowed by policy on line 9\n"),
        "{text}"
    );
    assert!(
        text.contains("policy: tests/data/auth/abac-docs.jsonl:9: {\"apiVersion\""),
        "{text}"
    );

    let out = kubesim()
        .args([
            "can",
            "user:carol",
            "delete",
            "pods",
            "-f",
            rbac,
            "-o",
            "json",
        ])
        .args(["--abac-policy", policy])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["reason"], "No policy matched.");
    assert_eq!(v["authorizer"], serde_json::Value::Null);
    assert_eq!(v["authorizers"][0]["mode"], "ABAC");
    assert_eq!(v["authorizers"][1]["verdict"], "no_opinion");

    let out = kubesim()
        .args(["who-can", "create", "events", "-n", "default", "-f", rbac])
        .args(["--authorization-mode", "RBAC,ABAC", "--abac-policy", policy])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert!(
        rows.contains(&vec!["User", "alice", "ABAC policy line 3"]),
        "{text}"
    );
    assert!(
        rows.contains(&vec!["User", "kubelet", "ABAC policy line 7"]),
        "{text}"
    );
    assert!(
        rows.contains(&vec!["Group", "system:masters", "(superuser group)"]),
        "{text}"
    );

    // A bad policy line: the answer is still given, with exit code 2.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"bob\", \"namespace\": \"*\", \"resource\": \"*\", \"apiGroup\": \"*\"}}\n{broken\n",
    )
    .unwrap();
    let output = kubesim()
        .args([
            "can",
            "user:bob",
            "get",
            "pods",
            "-f",
            rbac,
            "--abac-policy",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("yes\n"));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("bad.jsonl:2:2: error: invalid policy line"),
        "{err}"
    );

    kubesim()
        .args([
            "can",
            "user:bob",
            "get",
            "pods",
            "--authorization-mode",
            "Node,RBAC",
        ])
        .assert()
        .code(2);
}
