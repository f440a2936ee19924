//! Which namespaces admit a pod of a given Pod Security level: the admission plugin's own
//! decision (namespace labels over the configured defaults, namespace and runtime-class
//! exemptions) for a representative pod of that level. The privileged pod is the node escape
//! of the escalation graph: host namespaces, a privileged container and the host's root
//! filesystem.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

use crate::pss::Level;
use crate::pss::admission::{Admission, AdmissionRequest, Exemption, RequestKind};

/// A pod that meets `level` and nothing stricter.
pub fn representative_pod(level: Level) -> PodSpec {
    let spec = match level {
        Level::Privileged => json!({
            "hostPID": true,
            "hostNetwork": true,
            "containers": [{
                "name": "root",
                "image": "busybox",
                "securityContext": {"privileged": true},
                "volumeMounts": [{"name": "host", "mountPath": "/host"}]
            }],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}]
        }),
        Level::Baseline => json!({
            "containers": [{"name": "app", "image": "busybox"}]
        }),
        Level::Restricted => json!({
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app",
                "image": "busybox",
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"]}
                }
            }]
        }),
    };
    // The literal above is a valid PodSpec.
    serde_json::from_value(spec).unwrap_or_default()
}

/// How a pod of some level gets admitted in a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// The namespace's effective enforce level-version, as the plugin reads it.
    pub enforce: String,
    /// Admitted only because of an exemption (namespace, or an exempt runtime class the pod
    /// names).
    pub exemption: Option<Exemption>,
    /// The exempt runtime class the pod must name, if that is what lets it in.
    pub runtime_class: Option<String>,
}

/// Whether the namespace admits a pod of `level` created by a controller or by a user who is
/// not exempt; `None` when it is rejected.
pub fn admits(
    admission: &Admission,
    namespace: &str,
    labels: Option<&BTreeMap<String, String>>,
    level: Level,
) -> Option<Admitted> {
    let meta = ObjectMeta::default();
    let mut spec = representative_pod(level);
    let decide = |spec: &PodSpec| {
        admission.admit(&AdmissionRequest {
            kind: RequestKind::Pod,
            name: "",
            namespace,
            namespace_labels: labels,
            username: None,
            meta: &meta,
            spec,
        })
    };
    let decision = decide(&spec);
    let enforce = decision.policy.enforce.to_string();
    if decision.allowed {
        return Some(Admitted {
            enforce,
            exemption: decision.exemption,
            runtime_class: None,
        });
    }
    for class in &admission.config.exemptions.runtime_classes {
        spec.runtime_class_name = Some(class.clone());
        let decision = decide(&spec);
        if decision.allowed {
            return Some(Admitted {
                enforce,
                exemption: decision.exemption,
                runtime_class: Some(class.clone()),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::level_met;
    use crate::pss::{Level, Version};

    #[test]
    fn each_representative_pod_meets_exactly_its_level() {
        for level in Level::ALL {
            let met = level_met(
                Version::Latest,
                &ObjectMeta::default(),
                &representative_pod(level),
            );
            assert_eq!(met.level, level);
        }
    }

    #[test]
    fn labels_decide_and_exemptions_override() {
        let admission = Admission::default();
        let restricted: BTreeMap<String, String> = [(
            "pod-security.kubernetes.io/enforce".to_string(),
            "baseline".to_string(),
        )]
        .into();
        assert!(admits(&admission, "a", None, Level::Privileged).is_some());
        assert!(admits(&admission, "a", Some(&restricted), Level::Privileged).is_none());
        assert!(admits(&admission, "a", Some(&restricted), Level::Baseline).is_some());
        let mut exempt = Admission::default();
        exempt.config.exemptions.runtime_classes = vec!["kata".into()];
        let how = admits(&exempt, "a", Some(&restricted), Level::Privileged).unwrap();
        assert_eq!(how.runtime_class.as_deref(), Some("kata"));
        exempt.config.exemptions.namespaces = vec!["a".into()];
        let how = admits(&exempt, "a", Some(&restricted), Level::Privileged).unwrap();
        assert_eq!(how.exemption, Some(Exemption::Namespace));
    }
}
