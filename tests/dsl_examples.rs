//! Every example of the language reference (dsl.md) evaluates, not only parses: the identity
//! and scenario examples run against a hand-written manifest tree where their `load` and
//! `apply` paths point (`tests/data/dsl/examples/`), with their `show` snapshots beside them,
//! and the policy examples run with `kubesim check` against manifests that break and that
//! satisfy each policy. Two lines of the scenario example cannot hold as written; the copy
//! replaces them (see the header of `payments.ksim`) and a test shows the reference lines
//! failing for exactly those reasons.

use crate::util::kubesim;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kubesim::report::evidence::statement_lines as evidence_lines;
use kubesim::report::scenario::render_text;
use kubesim::report::snapshot::settle;
use kubesim::scenario::{ResultKind, RunOptions, RunReport, StatementResult, run_files};

const EXAMPLES: &str = "tests/data/dsl/examples";

fn data(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .expect("test data is readable")
}

fn run(file: &Path) -> (RunReport, String) {
    let options = RunOptions {
        passing_evidence: true,
        ..RunOptions::default()
    };
    let mut report = run_files(&[file.to_path_buf()], &options);
    settle(&mut report, &kubesim::report::snapshot::Accept::None);
    let text = render_text(&report, true);
    (report, text)
}

fn results(report: &RunReport) -> Vec<&StatementResult> {
    report
        .files
        .iter()
        .flat_map(|f| &f.scenarios)
        .flat_map(|s| &s.results)
        .collect()
}

/// The statements whose verdict is a failure, as written.
fn failures(report: &RunReport) -> Vec<&StatementResult> {
    results(report)
        .into_iter()
        .filter(|r| r.verdict() == Some(false))
        .collect()
}

fn evidence(result: &StatementResult) -> String {
    match &result.kind {
        ResultKind::Expect(outcome) => outcome
            .evidence
            .iter()
            .flat_map(evidence_lines)
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("not an expectation: {other:?}"),
    }
}

/// The lines of a `.ksim` file that are not blank and not only a comment.
fn statement_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect()
}

const REFERENCE_WHO_CAN: &str =
    "  expect who can delete namespaces is [group:system:masters, user:admin]";
const REFERENCE_WORKLOADS: &str = "  expect workloads in payments meet baseline";
const CHANGED_WHO_CAN: &str = "  expect who can delete namespaces is [group:system:masters, user:admin, sa:kube-system/generic-garbage-collector, sa:kube-system/namespace-controller]";
const CHANGED_WORKLOADS: &str = "  expect pods in payments meet baseline";

#[test]
fn the_payments_example_is_the_reference_text_but_for_two_documented_lines() {
    let reference = format!(
        "{}\n{}",
        data("tests/data/dsl/identities.ksim"),
        data("tests/data/dsl/scenario.ksim")
    );
    let expected: Vec<String> = statement_lines(&reference)
        .into_iter()
        .map(|l| match l.as_str() {
            REFERENCE_WHO_CAN => CHANGED_WHO_CAN.to_string(),
            REFERENCE_WORKLOADS => CHANGED_WORKLOADS.to_string(),
            _ => l,
        })
        .collect();
    let copy = data(&format!("{EXAMPLES}/payments.ksim"));
    assert_eq!(statement_lines(&copy), expected);
    assert!(statement_lines(&reference).contains(&REFERENCE_WHO_CAN.to_string()));
    assert!(statement_lines(&reference).contains(&REFERENCE_WORKLOADS.to_string()));
}

