//! The admission layer: namespace labels → policy (fallbacks, errors, warn defaulting), the
//! PodSecurity configuration, and the decisions and messages for pods and pod templates.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use kubesim::pss::admission::{
    Admission, AdmissionRequest, Exemption, PodSecurityConfig, Policy, RequestKind,
    aggregate_error_message, policy_to_evaluate,
};
use kubesim::pss::{Level, LevelVersion, Version};
use serde_json::json;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), (*v).to_owned()))
        .collect()
}

fn lv(text: &str) -> LevelVersion {
    text.parse().expect("level:version")
}

#[test]
fn no_labels_means_defaults() {
    let defaults = Policy::enforcing(lv("baseline:v1.30"));
    assert_eq!(policy_to_evaluate(None, &defaults), (defaults, vec![]));
    assert_eq!(
        policy_to_evaluate(Some(&BTreeMap::new()), &defaults),
        (defaults, vec![])
    );
    let unrelated: BTreeMap<String, String> = [("team".to_owned(), "x".to_owned())].into();
    assert_eq!(policy_to_evaluate(Some(&unrelated), &defaults).0, defaults);
    assert_eq!(Policy::default(), Policy::uniform(lv("privileged:latest")));
}

#[test]
fn invalid_labels_fail_closed_for_enforce_and_open_for_audit_and_warn() {
    let l = labels(&[
        ("enforce", "strict"),
        ("enforce-version", "1.25"),
        ("audit", "Restricted"),
        ("audit-version", "v1.3"),
        ("warn", "nope"),
        ("warn-version", "v1.01"),
    ]);
    let (policy, errors) = policy_to_evaluate(Some(&l), &Policy::default());
    assert_eq!(policy.enforce, lv("restricted:latest"));
    assert_eq!(policy.audit, lv("privileged:v1.3"));
    assert_eq!(policy.warn, lv("privileged:latest"));
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            r#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.25": must be "latest" or "v1.x""#,
            r#"metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "Restricted": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "nope": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v1.01": must be "latest" or "v1.x""#,
        ]
    );
    assert_eq!(aggregate_error_message(&errors[..1]), texts[0]);
    assert_eq!(
        aggregate_error_message(&errors[..2]),
        format!("[{}, {}]", texts[0], texts[1])
    );
}

#[test]
fn warn_defaults_to_a_stricter_valid_enforce() {
    let (policy, _) = policy_to_evaluate(
        Some(&labels(&[
            ("enforce", "restricted"),
            ("enforce-version", "v1.30"),
        ])),
        &Policy::default(),
    );
    assert_eq!(policy.warn, lv("restricted:v1.30"));
    assert_eq!(policy.audit, lv("privileged:latest"));

    // warn-version set: only the level is copied.
    let (policy, _) = policy_to_evaluate(
        Some(&labels(&[
            ("enforce", "baseline"),
            ("warn-version", "v1.20"),
        ])),
        &Policy::default(),
    );
    assert_eq!(policy.warn, lv("baseline:v1.20"));

    // An explicit (even invalid) warn label, or an invalid enforce label, prevents it.
    for l in [
        labels(&[("enforce", "restricted"), ("warn", "privileged")]),
        labels(&[("enforce", "restricted"), ("warn", "bogus")]),
        labels(&[("enforce", "bogus")]),
    ] {
        let (policy, _) = policy_to_evaluate(Some(&l), &Policy::default());
        assert_eq!(policy.warn.level, Level::Privileged, "{l:?}");
    }
    // Not stricter than the default warn: unchanged.
    let defaults = Policy {
        warn: lv("restricted:v1.10"),
        ..Policy::default()
    };
    let (policy, _) = policy_to_evaluate(Some(&labels(&[("enforce", "baseline")])), &defaults);
    assert_eq!(policy.warn, lv("restricted:v1.10"));
}

