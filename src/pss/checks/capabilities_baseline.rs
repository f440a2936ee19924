//! Baseline check `capabilities_baseline`: containers may add only the default capabilities
//! (exact, case-sensitive names; `drop` is not checked). Replaced at restricted ≥ v1.22.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, join_quote};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::CapabilitiesBaseline,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: capabilities_baseline_v1_0,
        override_check_ids: &[],
    }],
};

/// The container runtime's default capability set; adding these grants nothing new.
const DEFAULT_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut bad_capabilities = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let Some(capabilities) = c.security_context.and_then(|sc| sc.capabilities.as_ref()) else {
            continue;
        };
        let mut container_is_bad = false;
        for (i, capability) in capabilities.add.iter().flatten().enumerate() {
            if !DEFAULT_CAPABILITIES.contains(&capability.as_str()) {
                container_is_bad = true;
                bad_capabilities.insert(capability.as_str());
                paths.push(c.path(&format!("securityContext.capabilities.add[{i}]")));
            }
        }
        if container_is_bad {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_containers),
            join_quote(bad_capabilities)
        ),
        paths,
    ))
}
