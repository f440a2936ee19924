//! `kubesim inventory` and `kubesim completions` end to end: output, stdin, exit codes.

use crate::util::kubesim;

#[test]
fn inventory_table_of_the_example_scenario() {
    let out = kubesim()
        .args(["inventory", "-f", "scenarios/payments/manifests"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn inventory_json_has_the_documented_shape() {
    let out = kubesim()
        .args([
            "inventory",
            "-o",
            "json",
            "-f",
            "tests/data/manifests/bad/syntax-error.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an invalid document makes the exit code 2"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["objects"]["ServiceAccount"], 2);
    assert_eq!(json["namespaces"]["app"]["ServiceAccount"], 2);
    assert_eq!(json["skipped"], serde_json::json!({}));
    assert_eq!(
        json["diagnostics"],
        serde_json::json!([{
            "file": "tests/data/manifests/bad/syntax-error.yaml", "line": 10, "column": 9,
            "severity": "error", "message": "unclosed bracket '['"
        }])
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tests/data/manifests/bad/syntax-error.yaml:10:9: error: unclosed bracket '['\n"
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let out = kubesim()
        .args(["inventory", "-o", "json", "-f", "-", "-n", "piped"])
        .write_stdin("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: from-stdin\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["namespaces"]["piped"]["ServiceAccount"], 1);
}

#[test]
fn warnings_alone_keep_exit_code_zero_and_defaults_are_merged() {
    let out = kubesim()
        .args([
            "inventory",
            "-o",
            "json",
            "--defaults",
            "latest",
            "-f",
            "tests/data/manifests/bad/typo.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["objects"]["ClusterRole"], 72);
    assert_eq!(json["diagnostics"][0]["severity"], "warning");
}

#[test]
fn unknown_defaults_version_and_bad_flags_are_usage_errors() {
    let out = kubesim()
        .args(["inventory", "--defaults", "v1.2", "-f", "scenarios"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no built-in defaults"));
    let out = kubesim()
        .args(["inventory", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = kubesim().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("inventory"), "{shell}");
    }
}
