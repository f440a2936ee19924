//! Baseline check `privileged`: no container may set `securityContext.privileged=true`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::containers_phrase;
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::Privileged,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: privileged_v1_0,
        override_check_ids: &[],
    }],
};

fn privileged_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        if c.security_context.and_then(|sc| sc.privileged) == Some(true) {
            bad_containers.push(c.name);
            paths.push(c.path("securityContext.privileged"));
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad_containers)
        ),
        paths,
    ))
}
