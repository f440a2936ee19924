//! Message formats and field paths of the individual checks on pods richer than the upstream
//! fixtures: several containers, ephemeral containers, set-vs-slice ordering, pluralisation,
//! Go quoting, and the priority rules between explicit and implicit findings.

use k8s_openapi::api::core::v1::Pod;
use kubesim::pss::{CheckResult, Forbidden, Level, Version, evaluate, forbidden_detail};
use serde_json::{Value, json};

fn pod(value: Value) -> Pod {
    serde_json::from_value(value).expect("valid pod JSON")
}

fn run(value: Value, level: Level, minor: u64) -> Vec<CheckResult> {
    let p = pod(value);
    let spec = p.spec.clone().unwrap_or_default();
    evaluate(level, Version::V1(minor), &p.metadata, &spec)
}

/// The finding of one check (panics if that check allowed the pod).
fn finding(value: Value, level: Level, minor: u64, check: &str) -> Forbidden {
    run(value, level, minor)
        .into_iter()
        .find(|r| r.check.as_str() == check)
        .and_then(|r| r.forbidden)
        .unwrap_or_else(|| panic!("{check} allowed the pod"))
}

fn containers(names: &[&str], extra: Value) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| {
                let mut c = json!({"name": n, "image": "i"});
                if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
                    c.extend(extra.clone());
                }
                c
            })
            .collect(),
    )
}

#[test]
fn privileged_lists_containers_in_visit_order_including_ephemeral() {
    let sc = json!({"securityContext": {"privileged": true}});
    let f = finding(
        json!({"spec": {
            "containers": containers(&["b", "a"], sc.clone()),
            "initContainers": containers(&["z"], sc.clone()),
            "ephemeralContainers": containers(&["e"], sc),
        }}),
        Level::Baseline,
        37,
        "privileged",
    );
    assert_eq!(f.reason, "privileged");
    assert_eq!(
        f.detail,
        r#"containers "z", "b", "a", "e" must not set securityContext.privileged=true"#
    );
    assert_eq!(
        f.paths,
        [
            "spec.initContainers[0].securityContext.privileged",
            "spec.containers[0].securityContext.privileged",
            "spec.containers[1].securityContext.privileged",
            "spec.ephemeralContainers[0].securityContext.privileged"
        ]
    );
}

#[test]
fn host_namespaces_and_ports() {
    let f = finding(
        json!({"spec": {"hostIPC": true, "hostNetwork": true, "hostPID": false, "containers": []}}),
        Level::Baseline,
        0,
        "hostNamespaces",
    );
    assert_eq!(f.detail, "hostNetwork=true, hostIPC=true");
    assert_eq!(f.paths, ["spec.hostNetwork", "spec.hostIPC"]);

    let f = finding(
        json!({"spec": {"containers": [
            {"name": "a", "ports": [{"containerPort": 1, "hostPort": 0}]},
            {"name": "b", "ports": [{"containerPort": 1, "hostPort": 8080}, {"containerPort": 2, "hostPort": 12345}]},
            {"name": "c", "ports": [{"containerPort": 3, "hostPort": 8080}, {"containerPort": 4, "hostPort": -1}]},
        ]}}),
        Level::Baseline,
        0,
        "hostPorts",
    );
    assert_eq!(f.reason, "hostPort");
    assert_eq!(
        f.detail,
        r#"containers "b", "c" use hostPorts -1, 12345, 8080"#
    );
    assert_eq!(
        f.paths,
        [
            "spec.containers[1].ports[0].hostPort",
            "spec.containers[1].ports[1].hostPort",
            "spec.containers[2].ports[0].hostPort",
            "spec.containers[2].ports[1].hostPort"
        ]
    );
}

