//! Baseline check `procMount`: containers may only use the `Default` proc mount. From v1.35 a
//! pod in its own user namespace (`hostUsers: false`) is allowed any proc mount. Replaced at
//! restricted ≥ v1.35 by `procMount_restricted`, which keeps the strict rule.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck, in_user_namespace};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, join_quote};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::ProcMount,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            minimum_minor: 0,
            check_pod: proc_mount_strict,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 35,
            check_pod: proc_mount_v1_35,
            override_check_ids: &[],
        },
    ],
};

/// Any explicitly set proc mount other than `Default` (including `""`) is forbidden.
pub(super) fn proc_mount_strict(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut bad_values = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let proc_mount = c.security_context.and_then(|sc| sc.proc_mount.as_deref());
        if let Some(value) = proc_mount.filter(|v| *v != "Default") {
            bad_containers.push(c.name);
            bad_values.insert(value);
            paths.push(c.path("securityContext.procMount"));
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad_containers),
            join_quote(bad_values)
        ),
        paths,
    ))
}

fn proc_mount_v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    proc_mount_strict(meta, spec)
}
