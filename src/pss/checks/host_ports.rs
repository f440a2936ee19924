//! Baseline check `hostPorts`: no container port may set a non-zero `hostPort`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{join_quote, pluralize};
use crate::pss::level::Level;
use crate::pss::visit::containers;

pub(super) static CHECK: Check = Check {
    id: CheckId::HostPorts,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: host_ports_v1_0,
        override_check_ids: &[],
    }],
};

fn host_ports_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    // Upstream keeps the ports as a set of decimal *strings*, so "12345" sorts before "8080".
    let mut bad_ports = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let mut container_is_bad = false;
        for (i, port) in c.ports.iter().enumerate() {
            if let Some(host_port) = port.host_port.filter(|p| *p != 0) {
                container_is_bad = true;
                bad_ports.insert(host_port.to_string());
                paths.push(c.path(&format!("ports[{i}].hostPort")));
            }
        }
        if container_is_bad {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let ports: Vec<&str> = bad_ports.iter().map(String::as_str).collect();
    Some(Forbidden::new(
        "hostPort",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", bad_containers.len()),
            join_quote(bad_containers.iter().copied()),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        paths,
    ))
}
