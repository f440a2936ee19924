//! Version behaviour of the PSS engine: for every policy version where a check starts or
//! changes (spec §3/§7), a pod whose outcome flips exactly there.

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use kubesim::pss::{CheckResult, Evaluator, Level, Version, all_allowed, evaluate};
use serde_json::{Value, json};

fn pod(value: Value) -> Pod {
    serde_json::from_value(value).expect("valid pod JSON")
}

fn results(p: &Pod, level: Level, minor: u64) -> Vec<CheckResult> {
    let spec = p.spec.clone().unwrap_or_default();
    evaluate(level, Version::V1(minor), &p.metadata, &spec)
}

fn allowed(p: &Pod, level: Level, minor: u64) -> bool {
    all_allowed(&results(p, level, minor))
}

fn failing(p: &Pod, level: Level, minor: u64) -> Vec<&'static str> {
    results(p, level, minor)
        .iter()
        .filter(|r| !r.allowed())
        .map(|r| r.check.as_str())
        .collect()
}

/// Asserts the pod is allowed at `level` for exactly the minors in `allowed_minors` (0..=40).
fn assert_allowed_exactly(p: &Pod, level: Level, allowed_minors: impl Fn(u64) -> bool) {
    for minor in 0..=40 {
        assert_eq!(
            allowed(p, level, minor),
            allowed_minors(minor),
            "{level} v1.{minor}: failing {:?}",
            failing(p, level, minor)
        );
    }
}

fn restricted_v1_0_pod() -> Value {
    json!({
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": true},
            "initContainers": [{"name": "init", "image": "i"}],
            "containers": [{"name": "app", "image": "i"}]
        }
    })
}

fn restricted_latest_pod() -> Value {
    let sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    json!({
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "image": "i", "securityContext": sc}],
            "containers": [{"name": "app", "image": "i", "securityContext": sc}]
        }
    })
}

fn with(mut base: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let target = base.pointer_mut(parent).expect("parent exists");
    target[key] = value;
    base
}

#[test]
fn check_selection_per_level_and_version() {
    let p = pod(restricted_latest_pod());
    let ids = |level, minor| -> Vec<&'static str> {
        results(&p, level, minor)
            .iter()
            .map(|r| r.check.as_str())
            .collect()
    };
    let baseline_v1_0 = [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    ];
    for minor in 0..=33 {
        assert_eq!(ids(Level::Baseline, minor), baseline_v1_0, "v1.{minor}");
    }
    let mut baseline_v1_34 = baseline_v1_0.to_vec();
    baseline_v1_34.insert(5, "hostProbesAndHostLifecycle");
    for minor in 34..=40 {
        assert_eq!(ids(Level::Baseline, minor), baseline_v1_34, "v1.{minor}");
    }
    assert_eq!(
        ids(Level::Restricted, 0),
        [
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
            "restrictedVolumes",
            "runAsNonRoot"
        ]
    );
    assert!(ids(Level::Restricted, 7).len() == 12 && ids(Level::Restricted, 8).len() == 13);
    assert_eq!(
        ids(Level::Restricted, 22),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
    assert_eq!(
        ids(Level::Restricted, 37),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted"
        ]
    );
    assert!(results(&p, Level::Privileged, 37).is_empty());
}

#[test]
fn minimal_restricted_pods_per_version() {
    // The v1.0 restricted pod stops meeting restricted at v1.8 (allowPrivilegeEscalation).
    let v1_0 = pod(restricted_v1_0_pod());
    assert_allowed_exactly(&v1_0, Level::Restricted, |m| m < 8);
    assert_eq!(
        failing(&v1_0, Level::Restricted, 8),
        ["allowPrivilegeEscalation"]
    );
    assert_allowed_exactly(&v1_0, Level::Baseline, |_| true);
    let latest = pod(restricted_latest_pod());
    assert_allowed_exactly(&latest, Level::Restricted, |_| true);
}

#[test]
fn seccomp_requirement_starts_at_v1_19() {
    let no_seccomp = pod(with(
        restricted_latest_pod(),
        "/spec/securityContext/seccompProfile",
        Value::Null,
    ));
    assert_allowed_exactly(&no_seccomp, Level::Restricted, |m| m < 19);
    assert_eq!(
        failing(&no_seccomp, Level::Restricted, 19),
        ["seccompProfile_restricted"]
    );
}

#[test]
fn baseline_seccomp_moves_from_annotations_to_fields_at_v1_19() {
    let annotated = pod(with(
        restricted_latest_pod(),
        "/metadata/annotations",
        json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
    ));
    assert_allowed_exactly(&annotated, Level::Baseline, |m| m >= 19);
    assert_eq!(
        failing(&annotated, Level::Baseline, 18),
        ["seccompProfile_baseline"]
    );
    // Restricted runs the annotation check up to v1.18 as well.
    assert_allowed_exactly(&annotated, Level::Restricted, |m| m >= 19);

    let field = pod(with(
        restricted_latest_pod(),
        "/spec/securityContext/seccompProfile",
        json!({"type": "Unconfined"}),
    ));
    assert_allowed_exactly(&field, Level::Baseline, |m| m < 19);
    assert_eq!(
        failing(&field, Level::Baseline, 19),
        ["seccompProfile_baseline"]
    );
    assert_eq!(
        failing(&field, Level::Restricted, 19),
        ["seccompProfile_restricted"]
    );
}

