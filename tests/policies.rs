//! `kubesim check`: the shipped policies over the example manifests, severities and
//! `--fail-on`, and the SARIF, JSON and JUnit reports.

use crate::util::kubesim;

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

/// Every SARIF log validates against the SARIF 2.1.0 schema, and each result points at the line
/// where the offending object starts in a file that exists.
#[test]
fn sarif_validates_against_the_2_1_0_schema_and_points_at_real_lines() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    // The validator rejects what the schema forbids.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.9", "runs": []})));
    let out = check(&[
        "policies/cluster-admin.ksim",
        "policies/secrets.ksim",
        "policies/pod-security.ksim",
        "-f",
        MANIFESTS,
        "--defaults",
        "latest",
        "-o",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 3, "expected several violations");
    let mut in_files = 0;
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        let line = location["region"]["startLine"].as_u64().unwrap() as usize;
        // Built-in default objects have no file to point into.
        let Ok(text) = std::fs::read_to_string(uri) else {
            continue;
        };
        in_files += 1;
        let first = text.lines().nth(line - 1).unwrap_or_else(|| {
            panic!("{uri}:{line} is past the end of the file");
        });
        assert!(
            first.starts_with("apiVersion:") || first.starts_with("kind:"),
            "{uri}:{line} does not start an object: {first:?}"
        );
    }
    assert!(in_files >= 3, "results should point into the manifests");
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
