//! `kubesim diff` compares effective access, not rule text: reordering rules, verbs,
//! resources, subjects or documents, splitting a role, or renaming a file is no change; a real
//! added verb or resource is reported once, with the binding, role and rule that grant it.
//! Also `--exclude-system`, SARIF, the exit codes, the reduced gatekeeper and Longhorn cases,
//! and a what-if's `show diff`.

use crate::util::{assert_valid_sarif, kubesim};
use std::path::Path;

use serde_json::Value;

/// A base and a head directory, each holding the given (file, text) pairs.
fn trees(base: &[(&str, &str)], head: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (side, files) in [("base", base), ("head", head)] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        for (name, text) in files {
            let path = dir.path().join(side).join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = kubesim()
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains("error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
    )
}

/// `diff base head --fail-on-gain -o json` of the two trees: the exit code and the report.
fn diff_json(base: &[(&str, &str)], head: &[(&str, &str)]) -> (Option<i32>, Value) {
    let dir = trees(base, head);
    let (code, out) = run(
        dir.path(),
        &["base", "head", "--fail-on-gain", "-o", "json"],
    );
    (code, serde_json::from_str(&out).unwrap())
}

fn diff_text(base: &[(&str, &str)], head: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String) {
    let dir = trees(base, head);
    let mut all = vec!["base", "head"];
    all.extend(args);
    run(dir.path(), &all)
}

/// The `+`/`-` lines of one section of the text report (without their `via` lines).
fn section<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    text.split_once(&format!("{title}:\n"))
        .map_or("", |(_, rest)| rest)
        .lines()
        .take_while(|l| l.starts_with(' '))
        .filter(|l| l.starts_with("  +") || l.starts_with("  -"))
        .collect()
}

const NO_CHANGE: &str = "access gained:\n  (none)\naccess lost:\n  (none)\nescalation paths gained:\n  (none)\nescalation paths lost:\n  (none)\npod security:\n  (none)\nwho can run pods:\n  (none)\n";

fn cluster_role(name: &str, rules: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {name}}}\nrules:\n{rules}"
    )
}

fn role_binding(name: &str, namespace: &str, role: &str, subjects: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: {name}, namespace: {namespace}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects:\n{subjects}"
    )
}

fn cluster_role_binding(name: &str, role: &str, subjects: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects:\n{subjects}"
    )
}

const SUBJECTS: &str = "- {kind: ServiceAccount, name: app, namespace: team}\n- {kind: User, name: alice}\n- {kind: Group, name: devs}\n";

const RULES: &str = "- apiGroups: [\"\"]\n  resources: [pods, services]\n  verbs: [get, list, watch]\n- apiGroups: [apps, batch]\n  resources: [deployments, jobs]\n  verbs: [create, update]\n- nonResourceURLs: [/healthz, /metrics]\n  verbs: [get]\n";

/// The base every no-change case starts from: one ClusterRole bound in a namespace and
/// cluster-wide.
fn base_docs() -> Vec<String> {
    vec![
        cluster_role("app", RULES),
        role_binding("app", "team", "app", SUBJECTS),
        cluster_role_binding("app-everywhere", "app", "- {kind: User, name: auditor}\n"),
    ]
}

fn file(docs: &[String]) -> String {
    docs.join("---\n")
}