#[test]
fn the_payments_example_passes_against_its_manifests_and_snapshots() {
    let (report, text) = run(&PathBuf::from(EXAMPLES).join("payments.ksim"));
    assert!(!report.has_errors(), "{text}");
    assert_eq!(report.counts(), (19, 0), "{text}");
    let all = results(&report);
    let shows: Vec<&str> = all
        .iter()
        .filter_map(|r| match &r.kind {
            ResultKind::Show { snapshot, .. } => Some(snapshot.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(shows.len(), 5, "{text}");
    let escalations = std::fs::read_to_string(shows[3]).expect("snapshot");
    let body = kubesim::scenario::snapshot::body(&escalations).expect("a snapshot header");
    assert_eq!(body.trim(), "no escalation path", "{}", shows[3]);
    // Each expectation holds through the grant or check it is about.
    let why = |needle: &str| -> String {
        let r = all
            .iter()
            .find(|r| matches!(r.kind, ResultKind::Expect(_)) && r.text.contains(needle))
            .unwrap_or_else(|| panic!("no statement {needle:?}"));
        evidence(r)
    };
    assert!(why("alice can get pods").contains("RoleBinding payments/team-view"));
    assert!(why("alice can get pods").contains("ClusterRole view (<defaults:v1.37>"));
    assert!(why("ci can create pods/exec").contains("Role payments/ci-debug"));
    assert!(why("unauthenticated cannot get url /api").contains("system:public-info-viewer"));
    assert!(why("payments/legacy fails baseline").contains("privileged"));
    assert!(why("admits deployment payments/api").contains("enforces baseline:latest"));
    let delete = why("who can delete namespaces");
    assert!(delete.contains("ClusterRoleBinding legacy-admin -> ClusterRole cluster-admin"));
    assert!(why("rejects deployment payments/legacy").contains("restricted:latest"));
}

#[test]
fn the_reasons_behind_the_payments_example_hold() {
    let (report, text) = run(&PathBuf::from(EXAMPLES).join("payments-reasons.ksim"));
    assert!(!report.has_errors(), "{text}");
    assert_eq!(report.counts(), (24, 0), "{text}");
}

/// Copies the examples' manifests, patches and snapshots into a scratch directory with the
/// reference text of dsl.md as `payments.ksim`.
fn reference_scenario_dir() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("readable").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["manifests", "patches", "snapshots"] {
        copy(&Path::new(EXAMPLES).join(sub), &dir.path().join(sub));
    }
    let reference = format!(
        "{}\n{}",
        data("tests/data/dsl/identities.ksim"),
        data("tests/data/dsl/scenario.ksim")
    );
    std::fs::write(dir.path().join("payments.ksim"), reference).expect("write");
    dir
}

#[test]
fn the_reference_lines_fail_for_the_documented_reasons() {
    let dir = reference_scenario_dir();
    let (report, text) = run(&dir.path().join("payments.ksim"));
    assert!(!report.has_errors(), "{text}");
    let failed = failures(&report);
    let written: Vec<&str> = failed.iter().map(|r| r.text.trim()).collect();
    assert_eq!(
        written,
        [REFERENCE_WHO_CAN.trim(), REFERENCE_WORKLOADS.trim()],
        "{text}"
    );
    // The bootstrap controllers, and nobody else, make the exact set wrong.
    let who = evidence(failed[0]);
    let extra: Vec<&str> = who
        .lines()
        .filter(|l| l.ends_with("is allowed but not listed"))
        .collect();
    assert_eq!(
        extra,
        [
            "sa:kube-system/generic-garbage-collector is allowed but not listed",
            "sa:kube-system/namespace-controller is allowed but not listed",
        ],
        "{who}"
    );
    // The legacy Deployment, the one the example says fails baseline, breaks the set.
    let workloads = evidence(failed[1]);
    assert!(
        workloads.starts_with("deployment payments/legacy (manifests/payments/workloads/legacy.yaml:2) meets privileged"),
        "{workloads}"
    );
    assert_eq!(workloads.matches(" meets ").count(), 1, "{workloads}");
    // Everything else of the reference holds, the snapshots included.
    assert_eq!(report.counts(), (17, 2), "{text}");
}

/// `kubesim check` of the reference policies with `-o json`: the exit code and each
/// violation as (rule line, offender, location).
fn check(manifests: &str, defaults: bool) -> (i32, BTreeSet<(u64, String, String)>) {
    let mut cmd = kubesim();
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES))
        .args(["check", "../policies.ksim", "-f", manifests, "-o", "json"]);
    if defaults {
        cmd.args(["--defaults", "latest"]);
    }
    let output = cmd.output().expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(json["rules"], 4, "{json}");
    let violations = json["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            (
                v["rule_line"].as_u64().expect("rule line"),
                v["offender"].as_str().expect("offender").to_string(),
                format!(
                    "{}:{}",
                    v["location"]["file"].as_str().expect("file"),
                    v["location"]["line"]
                ),
            )
        })
        .collect();
    (output.status.code().expect("exit code"), violations)
}

fn set(items: &[(u64, &str, &str)]) -> BTreeSet<(u64, String, String)> {
    items
        .iter()
        .map(|(l, o, at)| (*l, o.to_string(), at.to_string()))
        .collect()
}

#[test]
fn policy_examples_report_every_offender_and_only_those() {
    let (code, violations) = check("policies/violating", true);
    assert_eq!(code, 1);
    assert_eq!(
        violations,
        set(&[
            // Prometheus's secret-reader ClusterRoleBinding; ops/admin through cluster-admin.
            // platform-admins and kube-system/bootstrap hold the same and are exempt.
            (
                2,
                "sa:monitoring/prometheus (list secrets cluster-wide)",
                "policies/violating/rbac.yaml:17"
            ),
            (
                2,
                "sa:ops/admin (list secrets cluster-wide)",
                "policies/violating/rbac.yaml:60",
            ),
            // Not exempt by dsl.md's list: the bootstrap policy's controller-manager user.
            (
                2,
                "user:system:kube-controller-manager (list secrets cluster-wide)",
                "<defaults:v1.37>/cluster-role-bindings.yaml:54"
            ),
            // prod-eu/api runs as root; prod-us/web is restricted.
            (
                7,
                "deployment prod-eu/api",
                "policies/violating/workloads.yaml:2"
            ),
            // prod-eu enforces nothing; prod-us enforces restricted.
            (
                8,
                "namespace prod-eu",
                "policies/violating/namespaces.yaml:2"
            ),
            // Directly; by creating pods in ops (which may mount ops/admin); by reading
            // ops/admin's legacy token Secret.
            (12, "sa:ops/admin", "policies/violating/rbac.yaml:60"),
            (12, "sa:ci/runner", "policies/violating/rbac.yaml:90"),
            (
                12,
                "sa:monitoring/prometheus",
                "policies/violating/rbac.yaml:17"
            ),
        ])
    );
}

#[test]
fn the_escalation_policy_names_the_path_of_each_offender() {
    let output = kubesim()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES))
        .args([
            "check",
            "../policies.ksim",
            "-f",
            "policies/violating",
            "--defaults",
            "latest",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("pods in ops => every service account in ops"),
        "{text}"
    );
    assert!(
        text.contains("token secrets in ops => sa:ops/admin: Secret admin-token holds its token"),
        "{text}"
    );
}

#[test]
fn policy_examples_hold_on_compliant_manifests() {
    // The repository's own manifests break no policy.
    let (code, violations) = check("policies/satisfying", false);
    assert_eq!((code, violations), (0, BTreeSet::new()));
    // With Kubernetes' defaults merged, only the controller-manager user, which dsl.md's
    // secrets policy forgets to exempt (the README's copy of it exempts it), still violates.
    let (code, violations) = check("policies/satisfying", true);
    assert_eq!(code, 1);
    assert_eq!(
        violations,
        set(&[(
            2,
            "user:system:kube-controller-manager (list secrets cluster-wide)",
            "<defaults:v1.37>/cluster-role-bindings.yaml:54"
        )])
    );
}
