//! The resource catalogue: the standard API resources of Kubernetes v1.37 (what discovery
//! would list) plus the CustomResourceDefinitions of the input, so that `po`, `deploy` or
//! `Deployment` resolve to `pods` / `deployments.apps` the way `kubectl auth can-i` resolves
//! them. RBAC itself compares strings, so a fully qualified `resource.group` is taken as
//! written even when no such resource exists.
#![doc(hidden)]

use thiserror::Error;

use crate::model::CustomResource;

/// One API resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub subresources: Vec<String>,
    /// True for resources from the input's CRDs.
    pub custom: bool,
}

impl ApiResource {
    /// `plural.group`, or `plural` for the core group.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    fn answers_to(&self, lower: &str) -> bool {
        self.plural == lower
            || self.singular == lower
            || self.kind.to_ascii_lowercase() == lower
            || self.short_names.iter().any(|s| s == lower)
    }
}

/// A resource name the catalogue cannot resolve to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Error, miette::Diagnostic)]
pub enum CatalogError {
    #[error(
        "the server doesn't have a resource type '{name}'{}",
        did_you_mean(candidates)
    )]
    Unknown {
        name: String,
        candidates: Vec<String>,
    },
    #[error("resource '{name}' is ambiguous; write one of: {}", candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

fn did_you_mean(candidates: &[String]) -> String {
    if candidates.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", candidates.join(", "))
    }
}

/// A resource as the authorizer will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedResource {
    pub group: String,
    pub resource: String,
    pub subresource: String,
    /// Whether the resource is namespaced, when the catalogue knows it.
    pub namespaced: Option<bool>,
}

/// A resolved resource with kubectl-style warnings (`resource 'nodes' is not namespace scoped`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub resource: ResolvedResource,
    pub warnings: Vec<String>,
    /// CRDs (`plural.group`) that share the bare name resolved to a built-in resource: kubectl
    /// answers for the built-in, and a CRD must be named with its group.
    pub shadowed: Vec<String>,
}

/// The built-in resources and the input's CRDs.
#[derive(Debug, Clone)]
pub struct Catalog {
    resources: Vec<ApiResource>,
}

type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
    &'static [&'static str],
);