#[test]
fn the_base_grants_what_the_cases_change() {
    // Guard: the base itself grants something, so that "no change" below means something.
    let base = file(&base_docs());
    let (code, json) = diff_json(&[], &[("rbac.yaml", &base)]);
    assert_eq!(code, Some(1));
    let gained: Vec<&str> = json["access_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert!(gained.contains(&"sa:team/app"), "{gained:?}");
    assert!(gained.contains(&"user:auditor"), "{gained:?}");
}

#[test]
fn reordering_splitting_and_renaming_report_no_change() {
    let base = file(&base_docs());
    let [role, binding, everywhere] = <[String; 3]>::try_from(base_docs()).unwrap();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "rules swapped",
            vec![(
                "rbac.yaml",
                file(&[
                    cluster_role(
                        "app",
                        "- nonResourceURLs: [/healthz, /metrics]\n  verbs: [get]\n- apiGroups: [apps, batch]\n  resources: [deployments, jobs]\n  verbs: [create, update]\n- apiGroups: [\"\"]\n  resources: [pods, services]\n  verbs: [get, list, watch]\n",
                    ),
                    binding.clone(),
                    everywhere.clone(),
                ]),
            )],
        ),
        (
            "verbs, resources, groups and URLs reordered",
            vec![(
                "rbac.yaml",
                file(&[
                    cluster_role(
                        "app",
                        "- apiGroups: [\"\"]\n  resources: [services, pods]\n  verbs: [watch, get, list]\n- apiGroups: [batch, apps]\n  resources: [jobs, deployments]\n  verbs: [update, create]\n- nonResourceURLs: [/metrics, /healthz]\n  verbs: [get]\n",
                    ),
                    binding.clone(),
                    everywhere.clone(),
                ]),
            )],
        ),
        (
            "subjects reordered",
            vec![(
                "rbac.yaml",
                file(&[
                    role.clone(),
                    role_binding(
                        "app",
                        "team",
                        "app",
                        "- {kind: Group, name: devs}\n- {kind: User, name: alice}\n- {kind: ServiceAccount, name: app, namespace: team}\n",
                    ),
                    everywhere.clone(),
                ]),
            )],
        ),
        (
            "documents reordered",
            vec![(
                "rbac.yaml",
                file(&[everywhere.clone(), binding.clone(), role.clone()]),
            )],
        ),
        ("file renamed", vec![("renamed/access.yaml", base.clone())]),
        (
            "documents spread over files",
            vec![
                ("a-binding.yaml", binding.clone()),
                ("b-role.yaml", role.clone()),
                ("c-cluster.yaml", everywhere.clone()),
            ],
        ),
        (
            "role split into two bound roles with the same union",
            vec![(
                "rbac.yaml",
                file(&[
                    cluster_role(
                        "app-read",
                        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list, watch]\n- apiGroups: [\"\"]\n  resources: [services]\n  verbs: [list, get, watch]\n- nonResourceURLs: [/metrics]\n  verbs: [get]\n",
                    ),
                    cluster_role(
                        "app-write",
                        "- apiGroups: [apps]\n  resources: [deployments, jobs]\n  verbs: [create, update]\n- apiGroups: [batch]\n  resources: [jobs, deployments]\n  verbs: [create, update]\n- nonResourceURLs: [/healthz]\n  verbs: [get]\n",
                    ),
                    role_binding("app-read", "team", "app-read", SUBJECTS),
                    role_binding("app-write", "team", "app-write", SUBJECTS),
                    cluster_role_binding(
                        "auditor-read",
                        "app-read",
                        "- {kind: User, name: auditor}\n",
                    ),
                    cluster_role_binding(
                        "auditor-write",
                        "app-write",
                        "- {kind: User, name: auditor}\n",
                    ),
                ]),
            )],
        ),
        (
            "a service account written as its user name",
            vec![(
                "rbac.yaml",
                file(&[
                    role.clone(),
                    role_binding(
                        "app",
                        "team",
                        "app",
                        "- {kind: User, name: \"system:serviceaccount:team:app\"}\n- {kind: User, name: alice}\n- {kind: Group, name: devs}\n",
                    ),
                    everywhere.clone(),
                ]),
            )],
        ),
        (
            "a duplicate rule and a grant a broader one covers",
            vec![(
                "rbac.yaml",
                file(&[
                    cluster_role(
                        "app",
                        &format!(
                            "{RULES}- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n  resourceNames: [web]\n"
                        ),
                    ),
                    binding.clone(),
                    everywhere.clone(),
                    // The auditor already holds all of `app` cluster-wide.
                    role_binding(
                        "auditor-team",
                        "team",
                        "app",
                        "- {kind: User, name: auditor}\n",
                    ),
                ]),
            )],
        ),
    ];
    for (name, head) in cases {
        let head: Vec<(&str, &str)> = head.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (code, text) = diff_text(&[("rbac.yaml", &base)], &head, &["--fail-on-gain"]);
        if name == "a service account written as its user name" {
            // Access is the same. (The escalation engine does not yet treat a `User` subject
            // spelled `system:serviceaccount:NS:NAME` as the service account, so its paths
            // differ; that is the engine's answer, not the diff's.)
            assert_eq!(code, Some(0), "{name}: {text}");
            assert!(
                text.starts_with("access gained:\n  (none)\naccess lost:\n  (none)\n"),
                "{name}: {text}"
            );
            continue;
        }
        assert_eq!((code, text.as_str()), (Some(0), NO_CHANGE), "{name}");
    }
}

