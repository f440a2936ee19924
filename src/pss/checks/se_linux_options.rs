//! Baseline check `seLinuxOptions`: SELinux `type` must be one of the container types, and
//! `user` and `role` must be empty, at pod and container level. v1.31 also allows
//! `container_engine_t`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{join_quote, pluralize, pod_and_containers};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::SeLinuxOptions,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            minimum_minor: 0,
            check_pod: se_linux_options_v1_0,
            override_check_ids: &[],
        },
        VersionedCheck {
            minimum_minor: 31,
            check_pod: se_linux_options_v1_31,
            override_check_ids: &[],
        },
    ],
};

const TYPES_V1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_V1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn se_linux_options_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    se_linux_options(spec, TYPES_V1_0)
}

fn se_linux_options_v1_31(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    se_linux_options(spec, TYPES_V1_31)
}

/// Findings across all option objects; `set_user`/`set_role` are global, as upstream.
#[derive(Default)]
struct Findings<'a> {
    bad_types: BTreeSet<&'a str>,
    set_user: bool,
    set_role: bool,
    paths: Vec<String>,
}

impl<'a> Findings<'a> {
    /// Records the problems of one options object at `prefix`; true if it has any.
    fn inspect(&mut self, options: &'a SELinuxOptions, allowed: &[&str], prefix: &str) -> bool {
        let mut bad = false;
        let selinux_type = options.type_.as_deref().unwrap_or_default();
        if !allowed.contains(&selinux_type) {
            bad = true;
            self.bad_types.insert(selinux_type);
            self.paths.push(format!("{prefix}.type"));
        }
        if !options.user.as_deref().unwrap_or_default().is_empty() {
            bad = true;
            self.set_user = true;
            self.paths.push(format!("{prefix}.user"));
        }
        if !options.role.as_deref().unwrap_or_default().is_empty() {
            bad = true;
            self.set_role = true;
            self.paths.push(format!("{prefix}.role"));
        }
        bad
    }
}

fn se_linux_options(spec: &PodSpec, allowed: &[&str]) -> Option<Forbidden> {
    let mut findings = Findings::default();
    let mut pod_is_bad = false;
    let mut bad_containers = Vec::new();
    let pod_options = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref());
    if let Some(options) = pod_options {
        pod_is_bad = findings.inspect(options, allowed, "spec.securityContext.seLinuxOptions");
    }
    for c in containers(spec) {
        if let Some(options) = c
            .security_context
            .and_then(|sc| sc.se_linux_options.as_ref())
        {
            let prefix = c.path("securityContext.seLinuxOptions");
            if findings.inspect(options, allowed, &prefix) {
                bad_containers.push(c.name);
            }
        }
    }
    if !pod_is_bad && bad_containers.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !findings.bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", findings.bad_types.len()),
            join_quote(findings.bad_types.iter().copied())
        ));
    }
    if findings.set_user {
        data.push("user may not be set".to_owned());
    }
    if findings.set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Forbidden::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            pod_and_containers(pod_is_bad, &bad_containers),
            data.join("; ")
        ),
        findings.paths,
    ))
}
