//! The API server's defaulting that runs before admission and changes PSS outcomes, applied as
//! an explicit step because manifests on disk are not defaulted.
//!
//! Only one rule is emulated: a volume with no source becomes `emptyDir: {}` (upstream
//! `SetDefaults_Volume`). Without it `restrictedVolumes` reports the volume as type `unknown`;
//! the upstream fixture `restrictedvolumes0` relies on it. Deliberately not emulated:
//! `hostPort = containerPort` under `hostNetwork: true` (adds a hostPort finding but never
//! changes a decision, and its application to pod templates depends on the release), and the
//! historical syncing of seccomp/AppArmor annotations with fields.

use std::borrow::Cow;

use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec, Volume};

/// True if the volume names any source; the API server defaults source-less volumes.
fn has_any_source(v: &Volume) -> bool {
    v.aws_elastic_block_store.is_some()
        || v.azure_disk.is_some()
        || v.azure_file.is_some()
        || v.cephfs.is_some()
        || v.cinder.is_some()
        || v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.fc.is_some()
        || v.flex_volume.is_some()
        || v.flocker.is_some()
        || v.gce_persistent_disk.is_some()
        || v.git_repo.is_some()
        || v.glusterfs.is_some()
        || v.host_path.is_some()
        || v.image.is_some()
        || v.iscsi.is_some()
        || v.nfs.is_some()
        || v.persistent_volume_claim.is_some()
        || v.photon_persistent_disk.is_some()
        || v.portworx_volume.is_some()
        || v.projected.is_some()
        || v.quobyte.is_some()
        || v.rbd.is_some()
        || v.scale_io.is_some()
        || v.secret.is_some()
        || v.storageos.is_some()
        || v.vsphere_volume.is_some()
}

/// The pod spec as the API server would hand it to admission. Borrows (no copy) unless a
/// default actually applies.
pub fn apply_apiserver_defaults(spec: &PodSpec) -> Cow<'_, PodSpec> {
    let needs_defaulting = spec.volumes.iter().flatten().any(|v| !has_any_source(v));
    if !needs_defaulting {
        return Cow::Borrowed(spec);
    }
    let mut defaulted = spec.clone();
    for volume in defaulted.volumes.iter_mut().flatten() {
        if !has_any_source(volume) {
            volume.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
    Cow::Owned(defaulted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourceless_volume_becomes_empty_dir_and_others_are_untouched() {
        let spec = PodSpec {
            volumes: Some(vec![
                Volume {
                    name: "bare".into(),
                    ..Volume::default()
                },
                Volume {
                    name: "secret".into(),
                    secret: Some(Default::default()),
                    ..Volume::default()
                },
            ]),
            ..PodSpec::default()
        };
        let defaulted = apply_apiserver_defaults(&spec);
        let volumes = defaulted.volumes.as_deref().unwrap_or_default();
        assert!(volumes[0].empty_dir.is_some());
        assert!(volumes[1].empty_dir.is_none());

        let clean = PodSpec::default();
        assert!(matches!(apply_apiserver_defaults(&clean), Cow::Borrowed(_)));
    }
}