#[test]
fn an_added_verb_is_reported_once_with_its_grant() {
    let base = file(&base_docs());
    let head = base.replace(
        "  resources: [pods, services]\n  verbs: [get, list, watch]",
        "  resources: [pods, services]\n  verbs: [list, get, delete, watch]",
    );
    let (code, text) = diff_text(&[("rbac.yaml", &base)], &[("rbac.yaml", &head)], &[]);
    assert_eq!(code, Some(0), "no --fail-on-gain: exit 0");
    insta::assert_snapshot!(text);
    // Every holder gains it once: three subjects in team, the auditor cluster-wide.
    let (code, json) = diff_json(&[("rbac.yaml", &base)], &[("rbac.yaml", &head)]);
    assert_eq!(code, Some(1));
    let gained: Vec<String> = json["access_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["subject"].as_str().unwrap(),
                c["access"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        gained,
        [
            "group:devs: delete pods, services in team",
            "sa:team/app: delete pods, services in team",
            "user:alice: delete pods, services in team",
            "user:auditor: delete pods, services cluster-wide",
        ]
    );
    let first = &json["access_gained"][0];
    assert_eq!(first["binding"]["kind"], "RoleBinding");
    assert_eq!(first["binding"]["name"], "app");
    assert_eq!(first["binding"]["file"], "head/rbac.yaml");
    assert_eq!(first["role"]["name"], "app");
    assert_eq!(first["rule"], 0);
    // The rule is the first item of `rules`, line 5 of the file.
    assert_eq!(first["rule_location"]["line"], 5);
    assert_eq!(json["access_lost"], serde_json::json!([]));
}

#[test]
fn an_added_resource_is_reported_once_among_reordered_rules() {
    let base = file(&base_docs());
    // The same rules in another order, one of them with one more resource.
    let head = file(&[
        cluster_role(
            "app",
            "- apiGroups: [batch, apps]\n  resources: [jobs, deployments, cronjobs]\n  verbs: [update, create]\n- nonResourceURLs: [/metrics, /healthz]\n  verbs: [get]\n- apiGroups: [\"\"]\n  resources: [services, pods]\n  verbs: [watch, get, list]\n",
        ),
        role_binding(
            "app",
            "team",
            "app",
            "- {kind: ServiceAccount, name: app, namespace: team}\n- {kind: User, name: alice}\n- {kind: Group, name: devs}\n",
        ),
        base_docs()[2].clone(),
    ]);
    let (_, json) = diff_json(&[("rbac.yaml", &base)], &[("rbac.yaml", &head)]);
    let gained: Vec<String> = json["access_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["subject"].as_str().unwrap(),
                c["access"].as_str().unwrap()
            )
        })
        .collect();
    // cronjobs is in `apps` and `batch` (the rule names both groups): one line per group.
    assert_eq!(
        gained,
        [
            "group:devs: create update cronjobs.apps in team",
            "group:devs: create update cronjobs.batch in team",
            "sa:team/app: create update cronjobs.apps in team",
            "sa:team/app: create update cronjobs.batch in team",
            "user:alice: create update cronjobs.apps in team",
            "user:alice: create update cronjobs.batch in team",
            "user:auditor: create update cronjobs.apps cluster-wide",
            "user:auditor: create update cronjobs.batch cluster-wide",
        ]
    );
    assert_eq!(json["access_gained"][0]["rule"], 0);
    assert_eq!(json["access_lost"], serde_json::json!([]));
}

