//! Uniform, allocation-free iteration over a pod's containers in upstream's visit order
//! (`initContainers`, then `containers`, then `ephemeralContainers`), with the field path of
//! each container for violation locations.

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, PodSpec, Probe, SecurityContext,
};

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerList {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerList {
    const fn field_name(self) -> &'static str {
        match self {
            ContainerList::Init => "initContainers",
            ContainerList::Regular => "containers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The parts of a container (regular or ephemeral) that the checks read. Ephemeral containers
/// are a different API type with the same fields, and upstream checks them identically.
#[derive(Clone, Copy)]
pub(crate) struct ContainerRef<'a> {
    pub list: ContainerList,
    pub index: usize,
    pub name: &'a str,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub liveness_probe: Option<&'a Probe>,
    pub readiness_probe: Option<&'a Probe>,
    pub startup_probe: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
}

impl<'a> ContainerRef<'a> {
    fn from_container(list: ContainerList, index: usize, c: &'a Container) -> Self {
        ContainerRef {
            list,
            index,
            name: &c.name,
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }

    fn from_ephemeral(index: usize, c: &'a EphemeralContainer) -> Self {
        ContainerRef {
            list: ContainerList::Ephemeral,
            index,
            name: &c.name,
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }

    /// `spec.containers[1].<suffix>`; an empty suffix names the container itself.
    pub fn path(&self, suffix: &str) -> String {
        use std::fmt::Write as _;
        let field = self.list.field_name();
        // One allocation: "spec." + field + "[" + index (≤ 20 digits) + "]." + suffix.
        let mut path = String::with_capacity(field.len() + suffix.len() + 30);
        let _ = write!(path, "spec.{field}[{}]", self.index);
        if !suffix.is_empty() {
            path.push('.');
            path.push_str(suffix);
        }
        path
    }
}

/// Every container of the pod in upstream's visit order.
pub(crate) fn containers(spec: &PodSpec) -> impl Iterator<Item = ContainerRef<'_>> {
    let init = spec.init_containers.as_deref().unwrap_or_default();
    let ephemeral = spec.ephemeral_containers.as_deref().unwrap_or_default();
    init.iter()
        .enumerate()
        .map(|(i, c)| ContainerRef::from_container(ContainerList::Init, i, c))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| ContainerRef::from_container(ContainerList::Regular, i, c)),
        )
        .chain(
            ephemeral
                .iter()
                .enumerate()
                .map(|(i, c)| ContainerRef::from_ephemeral(i, c)),
        )
}