#[test]
fn capabilities_switch_to_restricted_check_at_v1_22() {
    // Adds a default capability and drops nothing: fine for capabilities_baseline, not for
    // capabilities_restricted.
    let base = with(
        restricted_latest_pod(),
        "/spec/containers/0/securityContext/capabilities",
        json!({"add": ["CHOWN"]}),
    );
    let p = pod(base);
    assert_allowed_exactly(&p, Level::Restricted, |m| m < 22);
    assert_eq!(
        failing(&p, Level::Restricted, 22),
        ["capabilities_restricted"]
    );
    assert_allowed_exactly(&p, Level::Baseline, |_| true);

    let net_raw = pod(with(
        restricted_latest_pod(),
        "/spec/containers/0/securityContext/capabilities",
        json!({"add": ["NET_RAW"], "drop": ["ALL"]}),
    ));
    assert_eq!(
        failing(&net_raw, Level::Restricted, 21),
        ["capabilities_baseline"]
    );
    assert_eq!(
        failing(&net_raw, Level::Restricted, 22),
        ["capabilities_restricted"]
    );
    assert_eq!(
        failing(&net_raw, Level::Baseline, 37),
        ["capabilities_baseline"]
    );
}

#[test]
fn run_as_user_zero_forbidden_from_v1_23() {
    let p = pod(with(
        restricted_latest_pod(),
        "/spec/securityContext/runAsUser",
        json!(0),
    ));
    assert_allowed_exactly(&p, Level::Restricted, |m| m < 23);
    assert_eq!(failing(&p, Level::Restricted, 23), ["runAsUser"]);
}

