//! Restricted check `runAsUser` (v1.23+): neither the pod nor a container may set
//! `runAsUser: 0`. From v1.35 a pod in its own user namespace (`hostUsers: false`) is exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck, in_user_namespace};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::pod_and_containers;
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::RunAsUser,
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            minimum_minor: 23,
            check_pod: run_as_user_v1_23,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 35,
            check_pod: run_as_user_v1_35,
            override_check_ids: &[],
        },
    ],
};

fn run_as_user_v1_23(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut paths = Vec::new();
    let pod_is_bad = spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0);
    if pod_is_bad {
        paths.push("spec.securityContext.runAsUser".to_owned());
    }
    let mut bad_containers = Vec::new();
    for c in containers(spec) {
        if c.security_context.and_then(|sc| sc.run_as_user) == Some(0) {
            bad_containers.push(c.name);
            paths.push(c.path("securityContext.runAsUser"));
        }
    }
    if !pod_is_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "runAsUser=0",
        format!(
            "{} must not set runAsUser=0",
            pod_and_containers(pod_is_bad, &bad_containers)
        ),
        paths,
    ))
}

fn run_as_user_v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    run_as_user_v1_23(meta, spec)
}