#[test]
fn capabilities_baseline_and_restricted() {
    let caps = |add: Value, drop: Value| json!({"securityContext": {"capabilities": {"add": add, "drop": drop}}});
    let spec = json!({"spec": {
        "initContainers": containers(&["i"], caps(json!(["SYS_ADMIN", "CHOWN"]), json!(["ALL"]))),
        "containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["NET_RAW", "SYS_ADMIN", "NET_BIND_SERVICE"]}}},
            {"name": "b"},
            {"name": "c", "securityContext": {}}
        ]
    }});
    let f = finding(spec.clone(), Level::Baseline, 37, "capabilities_baseline");
    assert_eq!(f.reason, "non-default capabilities");
    assert_eq!(
        f.detail,
        r#"containers "i", "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add"#
    );
    assert_eq!(
        f.paths,
        [
            "spec.initContainers[0].securityContext.capabilities.add[0]",
            "spec.containers[0].securityContext.capabilities.add[0]",
            "spec.containers[0].securityContext.capabilities.add[1]"
        ]
    );
    let f = finding(spec, Level::Restricted, 37, "capabilities_restricted");
    assert_eq!(f.reason, "unrestricted capabilities");
    assert_eq!(
        f.detail,
        r#"containers "a", "b", "c" must set securityContext.capabilities.drop=["ALL"]; containers "i", "a" must not include "CHOWN", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add"#
    );
    assert_eq!(
        f.paths[0],
        "spec.initContainers[0].securityContext.capabilities.add[0]"
    );
    assert!(
        f.paths
            .contains(&"spec.containers[1].securityContext.capabilities.drop".to_owned())
    );
}

#[test]
fn app_armor_fields_and_annotations() {
    let f = finding(
        json!({
            "metadata": {"annotations": {
                "container.apparmor.security.beta.kubernetes.io/a": "unconfined",
                "container.apparmor.security.beta.kubernetes.io/a1": "bad\"q",
                "container.apparmor.security.beta.kubernetes.io/ok": "localhost/x",
                "container.apparmor.security.beta.kubernetes.io/empty": "",
                "container.apparmor.security.beta.kubernetes.io/rd": "runtime/default"
            }},
            "spec": {
                "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                "containers": [
                    {"name": "c1", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}},
                    {"name": "c2", "securityContext": {"appArmorProfile": {"type": "Other"}}},
                    {"name": "c3", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}
                ]
            }
        }),
        Level::Baseline,
        0,
        "appArmorProfile",
    );
    assert_eq!(f.reason, "forbidden AppArmor profiles");
    assert_eq!(
        f.detail,
        r#"pod and containers "c2", "c3" and annotations must not set AppArmor profile type to "Other", "Unconfined", "container.apparmor.security.beta.kubernetes.io/a1="bad\"q"", "container.apparmor.security.beta.kubernetes.io/a="unconfined"""#
    );
    assert_eq!(
        f.paths,
        [
            "spec.securityContext.appArmorProfile.type",
            "spec.containers[1].securityContext.appArmorProfile.type",
            "spec.containers[2].securityContext.appArmorProfile.type",
            r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/a"]"#,
            r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/a1"]"#
        ]
    );
    let single = finding(
        json!({"spec": {"containers": [{"name": "c", "securityContext": {"appArmorProfile": {"type": ""}}}]}}),
        Level::Baseline,
        0,
        "appArmorProfile",
    );
    assert_eq!(single.reason, "forbidden AppArmor profile");
    assert_eq!(
        single.detail,
        r#"container "c" must not set AppArmor profile type to """#
    );
}

#[test]
fn selinux_options_collects_types_user_and_role() {
    let se = |opts: Value| json!({"securityContext": {"seLinuxOptions": opts}});
    let f = finding(
        json!({"spec": {
            "securityContext": {"seLinuxOptions": {"type": "foo", "level": "s0"}},
            "containers": [
                {"name": "e", "securityContext": {"seLinuxOptions": {"user": "u"}}},
                {"name": "ok", "securityContext": {"seLinuxOptions": {"type": "container_t"}}},
                {"name": "f", "securityContext": {"seLinuxOptions": {"type": "bar", "role": "r"}}},
            ],
            "ephemeralContainers": containers(&["g"], se(json!({"type": "foo"})))
        }}),
        Level::Baseline,
        0,
        "seLinuxOptions",
    );
    assert_eq!(
        f.detail,
        r#"pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set"#
    );
    assert_eq!(
        f.paths,
        [
            "spec.securityContext.seLinuxOptions.type",
            "spec.containers[0].securityContext.seLinuxOptions.user",
            "spec.containers[2].securityContext.seLinuxOptions.type",
            "spec.containers[2].securityContext.seLinuxOptions.role",
            "spec.ephemeralContainers[0].securityContext.seLinuxOptions.type"
        ]
    );
    let f = finding(
        json!({"spec": {"securityContext": {"seLinuxOptions": {"user": "u"}}, "containers": []}}),
        Level::Baseline,
        0,
        "seLinuxOptions",
    );
    assert_eq!(
        f.detail,
        "pod set forbidden securityContext.seLinuxOptions: user may not be set"
    );
}

