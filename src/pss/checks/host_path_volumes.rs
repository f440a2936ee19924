//! Baseline check `hostPathVolumes`: no `hostPath` volumes (replaced at restricted by
//! `restrictedVolumes`).

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{join_quote, pluralize};
use crate::pss::level::Level;

pub(super) static CHECK: Check = Check {
    id: CheckId::HostPathVolumes,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: host_path_volumes_v1_0,
        override_check_ids: &[],
    }],
};

fn host_path_volumes_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_volumes = Vec::new();
    let mut paths = Vec::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        if volume.host_path.is_some() {
            bad_volumes.push(volume.name.as_str());
            paths.push(format!("spec.volumes[{i}].hostPath"));
        }
    }
    if bad_volumes.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", bad_volumes.len()),
            join_quote(bad_volumes.iter().copied())
        ),
        paths,
    ))
}
