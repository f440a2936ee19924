//! Restricted check `restrictedVolumes`: only ephemeral and API-projected volume types
//! (configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected,
//! secret). Upstream allows `image` retroactively in every version. Replaces `hostPathVolumes`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckId, VersionedCheck};
use crate::pss::forbidden::Forbidden;
use crate::pss::format::{join_quote, pluralize};
use crate::pss::level::Level;

pub(super) static CHECK: Check = Check {
    id: CheckId::RestrictedVolumes,
    level: Level::Restricted,
    versions: &[VersionedCheck {
        minimum_minor: 0,
        check_pod: restricted_volumes_v1_0,
        override_check_ids: &[CheckId::HostPathVolumes],
    }],
};

fn has_allowed_source(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some()
}

/// The first restricted source that is set, in upstream's order; `unknown` when none is (a
/// volume with no source at all, which the API server would have defaulted to emptyDir).
fn restricted_type(v: &Volume) -> &'static str {
    let candidates = [
        (v.host_path.is_some(), "hostPath"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephfs"),
        (v.flocker.is_some(), "flocker"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageos"),
    ];
    candidates
        .iter()
        .find(|(set, _)| *set)
        .map_or("unknown", |(_, name)| name)
}

fn restricted_volumes_v1_0(_meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_volumes = Vec::new();
    let mut bad_types = BTreeSet::new();
    let mut paths = Vec::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        if has_allowed_source(volume) {
            continue;
        }
        let volume_type = restricted_type(volume);
        bad_volumes.push(volume.name.as_str());
        bad_types.insert(volume_type);
        paths.push(if volume_type == "unknown" {
            format!("spec.volumes[{i}]")
        } else {
            format!("spec.volumes[{i}].{volume_type}")
        });
    }
    if bad_volumes.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad_volumes.len()),
            join_quote(bad_volumes.iter().copied()),
            pluralize("uses", "use", bad_volumes.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                bad_types.len()
            ),
            join_quote(bad_types)
        ),
        paths,
    ))
}