#[test]
fn seccomp_baseline_annotations_and_fields() {
    let value = json!({
        "metadata": {"annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "",
            "container.seccomp.security.alpha.kubernetes.io/a": "unconfined\n",
            "container.seccomp.security.alpha.kubernetes.io/b": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/not-a-container": "unconfined"
        }},
        "spec": {
            "securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": containers(&["a", "b"], json!({"securityContext": {"seccompProfile": {"type": "Bogus"}}}))
        }
    });
    let f = finding(
        value.clone(),
        Level::Baseline,
        18,
        "seccompProfile_baseline",
    );
    assert_eq!(f.reason, "seccompProfile");
    assert_eq!(
        f.detail,
        r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined\n", seccomp.security.alpha.kubernetes.io/pod="""#
    );
    assert_eq!(
        f.paths,
        [
            r#"metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]"#,
            r#"metadata.annotations["container.seccomp.security.alpha.kubernetes.io/a"]"#
        ]
    );
    let f = finding(value, Level::Baseline, 19, "seccompProfile_baseline");
    assert_eq!(
        f.detail,
        r#"pod and containers "a", "b" must not set securityContext.seccompProfile.type to "Bogus", "Unconfined""#
    );
}

#[test]
fn seccomp_restricted_explicit_beats_implicit_and_invalid_pod_covers_nothing() {
    let f = finding(
        json!({"spec": {
            "securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [{"name": "a"}, {"name": "b", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]
        }}),
        Level::Restricted,
        19,
        "seccompProfile_restricted",
    );
    assert_eq!(
        f.detail,
        r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#
    );
    let f = finding(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"seccompProfile": {"type": "Localhost"}}}, {"name": "c"}]}}),
        Level::Restricted,
        25,
        "seccompProfile_restricted",
    );
    assert_eq!(
        f.detail,
        r#"pod or containers "a", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#
    );
    assert_eq!(
        f.paths,
        [
            "spec.containers[0].securityContext.seccompProfile.type",
            "spec.containers[2].securityContext.seccompProfile.type"
        ]
    );
}

#[test]
fn run_as_non_root_priorities() {
    let f = finding(
        json!({"spec": {
            "securityContext": {"runAsNonRoot": false},
            "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}, {"name": "b", "securityContext": {"runAsNonRoot": false}}, {"name": "c"}]
        }}),
        Level::Restricted,
        0,
        "runAsNonRoot",
    );
    assert_eq!(f.reason, "runAsNonRoot != true");
    assert_eq!(
        f.detail,
        r#"pod and container "b" must not set securityContext.runAsNonRoot=false"#
    );
    assert_eq!(
        f.paths,
        [
            "spec.securityContext.runAsNonRoot",
            "spec.containers[1].securityContext.runAsNonRoot"
        ]
    );
    let f = finding(
        json!({"spec": {"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": true}}]}}),
        Level::Restricted,
        0,
        "runAsNonRoot",
    );
    assert_eq!(
        f.detail,
        r#"pod or container "a" must set securityContext.runAsNonRoot=true"#
    );
    // No containers at all and nothing set: nothing to complain about.
    assert!(
        run(json!({"spec": {"containers": []}}), Level::Restricted, 0)
            .iter()
            .all(|r| r.check.as_str() != "runAsNonRoot" || r.allowed())
    );
}

