//! `kubesim run`: every example scenario passes and its report is pinned; failures carry
//! evidence; snapshots are written, compared and accepted; exit codes; JSON and JUnit; the
//! report is identical at any thread count.

use crate::util::{SCRATCH_RBAC, kubesim, scratch};
use std::path::{Path, PathBuf};

use kubesim::report::scenario::render_text;
use kubesim::scenario::{RunOptions, run_files};

fn example_scenarios() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = globset_walk(Path::new("scenarios"));
    found.sort();
    found
}

fn globset_walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(globset_walk(&path));
        } else if path.extension().is_some_and(|e| e == "ksim") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_example_scenario_passes_and_its_report_is_pinned() {
    let files = example_scenarios();
    assert!(!files.is_empty());
    for file in files {
        let options = RunOptions {
            passing_evidence: true,
            ..RunOptions::default()
        };
        let mut report = run_files(std::slice::from_ref(&file), &options);
        kubesim::report::snapshot::settle(&mut report, &kubesim::report::snapshot::Accept::None);
        let (passed, failed) = report.counts();
        let text = render_text(&report, true);
        assert!(!report.has_errors() && failed == 0 && passed > 0, "{text}");
        let name = file.to_string_lossy().replace(['/', '\\'], "__");
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, text);
        });
    }
}

