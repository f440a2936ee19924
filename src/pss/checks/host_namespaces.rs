//! Baseline check `hostNamespaces`: `hostNetwork`, `hostPID` and `hostIPC` must be false or unset.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::level::Level;

pub(super) static CHECK: Check = Check {
    id: CheckId::HostNamespaces,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: host_namespaces_v1_0,
        override_check_ids: &[],
    }],
};

fn host_namespaces_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    // Upstream's order: network, PID, IPC.
    let fields = [
        (spec.host_network, "hostNetwork"),
        (spec.host_pid, "hostPID"),
        (spec.host_ipc, "hostIPC"),
    ];
    if !fields.iter().any(|(value, _)| *value == Some(true)) {
        return None;
    }
    let mut details = Vec::new();
    let mut paths = Vec::new();
    for (value, name) in fields {
        if value == Some(true) {
            details.push(format!("{name}=true"));
            paths.push(format!("spec.{name}"));
        }
    }
    Some(Forbidden::new("host namespaces", details.join(", "), paths))
}