#[test]
fn run_as_user_and_host_process_setters() {
    let f = finding(
        json!({"spec": {"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}, {"name": "b", "securityContext": {"runAsUser": 1}}]}}),
        Level::Restricted,
        23,
        "runAsUser",
    );
    assert_eq!(
        f.detail,
        r#"pod and container "a" must not set runAsUser=0"#
    );
    let f = finding(
        json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": false}}}]}}),
        Level::Baseline,
        0,
        "windowsHostProcess",
    );
    assert_eq!(
        f.detail,
        "pod must not set securityContext.windowsOptions.hostProcess=true"
    );
    assert_eq!(f.paths, ["spec.securityContext.windowsOptions.hostProcess"]);
}

#[test]
fn volumes() {
    let value = json!({"spec": {"containers": [], "volumes": [
        {"name": "ok", "emptyDir": {}},
        {"name": "h1", "hostPath": {"path": "/"}},
        {"name": "n", "nfs": {"server": "s", "path": "/"}},
        {"name": "both", "emptyDir": {}, "hostPath": {"path": "/"}},
        {"name": "img", "image": {"reference": "r"}},
        {"name": "h2", "hostPath": {"path": "/x"}}
    ]}});
    let f = finding(value.clone(), Level::Baseline, 0, "hostPathVolumes");
    assert_eq!(f.detail, r#"volumes "h1", "both", "h2""#);
    let f = finding(value, Level::Restricted, 0, "restrictedVolumes");
    assert_eq!(
        f.detail,
        r#"volumes "h1", "n", "h2" use restricted volume types "hostPath", "nfs""#
    );
    assert_eq!(
        f.paths,
        [
            "spec.volumes[1].hostPath",
            "spec.volumes[2].nfs",
            "spec.volumes[5].hostPath"
        ]
    );
}

#[test]
fn sysctls_keep_duplicates_in_list_order() {
    let f = finding(
        json!({"spec": {"containers": [], "securityContext": {"sysctls": [
            {"name": "b.x", "value": "1"}, {"name": "kernel.shm_rmid_forced", "value": "1"},
            {"name": "a.y", "value": "1"}, {"name": "b.x", "value": "2"}
        ]}}}),
        Level::Baseline,
        0,
        "sysctls",
    );
    assert_eq!(f.reason, "forbidden sysctls");
    assert_eq!(f.detail, "b.x, a.y, b.x");
    assert_eq!(
        f.paths,
        [
            "spec.securityContext.sysctls[0].name",
            "spec.securityContext.sysctls[2].name",
            "spec.securityContext.sysctls[3].name"
        ]
    );
}

#[test]
fn proc_mount_and_probe_hosts() {
    let f = finding(
        json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"procMount": "Unmasked"}},
            {"name": "b", "securityContext": {"procMount": "Default"}},
            {"name": "c", "securityContext": {"procMount": ""}}
        ]}}),
        Level::Baseline,
        0,
        "procMount",
    );
    assert_eq!(
        f.detail,
        r#"containers "a", "c" must not set securityContext.procMount to "", "Unmasked""#
    );
    let f = finding(
        json!({"spec": {
            "initContainers": [{"name": "z", "lifecycle": {"preStop": {"tcpSocket": {"host": "h2", "port": 1}}}}],
            "containers": [{"name": "a",
                "startupProbe": {"httpGet": {"host": "h1", "port": 1}},
                "livenessProbe": {"grpc": {"port": 1}},
                "lifecycle": {"postStart": {"httpGet": {"host": "h1", "port": 1}}}}]
        }}),
        Level::Baseline,
        34,
        "hostProbesAndHostLifecycle",
    );
    assert_eq!(f.reason, "probe or lifecycle host");
    assert_eq!(
        f.detail,
        r#"containers "a", "z" use probe or lifecycle hosts "h1", "h2""#
    );
    assert_eq!(
        f.paths,
        [
            "spec.initContainers[0].lifecycle.preStop.tcpSocket.host",
            "spec.containers[0].startupProbe.httpGet.host",
            "spec.containers[0].lifecycle.postStart.httpGet.host"
        ]
    );
}

#[test]
fn aggregated_detail_joins_in_check_order() {
    let results = run(
        json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "securityContext": {"privileged": true}}]}}),
        Level::Restricted,
        37,
    );
    assert_eq!(
        forbidden_detail(&results),
        r#"host namespaces (hostNetwork=true), privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    assert_eq!(
        kubesim::pss::forbidden_reason(&results),
        "host namespaces, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
    );
}
