//! Restricted check `allowPrivilegeEscalation` (v1.8+): every container must set
//! `securityContext.allowPrivilegeEscalation=false`. From v1.25 Windows pods are exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck, is_windows};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::containers_phrase;
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::AllowPrivilegeEscalation,
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            minimum_minor: 8,
            check_pod: allow_privilege_escalation_v1_8,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 25,
            check_pod: allow_privilege_escalation_v1_25,
            override_check_ids: &[],
        },
    ],
};

fn allow_privilege_escalation_v1_8(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        // Unset counts as allowed escalation: the runtime default is true.
        if c.security_context
            .and_then(|sc| sc.allow_privilege_escalation)
            != Some(false)
        {
            bad_containers.push(c.name);
            paths.push(c.path("securityContext.allowPrivilegeEscalation"));
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad_containers)
        ),
        paths,
    ))
}

/// Windows has no privilege escalation in the Linux sense.
fn allow_privilege_escalation_v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    allow_privilege_escalation_v1_8(meta, spec)
}
