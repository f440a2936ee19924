//! `kubesim diff BASE HEAD` over two commits of a temporary git repository (read through git,
//! the working tree untouched), over two directories, and its exit codes and formats.

use crate::util::{git, kubesim};
use std::path::Path;

const BASE: &str = "tests/data/escalate/diff-base.yaml";
const HEAD: &str = "tests/data/escalate/multi-hop.yaml";

fn data(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// A repository with two commits: the base manifests, then the multi-hop example.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::create_dir_all(root.join("k8s")).unwrap();
    std::fs::write(root.join("k8s/app.yaml"), data(BASE)).unwrap();
    std::fs::write(root.join("README.txt"), "not a manifest\n").unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    std::fs::write(root.join("k8s/app.yaml"), data(HEAD)).unwrap();
    git(root, &["commit", "-q", "-a", "-m", "head"]);
    dir
}

fn diff(dir: &Path, args: &[&str]) -> std::process::Output {
    kubesim()
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn two_commits_of_a_repository() {
    let repo = repository();
    // An uncommitted change must not be seen: revisions are read from git's objects.
    std::fs::write(repo.path().join("k8s/app.yaml"), "garbage: [\n").unwrap();
    let out = diff(repo.path(), &["HEAD~1", "HEAD", "-o", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gained: Vec<String> = json["access_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}: {} via {}",
                g["subject"].as_str().unwrap(),
                g["access"].as_str().unwrap(),
                g["via"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        gained,
        [
            "sa:ci/builder: create pods/exec in platform via RoleBinding platform/builder-debugs (k8s/app.yaml:84) -> Role platform/debugger (k8s/app.yaml:76) rule 0 at k8s/app.yaml:80",
            "sa:platform/ops: impersonate groups, users cluster-wide via ClusterRoleBinding ops-impersonates (k8s/app.yaml:99) -> ClusterRole impersonator (k8s/app.yaml:91) rule 0 at k8s/app.yaml:95",
        ]
    );
    let paths: Vec<String> = json["paths_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} -> {}",
                p["source"].as_str().unwrap(),
                p["target"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            "sa:ci/builder -> cluster-admin",
            "sa:ci/builder -> node",
            "sa:platform/ops -> cluster-admin",
            "sa:platform/ops -> node",
            "user:ci-bot -> cluster-admin",
            "user:ci-bot -> node",
        ]
    );
    assert_eq!(json["access_lost"], serde_json::json!([]));
    assert_eq!(json["paths_lost"], serde_json::json!([]));
    // The working tree was left as it was.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("k8s/app.yaml")).unwrap(),
        "garbage: [\n"
    );

    // The reverse direction loses what the forward one gains; --fail-on-gain then passes.
    let back = diff(
        repo.path(),
        &["HEAD", "HEAD~1", "--fail-on-gain", "-o", "json"],
    );
    assert_eq!(back.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    assert_eq!(json["access_gained"], serde_json::json!([]));
    assert_eq!(json["paths_lost"].as_array().unwrap().len(), 6);

    let fail = diff(repo.path(), &["HEAD~1", "HEAD", "--fail-on-gain", "-q"]);
    assert_eq!(fail.status.code(), Some(1));
    let unknown = diff(repo.path(), &["no-such-revision", "HEAD"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn markdown_for_a_pull_request_comment() {
    let repo = repository();
    let out = diff(
        repo.path(),
        &["HEAD~1", "HEAD", "-o", "markdown", "-f", "k8s"],
    );
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn two_directories() {
    let dir = tempfile::tempdir().unwrap();
    for (side, file) in [("base", BASE), ("head", HEAD)] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("app.yaml"), data(file)).unwrap();
    }
    let out = diff(dir.path(), &["base", "head"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("+ sa:platform/ops -> cluster-admin"),
        "{text}"
    );
    assert!(text.contains("escalation paths lost:\n  (none)"), "{text}");
    let same = diff(dir.path(), &["head", "head", "--fail-on-gain"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "access gained:\n  (none)\naccess lost:\n  (none)\nescalation paths gained:\n  (none)\nescalation paths lost:\n  (none)\npod security:\n  (none)\nwho can run pods:\n  (none)\n"
    );
}

#[test]
fn a_file_name_holding_a_newline_is_data_and_every_file_keeps_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n";
    std::fs::write(root.join("a.yaml"), namespace).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // A name that would split into two `cat-file` requests, then a file that grants.
    std::fs::write(root.join("a.yaml\n:a.yaml"), namespace).unwrap();
    std::fs::write(
        root.join("zz-rbac.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: mallory-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin-all}\nsubjects: [{kind: User, name: mallory}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: admin-all}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n",
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "head"]);
    let out = diff(root, &["HEAD~1", "HEAD", "--fail-on-gain"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("mallory"), "{text}");
}
