//! Gates that cannot pass vacuously: a question about a name that exists nowhere in the input
//! (a misspelt verb, resource, namespace or subject) is flagged with the nearest name that does
//! exist and, under `--strict` (the default of `run` and `check`), fails; an input with no
//! objects is an error; a policy directory is read as its `.ksim` files.

use std::path::Path;

use crate::util::kubesim;

const PAYMENTS: &str = "scenarios/payments/manifests";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `text` as `name` in a fresh directory and returns both.
fn write_file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

fn typo_scenario() -> String {
    let manifests = repo().join(PAYMENTS);
    format!(
        "scenario \"typos\" {{\n  load \"{}/*.yaml\"\n  \
         expect sa:payments/cii cannot delete deployments in payments\n  \
         expect user:alice cannot lsit secrets in payments\n  \
         expect user:alice cannot get secrts in payments\n  \
         expect user:alice cannot get secrets in paymnets\n  \
         expect sa:payments/ci cannot list secrets in payments\n  \
         expect deployment payments/apii meets restricted\n}}\n",
        manifests.display()
    )
}

#[test]
fn a_misspelt_name_fails_its_expectation_under_strict_with_a_suggestion() {
    let (_dir, file) = write_file("typos.ksim", &typo_scenario());
    let out = kubesim().args(["run", &file]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for line in [
        "✗ expect sa:payments/cii cannot delete deployments in payments",
        "warning: service account `sa:payments/cii` appears nowhere in the input; did you mean `sa:payments/ci`?",
        "✗ expect user:alice cannot lsit secrets in payments",
        "warning: unknown verb `lsit`; did you mean `list`?",
        "warning: unknown resource `secrts`; did you mean `secrets`?",
        "warning: namespace `paymnets` appears nowhere in the input; did you mean `payments`?",
        // Every name of this one exists, so it is judged as usual.
        "✓ expect sa:payments/ci cannot list secrets in payments",
        "warning: workload `deployment payments/apii` appears nowhere in the input; did you mean `deployment payments/api`?",
        "1 passed, 5 failed",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
}

#[test]
fn no_strict_answers_a_misspelt_name_as_written_and_still_warns() {
    let (_dir, file) = write_file("typos.ksim", &typo_scenario());
    let out = kubesim()
        .args(["run", "--no-strict", &file])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // A missing workload fails whatever --strict says: there is nothing to judge.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("5 passed, 1 failed"), "{stdout}");
    assert_eq!(stdout.matches("warning: ").count(), 5, "{stdout}");
}

#[test]
fn a_name_a_whatif_removes_still_exists_inside_it() {
    // The payments scenario removes ops-bot's only binding and then asks about ops-bot.
    let out = kubesim()
        .args(["run", "scenarios/payments/payments.ksim"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("✓ expect user:ops-bot cannot delete nodes"),
        "{stdout}"
    );
    assert!(!stdout.contains("warning:"), "{stdout}");
}

#[test]
fn a_policy_rule_over_a_misspelt_name_fails_the_check() {
    let (_dir, file) = write_file(
        "typo.ksim",
        "policy \"typo\" severity high {\n  forbid any subject can lsit secrets in paymnets\n}\n",
    );
    let out = kubesim()
        .args(["check", &file, "-f", PAYMENTS])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{file}:2: warning: unknown verb `lsit`; did you mean `list`?"
        )),
        "{stderr}"
    );
    let out = kubesim()
        .args(["check", "--no-strict", &file, "-f", PAYMENTS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_cli_flags_a_misspelt_subject_and_namespace() {
    let out = kubesim()
        .args([
            "can",
            "sa:payments/cii",
            "delete",
            "deployments",
            "-n",
            "paymnets",
        ])
        .args(["-f", PAYMENTS])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: service account `sa:payments/cii` appears nowhere in the input; did you mean `sa:payments/ci`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: namespace `paymnets` appears nowhere in the input; did you mean `payments`?"
        ),
        "{stderr}"
    );
    // A name that exists says nothing.
    let out = kubesim()
        .args([
            "can",
            "sa:payments/ci",
            "delete",
            "deployments",
            "-n",
            "payments",
        ])
        .args(["-f", PAYMENTS])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn the_apiservers_own_subject_names_are_accepted() {
    let out = kubesim()
        .args([
            "can",
            "system:serviceaccount:payments:ci",
            "create",
            "pods/exec",
        ])
        .args(["-n", "payments", "-f", PAYMENTS])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(r#"as user "system:serviceaccount:payments:ci""#),
        "{stdout}"
    );
    let out = kubesim()
        .args(["can", "system:serviceaccounts:payments", "get", "pods"])
        .args(["-n", "payments", "-f", PAYMENTS])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("groups [system:serviceaccounts:payments]"),
        "{stdout}"
    );
    // A bare name is a user, said on stderr.
    let out = kubesim()
        .args([
            "can", "alice", "get", "pods", "-n", "payments", "-f", PAYMENTS,
        ])
        .args(["--defaults", "latest"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: `alice` is read as user:alice"));
    // Any other system: name could be a user or a group.
    let out = kubesim()
        .args(["can", "system:masters", "get", "pods", "-f", PAYMENTS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("write user:system:masters or group:system:masters")
    );
}

#[test]
fn an_input_without_objects_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_string_lossy().into_owned();
    for args in [
        vec!["pss", "-f", &dir],
        vec!["inventory", "-f", &dir],
        vec!["check", "policies/secrets.ksim", "-f", &dir],
        vec!["who-can", "get", "pods", "-f", &dir],
    ] {
        let out = kubesim().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{dir}: error: no Kubernetes objects in the input (0 files read)"
            )),
            "{args:?}: {stderr}"
        );
    }
    let out = kubesim()
        .args(["can", "user:a", "get", "pods"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: no manifests to read"));
    // The built-in roles alone are an input.
    let out = kubesim()
        .args(["can", "user:a", "get", "pods", "--defaults", "latest"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn pss_says_when_a_version_is_newer_than_it_knows_and_refuses_a_missing_namespace() {
    let out = kubesim()
        .args(["pss", "--version", "v1.99", "-f", PAYMENTS])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "warning: --version v1.99: v1.99 is newer than the newest policy version kubesim knows"
    ));
    let out = kubesim()
        .args([
            "pss",
            "--dry-run-label",
            "paymnets=baseline",
            "-f",
            PAYMENTS,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "namespace `paymnets` appears nowhere in the input; did you mean `payments`?"
        )
    );
}

#[test]
fn check_reads_a_directory_of_policies() {
    let out = kubesim()
        .args(["check", "policies", "-f", PAYMENTS, "--defaults", "latest"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let files = std::fs::read_dir(repo().join("policies"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "ksim"))
        })
        .count();
    assert!(files > 1);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("of 0 rules"), "{stdout}");
    let empty = tempfile::tempdir().unwrap();
    let out = kubesim()
        .args(["check", &empty.path().to_string_lossy(), "-f", PAYMENTS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no .ksim files in this directory"));
}

#[test]
fn invalid_warn_keeps_a_broken_manifest_from_deciding_the_exit_code() {
    let args = [
        "check",
        "policies/secrets.ksim",
        "-f",
        PAYMENTS,
        "-f",
        "tests/data/hostile/merge-bomb.yaml",
        "--defaults",
        "latest",
    ];
    let out = kubesim().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("merge-bomb.yaml:5:23: error: "), "{stderr}");
    let out = kubesim()
        .args(args)
        .args(["--invalid", "warn"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The violations decide, and the broken file is still reported.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("merge-bomb.yaml:5:23: warning: "),
        "{stderr}"
    );
}

#[test]
fn strict_makes_a_misspelt_name_on_the_command_line_an_error() {
    let asked = |args: &[&str]| {
        let out = kubesim()
            .args(args)
            .args(["-f", PAYMENTS, "--strict"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = asked(&[
        "can",
        "sa:payments/cii",
        "delete",
        "deployments",
        "-n",
        "payments",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error: service account `sa:payments/cii` appears nowhere"),
        "{err}"
    );
    let (code, err) = asked(&["can", "user:alice", "lsit", "pods", "-n", "payments"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error: unknown verb `lsit`; did you mean `list`?"),
        "{err}"
    );
    let (code, err) = asked(&["who-can", "get", "pods", "-n", "paymnets"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: namespace `paymnets`"), "{err}");
    let (code, err) = asked(&["access", "user:alice", "-n", "paymnets"]);
    assert_eq!(code, Some(2), "{err}");
    // Names that exist answer as usual.
    let (code, err) = asked(&[
        "can",
        "sa:payments/ci",
        "create",
        "pods/exec",
        "-n",
        "payments",
    ]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
}
