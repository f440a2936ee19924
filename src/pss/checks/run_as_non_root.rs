//! Restricted check `runAsNonRoot`: containers must run as non-root, via the pod-level or
//! container-level `runAsNonRoot: true`. From v1.35 a pod in its own user namespace
//! (`hostUsers: false`) is exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck, in_user_namespace};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, pod_and_containers};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::RunAsNonRoot,
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            minimum_minor: 0,
            check_pod: run_as_non_root_v1_0,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 35,
            check_pod: run_as_non_root_v1_35,
            override_check_ids: &[],
        },
    ],
};

fn run_as_non_root_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let pod_value = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    let pod_sets_false = pod_value == Some(false);
    let pod_covers_containers = pod_value == Some(true);

    let mut explicit_containers = Vec::new();
    let mut implicit_containers = Vec::new();
    let mut explicit_paths = Vec::new();
    let mut implicit_paths = Vec::new();
    if pod_sets_false {
        explicit_paths.push("spec.securityContext.runAsNonRoot".to_owned());
    }
    for c in containers(spec) {
        match c.security_context.and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                explicit_containers.push(c.name);
                explicit_paths.push(c.path("securityContext.runAsNonRoot"));
            }
            Some(true) => {}
            None if pod_covers_containers => {}
            None => {
                implicit_containers.push(c.name);
                implicit_paths.push(c.path("securityContext.runAsNonRoot"));
            }
        }
    }
    // An explicit `false` anywhere is reported instead of the missing settings.
    if pod_sets_false || !explicit_containers.is_empty() {
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                pod_and_containers(pod_sets_false, &explicit_containers)
            ),
            explicit_paths,
        ));
    }
    if !implicit_containers.is_empty() {
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicit_containers)
            ),
            implicit_paths,
        ));
    }
    None
}

/// In a user namespace, root in the container is not root on the host.
fn run_as_non_root_v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    run_as_non_root_v1_0(meta, spec)
}