#[test]
fn the_report_is_identical_at_any_thread_count() {
    let run = |threads: &str| {
        kubesim()
            .args([
                "run",
                "-j",
                threads,
                "-o",
                "json",
                "scenarios/payments/payments.ksim",
            ])
            .output()
            .unwrap()
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
}

/// What a what-if binds is placed in the `.ksim` file as its directory names it, like the
/// manifests, so evidence and snapshots are the same from wherever `kubesim run` starts.
#[test]
fn the_report_does_not_depend_on_the_working_directory() {
    let run = |dir: &str, file: &str| {
        let out = kubesim()
            .current_dir(dir)
            .args(["run", "-v", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        // The first line names the file as it was given.
        text.split_once('\n').unwrap().1.to_string()
    };
    // Where a snapshot file is stays a path from the working directory, as given.
    let from_root = run(".", "scenarios/payments/payments.ksim").replace(
        "snapshot scenarios/payments/snapshots/",
        "snapshot snapshots/",
    );
    let from_dir = run("scenarios/payments", "payments.ksim");
    assert!(
        from_root.contains("whatif-bob-admin (payments.ksim:"),
        "{from_root}"
    );
    assert_eq!(from_root, from_dir);
}

#[test]
fn a_failed_expectation_shows_its_evidence_and_exits_1() {
    let dir = scratch(
        "scenario \"s\" {\n  load \"*.yaml\"\n  expect user:dana can get pods in app\n  expect user:dana can delete pods in app\n}\n",
    );
    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "test.ksim"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("✓ expect user:dana can get pods in app"),
        "{text}"
    );
    assert!(
        text.contains("✗ expect user:dana can delete pods in app"),
        "{text}"
    );
    // The evidence names the near miss: the binding whose role lacks the verb.
    assert!(text.contains("RoleBinding app/read"), "{text}");
    assert!(text.contains("verb"), "{text}");
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

#[test]
fn snapshots_are_written_compared_and_accepted() {
    let dir =
        scratch("scenario \"snap\" {\n  load \"rbac.yaml\"\n  show who can get pods in app\n}\n");
    let snap = dir
        .path()
        .join("snapshots/test/snap/who-can-get-pods-in-app.snap");
    let run = |args: &[&str]| {
        kubesim()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };

    let missing = run(&["run", "test.ksim"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(snap.with_extension("snap.new").exists());
    assert!(!snap.exists());

    let accepted = run(&["run", "--accept", "test.ksim"]);
    assert_eq!(accepted.status.code(), Some(0));
    let stored = std::fs::read_to_string(&snap).unwrap();
    assert!(stored.contains("dana"), "{stored}");
    assert!(!snap.with_extension("snap.new").exists());

    assert_eq!(run(&["run", "test.ksim"]).status.code(), Some(0));

    std::fs::write(&snap, stored.replace("dana", "someone-else")).unwrap();
    let differs = run(&["run", "test.ksim"]);
    assert_eq!(differs.status.code(), Some(1));
    let text = String::from_utf8_lossy(&differs.stdout);
    assert!(text.contains("-User") && text.contains("+User"), "{text}");
}

#[test]
fn invalid_files_exit_2_with_a_caret_under_the_problem() {
    let dir =
        scratch("scenario \"bad\" {\n  expect user:dana can get pods in app\n  show diff\n}\n");
    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "test.ksim"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("test.ksim:3:3: error:"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn json_and_junit_reports() {
    let dir = scratch(
        "scenario \"s\" {\n  load \"*.yaml\"\n  expect user:dana can get pods in app\n  expect user:dana can delete pods in app\n}\n",
    );
    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "-o", "json", "test.ksim"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let results = &json["files"][0]["scenarios"][0]["results"];
    assert_eq!(
        results[1]["statement"],
        "expect user:dana can delete pods in app"
    );
    assert_eq!(results[1]["passed"], false);
    assert_eq!(results[1]["line"], 4);

    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "-o", "junit", "test.ksim"])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains(r#"<testsuite name="test.ksim" tests="2""#),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
}

#[test]
fn what_if_mutations_that_match_nothing_fail() {
    let dir = scratch(
        "scenario \"s\" {\n  load \"*.yaml\"\n  whatif \"w\" {\n    remove rolebinding app/nope\n    expect user:dana can get pods in app\n  }\n}\n",
    );
    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "test.ksim"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✗ remove rolebinding app/nope"), "{text}");
    assert!(
        text.contains("there is no RoleBinding app/nope to remove"),
        "{text}"
    );
}

/// A directory runs every `.ksim` file under it; one without any is an error, not a pass.
#[test]
fn a_directory_runs_every_scenario_file_under_it() {
    let out = kubesim().args(["run", "scenarios/"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for file in example_scenarios() {
        let shown = file.to_string_lossy().replace('\\', "/");
        assert!(text.contains(&shown), "{shown} missing from:\n{text}");
    }

    let empty = tempfile::tempdir().unwrap();
    let out = kubesim()
        .args(["run", empty.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no .ksim files in this directory"));
}

/// `load "DIR"` (and `apply "DIR"` in a what-if) reads the directory's manifests as `-f DIR`
/// does: recursively, `*.yaml`/`*.yml`/`*.json` only; a directory without one is an error.
#[test]
fn a_load_of_a_directory_reads_its_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(manifests.join("nested")).unwrap();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let (role, binding) = SCRATCH_RBAC.split_once("---").unwrap();
    std::fs::write(manifests.join("role.yaml"), role).unwrap();
    std::fs::write(manifests.join("nested/binding.yml"), binding).unwrap();
    std::fs::write(manifests.join("notes.txt"), "not a manifest: {").unwrap();
    // Runs a scenario file in the directory: (exit code, stdout, stdout and stderr).
    let run = |ksim: &str| {
        std::fs::write(dir.path().join("test.ksim"), ksim).unwrap();
        let out = kubesim()
            .current_dir(dir.path())
            .args(["run", "test.ksim"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        (out.status.code(), stdout, all)
    };

    let (code, text, all) = run(
        "scenario \"s\" {\n  load \"manifests\"\n  expect user:dana can get pods in app\n  whatif \"w\" {\n    apply \"manifests/nested\"\n    expect user:dana can list pods in app\n  }\n}\n",
    );
    assert_eq!(code, Some(0), "{all}");
    assert!(text.ends_with("2 passed, 0 failed\n"), "{text}");

    let (code, _, all) =
        run("scenario \"s\" {\n  load \"empty\"\n  expect user:dana cannot get pods in app\n}\n");
    assert_eq!(code, Some(2));
    assert!(all.contains("holds no manifest"), "{all}");
    assert!(!all.contains("Is a directory"), "{all}");
}

#[test]
fn an_unqualified_resource_shared_with_a_crd_means_the_built_in_one() {
    let dir = scratch(
        "scenario \"s\" {\n  load \"*.yaml\"\n  expect user:erin can get deployments in app\n  expect user:erin cannot get deployments.example.com in app\n}\n",
    );
    std::fs::write(
        dir.path().join("crd.yaml"),
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: deployments.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: deployments, singular: deployment, kind: Deployment}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: app}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deploy, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: User, name: erin}]
"#,
    )
    .unwrap();
    let out = kubesim()
        .current_dir(dir.path())
        .args(["run", "test.ksim"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.ends_with("2 passed, 0 failed\n"), "{text}");
}
