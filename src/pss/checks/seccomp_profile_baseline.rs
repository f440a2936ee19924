//! Baseline check `seccompProfile_baseline`: the seccomp profile may not be `Unconfined`.
//! Up to v1.18 only the legacy annotations are read; from v1.19 only the `seccompProfile`
//! fields. Replaced at restricted ≥ v1.19 by `seccompProfile_restricted`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, SeccompProfile};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{go_quote, join_quote, path_key, pluralize, pod_and_containers};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::SeccompProfileBaseline,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            minimum_minor: 0,
            check_pod: seccomp_profile_baseline_v1_0,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 19,
            check_pod: seccomp_profile_baseline_v1_19,
            override_check_ids: &[],
        },
    ],
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Unlike AppArmor, an empty annotation value is forbidden.
fn annotation_value_allowed(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

fn seccomp_profile_baseline_v1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let annotations = meta.annotations.as_ref()?;
    let mut forbidden = BTreeSet::new();
    let mut paths = Vec::new();
    let mut inspect = |key: &str| {
        if let Some(value) = annotations
            .get(key)
            .filter(|v| !annotation_value_allowed(v))
            && forbidden.insert(format!("{key}={}", go_quote(value)))
        {
            paths.push(format!("metadata.annotations{}", path_key(key)));
        }
    };
    inspect(POD_ANNOTATION);
    for c in containers(spec) {
        inspect(&format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name));
    }
    if forbidden.is_empty() {
        return None;
    }
    let items: Vec<&str> = forbidden.iter().map(String::as_str).collect();
    Some(Forbidden::new(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", items.len()),
            items.join(", ")
        ),
        paths,
    ))
}

pub(super) fn profile_type_allowed(profile: &SeccompProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

fn seccomp_profile_baseline_v1_19(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut pod_is_bad = false;
    let mut bad_containers = Vec::new();
    let mut bad_types = BTreeSet::new();
    let mut paths = Vec::new();
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref());
    if let Some(profile) = pod_profile.filter(|p| !profile_type_allowed(p)) {
        pod_is_bad = true;
        bad_types.insert(profile.type_.as_str());
        paths.push("spec.securityContext.seccompProfile.type".to_owned());
    }
    for c in containers(spec) {
        let profile = c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref());
        if let Some(profile) = profile.filter(|p| !profile_type_allowed(p)) {
            bad_containers.push(c.name);
            bad_types.insert(profile.type_.as_str());
            paths.push(c.path("securityContext.seccompProfile.type"));
        }
    }
    if !pod_is_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            pod_and_containers(pod_is_bad, &bad_containers),
            join_quote(bad_types)
        ),
        paths,
    ))
}