/// (group, plural, singular, kind, short names, namespaced, subresources), in discovery order
/// (the core group first, which is how kubectl prefers `events` over `events.events.k8s.io`).
const BUILT_IN: &[Row] = &[
    ("", "bindings", "binding", "Binding", &[], true, &[]),
    (
        "",
        "componentstatuses",
        "componentstatus",
        "ComponentStatus",
        &["cs"],
        false,
        &[],
    ),
    (
        "",
        "configmaps",
        "configmap",
        "ConfigMap",
        &["cm"],
        true,
        &[],
    ),
    (
        "",
        "endpoints",
        "endpoints",
        "Endpoints",
        &["ep"],
        true,
        &[],
    ),
    ("", "events", "event", "Event", &["ev"], true, &[]),
    (
        "",
        "limitranges",
        "limitrange",
        "LimitRange",
        &["limits"],
        true,
        &[],
    ),
    (
        "",
        "namespaces",
        "namespace",
        "Namespace",
        &["ns"],
        false,
        &["finalize", "status"],
    ),
    (
        "",
        "nodes",
        "node",
        "Node",
        &["no"],
        false,
        &["proxy", "status"],
    ),
    (
        "",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        &["pvc"],
        true,
        &["status"],
    ),
    (
        "",
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        &["pv"],
        false,
        &["status"],
    ),
    (
        "",
        "pods",
        "pod",
        "Pod",
        &["po"],
        true,
        &[
            "attach",
            "binding",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "proxy",
            "resize",
            "status",
        ],
    ),
    (
        "",
        "podtemplates",
        "podtemplate",
        "PodTemplate",
        &[],
        true,
        &[],
    ),
    (
        "",
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        &["rc"],
        true,
        &["scale", "status"],
    ),
    (
        "",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        &["quota"],
        true,
        &["status"],
    ),
    ("", "secrets", "secret", "Secret", &[], true, &[]),
    (
        "",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        &["sa"],
        true,
        &["token"],
    ),
    (
        "",
        "services",
        "service",
        "Service",
        &["svc"],
        true,
        &["proxy", "status"],
    ),
    // Not discoverable, but authorized for impersonation; kubectl knows them without warning.
    ("", "users", "user", "User", &[], false, &[]),
    ("", "groups", "group", "Group", &[], false, &[]),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicy",
        "MutatingAdmissionPolicy",
        &[],
        false,
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
        "mutatingadmissionpolicybinding",
        "MutatingAdmissionPolicyBinding",
        &[],
        false,
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        &[],
        false,
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        "validatingadmissionpolicy",
        "ValidatingAdmissionPolicy",
        &[],
        false,
        &["status"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding",
        "ValidatingAdmissionPolicyBinding",
        &[],
        false,
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        &[],
        false,
        &[],
    ),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        &["crd", "crds"],
        false,
        &["status"],
    ),
    (
        "apiregistration.k8s.io",
        "apiservices",
        "apiservice",
        "APIService",
        &[],
        false,
        &["status"],
    ),
    (
        "apps",
        "controllerrevisions",
        "controllerrevision",
        "ControllerRevision",
        &[],
        true,
        &[],
    ),
    (
        "apps",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        &["ds"],
        true,
        &["status"],
    ),
    (
        "apps",
        "deployments",
        "deployment",
        "Deployment",
        &["deploy"],
        true,
        &["scale", "status"],
    ),
    (
        "apps",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        &["rs"],
        true,
        &["scale", "status"],
    ),
    (
        "apps",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        &["sts"],
        true,
        &["scale", "status"],
    ),
    (
        "authentication.k8s.io",
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
        &[],
        false,
        &[],
    ),
    (
        "authentication.k8s.io",
        "tokenreviews",
        "tokenreview",
        "TokenReview",
        &[],
        false,
        &[],
    ),
    (
        "authentication.k8s.io",
        "userextras",
        "userextra",
        "UserExtra",
        &[],
        false,
        &[],
    ),
    (
        "authentication.k8s.io",
        "uids",
        "uid",
        "UID",
        &[],
        false,
        &[],
    ),
    (
        "authorization.k8s.io",
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        "LocalSubjectAccessReview",
        &[],
        true,
        &[],
    ),
    (
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        &[],
        false,
        &[],
    ),
    (
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        &[],
        false,
        &[],
    ),
    (
        "authorization.k8s.io",
        "subjectaccessreviews",
        "subjectaccessreview",
        "SubjectAccessReview",
        &[],
        false,
        &[],
    ),
    (
        "autoscaling",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        &["hpa"],
        true,
        &["status"],
    ),
    (
        "batch",
        "cronjobs",
        "cronjob",
        "CronJob",
        &["cj"],
        true,
        &["status"],
    ),
    ("batch", "jobs", "job", "Job", &[], true, &["status"]),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        "certificatesigningrequest",
        "CertificateSigningRequest",
        &["csr"],
        false,
        &["approval", "status"],
    ),
    (
        "certificates.k8s.io",
        "clustertrustbundles",
        "clustertrustbundle",
        "ClusterTrustBundle",
        &[],
        false,
        &[],
    ),
    (
        "certificates.k8s.io",
        "podcertificaterequests",
        "podcertificaterequest",
        "PodCertificateRequest",
        &[],
        true,
        &["status"],
    ),
    (
        "coordination.k8s.io",
        "leasecandidates",
        "leasecandidate",
        "LeaseCandidate",
        &[],
        true,
        &[],
    ),
    (
        "coordination.k8s.io",
        "leases",
        "lease",
        "Lease",
        &[],
        true,
        &[],
    ),
    (
        "discovery.k8s.io",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        &[],
        true,
        &[],
    ),
    (
        "events.k8s.io",
        "events",
        "event",
        "Event",
        &["ev"],
        true,
        &[],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "flowschemas",
        "flowschema",
        "FlowSchema",
        &[],
        false,
        &["status"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
        "prioritylevelconfiguration",
        "PriorityLevelConfiguration",
        &[],
        false,
        &["status"],
    ),
    (
        "networking.k8s.io",
        "ingressclasses",
        "ingressclass",
        "IngressClass",
        &[],
        false,
        &[],
    ),
    (
        "networking.k8s.io",
        "ingresses",
        "ingress",
        "Ingress",
        &["ing"],
        true,
        &["status"],
    ),
    (
        "networking.k8s.io",
        "ipaddresses",
        "ipaddress",
        "IPAddress",
        &["ip"],
        false,
        &[],
    ),
    (
        "networking.k8s.io",
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        &["netpol"],
        true,
        &[],
    ),
    (
        "networking.k8s.io",
        "servicecidrs",
        "servicecidr",
        "ServiceCIDR",
        &[],
        false,
        &["status"],
    ),
    (
        "node.k8s.io",
        "runtimeclasses",
        "runtimeclass",
        "RuntimeClass",
        &[],
        false,
        &[],
    ),
    (
        "policy",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        &["pdb"],
        true,
        &["status"],
    ),
    (
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        &[],
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        &[],
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        &[],
        true,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "roles",
        "role",
        "Role",
        &[],
        true,
        &[],
    ),
    (
        "resource.k8s.io",
        "deviceclasses",
        "deviceclass",
        "DeviceClass",
        &[],
        false,
        &[],
    ),
    (
        "resource.k8s.io",
        "devicetaintrules",
        "devicetaintrule",
        "DeviceTaintRule",
        &[],
        false,
        &["status"],
    ),
    (
        "resource.k8s.io",
        "resourceclaims",
        "resourceclaim",
        "ResourceClaim",
        &[],
        true,
        &["status"],
    ),
    (
        "resource.k8s.io",
        "resourceclaimtemplates",
        "resourceclaimtemplate",
        "ResourceClaimTemplate",
        &[],
        true,
        &[],
    ),
    (
        "resource.k8s.io",
        "resourceslices",
        "resourceslice",
        "ResourceSlice",
        &[],
        false,
        &[],
    ),
    (
        "scheduling.k8s.io",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        &["pc"],
        false,
        &[],
    ),
    (
        "storage.k8s.io",
        "csidrivers",
        "csidriver",
        "CSIDriver",
        &[],
        false,
        &[],
    ),
    (
        "storage.k8s.io",
        "csinodes",
        "csinode",
        "CSINode",
        &[],
        false,
        &[],
    ),
    (
        "storage.k8s.io",
        "csistoragecapacities",
        "csistoragecapacity",
        "CSIStorageCapacity",
        &[],
        true,
        &[],
    ),
    (
        "storage.k8s.io",
        "storageclasses",
        "storageclass",
        "StorageClass",
        &["sc"],
        false,
        &[],
    ),
    (
        "storage.k8s.io",
        "volumeattachments",
        "volumeattachment",
        "VolumeAttachment",
        &[],
        false,
        &["status"],
    ),
    (
        "storage.k8s.io",
        "volumeattributesclasses",
        "volumeattributesclass",
        "VolumeAttributesClass",
        &["vac"],
        false,
        &[],
    ),
];

