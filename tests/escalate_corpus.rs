//! `kubesim escalations --to cluster-admin` on the real install manifests of argo-cd, calico,
//! rook, flux2 and kube-prometheus (RBAC-relevant copies with their sources and licences in
//! `tests/data/escalate/corpus/SOURCE.md`; kube-prometheus is the copy of
//! `tests/data/corpus/`), with Kubernetes' own roles and bindings merged (`--defaults
//! latest`: the installs bind the built-in `cluster-admin`, and the built-in controllers are
//! part of every cluster). The text report of each is pinned, the JSON report names the same
//! paths, and two paths are checked by hand:
//!
//! - argo-cd, `sa:argocd/argocd-server` in 4 hops: ClusterRoleBinding argocd-server
//!   (install.yaml:603) grants ClusterRole argocd-server (install.yaml:415), whose rule 0
//!   (line 424) allows `patch` on `*` in every API group, so `pods/ephemeralcontainers` too: it
//!   can add a debug container to the running argocd-application-controller pod (StatefulSet
//!   at install.yaml:2268, `serviceAccountName` at line 2715) and use that pod's token; that
//!   service account holds ClusterRole argocd-application-controller (install.yaml:320,
//!   `*`/`*`/`*` and every URL) through ClusterRoleBinding argocd-application-controller
//!   (install.yaml:569): cluster-admin in all but name.
//! - flux2, `sa:flux-system/image-automation-controller` in 4 hops: ClusterRoleBinding
//!   crd-controller-flux-system (gotk-components-v2.9.3.yaml:195, its subjects include
//!   image-automation-controller) grants ClusterRole crd-controller-flux-system (line 16),
//!   whose rule 11 (line 111) allows `create serviceaccounts/token` in every namespace: it can
//!   mint a token for flux-system/helm-controller, which ClusterRoleBinding
//!   cluster-reconciler-flux-system (line 175) binds to the built-in ClusterRole
//!   cluster-admin.

use crate::util::kubesim;
use serde_json::Value;

/// (snapshot name, manifest directory, namespace the project's docs apply it to if its
/// objects name none).
const PROJECTS: [(&str, &str, Option<&str>); 5] = [
    (
        "argo_cd",
        "tests/data/escalate/corpus/argo-cd",
        Some("argocd"),
    ),
    ("calico", "tests/data/escalate/corpus/calico", None),
    ("rook", "tests/data/escalate/corpus/rook", None),
    ("flux2", "tests/data/escalate/corpus/flux2", None),
    ("kube_prometheus", "tests/data/corpus/kube-prometheus", None),
];

fn escalations(dir: &str, namespace: Option<&str>, json: bool) -> String {
    let mut cmd = kubesim();
    cmd.args([
        "escalations",
        "--to",
        "cluster-admin",
        "-f",
        dir,
        "--defaults",
        "latest",
    ]);
    if let Some(ns) = namespace {
        cmd.args(["-n", ns]);
    }
    if json {
        cmd.args(["-o", "json"]);
    }
    let output = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{dir}: {stderr}");
    assert!(
        stderr.is_empty(),
        "{dir}: no diagnostics expected: {stderr}"
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn json(dir: &str, namespace: Option<&str>) -> Vec<Value> {
    let value: Value =
        serde_json::from_str(&escalations(dir, namespace, true)).expect("valid JSON");
    value["findings"].as_array().expect("findings").clone()
}

fn finding<'a>(findings: &'a [Value], source: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["source"] == source)
        .unwrap_or_else(|| panic!("no finding for {source}"))
}

/// Each hop as `from => to`, with the grants behind it as `binding (file:line) -> role
/// (file:line)`.
fn hops(finding: &Value) -> Vec<(String, Vec<String>)> {
    finding["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .map(|h| {
            let grants = h["grants"]
                .as_array()
                .expect("grants")
                .iter()
                .map(|g| {
                    format!(
                        "{} {} ({}) -> {} {} ({}){}",
                        g["binding"]["kind"].as_str().unwrap(),
                        g["binding"]["name"].as_str().unwrap(),
                        g["binding"]["source"].as_str().unwrap(),
                        g["role"]["kind"].as_str().unwrap(),
                        g["role"]["name"].as_str().unwrap(),
                        g["role"]["source"].as_str().unwrap(),
                        match (g["rule"].as_u64(), g["rule_text"].as_str()) {
                            (Some(n), Some(text)) => format!(", rule {n}: {text}"),
                            _ => String::new(),
                        }
                    )
                })
                .collect();
            (
                format!(
                    "{} => {}",
                    h["from"].as_str().unwrap(),
                    h["to"].as_str().unwrap()
                ),
                grants,
            )
        })
        .collect()
}

