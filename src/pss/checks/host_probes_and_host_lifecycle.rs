//! Baseline check `hostProbesAndHostLifecycle` (v1.34+): probes and lifecycle handlers may not
//! set `host` in `httpGet` or `tcpSocket` (any non-empty value, localhost included).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{HTTPGetAction, PodSpec, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{join_quote, pluralize};
use crate::pss::level::Level;
use crate::pss::visit::{ContainerRef, containers};

pub(super) static CHECK: Check = Check {
    id: CheckId::HostProbesAndHostLifecycle,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 34,
        check_pod: host_probes_and_host_lifecycle_v1_34,
        override_check_ids: &[],
    }],
};

/// The handlers of one container that can carry a host, with their path below the container.
fn handlers<'a>(
    c: &ContainerRef<'a>,
) -> [(
    &'static str,
    Option<&'a HTTPGetAction>,
    Option<&'a TCPSocketAction>,
); 5] {
    let probe = |p: Option<&'a k8s_openapi::api::core::v1::Probe>| {
        (
            p.and_then(|p| p.http_get.as_ref()),
            p.and_then(|p| p.tcp_socket.as_ref()),
        )
    };
    let (liveness_http, liveness_tcp) = probe(c.liveness_probe);
    let (readiness_http, readiness_tcp) = probe(c.readiness_probe);
    let (startup_http, startup_tcp) = probe(c.startup_probe);
    let post_start = c.lifecycle.and_then(|l| l.post_start.as_ref());
    let pre_stop = c.lifecycle.and_then(|l| l.pre_stop.as_ref());
    [
        ("livenessProbe", liveness_http, liveness_tcp),
        ("readinessProbe", readiness_http, readiness_tcp),
        ("startupProbe", startup_http, startup_tcp),
        (
            "lifecycle.postStart",
            post_start.and_then(|h| h.http_get.as_ref()),
            post_start.and_then(|h| h.tcp_socket.as_ref()),
        ),
        (
            "lifecycle.preStop",
            pre_stop.and_then(|h| h.http_get.as_ref()),
            pre_stop.and_then(|h| h.tcp_socket.as_ref()),
        ),
    ]
}

fn non_empty(host: Option<&String>) -> Option<&str> {
    host.map(String::as_str).filter(|h| !h.is_empty())
}

fn host_probes_and_host_lifecycle_v1_34(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    // Unlike every other check, upstream collects the containers in a sorted set here.
    let mut bad_containers = BTreeSet::new();
    let mut bad_hosts = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        for (handler, http_get, tcp_socket) in handlers(&c) {
            if let Some(host) = non_empty(http_get.and_then(|a| a.host.as_ref())) {
                bad_containers.insert(c.name);
                bad_hosts.insert(host);
                paths.push(c.path(&format!("{handler}.httpGet.host")));
            }
            if let Some(host) = non_empty(tcp_socket.and_then(|a| a.host.as_ref())) {
                bad_containers.insert(c.name);
                bad_hosts.insert(host);
                paths.push(c.path(&format!("{handler}.tcpSocket.host")));
            }
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", bad_containers.len()),
            join_quote(bad_containers.iter().copied()),
            pluralize("uses", "use", bad_containers.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                bad_hosts.len()
            ),
            join_quote(bad_hosts.iter().copied())
        ),
        paths,
    ))
}