#[test]
fn scope_is_exact_a_cluster_wide_grant_covers_every_namespace_and_not_the_reverse() {
    let role = cluster_role(
        "reader",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n",
    );
    let in_team = role_binding("reader", "team", "reader", "- {kind: User, name: bob}\n");
    let everywhere = cluster_role_binding("reader", "reader", "- {kind: User, name: bob}\n");
    let namespaced = file(&[role.clone(), in_team.clone()]);
    let widened = file(&[role.clone(), everywhere.clone()]);
    let both = file(&[role.clone(), in_team, everywhere]);
    // RoleBinding -> ClusterRoleBinding: a gain (every other namespace and cluster-scoped).
    let (code, text) = diff_text(
        &[("r.yaml", &namespaced)],
        &[("r.yaml", &widened)],
        &["--fail-on-gain"],
    );
    assert_eq!(code, Some(1));
    assert!(text.starts_with("access gained:\n  + user:bob: get secrets cluster-wide\n      via ClusterRoleBinding reader (head/r.yaml:"), "{text}");
    assert!(text.contains("access lost:\n  (none)\n"), "{text}");
    // Dropping the RoleBinding while the ClusterRoleBinding stays: no change.
    let (code, text) = diff_text(
        &[("r.yaml", &both)],
        &[("r.yaml", &widened)],
        &["--fail-on-gain"],
    );
    assert_eq!((code, text.as_str()), (Some(0), NO_CHANGE));
    // ClusterRoleBinding -> RoleBinding: a loss, naming what granted it before.
    let (code, text) = diff_text(
        &[("r.yaml", &widened)],
        &[("r.yaml", &namespaced)],
        &["--fail-on-gain"],
    );
    assert_eq!(code, Some(0));
    assert!(text.contains("access lost:\n  - user:bob: get secrets cluster-wide\n      via ClusterRoleBinding reader (base/r.yaml:"), "{text}");
}

#[test]
fn wildcards_stay_wildcards_and_cover_what_they_include() {
    let admin = cluster_role(
        "all",
        "- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n- nonResourceURLs: ['*']\n  verbs: ['*']\n",
    );
    let narrow = cluster_role(
        "narrow",
        "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n- nonResourceURLs: [/healthz]\n  verbs: [get]\n",
    );
    let bind = |role: &str| cluster_role_binding(role, role, "- {kind: User, name: mallory}\n");
    let base = file(&[narrow.clone(), bind("narrow")]);
    let head = file(&[narrow, bind("narrow"), admin, bind("all")]);
    let (code, text) = diff_text(
        &[("r.yaml", &base)],
        &[("r.yaml", &head)],
        &["--fail-on-gain"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        section(&text, "access gained"),
        [
            "  + user:mallory: * *.* cluster-wide",
            "  + user:mallory: * url *",
        ],
        "{text}"
    );
}

#[test]
fn exclude_system_leaves_out_system_subjects() {
    let role = cluster_role(
        "r",
        "- apiGroups: [\"\"]\n  resources: [nodes]\n  verbs: [get]\n",
    );
    let head = file(&[
        role.clone(),
        cluster_role_binding(
            "r",
            "r",
            "- {kind: User, name: \"system:kube-scheduler\"}\n- {kind: ServiceAccount, name: node-controller, namespace: kube-system}\n- {kind: Group, name: \"system:nodes\"}\n- {kind: User, name: alice}\n- {kind: ServiceAccount, name: app, namespace: team}\n",
        ),
    ]);
    let base = role;
    let subjects = |args: &[&str]| -> Vec<String> {
        let (_, text) = diff_text(&[("r.yaml", &base)], &[("r.yaml", &head)], args);
        text.lines()
            .filter_map(|l| l.strip_prefix("  + "))
            .map(|l| l.split(':').take(2).collect::<Vec<_>>().join(":"))
            .collect()
    };
    assert_eq!(
        subjects(&[]),
        [
            "group:system",
            "sa:kube-system/node-controller",
            "sa:team/app",
            "user:alice",
            "user:system",
        ]
    );
    assert_eq!(
        subjects(&["--exclude-system"]),
        ["sa:team/app", "user:alice"]
    );
}

#[test]
fn sarif_locates_each_gained_grant_at_its_binding_and_exit_codes_follow_the_flags() {
    let reader = cluster_role(
        "reader",
        "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n",
    );
    let admin = cluster_role(
        "all",
        "- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
    );
    let base = file(&[reader.clone(), admin.clone()]);
    let gains_access = file(&[
        reader.clone(),
        admin.clone(),
        role_binding("reader", "team", "reader", "- {kind: User, name: bob}\n"),
    ]);
    let gains_admin = file(&[
        reader,
        admin,
        cluster_role_binding("all", "all", "- {kind: User, name: mallory}\n"),
    ]);
    let (code, out) = diff_text(
        &[("r.yaml", &base)],
        &[("r.yaml", &gains_access)],
        &["-o", "sarif"],
    );
    assert_eq!(code, Some(0), "without a --fail flag a gain exits 0");
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"][0]["partialFingerprints"]["kubesim/v1"]
            .as_str()
            .map(str::len),
        Some(16)
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{out}");
    assert_eq!(results[0]["ruleId"], "access-gained");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "head/r.yaml");
    // The RoleBinding is the third document: after two five-line roles and their separators.
    let binding_line = gains_access
        .lines()
        .position(|l| l == "kind: RoleBinding")
        .unwrap();
    assert_eq!(location["region"]["startLine"], binding_line as u64);
    assert!(results[0]["message"]["text"].as_str().unwrap().starts_with(
        "user:bob gains get secrets in team\nvia RoleBinding team/reader (head/r.yaml:"
    ));

    let code = |head: &str, flag: &str| {
        diff_text(&[("r.yaml", &base)], &[("r.yaml", head)], &[flag, "-q"]).0
    };
    assert_eq!(code(&gains_access, "--fail-on-gain"), Some(1));
    assert_eq!(code(&gains_access, "--fail-on-escalation"), Some(0));
    assert_eq!(code(&gains_admin, "--fail-on-escalation"), Some(1));
    let (_, out) = diff_text(
        &[("r.yaml", &base)],
        &[("r.yaml", &gains_admin)],
        &["-o", "sarif"],
    );
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&sarif);
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "access-gained",
            "escalation-path-gained",
            "escalation-path-gained"
        ]
    );
    // The path starts at mallory's binding.
    assert_eq!(
        sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "head/r.yaml"
    );
}

