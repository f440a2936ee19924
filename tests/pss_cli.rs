//! `kubesim pss` end to end: the JSON shape of cli.md, `--level` exit codes, namespace
//! defaults and exemptions, and the dry-run label.

use crate::util::kubesim;

const MANIFESTS: &str = "scenarios/payments/manifests";

fn pss(args: &[&str]) -> std::process::Output {
    kubesim().arg("pss").args(args).output().unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_has_the_documented_shape() {
    let out = pss(&["-f", MANIFESTS, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["version"], "v1.37");
    let legacy = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "legacy")
        .unwrap();
    assert_eq!(legacy["kind"], "Deployment");
    assert_eq!(legacy["namespace"], "payments");
    assert_eq!(
        legacy["source"],
        "scenarios/payments/manifests/workloads.yaml:29"
    );
    assert_eq!(legacy["level"], "privileged");
    let first = &legacy["violations"][0];
    assert_eq!(first["level"], "baseline");
    assert_eq!(first["check"], "capabilities_baseline");
    assert_eq!(first["reason"], "non-default capabilities");
    assert_eq!(
        first["detail"],
        r#"container "legacy" must not include "NET_ADMIN" in securityContext.capabilities.add"#
    );
    assert_eq!(
        first["path"],
        "spec.template.spec.containers[0].securityContext.capabilities.add[0]"
    );
    assert_eq!(first["line"], 46);
    // Violations of every failing level are included.
    assert!(
        legacy["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["level"] == "restricted")
    );
    assert_eq!(
        legacy["namespace_enforce"],
        serde_json::json!({
            "level": "baseline", "version": "v1.37", "admitted": false, "exemption": null,
            "denial": r#"pods "legacy" is forbidden: violates PodSecurity "baseline:v1.37": non-default capabilities (container "legacy" must not include "NET_ADMIN" in securityContext.capabilities.add)"#
        })
    );
    // An unlabelled namespace enforces nothing.
    let exporter = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "node-exporter")
        .unwrap();
    assert_eq!(exporter["namespace_enforce"], serde_json::Value::Null);
}

#[test]
fn level_exit_codes_and_versions() {
    assert_eq!(
        pss(&["-f", MANIFESTS, "-q", "--level", "privileged"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        pss(&["-f", MANIFESTS, "-q", "--level", "baseline"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        pss(&[
            "-f",
            MANIFESTS,
            "-q",
            "-n",
            "payments",
            "--level",
            "restricted"
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        pss(&["-f", MANIFESTS, "-q", "--level", "strict"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        pss(&["-f", MANIFESTS, "-q", "--version", "1.25"])
            .status
            .code(),
        Some(2)
    );
    let v = json(&pss(&["-f", MANIFESTS, "-o", "json", "--version", "v1.7"]));
    assert_eq!(v["version"], "v1.7");
    // Before v1.8 restricted had no allowPrivilegeEscalation check.
    let api = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "api")
        .unwrap();
    assert_eq!(api["level"], "restricted");
}

#[test]
fn default_enforce_and_admission_config_exemptions() {
    let v = json(&pss(&[
        "-f",
        MANIFESTS,
        "-o",
        "json",
        "--default-enforce",
        "baseline",
    ]));
    let exporter = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "node-exporter")
        .unwrap();
    assert_eq!(exporter["namespace_enforce"]["admitted"], false);
    let v = json(&pss(&[
        "-f",
        MANIFESTS,
        "-o",
        "json",
        "--admission-config",
        "tests/data/pss-cli/admission-config.yaml",
    ]));
    let exporter = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "node-exporter")
        .unwrap();
    assert_eq!(exporter["namespace_enforce"]["admitted"], true);
    assert_eq!(exporter["namespace_enforce"]["exemption"], "namespace");
    assert_eq!(
        pss(&["-f", MANIFESTS, "--default-enforce", "tight"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn dry_run_label_lists_what_would_no_longer_be_admitted() {
    let out = pss(&["-f", MANIFESTS, "--dry-run-label", "payments=restricted"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
    let out = pss(&["-f", MANIFESTS, "--dry-run-label", "payments=privileged"]);
    assert_eq!(out.status.code(), Some(0));
}
