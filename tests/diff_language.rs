//! `expect against "BASE": ...`: assertions on the change from a base tree (a directory next
//! to the `.ksim` file, or a git revision of the repository holding it) to the scenario's
//! state: who gains an access or every permission of a role, with the grants of `kubesim
//! diff`, and workloads that drop below a Pod Security level.

use crate::util::{git, kubesim};
use std::path::Path;

const REVIEW: &str = "tests/data/diff-language/head/review.ksim";

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = kubesim()
        .arg("run")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

#[test]
fn against_a_directory_each_form_passes_or_fails_with_its_grants() {
    let (code, stdout, stderr) = run(root(), &[REVIEW]);
    assert_eq!(code, Some(1), "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_and_junit_carry_the_grants() {
    let (_, stdout, _) = run(root(), &[REVIEW, "-o", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let results = &json["files"][0]["scenarios"][0]["results"];
    let second = &results[1];
    assert_eq!(
        second["statement"],
        "expect against \"../base\": no subject gains get secrets in team"
    );
    assert_eq!(second["passed"], false);
    assert_eq!(second["evidence"][0], "+ group:devs: get secrets in team");
    assert_eq!(
        second["evidence"][1],
        "    via RoleBinding team/dana-reads (app.yaml:19) -> Role team/reader (app.yaml:8) rule 1 at app.yaml:15"
    );
    let (_, junit, _) = run(root(), &[REVIEW, "-o", "junit"]);
    assert!(
        junit.contains("expect against &quot;../base&quot;: no workload drops below baseline"),
        "{junit}"
    );
    assert!(
        junit.contains(
            "deployment team/web (app.yaml:34) meets privileged, met baseline in the base"
        ),
        "{junit}"
    );
}

/// A repository whose last commit holds the base manifests and whose working tree the head,
/// with a `.ksim` file in a subdirectory that loads them by a relative glob.
fn repository(ksim: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::create_dir_all(root.join("k8s")).unwrap();
    std::fs::create_dir_all(root.join("ci")).unwrap();
    std::fs::write(
        root.join("k8s/app.yaml"),
        data("tests/data/escalate/diff-base.yaml"),
    )
    .unwrap();
    std::fs::write(root.join("ci/review.ksim"), ksim).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["branch", "-q", "base"]);
    std::fs::write(
        root.join("k8s/app.yaml"),
        data("tests/data/escalate/multi-hop.yaml"),
    )
    .unwrap();
    dir
}

const GIT_REVIEW: &str = r#"scenario "review" {
  load "../k8s/*.yaml"
  expect against "base": no subject gains create pods/exec in platform
  expect against "base": no subject gains clusterrole:impersonator
  expect against "base": no user gains clusterrole:impersonator
  expect against "base": sa:ci/builder gains get secrets in platform
  expect against "base": sa:ci/builder does not gain delete pods in platform
}
"#;

#[test]
fn against_a_git_revision_from_any_working_directory() {
    let repo = repository(GIT_REVIEW);
    // Run from outside the repository: git is asked in the .ksim file's directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let ksim = repo.path().join("ci/review.ksim");
    let (code, stdout, stderr) = run(elsewhere.path(), &[ksim.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "scenario \"review\"",
            "  ✗ expect against \"base\": no subject gains create pods/exec in platform",
            "      + sa:ci/builder: create pods/exec in platform",
            "          via RoleBinding platform/builder-debugs (../k8s/app.yaml:84) -> Role platform/debugger (../k8s/app.yaml:76) rule 0 at ../k8s/app.yaml:80",
            "  ✗ expect against \"base\": no subject gains clusterrole:impersonator",
            "      + sa:platform/ops: impersonate groups, users cluster-wide",
            "          via ClusterRoleBinding ops-impersonates (../k8s/app.yaml:99) -> ClusterRole impersonator (../k8s/app.yaml:91) rule 0 at ../k8s/app.yaml:95",
            "  ✓ expect against \"base\": no user gains clusterrole:impersonator",
            "  ✗ expect against \"base\": sa:ci/builder gains get secrets in platform",
            "      in the base \"base\":",
            "        yes",
            "        request: get secrets in namespace \"platform\" as user \"system:serviceaccount:ci:builder\" groups [system:authenticated system:serviceaccounts system:serviceaccounts:ci]",
            "        reason: RBAC: allowed by RoleBinding \"builder-reads-secrets/platform\" of Role \"secret-reader\" to ServiceAccount \"builder/ci\"",
            "        via:",
            "          RoleBinding platform/builder-reads-secrets (base:../k8s/app.yaml:66) to ServiceAccount \"builder/ci\"",
            "            -> Role platform/secret-reader (base:../k8s/app.yaml:58), rule 0: verbs [get] apiGroups [\"\"] resources [secrets]",
            "  ✓ expect against \"base\": sa:ci/builder does not gain delete pods in platform",
            "",
            "2 passed, 3 failed",
        ]
    );

    // Once the head is committed and becomes the base, nothing is gained.
    git(repo.path(), &["commit", "-q", "-a", "-m", "head"]);
    git(repo.path(), &["branch", "-q", "-f", "base"]);
    let (code, stdout, stderr) = run(elsewhere.path(), &[ksim.to_str().unwrap()]);
    assert!(stdout.contains("4 passed, 1 failed"), "{stdout}{stderr}");
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("✗ expect against \"base\": sa:ci/builder gains get secrets in platform"),
        "{stdout}"
    );
}

