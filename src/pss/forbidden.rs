//! What a failing check reports: upstream's reason and detail for one check, plus the field
//! paths the finding is about. The checks produce it; `result` aggregates it into upstream's
//! texts.

/// Why one check disallowed a pod: upstream's reason and detail, plus the field paths the
/// finding is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Forbidden {
    /// Short reason, e.g. `host namespaces`. Never empty for the built-in checks.
    pub reason: &'static str,
    /// Upstream's detail text, e.g. `hostNetwork=true`; may be empty.
    pub detail: String,
    /// Field paths relative to the pod (or pod template) object, such as
    /// `spec.containers[1].securityContext.privileged`, `spec.volumes[0].hostPath` or
    /// `metadata.annotations["key"]`: dot-separated JSON field names, `[i]` for list items and
    /// `["key"]` for map keys. A path can name a field that is absent from the manifest when the
    /// finding is that a required setting is missing (e.g. `allowPrivilegeEscalation` unset);
    /// consumers should then point at the nearest existing ancestor.
    pub paths: Vec<String>,
}

impl Forbidden {
    pub(crate) fn new(reason: &'static str, detail: String, paths: Vec<String>) -> Self {
        Forbidden {
            reason,
            detail,
            paths,
        }
    }
}