fn corpus_case(case: &str, format: &str) -> (Option<i32>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diff-access");
    run(
        &dir,
        &[
            &format!("{case}/base"),
            &format!("{case}/head"),
            "--fail-on-gain",
            "-o",
            format,
        ],
    )
}

#[test]
fn gatekeeper_shows_only_the_true_delta() {
    // The base lists `get list watch` on `*.*` as rule 0, the head as rule 1: neither gained
    // nor lost. What the head adds is only what `get list watch *.*` does not already allow.
    let (code, text) = corpus_case("gatekeeper", "table");
    assert_eq!(code, Some(1));
    assert!(!text.contains("get list watch *.*"), "{text}");
    insta::assert_snapshot!("gatekeeper_text", text);
    let (_, markdown) = corpus_case("gatekeeper", "markdown");
    insta::assert_snapshot!("gatekeeper_markdown", markdown);
}

#[test]
fn longhorn_shows_only_the_four_added_resources() {
    let (code, text) = corpus_case("longhorn", "table");
    assert_eq!(code, Some(1));
    assert_eq!(
        section(&text, "access gained"),
        [
            "  + sa:longhorn-system/longhorn-service-account: * backupbackingimages.longhorn.io, backupbackingimages.longhorn.io/status, volumeattachments.longhorn.io, volumeattachments.longhorn.io/status cluster-wide"
        ]
    );
    assert!(text.contains("access lost:\n  (none)\n"), "{text}");
    insta::assert_snapshot!("longhorn_text", text);
    let (_, markdown) = corpus_case("longhorn", "markdown");
    insta::assert_snapshot!("longhorn_markdown", markdown);
}