#[test]
fn version_label_alone_changes_only_the_version() {
    let defaults = Policy::enforcing(lv("baseline:latest"));
    let (policy, errors) =
        policy_to_evaluate(Some(&labels(&[("enforce-version", "v1.22")])), &defaults);
    assert!(errors.is_empty());
    assert_eq!(policy.enforce, lv("baseline:v1.22"));
    assert_eq!(policy.warn, lv("privileged:latest"));
}

#[test]
fn configuration_parses_both_document_kinds() {
    let psc = json!({
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "defaults": {"enforce": "baseline", "enforce-version": "v1.29", "audit": "restricted", "warn": "restricted", "warn-version": ""},
        "exemptions": {"usernames": ["admin"], "runtimeClasses": ["kata.io"], "namespaces": ["kube-system"]}
    });
    let config = PodSecurityConfig::from_json(&psc).expect("valid");
    assert_eq!(config.defaults.enforce, lv("baseline:v1.29"));
    assert_eq!(config.defaults.audit, lv("restricted:latest"));
    assert_eq!(config.defaults.warn, lv("restricted:latest"));
    assert_eq!(config.exemptions.usernames, ["admin"]);
    assert_eq!(config.exemptions.runtime_classes, ["kata.io"]);
    assert_eq!(config.exemptions.namespaces, ["kube-system"]);

    let admission_config = json!({
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": [{"name": "Other", "configuration": {}}, {"name": "PodSecurity", "configuration": psc}]
    });
    assert_eq!(PodSecurityConfig::from_json(&admission_config), Ok(config));

    let without_plugin = json!({"kind": "AdmissionConfiguration", "plugins": []});
    assert_eq!(
        PodSecurityConfig::from_json(&without_plugin),
        Ok(PodSecurityConfig::default())
    );
}

#[test]
fn configuration_validation_reports_every_problem() {
    let bad = json!({
        "apiVersion": "pod-security.admission.config.k8s.io/v1beta1",
        "kind": "PodSecurityConfiguration",
        "defaults": {"enforce": "strict", "audit-version": "2"},
        "exemptions": {"usernames": ["", "a", "a"], "namespaces": ["Kube_System"], "runtimeClasses": ["-x"]}
    });
    let err = PodSecurityConfig::from_json(&bad).expect_err("invalid");
    assert_eq!(
        err.problems,
        [
            r#"defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted"#,
            r#"defaults.audit-version: Invalid value: "2": must be "latest" or "v1.x""#,
            r#"exemptions.usernames[0]: Invalid value: "": must be non-empty"#,
            r#"exemptions.usernames[2]: Duplicate value: "a""#,
            r#"exemptions.namespaces[0]: Invalid value: "Kube_System": must be a valid namespace name"#,
            r#"exemptions.runtimeClasses[0]: Invalid value: "-x": must be a valid DNS subdomain name"#,
        ]
    );
    assert!(PodSecurityConfig::from_json(&json!({"kind": "Pod"})).is_err());
}

fn pod(value: serde_json::Value) -> (Pod, PodSpec) {
    let pod: Pod = serde_json::from_value(value).expect("pod");
    let spec = pod.spec.clone().unwrap_or_default();
    (pod, spec)
}

fn request<'a>(
    kind: RequestKind,
    pod: &'a (Pod, PodSpec),
    labels: Option<&'a BTreeMap<String, String>>,
) -> AdmissionRequest<'a> {
    AdmissionRequest {
        kind,
        name: pod.0.metadata.name.as_deref().unwrap_or_default(),
        namespace: "team",
        namespace_labels: labels,
        username: Some("alice"),
        meta: &pod.0.metadata,
        spec: &pod.1,
    }
}

fn host_network_pod() -> (Pod, PodSpec) {
    pod(
        json!({"metadata": {"name": "web"}, "spec": {"hostNetwork": true, "containers": [{"name": "c"}]}}),
    )
}