impl Default for Catalog {
    fn default() -> Self {
        Self::new(&[])
    }
}

impl Catalog {
    /// The built-in resources plus these CRDs (a CRD for a built-in group/plural is ignored).
    pub fn new(custom: &[CustomResource]) -> Self {
        let mut resources: Vec<ApiResource> = BUILT_IN
            .iter()
            .map(
                |(group, plural, singular, kind, shorts, namespaced, subs)| ApiResource {
                    group: (*group).to_string(),
                    plural: (*plural).to_string(),
                    singular: (*singular).to_string(),
                    kind: (*kind).to_string(),
                    short_names: shorts.iter().map(|s| (*s).to_string()).collect(),
                    namespaced: *namespaced,
                    subresources: subs.iter().map(|s| (*s).to_string()).collect(),
                    custom: false,
                },
            )
            .collect();
        for crd in custom {
            if resources
                .iter()
                .any(|r| r.group == crd.group && r.plural == crd.plural)
            {
                continue;
            }
            resources.push(ApiResource {
                group: crd.group.clone(),
                plural: crd.plural.clone(),
                singular: if crd.singular.is_empty() {
                    crd.kind.to_ascii_lowercase()
                } else {
                    crd.singular.clone()
                },
                kind: crd.kind.clone(),
                short_names: crd.short_names.clone(),
                namespaced: crd.namespaced,
                subresources: vec!["scale".into(), "status".into()],
                custom: true,
            });
        }
        Self { resources }
    }

    /// A catalogue of exactly these resources, in this (discovery) order: for fixtures that
    /// model another server's discovery.
    pub fn from_resources(resources: Vec<ApiResource>) -> Self {
        Self { resources }
    }

    pub fn resources(&self) -> &[ApiResource] {
        &self.resources
    }

