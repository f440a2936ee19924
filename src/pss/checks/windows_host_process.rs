//! Baseline check `windowsHostProcess`: no Windows HostProcess containers, at pod or container
//! level.

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::pod_and_containers;
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::WindowsHostProcess,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: windows_host_process_v1_0,
        override_check_ids: &[],
    }],
};

fn is_host_process(options: Option<&WindowsSecurityContextOptions>) -> bool {
    options.and_then(|o| o.host_process) == Some(true)
}

fn windows_host_process_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut paths = Vec::new();
    let pod_options = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref());
    let pod_is_bad = is_host_process(pod_options);
    if pod_is_bad {
        paths.push("spec.securityContext.windowsOptions.hostProcess".to_owned());
    }
    let mut bad_containers = Vec::new();
    for c in containers(spec) {
        if is_host_process(
            c.security_context
                .and_then(|sc| sc.windows_options.as_ref()),
        ) {
            bad_containers.push(c.name);
            paths.push(c.path("securityContext.windowsOptions.hostProcess"));
        }
    }
    if !pod_is_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            pod_and_containers(pod_is_bad, &bad_containers)
        ),
        paths,
    ))
}