#[test]
fn escalations_to_cluster_admin_of_each_project_are_pinned() {
    for (name, dir, namespace) in PROJECTS {
        let text = escalations(dir, namespace, false);
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn the_json_report_names_the_same_paths_as_the_table() {
    for (_, dir, namespace) in PROJECTS {
        let text = escalations(dir, namespace, false);
        let table: Vec<(String, usize)> = text
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(cols[1], "cluster-admin", "{l}");
                (cols[0].to_string(), cols[2].parse().expect("hops"))
            })
            .collect();
        let findings = json(dir, namespace);
        let from_json: Vec<(String, usize)> = findings
            .iter()
            .map(|f| {
                assert_eq!(f["target"], "cluster-admin");
                (
                    f["source"].as_str().unwrap().to_string(),
                    f["hops"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(table, from_json, "{dir}");
        // Every project reaches cluster-admin through something of its own, not only
        // through Kubernetes' built-in controllers.
        assert!(
            table.iter().any(|(s, _)| !s.starts_with("sa:kube-system/")
                && s != "group:system:masters"
                && s != "user:system:kube-controller-manager"),
            "{dir}: {table:?}"
        );
    }
}

#[test]
fn hand_checked_argo_cd_server_reaches_cluster_admin_through_the_application_controller() {
    let file = "tests/data/escalate/corpus/argo-cd/install.yaml";
    let findings = json("tests/data/escalate/corpus/argo-cd", Some("argocd"));
    let path = finding(&findings, "sa:argocd/argocd-server");
    assert_eq!(
        hops(path),
        [
            (
                "sa:argocd/argocd-server => running pods in every namespace".to_string(),
                vec![format!(
                    "ClusterRoleBinding argocd-server ({file}:603) -> ClusterRole argocd-server ({file}:415), rule 0: verbs [delete get patch] apiGroups [*] resources [*]"
                )]
            ),
            (
                "running pods in every namespace => running pods in argocd".to_string(),
                vec![]
            ),
            (
                "running pods in argocd => sa:argocd/argocd-application-controller".to_string(),
                vec![]
            ),
            (
                "sa:argocd/argocd-application-controller => cluster-admin".to_string(),
                vec![format!(
                    "ClusterRoleBinding argocd-application-controller ({file}:569) -> ClusterRole argocd-application-controller ({file}:320)"
                )]
            ),
        ]
    );
    let text = serde_json::to_string(path).unwrap();
    assert!(text.contains("pods/ephemeralcontainers"), "{text}");
    assert!(
        text.contains(&format!(
            "statefulset argocd/argocd-application-controller ({file}:2268)"
        )),
        "{text}"
    );
    assert_eq!(path["cut"][0]["name"], "argocd-server");
}

#[test]
fn hand_checked_flux_image_automation_mints_a_token_for_a_cluster_admin() {
    let file = "tests/data/escalate/corpus/flux2/gotk-components-v2.9.3.yaml";
    let findings = json("tests/data/escalate/corpus/flux2", None);
    let path = finding(&findings, "sa:flux-system/image-automation-controller");
    assert_eq!(
        hops(path),
        [
            (
                "sa:flux-system/image-automation-controller => every service account in every namespace".to_string(),
                vec![format!(
                    "ClusterRoleBinding crd-controller-flux-system ({file}:195) -> ClusterRole crd-controller-flux-system ({file}:16), rule 11: verbs [create] apiGroups [\"\"] resources [serviceaccounts/token]"
                )]
            ),
            (
                "every service account in every namespace => every service account in flux-system".to_string(),
                vec![]
            ),
            (
                "every service account in flux-system => sa:flux-system/helm-controller".to_string(),
                vec![]
            ),
            (
                "sa:flux-system/helm-controller => cluster-admin".to_string(),
                vec![format!(
                    "ClusterRoleBinding cluster-reconciler-flux-system ({file}:175) -> ClusterRole cluster-admin (<defaults:v1.37>/cluster-roles.yaml:16)"
                )]
            ),
        ]
    );
    assert_eq!(path["cut"][0]["name"], "crd-controller-flux-system");
}