    /// The resource at `group`/`plural`, if known.
    pub fn get(&self, group: &str, plural: &str) -> Option<&ApiResource> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.plural == plural)
    }

    /// Resolves a resource as written (`po`, `Deployment`, `deploy.apps`, `widgets.example.com`,
    /// `*`) for a request in `namespace`, with kubectl's warnings.
    pub fn resolve(
        &self,
        resource: &str,
        group: Option<&str>,
        subresource: &str,
        namespace: &str,
    ) -> Result<Resolution, CatalogError> {
        if resource == "*" {
            // kubectl sends `*` as written: the core group only, unless a group is given.
            return Ok(Resolution {
                resource: ResolvedResource {
                    group: group.unwrap_or("").to_string(),
                    resource: "*".into(),
                    subresource: subresource.to_string(),
                    namespaced: None,
                },
                warnings: Vec::new(),
                shadowed: Vec::new(),
            });
        }
        let lower = resource.to_ascii_lowercase();
        let found: Option<&ApiResource> = match group {
            Some(g) => self
                .resources
                .iter()
                .find(|r| r.group == g && r.answers_to(&lower)),
            None => Some(self.resolve_bare(resource, &lower)?),
        };
        let resolved = match (found, group) {
            (Some(r), _) => ResolvedResource {
                group: r.group.clone(),
                resource: r.plural.clone(),
                subresource: subresource.to_string(),
                namespaced: Some(r.namespaced),
            },
            // Fully qualified and unknown: RBAC compares strings, so ask as written.
            (None, g) => ResolvedResource {
                group: g.unwrap_or("").to_string(),
                resource: resource.to_string(),
                subresource: subresource.to_string(),
                namespaced: None,
            },
        };
        let mut warnings = Vec::new();
        if let Some(r) = found {
            if !namespace.is_empty() && !r.namespaced {
                warnings.push(format!("resource '{}' is not namespace scoped", r.plural));
            }
            if !subresource.is_empty()
                && !r.custom
                && !r.subresources.iter().any(|s| s == subresource)
            {
                warnings.push(format!(
                    "{} has no subresource '{}' in Kubernetes v1.37",
                    r.qualified(),
                    subresource
                ));
            }
        }
        let shadowed = match (found, group) {
            (Some(r), None) if !r.custom => self
                .resources
                .iter()
                .filter(|c| c.custom && c.answers_to(&lower))
                .map(ApiResource::qualified)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Resolution {
            resource: resolved,
            warnings,
            shadowed,
        })
    }

    fn resolve_bare(&self, written: &str, lower: &str) -> Result<&ApiResource, CatalogError> {
        let matches: Vec<&ApiResource> = self
            .resources
            .iter()
            .filter(|r| r.answers_to(lower))
            .collect();
        let Some(first) = matches.first() else {
            return Err(CatalogError::Unknown {
                name: written.to_string(),
                candidates: self.similar(lower),
            });
        };
        // Among built-ins kubectl's discovery order decides (core `events` first), and the
        // built-in groups come before every CRD's (kubectl's priority RESTMapper), so a name a
        // CRD shares with a built-in means the built-in. Two CRDs sharing it are ambiguous.
        if first.custom && matches.len() > 1 {
            let mut candidates: Vec<String> = matches.iter().map(|r| r.qualified()).collect();
            candidates.sort();
            candidates.dedup();
            return Err(CatalogError::Ambiguous {
                name: written.to_string(),
                candidates,
            });
        }
        Ok(first)
    }

    /// Resource names within two edits of `lower`, or sharing its first four letters.
    fn similar(&self, lower: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .resources
            .iter()
            .filter(|r| {
                std::iter::once(&r.plural)
                    .chain(std::iter::once(&r.singular))
                    .chain(r.short_names.iter())
                    .any(|n| {
                        strsim::levenshtein(n, lower) <= 2
                            || (lower.len() >= 4 && n.starts_with(&lower[..4]))
                    })
            })
            .map(ApiResource::qualified)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl CatalogError {
    /// What kubectl would still send: the resource as written, in the core group.
    pub fn fallback(&self, subresource: &str) -> ResolvedResource {
        let name = match self {
            CatalogError::Unknown { name, .. } | CatalogError::Ambiguous { name, .. } => name,
        };
        ResolvedResource {
            group: String::new(),
            resource: name.clone(),
            subresource: subresource.to_string(),
            namespaced: None,
        }
    }
}
