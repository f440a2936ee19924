//! Helpers the integration tests share.

use assert_cmd::Command;

/// The kubesim binary built for these tests, to run with arguments.
pub fn kubesim() -> Command {
    Command::cargo_bin("kubesim").expect("the kubesim binary is built for the tests")
}

/// The names of the loaded service accounts, in load order.
pub fn service_account_names(loaded: &kubesim::manifest::Loaded) -> Vec<String> {
    loaded
        .cluster
        .service_accounts
        .iter()
        .map(|s| s.metadata.name.clone().unwrap_or_default())
        .collect()
}

/// Whether an external program the test needs (`dot`, `chromium`) is on PATH. When it is
/// not, the test is skipped with a message on stderr, unless `KUBESIM_REQUIRE_TOOLS=1` (set
/// by `.ci/run`), where a missing tool fails the test instead.
pub fn tool_available(program: &str, purpose: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        let required = std::env::var("KUBESIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "`{program}` is not installed but KUBESIM_REQUIRE_TOOLS=1: it is needed to {purpose}"
        );
        eprintln!("SKIPPED: `{program}` is not installed, so this test cannot {purpose}");
    }
    found
}

/// The stdout of `kubesim ARGS`, which must succeed (its stderr is the failure message).
pub fn success_stdout(args: &[&str]) -> String {
    let out = kubesim().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Two RBAC objects for scratch scenarios: user dana may get and list pods in `app`.
pub const SCRATCH_RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: app}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: User, name: dana}]
"#;

/// A temporary directory holding [`SCRATCH_RBAC`] as `rbac.yaml` and `ksim` as `test.ksim`.
pub fn scratch(ksim: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rbac.yaml"), SCRATCH_RBAC).unwrap();
    std::fs::write(dir.path().join("test.ksim"), ksim).unwrap();
    dir
}

/// The SARIF 2.1.0 schema's validator (`tests/data/sarif/`).
fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    // The validator rejects what the schema forbids.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.9", "runs": []})));
    validator
}

/// Fails with every schema error of `sarif`.
pub fn assert_valid_sarif(sarif: &serde_json::Value) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Runs `git ARGS` in `dir` as a test author, which must succeed.
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=kubesim",
            "-c",
            "user.email=kubesim@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}