/// The `show diff` snapshots a scenario writes with `--accept`, in file order.
fn show_diff(manifests: &[(&str, &str)], whatif: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in manifests {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let scenario = format!(
        "scenario \"s\" {{\n  load \"base.yaml\"\n  whatif \"w\" {{\n{whatif}\n    show diff\n  }}\n}}\n"
    );
    std::fs::write(dir.path().join("s.ksim"), scenario).unwrap();
    let out = kubesim()
        .args(["run", "--accept", "s.ksim"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut snaps: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "diff.snap"))
        .collect();
    snaps.sort();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    std::fs::read_to_string(&snaps[0]).unwrap()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_whatif_show_diff_compares_effective_access_too() {
    let base = file(&base_docs());
    let reordered = cluster_role(
        "app",
        "- nonResourceURLs: [/metrics, /healthz]\n  verbs: [get]\n- apiGroups: [batch, apps]\n  resources: [deployments, jobs]\n  verbs: [update, create]\n- apiGroups: [\"\"]\n  resources: [services, pods]\n  verbs: [list, watch, get]\n",
    );
    let snapshot = show_diff(
        &[("base.yaml", &base), ("reordered.yaml", &reordered)],
        "    apply \"reordered.yaml\"",
    );
    assert!(
        snapshot.contains("access gained:\n  (none)\naccess lost:\n  (none)\n"),
        "{snapshot}"
    );
    let with_delete = reordered.replace("[list, watch, get]", "[list, watch, get, delete]");
    let snapshot = show_diff(
        &[("base.yaml", &base), ("reordered.yaml", &with_delete)],
        "    apply \"reordered.yaml\"",
    );
    let gained: Vec<&str> = snapshot.lines().filter(|l| l.starts_with("  +")).collect();
    assert_eq!(
        gained,
        [
            "  + group:devs: delete pods, services in team",
            "  + sa:team/app: delete pods, services in team",
            "  + user:alice: delete pods, services in team",
            "  + user:auditor: delete pods, services cluster-wide",
        ],
        "{snapshot}"
    );
    assert!(snapshot.contains("access lost:\n  (none)\n"), "{snapshot}");
}

#[test]
fn a_generated_cluster_with_its_documents_reversed_has_the_same_access() {
    use kubesim::generate::{Format, Shape, cluster_text};
    use kubesim::index::Indexed;
    use kubesim::manifest::{LoadOptions, load_str};
    let text = cluster_text(&Shape::scaled(3_000), 7, Format::Yaml);
    let mut docs: Vec<&str> = text.split("---\n").filter(|d| !d.is_empty()).collect();
    docs.reverse();
    let reversed: String = docs.iter().map(|d| format!("---\n{d}")).collect();
    let load = |name: &str, text: &str| {
        let loaded = load_str(name, text, &LoadOptions::default());
        Indexed::new(loaded.cluster, loaded.sources)
    };
    let base = load("base.yaml", &text);
    let head = load("head.yaml", &reversed);
    let (gained, lost) = kubesim::compare::access_changes(&base, &head);
    assert!(gained.is_empty() && lost.is_empty(), "{gained:?} {lost:?}");
    // Against an unrelated cluster, what is gained one way is lost the other way.
    let other = load(
        "other.yaml",
        &cluster_text(&Shape::scaled(3_000), 8, Format::Yaml),
    );
    let (forward_gained, forward_lost) = kubesim::compare::access_changes(&base, &other);
    let (back_gained, back_lost) = kubesim::compare::access_changes(&other, &base);
    assert!(!forward_gained.is_empty());
    let strip = |v: &[kubesim::compare::AccessChange]| -> Vec<String> {
        v.iter()
            .map(|c| {
                format!(
                    "{:?} {:?} {:?} {:?}",
                    c.subject, c.namespace, c.verbs, c.target
                )
            })
            .collect()
    };
    assert_eq!(strip(&forward_gained), strip(&back_lost));
    assert_eq!(strip(&forward_lost), strip(&back_gained));
}

#[test]
fn escalations_exclude_system_as_who_can_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ops.yaml"),
        cluster_role_binding("ops", "cluster-admin", "- {kind: User, name: ops}\n"),
    )
    .unwrap();
    let sources = |extra: &[&str]| -> Vec<String> {
        let out = kubesim()
            .args([
                "escalations",
                "--defaults",
                "latest",
                "-f",
                "ops.yaml",
                "--to",
                "cluster-admin",
                "--no-cut",
                "-o",
                "json",
            ])
            .args(extra)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["source"].as_str().unwrap().to_string())
            .collect()
    };
    let all = sources(&[]);
    assert!(all.len() > 10, "{all:?}");
    assert!(
        all.iter().any(|s| s.starts_with("sa:kube-system/")),
        "{all:?}"
    );
    assert_eq!(sources(&["--exclude-system"]), ["user:ops"]);
    // A subject asked for by name is kept.
    assert_eq!(
        sources(&[
            "--exclude-system",
            "--for",
            "user:system:kube-controller-manager"
        ]),
        ["user:system:kube-controller-manager"]
    );
}