#[test]
fn enforce_rejects_pods_with_the_apiserver_message() {
    let admission = Admission::default();
    let p = host_network_pod();
    let l = labels(&[
        ("enforce", "baseline"),
        ("enforce-version", "v1.30"),
        ("audit", "restricted"),
    ]);
    let decision = admission.admit(&request(RequestKind::Pod, &p, Some(&l)));
    assert!(!decision.allowed);
    assert_eq!(
        decision.denial.as_deref(),
        Some(
            r#"pods "web" is forbidden: violates PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true)"#
        )
    );
    assert_eq!(
        decision.audit_annotations["enforce-policy"],
        "baseline:v1.30"
    );
    assert!(
        decision.audit_annotations["audit-violations"]
            .starts_with(r#"would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true), allowPrivilegeEscalation != false"#)
    );
    // Rejected requests get no warnings, even though warn defaulted to baseline:v1.30.
    assert!(decision.warnings.is_empty());
    assert_eq!(decision.policy.warn, lv("baseline:v1.30"));

    // Unnamed pods (generateName) and templates.
    let unnamed = pod(json!({"spec": {"hostPID": true, "containers": []}}));
    let decision = admission.admit(&request(RequestKind::Pod, &unnamed, Some(&l)));
    assert_eq!(
        decision.denial.as_deref(),
        Some(
            r#"pods is forbidden: violates PodSecurity "baseline:v1.30": host namespaces (hostPID=true)"#
        )
    );
}

#[test]
fn controllers_are_never_enforced_but_warned() {
    let admission = Admission::default();
    let p = host_network_pod();
    let l = labels(&[("enforce", "baseline")]);
    let decision = admission.admit(&request(RequestKind::PodController, &p, Some(&l)));
    assert!(decision.allowed);
    assert_eq!(decision.denial, None);
    assert!(!decision.audit_annotations.contains_key("enforce-policy"));
    assert_eq!(
        decision.warnings,
        [r#"would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#]
    );
    // Enforce-only namespace with an explicit privileged warn: nothing to say for templates.
    let l = labels(&[("enforce", "restricted"), ("warn", "privileged")]);
    let decision = admission.admit(&request(RequestKind::PodController, &p, Some(&l)));
    assert!(
        decision.allowed && decision.warnings.is_empty() && decision.audit_annotations.is_empty()
    );
}

#[test]
fn privileged_namespaces_exemptions_and_label_errors() {
    let config = PodSecurityConfig::from_json(&json!({
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "exemptions": {"usernames": ["alice"], "namespaces": ["kube-system"], "runtimeClasses": ["gvisor"]}
    }))
    .expect("valid");
    let admission = Admission::new(config);
    let p = host_network_pod();

    // Unlabelled namespace and no defaults: privileged.
    let open = Admission::default().admit(&request(RequestKind::Pod, &p, None));
    assert!(open.allowed);
    assert_eq!(
        open.audit_annotations["enforce-policy"],
        "privileged:latest"
    );

    let l = labels(&[("enforce", "restricted")]);
    let mut req = request(RequestKind::Pod, &p, Some(&l));
    let by_user = admission.admit(&req);
    assert_eq!(
        (by_user.allowed, by_user.exemption),
        (true, Some(Exemption::User))
    );
    assert_eq!(by_user.audit_annotations["exempt"], "user");

    req.namespace = "kube-system";
    let by_ns = admission.admit(&req);
    assert_eq!(by_ns.exemption, Some(Exemption::Namespace));

    let runtime = pod(
        json!({"metadata": {"name": "r"}, "spec": {"runtimeClassName": "gvisor", "hostPID": true, "containers": []}}),
    );
    let mut req = request(RequestKind::Pod, &runtime, Some(&l));
    req.username = Some("bob");
    let by_runtime = admission.admit(&req);
    assert_eq!(by_runtime.exemption, Some(Exemption::RuntimeClass));
    assert_eq!(by_runtime.audit_annotations["exempt"], "runtimeClass");

    // Invalid enforce label: fails closed to restricted and records the parse error.
    let bad = labels(&[("enforce", "Baseline")]);
    let mut req = request(RequestKind::Pod, &p, Some(&bad));
    req.username = None;
    let decision = Admission::default().admit(&req);
    assert!(!decision.allowed);
    assert!(
        decision
            .denial
            .as_deref()
            .is_some_and(|d| d.contains(r#"violates PodSecurity "restricted:latest""#))
    );
    assert_eq!(
        decision.audit_annotations["error"],
        r#"Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "Baseline": must be one of privileged, baseline, restricted"#
    );
    // Privileged labels that do not parse are still evaluated (and here allowed).
    let odd = labels(&[("enforce", "privileged"), ("audit-version", "x")]);
    let decision = Admission::default().admit(&request(RequestKind::Pod, &p, Some(&odd)));
    assert!(decision.allowed);
    assert!(decision.audit_annotations.contains_key("error"));
    assert_eq!(
        decision.audit_annotations["enforce-policy"],
        "privileged:latest"
    );
}

#[test]
fn default_enforce_applies_to_unlabelled_namespaces() {
    let admission = Admission::new(PodSecurityConfig {
        defaults: Policy::enforcing(lv("baseline:v1.25")),
        ..PodSecurityConfig::default()
    });
    let p = host_network_pod();
    let decision = admission.admit(&request(RequestKind::Pod, &p, None));
    assert!(!decision.allowed);
    assert_eq!(decision.policy.enforce, lv("baseline:v1.25"));
    // The version printed is the label's, not the clamped one.
    let l = labels(&[("enforce", "baseline"), ("enforce-version", "v1.99")]);
    let decision = admission.admit(&request(RequestKind::Pod, &p, Some(&l)));
    assert!(
        decision
            .denial
            .is_some_and(|d| d.contains(r#""baseline:v1.99""#))
    );
    assert_eq!(Version::V1(99).to_string(), "v1.99");
}

#[test]
fn namespace_level_warnings() {
    let config = PodSecurityConfig {
        exemptions: kubesim::pss::admission::Exemptions {
            namespaces: vec!["kube-system".into()],
            ..Default::default()
        },
        ..PodSecurityConfig::default()
    };
    let admission = Admission::new(config);
    let l = labels(&[
        ("enforce", "restricted"),
        ("audit-version", "v1.2"),
        ("warn", "baseline"),
    ]);
    assert_eq!(
        admission
            .exempt_namespace_warning("kube-system", Some(&l))
            .as_deref(),
        Some(
            r#"namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=baseline:latest) will be ignored"#
        )
    );
    assert_eq!(admission.exempt_namespace_warning("team", Some(&l)), None);
    let privileged_only = labels(&[("enforce", "privileged")]);
    assert_eq!(
        admission.exempt_namespace_warning("kube-system", Some(&privileged_only)),
        None
    );

    let a =
        pod(json!({"metadata": {"name": "b-pod"}, "spec": {"hostPID": true, "containers": []}}));
    let b =
        pod(json!({"metadata": {"name": "a-pod"}, "spec": {"hostPID": true, "containers": []}}));
    let c = pod(
        json!({"metadata": {"name": "c-pod"}, "spec": {"hostIPC": true, "containers": [{"name": "x", "securityContext": {"privileged": true}}]}}),
    );
    let ok = pod(json!({"metadata": {"name": "ok"}, "spec": {"containers": []}}));
    let pods: Vec<(
        &str,
        &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        &PodSpec,
    )> = [&a, &b, &c, &ok]
        .iter()
        .map(|(p, s)| {
            (
                p.metadata.name.as_deref().unwrap_or_default(),
                &p.metadata,
                s,
            )
        })
        .collect();
    assert_eq!(
        admission.existing_pods_warnings("team", lv("baseline:latest"), &pods),
        [
            r#"existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest""#,
            "a-pod (and 1 other pod): host namespaces",
            "c-pod: host namespaces, privileged",
        ]
    );
    assert!(
        admission
            .existing_pods_warnings("team", lv("baseline:latest"), &pods[3..])
            .is_empty()
    );
}
