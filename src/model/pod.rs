//! Pods and pod templates as kubesim keeps them: the owner's names and the service account
//! its pods run as, with the pod itself held as the JSON of its typed metadata and spec and
//! decoded when a Pod Security check needs it. A typed `PodSpec` takes kilobytes per container
//! and volume even when almost every field is unset; its JSON takes what the manifest wrote.

use std::fmt;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::{Origin, WorkloadKind};

/// A Pod, or the pod template of a workload controller, reported under its owner.
#[derive(Clone)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    /// The service account its pods run as ([`pod_service_account`]).
    pub service_account: String,
    /// The JSON of [`WorkloadPod`].
    pod: Box<[u8]>,
    pub origin: Origin,
}

/// A workload's pod: its metadata (for a template, the template's metadata) and spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadPod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

impl Workload {
    pub fn new(
        kind: WorkloadKind,
        namespace: String,
        name: String,
        pod: &WorkloadPod,
        origin: Origin,
    ) -> Workload {
        Workload {
            kind,
            namespace,
            name,
            service_account: pod_service_account(&pod.spec),
            // Serializing typed values to JSON cannot fail: every key is a string.
            pod: serde_json::to_vec(pod)
                .expect("a pod serializes to JSON")
                .into_boxed_slice(),
            origin,
        }
    }

    /// The pod, decoded from its JSON: the same typed values it was made from.
    pub fn pod(&self) -> WorkloadPod {
        // `new` wrote the bytes from a `WorkloadPod`, and k8s-openapi reads what it writes.
        serde_json::from_slice(&self.pod).expect("a workload's pod reads back from its JSON")
    }
}

impl fmt::Debug for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workload")
            .field("kind", &self.kind)
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("service_account", &self.service_account)
            .field("pod", &self.pod())
            .field("origin", &self.origin)
            .finish()
    }
}

/// The service account a pod spec runs as: `serviceAccountName`, else the deprecated
/// `serviceAccount`, else `default`, as the apiserver's defaulting and ServiceAccount admission
/// set it.
pub fn pod_service_account(spec: &PodSpec) -> String {
    spec.service_account_name
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| spec.service_account.clone().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Container, SecurityContext, Volume};

    use super::*;

    #[test]
    fn a_pod_reads_back_as_it_was_made() {
        let pod = WorkloadPod {
            metadata: ObjectMeta {
                annotations: Some([("a".to_string(), "b".to_string())].into()),
                ..ObjectMeta::default()
            },
            spec: PodSpec {
                service_account: Some("old".into()),
                containers: vec![Container {
                    name: "c".into(),
                    security_context: Some(SecurityContext {
                        privileged: Some(true),
                        ..SecurityContext::default()
                    }),
                    ..Container::default()
                }],
                volumes: Some(vec![Volume {
                    name: "v".into(),
                    ..Volume::default()
                }]),
                ..PodSpec::default()
            },
        };
        let origin = Origin::at("f", 1, 1);
        let w = Workload::new(WorkloadKind::Pod, "ns".into(), "p".into(), &pod, origin);
        assert_eq!(w.pod(), pod);
        assert_eq!(w.service_account, "old");
    }

    #[test]
    fn the_service_account_defaults_as_the_apiserver_does() {
        let mut spec = PodSpec::default();
        assert_eq!(pod_service_account(&spec), "default");
        spec.service_account_name = Some(String::new());
        spec.service_account = Some("legacy".into());
        assert_eq!(pod_service_account(&spec), "legacy");
        spec.service_account_name = Some("new".into());
        assert_eq!(pod_service_account(&spec), "new");
    }
}
