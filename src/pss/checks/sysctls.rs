//! Baseline check `sysctls`: only namespaced, isolated sysctls from an allow-list that grows
//! with the policy version (v1.0, v1.27, v1.29, v1.32, v1.37). Values are not checked.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::level::Level;

pub(super) static CHECK: Check = Check {
    id: CheckId::Sysctls,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            minimum_minor: 0,
            check_pod: sysctls_v1_0,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 27,
            check_pod: sysctls_v1_27,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 29,
            check_pod: sysctls_v1_29,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 32,
            check_pod: sysctls_v1_32,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 37,
            check_pod: sysctls_v1_37,
            override_check_ids: &[],
        },
    ],
};

/// Each allowed sysctl with the policy minor version that first allowed it.
const ALLOWED_SYSCTLS: &[(&str, u64)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
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
];

fn sysctls_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls_allowed_at(spec, 0)
}

fn sysctls_v1_27(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls_allowed_at(spec, 27)
}

fn sysctls_v1_29(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls_allowed_at(spec, 29)
}

fn sysctls_v1_32(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls_allowed_at(spec, 32)
}

fn sysctls_v1_37(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls_allowed_at(spec, 37)
}

fn sysctl_allowed(name: &str, entry_minor: u64) -> bool {
    ALLOWED_SYSCTLS
        .iter()
        .any(|(allowed, since)| *since <= entry_minor && *allowed == name)
}

fn sysctls_allowed_at(spec: &PodSpec, entry_minor: u64) -> Option<Forbidden> {
    let sysctls = spec.security_context.as_ref()?.sysctls.as_ref()?;
    // A slice in list order, duplicates kept, as upstream.
    let mut bad_names = Vec::new();
    let mut paths = Vec::new();
    for (i, sysctl) in sysctls.iter().enumerate() {
        if !sysctl_allowed(&sysctl.name, entry_minor) {
            bad_names.push(sysctl.name.as_str());
            paths.push(format!("spec.securityContext.sysctls[{i}].name"));
        }
    }
    if bad_names.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "forbidden sysctls",
        bad_names.join(", "),
        paths,
    ))
}
