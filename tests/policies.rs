//! `kubesim check`: the shipped policies over the example manifests, severities and
//! `--fail-on`, and the SARIF, JSON and JUnit reports.

use crate::util::{assert_valid_sarif, kubesim};

fn check(args: &[&str]) -> std::process::Output {
    kubesim().arg("check").args(args).output().unwrap()
}

const MANIFESTS: &str = "scenarios/payments/manifests";

#[test]
fn shipped_policies_over_the_example_manifests() {
    let out = check(&[
        "policies/cluster-admin.ksim",
        "policies/secrets.ksim",
        "policies/pod-security.ksim",
        "-f",
        MANIFESTS,
        "--defaults",
        "latest",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn fail_on_filters_by_severity() {
    // Only medium and high violations: failing on critical passes.
    let args = [
        "policies/secrets.ksim",
        "policies/pod-security.ksim",
        "-f",
        MANIFESTS,
        "--defaults",
        "latest",
        "-q",
    ];
    assert_eq!(check(&args).status.code(), Some(1));
    let mut critical = args.to_vec();
    critical.extend(["--fail-on", "critical"]);
    assert_eq!(check(&critical).status.code(), Some(0));
    let mut bad = args.to_vec();
    bad.extend(["--fail-on", "severe"]);
    assert_eq!(check(&bad).status.code(), Some(2));
}

#[test]
fn sarif_locates_each_violation_at_the_offending_manifest_line() {
    let out = check(&[
        "policies/cluster-admin.ksim",
        "-f",
        MANIFESTS,
        "--defaults",
        "latest",
        "-o",
        "sarif",
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "no-extra-cluster-admins",
            "no-bind-or-escalate-outside-kube-system"
        ]
    );
    let first = &run["results"][0];
    assert_eq!(first["ruleId"], "no-extra-cluster-admins");
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "scenarios/payments/manifests/rbac.yaml"
    );
    assert_eq!(location["region"]["startLine"], 73);
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap()
            .contains("ClusterRoleBinding legacy-admin")
    );
}

#[test]
fn json_and_junit_reports() {
    let out = check(&["policies/pod-security.ksim", "-f", MANIFESTS, "-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let offenders: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["offender"].as_str().unwrap())
        .collect();
    assert_eq!(
        offenders,
        vec![
            "daemonset monitoring/node-exporter",
            "deployment payments/legacy",
            "pod payments/debug",
            "namespace monitoring"
        ]
    );
    assert_eq!(
        json["violations"][2]["location"],
        serde_json::json!({"file": "scenarios/payments/manifests/workloads.yaml", "line": 48})
    );
    let out = check(&["policies/pod-security.ksim", "-f", MANIFESTS, "-o", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains(r#"<testsuite name="workloads meet baseline" tests="3""#),
        "{xml}"
    );
}

#[test]
fn invalid_policy_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ksim");
    std::fs::write(
        &bad,
        "policy \"p\" severity extreme {\n  forbid any subject can get pods\n}\n",
    )
    .unwrap();
    let out = check(&[bad.to_str().unwrap(), "-f", MANIFESTS]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
}

/// The SARIF log of every shipped policy over the real corpus (broken files included)
/// validates against the SARIF 2.1.0 schema, and every result is located: relative to the
/// repository root with `%SRCROOT%`, at the line where the offending object starts, or at
/// the policy rule when the offender (a namespace no manifest defines) is written nowhere.
/// Fingerprints tell the results apart, and the broken files are notifications.
#[test]
fn sarif_of_the_real_corpus_validates_and_every_result_is_located() {
    let out = check(&[
        "policies",
        "-f",
        "tests/data/corpus",
        "-f",
        "tests/data/escalate/corpus",
        "--defaults",
        "latest",
        "--invalid",
        "warn",
        "-o",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .starts_with("https://kubernetes.io/docs/"),
            "{rule}"
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 100, "{}", results.len());
    let (mut at_objects, mut at_rules) = (0, 0);
    let mut fingerprints = std::collections::BTreeSet::new();
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uriBaseId"], "%SRCROOT%",
            "{result}"
        );
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        let line = location["region"]["startLine"].as_u64().unwrap() as usize;
        let text = std::fs::read_to_string(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
        let first = text.lines().nth(line - 1).unwrap_or_else(|| {
            panic!("{uri}:{line} is past the end of the file");
        });
        if uri.ends_with(".ksim") {
            // The rule's line, written as `forbid` or `require`.
            let words = first.trim_start();
            assert!(
                words.starts_with("forbid") || words.starts_with("require"),
                "{first}"
            );
            at_rules += 1;
        } else {
            // kubesec's and other projects' files may start an object after a comment.
            let object = text.lines().skip(line - 1).find(|l| !l.starts_with('#'));
            assert!(
                object.is_some_and(|l| l.starts_with("apiVersion:")
                    || l.starts_with("kind:")
                    || l.starts_with('{')
                    || l.starts_with("---")
                    || l.starts_with("  ")
                    || l.starts_with("- ")),
                "{uri}:{line} does not start an object: {first:?}"
            );
            at_objects += 1;
        }
        let fingerprint = result["partialFingerprints"]["kubesim/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fingerprint.len(), 16);
        fingerprints.insert(fingerprint.to_string());
    }
    assert!(at_objects > 100 && at_rules > 0, "{at_objects} {at_rules}");
    assert_eq!(
        fingerprints.len(),
        results.len(),
        "fingerprints must differ"
    );
    // Under --invalid=warn the broken files are warnings; without it, errors.
    for (extra, level, successful) in [
        (&["--invalid", "warn"][..], "warning", true),
        (&[][..], "error", false),
    ] {
        let out = check(
            &[
                &[
                    "policies",
                    "-f",
                    "tests/data/corpus/_unrendered",
                    "-f",
                    MANIFESTS,
                    "-o",
                    "sarif",
                ],
                extra,
            ]
            .concat(),
        );
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid_sarif(&sarif);
        let invocation = &sarif["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], successful);
        let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert!(
            notifications.iter().any(|n| n["level"] == level
                && n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "tests/data/corpus/_unrendered/cert-manager_chart_templates_rbac.yaml"),
            "{notifications:#?}"
        );
    }
}

/// Paths are relative to the root of the git repository holding the current directory,
/// whatever directory kubesim runs in, or to `--sarif-root`; a file outside the root is an
/// absolute `file://` URI.
#[test]
fn sarif_paths_are_relative_to_the_repository_root_or_sarif_root() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("deploy/team a")).unwrap();
    std::fs::copy(
        format!("{MANIFESTS}/rbac.yaml"),
        root.join("deploy/team a/rbac.yaml"),
    )
    .unwrap();
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(git.success());
    let policy = std::fs::canonicalize("policies/cluster-admin.ksim").unwrap();
    let uri_of = |cwd: &std::path::Path, extra: &[&str]| {
        let out = kubesim()
            .current_dir(cwd)
            .args(["check", policy.to_str().unwrap(), "-f", "."])
            .args(["--defaults", "latest", "-o", "sarif"])
            .args(extra)
            .output()
            .unwrap();
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid_sarif(&sarif);
        let result = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "no-extra-cluster-admins")
            .cloned()
            .expect("a cluster-admin violation");
        result["locations"][0]["physicalLocation"]["artifactLocation"].clone()
    };
    let deploy = root.join("deploy");
    assert_eq!(
        uri_of(&deploy, &[]),
        serde_json::json!({"uri": "deploy/team%20a/rbac.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        uri_of(&deploy, &["--sarif-root", "team a"]),
        serde_json::json!({"uri": "rbac.yaml", "uriBaseId": "%SRCROOT%"})
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = uri_of(
        &deploy,
        &["--sarif-root", elsewhere.path().to_str().unwrap()],
    );
    assert_eq!(
        outside["uri"],
        format!("file://{}/team%20a/rbac.yaml", deploy.display())
    );
}

/// CI systems key JUnit results by name: every testcase of `check` on the real corpus is
/// unique (an offender breaking a rule at two places is `#2`), and carries the rule's line.
#[test]
fn junit_testcase_names_are_unique_on_the_real_corpus() {
    let out = check(&[
        "policies",
        "-f",
        "tests/data/corpus",
        "--defaults",
        "latest",
        "--invalid",
        "warn",
        "-o",
        "junit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let mut names: Vec<(String, &str)> = Vec::new();
    let mut suite = String::new();
    for line in xml.lines() {
        if let Some(rest) = line.trim().strip_prefix("<testsuite name=\"") {
            suite = rest.split('"').next().unwrap().to_string();
        }
        if let Some(rest) = line.trim().strip_prefix("<testcase name=\"") {
            names.push((suite.clone(), rest.split('"').next().unwrap()));
            assert!(
                line.contains(" line=\"") || rest.contains("no violation"),
                "{line}"
            );
        }
    }
    assert!(names.len() > 100, "{}", names.len());
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "duplicate testcase names");
}