/// Who can run which pods where: a namespace relabelled from baseline to privileged loosens
/// what its deployers can run, a new binding lets a user run pods where it could not, a removed
/// subject loses them; each with the grant, and the superuser group only without
/// `--exclude-system`. A label change alone is a gain for `--fail-on-gain`.
#[test]
fn who_can_run_changes_name_the_level_before_and_after_and_the_grant() {
    let namespace = |name: &str, level: &str| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    pod-security.kubernetes.io/enforce: {level}\n"
        )
    };
    let deployer = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: deployer, namespace: team}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [create]\n".to_string();
    let subjects =
        "- {kind: User, name: alice}\n- {kind: ServiceAccount, name: ci, namespace: team}\n";
    let binding = |subjects: &str| {
        role_binding("deployer", "team", "deployer", subjects).replace(
            "kind: ClusterRole, name: deployer",
            "kind: Role, name: deployer",
        )
    };
    let base = file(&[
        namespace("team", "baseline"),
        namespace("ops", "restricted"),
        deployer.clone(),
        binding(subjects),
    ]);
    let head = file(&[
        namespace("team", "privileged"),
        namespace("ops", "restricted"),
        deployer,
        binding("- {kind: User, name: alice}\n"),
        cluster_role(
            "pod-maker",
            "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]\n",
        ),
        role_binding(
            "bob-pods",
            "ops",
            "pod-maker",
            "- {kind: User, name: bob}\n",
        ),
    ]);
    let (code, text) = diff_text(
        &[("a.yaml", &base)],
        &[("a.yaml", &head)],
        &["--exclude-system", "--fail-on-gain"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        section(&text, "who can run pods"),
        [
            "  + user:bob: restricted pods in ops (before: none)",
            "  + user:alice: privileged pods in team (before: baseline)",
            "  - sa:team/ci: baseline pods in team (now: none)",
        ],
        "{text}"
    );
    assert!(
        text.contains("  + user:alice: privileged pods in team (before: baseline)\n      via create deployments.apps: RoleBinding team/deployer (head/a.yaml:"),
        "{text}"
    );
    // The label change alone, system subjects kept: the superuser group loosens too.
    let relabelled = base.replace("enforce: baseline", "enforce: privileged");
    let (code, text) = diff_text(
        &[("a.yaml", &base)],
        &[("a.yaml", &relabelled)],
        &["--fail-on-gain"],
    );
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(
        section(&text, "who can run pods"),
        [
            "  + group:system:masters: privileged pods in team (before: baseline)",
            "  + sa:team/ci: privileged pods in team (before: baseline)",
            "  + user:alice: privileged pods in team (before: baseline)",
        ],
        "{text}"
    );
    assert!(text.contains("      via (superuser group)\n"), "{text}");
    assert!(section(&text, "access gained").is_empty(), "{text}");
}

/// The comparison's parts run side by side: the report is the same at any thread count.
#[test]
fn a_diff_is_the_same_at_any_thread_count() {
    use kubesim::generate::{Format, Shape, cluster_text};
    let base = cluster_text(&Shape::scaled(2_000), 7, Format::Yaml);
    let head = cluster_text(&Shape::scaled(2_000), 8, Format::Yaml);
    let dir = trees(&[("c.yaml", &base)], &[("c.yaml", &head)]);
    let (code, one) = run(dir.path(), &["base", "head", "-o", "json", "-j", "1"]);
    assert_eq!(code, Some(0));
    let changes: Value = serde_json::from_str(&one).unwrap();
    assert!(
        changes.as_object().is_some_and(|o| o
            .values()
            .any(|v| v.as_array().is_some_and(|a| !a.is_empty()))),
        "two unrelated trees differ: {one}"
    );
    for threads in ["2", "4"] {
        let (_, many) = run(dir.path(), &["base", "head", "-o", "json", "-j", threads]);
        assert!(one == many, "-j 1 and -j {threads} differ");
    }
}
