//! Restricted check `seccompProfile_restricted` (v1.19+): every container must end up with a
//! `RuntimeDefault` or `Localhost` seccomp profile, set on the container or inherited from a
//! valid pod-level profile. From v1.25 Windows pods are exempt. Replaces
//! `seccompProfile_baseline` at level restricted; annotations are ignored.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::seccomp_profile_baseline::profile_type_allowed;
use super::{Check, CheckId, VersionedCheck, is_windows};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, join_quote, pod_and_containers};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::SeccompProfileRestricted,
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            minimum_minor: 19,
            check_pod: seccomp_profile_restricted_v1_19,
            override_check_ids: &[CheckId::SeccompProfileBaseline],
        },
        VersionedCheck {
            minimum_minor: 25,
            check_pod: seccomp_profile_restricted_v1_25,
            override_check_ids: &[CheckId::SeccompProfileBaseline],
        },
    ],
};

fn seccomp_profile_restricted_v1_19(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_types = BTreeSet::new();
    let mut explicit_paths = Vec::new();
    let mut implicit_paths = Vec::new();
    let mut pod_is_bad = false;
    // Only a valid pod-level profile covers containers that set none.
    let mut pod_profile_covers = false;
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref());
    if let Some(profile) = pod_profile {
        if profile_type_allowed(profile) {
            pod_profile_covers = true;
        } else {
            pod_is_bad = true;
            bad_types.insert(profile.type_.as_str());
            explicit_paths.push("spec.securityContext.seccompProfile.type".to_owned());
        }
    }
    let mut explicit_containers = Vec::new();
    let mut implicit_containers = Vec::new();
    for c in containers(spec) {
        match c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
        {
            Some(profile) if !profile_type_allowed(profile) => {
                explicit_containers.push(c.name);
                bad_types.insert(profile.type_.as_str());
                explicit_paths.push(c.path("securityContext.seccompProfile.type"));
            }
            Some(_) => {}
            None if pod_profile_covers => {}
            None => {
                implicit_containers.push(c.name);
                implicit_paths.push(c.path("securityContext.seccompProfile.type"));
            }
        }
    }
    // Explicitly forbidden values are reported instead of the missing settings.
    if pod_is_bad || !explicit_containers.is_empty() {
        return Some(Forbidden::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                pod_and_containers(pod_is_bad, &explicit_containers),
                join_quote(bad_types)
            ),
            explicit_paths,
        ));
    }
    if !implicit_containers.is_empty() {
        return Some(Forbidden::new(
            "seccompProfile",
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicit_containers)
            ),
            implicit_paths,
        ));
    }
    None
}

fn seccomp_profile_restricted_v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    seccomp_profile_restricted_v1_19(meta, spec)
}