#[test]
fn windows_exemptions_from_v1_25() {
    // upstream base_windows: restricted v1.0 pod + os.name windows.
    let windows = pod(with(
        restricted_v1_0_pod(),
        "/spec/os",
        json!({"name": "windows"}),
    ));
    assert_allowed_exactly(&windows, Level::Restricted, |m| !(8..25).contains(&m));
    assert_eq!(
        failing(&windows, Level::Restricted, 24),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    // Linux, unset or differently-cased OS names get no exemption.
    for os in [
        json!({"name": "linux"}),
        json!({"name": "Windows"}),
        Value::Null,
    ] {
        let p = pod(with(restricted_v1_0_pod(), "/spec/os", os));
        assert_allowed_exactly(&p, Level::Restricted, |m| m < 8);
    }
    // runAsNonRoot still applies to Windows pods.
    let windows_root = pod(with(
        with(
            restricted_v1_0_pod(),
            "/spec/os",
            json!({"name": "windows"}),
        ),
        "/spec/securityContext/runAsNonRoot",
        Value::Null,
    ));
    assert_eq!(
        failing(&windows_root, Level::Restricted, 37),
        ["runAsNonRoot"]
    );
}

#[test]
fn sysctl_allow_list_grows() {
    for (name, since) in [
        ("kernel.shm_rmid_forced", 0),
        ("net.ipv4.ip_unprivileged_port_start", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_fin_timeout", 29),
        ("net.ipv4.tcp_keepalive_intvl", 29),
        ("net.ipv4.tcp_keepalive_probes", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_slow_start_after_idle", 37),
        ("net.ipv4.tcp_notsent_lowat", 37),
        ("net.ipv4.tcp_notsent_lowat_", u64::MAX),
        ("kernel.msgmax", u64::MAX),
    ] {
        let p = pod(with(
            restricted_latest_pod(),
            "/spec/securityContext/sysctls",
            json!([{"name": name, "value": "1"}]),
        ));
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=40 {
                let expect = minor >= since;
                assert_eq!(
                    allowed(&p, level, minor),
                    expect,
                    "{name} {level} v1.{minor}"
                );
            }
        }
    }
}

#[test]
fn selinux_container_engine_type_from_v1_31() {
    let p = pod(with(
        restricted_latest_pod(),
        "/spec/securityContext/seLinuxOptions",
        json!({"type": "container_engine_t"}),
    ));
    assert_allowed_exactly(&p, Level::Baseline, |m| m >= 31);
    let kvm = pod(with(
        restricted_latest_pod(),
        "/spec/securityContext/seLinuxOptions",
        json!({"type": "container_kvm_t", "level": "s0:c1"}),
    ));
    assert_allowed_exactly(&kvm, Level::Baseline, |_| true);
}

#[test]
fn probe_hosts_forbidden_from_v1_34() {
    let p = pod(with(
        restricted_latest_pod(),
        "/spec/containers/0/readinessProbe",
        json!({"tcpSocket": {"host": "localhost", "port": 80}}),
    ));
    assert_allowed_exactly(&p, Level::Baseline, |m| m < 34);
    assert_allowed_exactly(&p, Level::Restricted, |m| m < 34);
}

#[test]
fn user_namespaces_relax_from_v1_35() {
    let hostusers_false = |base: Value| with(base, "/spec/hostUsers", json!(false));

    // Unmasked procMount: allowed at baseline from v1.35 with hostUsers=false, never at restricted.
    let unmasked = pod(hostusers_false(with(
        restricted_latest_pod(),
        "/spec/containers/0/securityContext/procMount",
        json!("Unmasked"),
    )));
    assert_allowed_exactly(&unmasked, Level::Baseline, |m| m >= 35);
    assert_allowed_exactly(&unmasked, Level::Restricted, |_| false);
    assert_eq!(failing(&unmasked, Level::Restricted, 34), ["procMount"]);
    assert_eq!(
        failing(&unmasked, Level::Restricted, 35),
        ["procMount_restricted"]
    );

    // Without hostUsers=false nothing relaxes.
    let unmasked_host = pod(with(
        restricted_latest_pod(),
        "/spec/containers/0/securityContext/procMount",
        json!("Unmasked"),
    ));
    assert_allowed_exactly(&unmasked_host, Level::Baseline, |_| false);

    // runAsNonRoot and runAsUser are not required in a user namespace from v1.35.
    let root = pod(hostusers_false(with(
        with(
            restricted_latest_pod(),
            "/spec/securityContext/runAsNonRoot",
            Value::Null,
        ),
        "/spec/securityContext/runAsUser",
        json!(0),
    )));
    assert_allowed_exactly(&root, Level::Restricted, |m| m >= 35);
    assert_eq!(
        failing(&root, Level::Restricted, 34),
        ["runAsNonRoot", "runAsUser"]
    );
    // hostUsers: true is not a relaxation.
    let root_host = pod(with(
        with(
            restricted_latest_pod(),
            "/spec/securityContext/runAsNonRoot",
            Value::Null,
        ),
        "/spec/hostUsers",
        json!(true),
    ));
    assert_allowed_exactly(&root_host, Level::Restricted, |_| false);
}

#[test]
fn newer_versions_and_latest_clamp_to_newest() {
    let p = pod(with(
        restricted_latest_pod(),
        "/spec/containers/0/livenessProbe",
        json!({"httpGet": {"host": "x", "port": 1}}),
    ));
    let spec: PodSpec = p.spec.clone().unwrap_or_default();
    let newest = evaluate(Level::Baseline, Version::V1(37), &p.metadata, &spec);
    assert_eq!(
        evaluate(Level::Baseline, Version::Latest, &p.metadata, &spec),
        newest
    );
    assert_eq!(
        evaluate(Level::Baseline, Version::V1(10000), &p.metadata, &spec),
        newest
    );

    // Emulating v1.33: latest and v1.36 behave as v1.33 (no probe-host check yet).
    let emulated = Evaluator::new().with_emulation_version(Version::V1(33));
    for version in [Version::Latest, Version::V1(36), Version::V1(33)] {
        assert!(emulated.allows(Level::Baseline, version, &p.metadata, &spec));
    }
    assert!(!Evaluator::new().allows(Level::Baseline, Version::V1(34), &p.metadata, &spec));
}

#[test]
fn level_met_reports_each_failing_level() {
    let p = pod(restricted_v1_0_pod());
    let spec = p.spec.clone().unwrap_or_default();
    let report = kubesim::pss::level_met(Version::Latest, &p.metadata, &spec);
    assert_eq!(report.level, Level::Baseline);
    assert!(report.violations(Level::Baseline).is_empty());
    let ids: Vec<&str> = report
        .violations(Level::Restricted)
        .iter()
        .map(|v| v.check.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    assert!(
        report
            .violations(Level::Restricted)
            .iter()
            .all(|v| v.check_level == Level::Restricted)
    );

    let at_v1_7 = kubesim::pss::level_met(Version::V1(7), &p.metadata, &spec);
    assert_eq!(at_v1_7.level, Level::Restricted);
    assert!(at_v1_7.failures.is_empty());

    let privileged = pod(with(restricted_v1_0_pod(), "/spec/hostPID", json!(true)));
    let spec = privileged.spec.clone().unwrap_or_default();
    let report = kubesim::pss::level_met(Version::Latest, &privileged.metadata, &spec);
    assert_eq!(report.level, Level::Privileged);
    let baseline = report.violations(Level::Baseline);
    assert_eq!(baseline.len(), 1);
    assert_eq!(baseline[0].check.as_str(), "hostNamespaces");
    assert_eq!(baseline[0].check_level, Level::Baseline);
    assert_eq!(baseline[0].reason, "host namespaces");
    assert_eq!(baseline[0].detail, "hostPID=true");
    assert_eq!(baseline[0].paths, ["spec.hostPID"]);
    assert_eq!(report.failures.len(), 2);
}
