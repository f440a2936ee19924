//! Baseline check `appArmorProfile`: the AppArmor profile may only be the runtime default or a
//! localhost profile, whether set in the pod or container `appArmorProfile` fields or in the
//! legacy `container.apparmor.security.beta.kubernetes.io/*` annotations. Upstream applies the
//! field checks (added in 2024) retroactively to every policy version, so there is one entry.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{AppArmorProfile, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, go_quote, join_quote, path_key, pluralize};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::AppArmorProfile,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: app_armor_profile_v1_0,
        override_check_ids: &[],
    }],
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn profile_type_allowed(profile: &AppArmorProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

/// An empty annotation value means "use the default", which is allowed.
fn annotation_value_allowed(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

fn app_armor_profile_v1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_types = BTreeSet::new();
    let mut pod_is_bad = false;
    let mut bad_containers = Vec::new();
    let mut paths = Vec::new();

    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    if let Some(profile) = pod_profile.filter(|p| !profile_type_allowed(p)) {
        pod_is_bad = true;
        bad_types.insert(profile.type_.as_str());
        paths.push("spec.securityContext.appArmorProfile.type".to_owned());
    }
    for c in containers(spec) {
        let profile = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref());
        if let Some(profile) = profile.filter(|p| !profile_type_allowed(p)) {
            bad_containers.push(c.name);
            bad_types.insert(profile.type_.as_str());
            paths.push(c.path("securityContext.appArmorProfile.type"));
        }
    }
    // The annotation suffix is deliberately not matched against container names (upstream).
    let mut bad_annotations = Vec::new();
    for (key, value) in meta.annotations.iter().flatten() {
        if key.starts_with(ANNOTATION_PREFIX) && !annotation_value_allowed(value) {
            bad_annotations.push(format!("{key}={}", go_quote(value)));
            paths.push(format!("metadata.annotations{}", path_key(key)));
        }
    }
    if !pod_is_bad && bad_containers.is_empty() && bad_annotations.is_empty() {
        return None;
    }
    // Sorted as whole strings, which can differ from key order (`a=` vs `a1=`).
    bad_annotations.sort_unstable();

    let mut setters = Vec::new();
    if pod_is_bad {
        setters.push("pod".to_owned());
    }
    if !bad_containers.is_empty() {
        setters.push(containers_phrase(&bad_containers));
    }
    if !bad_annotations.is_empty() {
        setters.push(pluralize("annotation", "annotations", bad_annotations.len()).to_owned());
    }
    let bad_values: Vec<&str> = bad_types
        .iter()
        .copied()
        .chain(bad_annotations.iter().map(String::as_str))
        .collect();
    Some(Forbidden::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(bad_values.iter().copied())
        ),
        paths,
    ))
}
