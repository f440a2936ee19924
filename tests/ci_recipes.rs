//! The README's CI recipes (GitHub Actions and GitLab CI) are run, command by command, against
//! a manifest repository built here with git: its scenarios pass as JUnit, its policies fail
//! as valid SARIF, and the pull request that binds a new user to cluster-admin fails the diff
//! with that user in the markdown. Only the step that installs kubesim is left out; the
//! binary under test stands in for it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct GithubWorkflow {
    jobs: BTreeMap<String, GithubJob>,
}

#[derive(Deserialize)]
struct GithubJob {
    steps: Vec<GithubStep>,
}

#[derive(Deserialize)]
struct GithubStep {
    run: Option<String>,
}

#[derive(Deserialize)]
struct GitlabJob {
    script: Vec<String>,
}

/// The ```yaml blocks of the README, in order.
fn yaml_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=ci", "-c", "user.email=ci@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A manifest repository on a pull-request branch: `main` holds the payments manifests, a
/// policy and a scenario; the branch adds a binding of user mallory to cluster-admin.
fn manifest_repository() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["manifests", "policies", "scenarios"] {
        std::fs::create_dir(root.join(sub)).unwrap();
    }
    for entry in std::fs::read_dir(repo.join("scenarios/payments/manifests")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            root.join("manifests").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    std::fs::copy(
        repo.join("policies/secrets.ksim"),
        root.join("policies/secrets.ksim"),
    )
    .unwrap();
    std::fs::write(
        root.join("scenarios/team.ksim"),
        "scenario \"team\" {\n  load \"../manifests/*.yaml\"\n  \
         expect sa:payments/ci can create pods/exec in payments\n}\n",
    )
    .unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // The remote is the repository itself, so `origin/main` and `git fetch origin` work.
    git(root, &["remote", "add", "origin", &root.to_string_lossy()]);
    git(root, &["fetch", "-q", "origin"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        root.join("manifests/grant.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n\
         metadata: {name: mallory-admin}\n\
         roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n\
         subjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]\n",
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "grant"]);
    dir
}

/// Runs one recipe command with `sh`, the binary under test first on the `PATH`; its exit code.
fn run(dir: &Path, command: &str) -> i32 {
    let bin = Path::new(env!("CARGO_BIN_EXE_kubesim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-e", "-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env("CI", "true")
        .env("GITHUB_BASE_REF", "main")
        .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .output()
        .expect("sh runs");
    if !out.status.success() {
        eprintln!("{command}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.code().unwrap_or(-1)
}

/// What each command of a recipe must do in the repository built above.
fn check_commands(commands: &[String]) {
    let dir = manifest_repository();
    let root = dir.path();
    let mut ran = Vec::new();
    for command in commands.iter().filter(|c| !c.contains("cargo install")) {
        let code = run(root, command);
        let expected = if command.contains("kubesim check") || command.contains("kubesim diff") {
            1
        } else {
            0
        };
        assert_eq!(code, expected, "`{command}`");
        ran.push(command.as_str());
    }
    let joined = ran.join("\n");
    assert!(joined.contains("kubesim run"), "{joined}");
    assert!(joined.contains("kubesim check"), "{joined}");
    assert!(joined.contains("kubesim diff"), "{joined}");
    let junit = std::fs::read_to_string(root.join("kubesim-junit.xml")).unwrap();
    assert!(
        junit.contains("<testcase name=\"expect sa:payments/ci can create pods/exec in payments\""),
        "{junit}"
    );
    let sarif_file = ["kubesim.sarif", "gl-kubesim.sarif"]
        .iter()
        .map(|f| root.join(f))
        .find(|p| p.exists())
        .expect("a SARIF file");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_file).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn the_github_actions_recipe_runs() {
    let blocks = yaml_blocks();
    let workflow = blocks
        .iter()
        .find(|b| b.contains("runs-on:"))
        .expect("a GitHub Actions workflow in README.md");
    let workflow: GithubWorkflow = serde_saphyr::from_str(workflow).expect("valid workflow");
    let commands: Vec<String> = workflow
        .jobs
        .values()
        .flat_map(|j| &j.steps)
        .filter_map(|s| s.run.clone())
        .collect();
    check_commands(&commands);
}

#[test]
fn the_gitlab_ci_recipe_runs() {
    let blocks = yaml_blocks();
    let pipeline = blocks
        .iter()
        .find(|b| b.contains("script:"))
        .expect("a GitLab CI pipeline in README.md");
    let jobs: BTreeMap<String, GitlabJob> =
        serde_saphyr::from_str(pipeline).expect("valid pipeline");
    let commands: Vec<String> = jobs.values().flat_map(|j| j.script.clone()).collect();
    check_commands(&commands);
}