#[test]
fn the_base_is_read_from_git_objects_not_the_working_tree() {
    let repo = repository(
        "scenario \"s\" {\n  load \"../k8s\"\n  expect against \"HEAD\": no sa gains clusterrole:impersonator\n}\n",
    );
    // The committed base is broken in the working tree's copy only if git were bypassed:
    // the head (working tree) is the multi-hop example, so the gain is found either way,
    // and an uncommitted file never shows up as part of the base.
    std::fs::write(
        repo.path().join("k8s/extra.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops-again}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}\nsubjects: [{kind: ServiceAccount, name: ops, namespace: platform}]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(repo.path(), &["ci/review.ksim"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("      + sa:platform/ops: impersonate groups, users cluster-wide\n          via ClusterRoleBinding ops-again (../k8s/extra.yaml:1)"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_base_is_an_error_at_its_string() {
    let dir = crate::util::scratch(
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  expect against \"no-such-branch\": no subject gains get pods in app\n}\n",
    );
    let (code, _, stderr) = run(dir.path(), &["test.ksim"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("test.ksim:3:18: error: `no-such-branch` is neither a directory nor a git revision of the repository holding this file"),
        "{stderr}"
    );
}

#[test]
fn unknown_names_fail_under_strict_unless_the_base_has_them() {
    let dir = crate::util::scratch(
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  expect against \"base\": user:dnaa does not gain get pods in app\n  expect against \"base\": user:erin does not gain get pods in app\n}\n",
    );
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::write(
        dir.path().join("base/rbac.yaml"),
        crate::util::SCRATCH_RBAC.replace("name: dana", "name: erin"),
    )
    .unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["test.ksim"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("  ✗ expect against \"base\": user:dnaa does not gain get pods in app\n      warning: user `user:dnaa` appears nowhere in the input; did you mean `user:dana`?"),
        "{stdout}"
    );
    // erin is only in the base: a name the head lost is still known.
    assert!(
        stdout.contains("  ✓ expect against \"base\": user:erin does not gain get pods in app"),
        "{stdout}"
    );
}

#[test]
fn a_policy_cannot_assert_on_a_diff() {
    let dir = crate::util::scratch(
        "policy \"p\" {\n  forbid against \"base\": no subject gains get pods\n}\n",
    );
    let (code, _, stderr) = run(dir.path(), &["test.ksim"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("test.ksim:2:10: error: `against` is only available in scenarios"),
        "{stderr}"
    );
}

#[test]
fn a_role_is_gained_when_all_of_its_rules_are_newly_held_in_its_namespace() {
    let dir = tempfile::tempdir().unwrap();
    for side in ["base", "head"] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        std::fs::write(
            dir.path().join(side).join("app.yaml"),
            data(&format!("tests/data/diff-language/{side}/app.yaml")),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("head/role.ksim"),
        "scenario \"s\" {\n  load \"app.yaml\"\n  expect against \"../base\": no user gains role:team/reader\n  expect against \"../base\": user:dana gains role:team/reader\n  expect against \"../base\": group:devs does not gain role:team/reader\n  expect against \"../base\": user:dana gains role:other/reader\n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&dir.path().join("head"), &["role.ksim"]);
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(
        lines,
        [
            "  ✗ expect against \"../base\": no user gains role:team/reader",
            "      + user:dana: get secrets in team",
            "          via RoleBinding team/dana-reads (app.yaml:19) -> Role team/reader (app.yaml:8) rule 1 at app.yaml:15",
            "  ✓ expect against \"../base\": user:dana gains role:team/reader",
            "  ✗ expect against \"../base\": group:devs does not gain role:team/reader",
            "      + group:devs: get list pods in team",
            "          via RoleBinding team/dana-reads (app.yaml:19) -> Role team/reader (app.yaml:8) rule 0 at app.yaml:12",
            "      + group:devs: get secrets in team",
            "          via RoleBinding team/dana-reads (app.yaml:19) -> Role team/reader (app.yaml:8) rule 1 at app.yaml:15",
            "  ✗ expect against \"../base\": user:dana gains role:other/reader",
            "      there is no Role `other/reader` in the input",
            "",
            "1 passed, 3 failed",
        ]
    );
}

#[test]
fn a_what_ifs_show_diff_lists_the_escalation_paths_it_gains_and_loses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rbac.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops-everything}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}\nsubjects: [{kind: User, name: ops}]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("test.ksim"),
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  whatif \"w\" {\n    bind user:eve to clusterrole:everything\n    remove clusterrolebinding ops-everything\n    show diff as \"diff\"\n  }\n}\n",
    )
    .unwrap();
    let (code, _, stderr) = run(dir.path(), &["test.ksim", "--accept"]);
    assert_eq!(code, Some(0), "{stderr}");
    let snapshot =
        std::fs::read_to_string(dir.path().join("snapshots/test/s/w/diff.snap")).unwrap();
    let paths: String = snapshot
        .lines()
        .skip_while(|l| *l != "escalation paths gained:")
        .take_while(|l| *l != "pod security:")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        paths,
        "escalation paths gained:
  + user:eve -> cluster-admin
      1. user:eve => any role cluster-wide: can create a binding and bind the role
      2. any role cluster-wide => cluster-admin: holds every verb on every resource and URL
  + user:eve -> node
      1. user:eve => pods in every namespace: can create pods
      2. pods in every namespace => pods in default: includes this namespace
      3. pods in default => node (root): a privileged pod is admitted (enforce privileged:latest)
escalation paths lost:
  - user:ops -> cluster-admin
      1. user:ops => any role cluster-wide: can create a binding and bind the role
      2. any role cluster-wide => cluster-admin: holds every verb on every resource and URL
  - user:ops -> node
      1. user:ops => pods in every namespace: can create pods
      2. pods in every namespace => pods in default: includes this namespace
      3. pods in default => node (root): a privileged pod is admitted (enforce privileged:latest)
"
    );
}
