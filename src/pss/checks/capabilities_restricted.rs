//! Restricted check `capabilities_restricted` (v1.22+): every container must drop `ALL` and may
//! add only `NET_BIND_SERVICE`. From v1.25 Windows pods are exempt. Replaces
//! `capabilities_baseline` at level restricted.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck, is_windows};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{containers_phrase, join_quote};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::CapabilitiesRestricted,
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            minimum_minor: 22,
            check_pod: capabilities_restricted_v1_22,
            override_check_ids: &[CheckId::CapabilitiesBaseline],
        },
        VersionedCheck {
            minimum_minor: 25,
            check_pod: capabilities_restricted_v1_25,
            override_check_ids: &[CheckId::CapabilitiesBaseline],
        },
    ],
};

fn capabilities_restricted_v1_22(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden_capabilities = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let Some(capabilities) = c.security_context.and_then(|sc| sc.capabilities.as_ref()) else {
            missing_drop_all.push(c.name);
            paths.push(c.path("securityContext.capabilities.drop"));
            continue;
        };
        if !capabilities.drop.iter().flatten().any(|d| d == "ALL") {
            missing_drop_all.push(c.name);
            paths.push(c.path("securityContext.capabilities.drop"));
        }
        let mut adds_forbidden = false;
        for (i, capability) in capabilities.add.iter().flatten().enumerate() {
            if capability != "NET_BIND_SERVICE" {
                adds_forbidden = true;
                forbidden_capabilities.insert(capability.as_str());
                paths.push(c.path(&format!("securityContext.capabilities.add[{i}]")));
            }
        }
        if adds_forbidden {
            adding_forbidden.push(c.name);
        }
    }
    if missing_drop_all.is_empty() && adding_forbidden.is_empty() {
        return None;
    }
    let mut details = Vec::with_capacity(2);
    if !missing_drop_all.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(forbidden_capabilities)
        ));
    }
    Some(Forbidden::new(
        "unrestricted capabilities",
        details.join("; "),
        paths,
    ))
}

fn capabilities_restricted_v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    capabilities_restricted_v1_22(meta, spec)
}
