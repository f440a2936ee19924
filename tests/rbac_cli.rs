//! The RBAC commands end to end: exit codes, the required bootstrap answers, explanations,
//! the catalogue, who-can, access and matrix.

use crate::util::kubesim;

const FIXTURE: &str = "tests/data/rbac/team.yaml";

#[test]
fn unauthenticated_may_get_healthz_with_the_exact_reason() {
    let out = kubesim()
        .args([
            "can",
            "group:system:unauthenticated",
            "get",
            "/healthz",
            "--defaults",
            "latest",
            "-o",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(
        v["reason"],
        "RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole \"system:public-info-viewer\" to Group \"system:unauthenticated\""
    );
    assert_eq!(v["via"][0]["role"]["name"], "system:public-info-viewer");
    assert_eq!(v["via"][0]["binding"]["kind"], "ClusterRoleBinding");
}

#[test]
fn replicaset_controller_only_in_kube_system() {
    kubesim()
        .args([
            "can",
            "sa:kube-system/replicaset-controller",
            "create",
            "pods",
            "-n",
            "default",
            "--defaults",
            "latest",
        ])
        .assert()
        .code(0);
    kubesim()
        .args([
            "can",
            "sa:default/replicaset-controller",
            "create",
            "pods",
            "-n",
            "default",
            "--defaults",
            "latest",
        ])
        .assert()
        .code(1);
}

#[test]
fn exit_codes() {
    // allowed
    kubesim()
        .args([
            "can",
            "user:alice",
            "get",
            "pods",
            "-n",
            "payments",
            "-f",
            FIXTURE,
        ])
        .assert()
        .code(0);
    // denied
    kubesim()
        .args([
            "can",
            "user:alice",
            "delete",
            "secrets",
            "-n",
            "payments",
            "-f",
            FIXTURE,
        ])
        .assert()
        .code(1);
    // usage errors
    kubesim()
        .args(["can", "robot:alice", "get", "pods", "-f", FIXTURE])
        .assert()
        .code(2);
    kubesim()
        .args(["can", "user:alice", "get", "pods", "--defaults", "v0.1"])
        .assert()
        .code(2);
    // unreadable input: still evaluated, exit 2
    kubesim()
        .args([
            "can",
            "user:alice",
            "get",
            "pods",
            "-n",
            "payments",
            "-f",
            FIXTURE,
            "-f",
            "tests/data/rbac/missing.yaml",
        ])
        .assert()
        .code(2);
    let out = kubesim()
        .args([
            "can",
            "user:alice",
            "get",
            "pods",
            "-n",
            "payments",
            "-f",
            FIXTURE,
            "-f",
            "tests/data/rbac/missing.yaml",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("yes"));
    // unknown resource: reported, asked as written, exit 2
    kubesim()
        .args([
            "can",
            "user:alice",
            "get",
            "podz",
            "-n",
            "payments",
            "-f",
            FIXTURE,
        ])
        .assert()
        .code(2);
    let out = kubesim()
        .args([
            "can",
            "user:alice",
            "get",
            "podz",
            "-n",
            "payments",
            "-f",
            FIXTURE,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("doesn't have a resource type 'podz'; did you mean")
    );
    kubesim()
        .args(["who-can", "get", "pods", "-n", "payments", "-f", FIXTURE])
        .assert()
        .code(0);
    kubesim()
        .args(["access", "user:alice", "-n", "payments", "-f", FIXTURE])
        .assert()
        .code(0);
    kubesim()
        .args([
            "matrix",
            "--subject",
            "user:alice",
            "-n",
            "payments",
            "-f",
            FIXTURE,
        ])
        .assert()
        .code(0);
    kubesim().args(["matrix", "-f", FIXTURE]).assert().code(2);
}

fn stdout(args: &[&str]) -> String {
    let out = kubesim().args(args).output().expect("runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn explanations() {
    insta::assert_snapshot!(
        "can_allow_aggregated",
        stdout(&[
            "can",
            "user:alice",
            "get",
            "pods",
            "-n",
            "payments",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "can_deny_near_misses",
        stdout(&[
            "can",
            "user:alice",
            "delete",
            "secrets",
            "-n",
            "payments",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "can_deny_other_namespace",
        stdout(&[
            "can",
            "user:alice",
            "get",
            "pods",
            "-n",
            "billing",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "can_deny_resource_name",
        stdout(&[
            "can",
            "user:bob",
            "update",
            "configmaps",
            "--name",
            "other",
            "-n",
            "payments",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "can_deny_missing_role",
        stdout(&[
            "can",
            "user:carol",
            "get",
            "pods",
            "-n",
            "payments",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "can_superuser",
        stdout(&[
            "can",
            "user:root",
            "--as-group",
            "system:masters",
            "escalate",
            "clusterroles",
            "-f",
            FIXTURE
        ])
    );
}

#[test]
fn reports() {
    insta::assert_snapshot!(
        "who_can_pods_payments",
        stdout(&["who-can", "get", "pods", "-n", "payments", "-f", FIXTURE])
    );
    insta::assert_snapshot!(
        "access_alice_payments",
        stdout(&["access", "user:alice", "-n", "payments", "-f", FIXTURE])
    );
    insta::assert_snapshot!(
        "access_alice_defaults",
        stdout(&[
            "access",
            "user:alice",
            "-n",
            "default",
            "--defaults",
            "latest"
        ])
    );
    insta::assert_snapshot!(
        "matrix_alice_payments",
        stdout(&[
            "matrix",
            "--subject",
            "user:alice",
            "-n",
            "payments",
            "--resources",
            "pods,secrets,deployments.apps,widgets",
            "-f",
            FIXTURE
        ])
    );
    insta::assert_snapshot!(
        "matrix_get_payments",
        stdout(&[
            "matrix",
            "--verb",
            "get",
            "-n",
            "payments",
            "--resources",
            "pods,configmaps",
            "-f",
            FIXTURE
        ])
    );
}

#[test]
fn catalogue() {
    use kubesim::index::catalog::{Catalog, CatalogError};
    let c = Catalog::default();
    let r = |name: &str| {
        c.resolve(name, None, "", "")
            .map(|r| (r.resource.group, r.resource.resource))
    };
    assert_eq!(r("po"), Ok(("".into(), "pods".into())));
    assert_eq!(r("deploy"), Ok(("apps".into(), "deployments".into())));
    assert_eq!(r("Deployment"), Ok(("apps".into(), "deployments".into())));
    assert_eq!(r("events"), Ok(("".into(), "events".into())));
    assert!(
        matches!(r("deplyments"), Err(CatalogError::Unknown { ref candidates, .. }) if candidates.contains(&"deployments.apps".to_string()))
    );
    let nodes = c.resolve("nodes", None, "", "default").unwrap();
    assert_eq!(nodes.warnings, ["resource 'nodes' is not namespace scoped"]);
    let q = c.resolve("widgets", Some("example.com"), "", "x").unwrap();
    assert_eq!(
        (q.resource.group.as_str(), q.resource.resource.as_str()),
        ("example.com", "widgets")
    );
    // CRDs from the input resolve by plural, singular, kind and short name; a name shared
    // with a built-in means the built-in (kubectl's priority RESTMapper), the CRD is noted.
    let loaded = kubesim::manifest::load_paths(&[FIXTURE.to_string()], &Default::default());
    let c = Catalog::new(&loaded.cluster.custom_resources);
    for name in ["widgets", "widget", "Widget", "wg"] {
        let got = c.resolve(name, None, "", "").unwrap().resource;
        assert_eq!(
            (got.group.as_str(), got.resource.as_str()),
            ("example.com", "widgets"),
            "{name}"
        );
    }
    let shared = c.resolve("deployments", None, "", "").unwrap();
    assert_eq!(
        (shared.resource.group.as_str(), shared.shadowed.as_slice()),
        ("apps", &["deployments.example.com".to_string()][..])
    );
}
