//! The domain model: the typed Kubernetes objects kubesim reasons about, each with its origin,
//! gathered in one [`Cluster`] value. Pure data; no parsing and no printing.
#![doc(hidden)]

pub mod identity;
pub mod names;
pub mod pod;
pub mod request;
pub mod verbs;

pub use identity::UserInfo;
pub use pod::{Workload, WorkloadPod, pod_service_account};
pub use request::{Action, NonResourceAttributes, Request, ResourceAttributes};

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Namespace, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde::Serialize;

use crate::source::{Location, PathSegment};

/// Where an object was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The file (or `<stdin>`, or `<defaults:VERSION>` for built-in objects).
    pub file: Arc<str>,
    /// 0-based index of the document in the file.
    pub document: u32,
    /// Where inside a `kind: List` document the object is, if it was one of its items: the
    /// index in the List's `items`, then in a nested List's `items`, and so on.
    pub item: Option<Arc<[u32]>>,
    pub line: u32,
    pub column: u32,
    /// Byte offset of the document's text in the file, for field line lookups.
    pub offset: usize,
    /// How many lines of the file come before `offset`.
    pub offset_line: u32,
}

impl Origin {
    /// A place in a file that is not a manifest document (a `.ksim` statement, a test's
    /// object): the first document, no List item, no text offset.
    pub fn at(file: impl Into<Arc<str>>, line: u32, column: u32) -> Origin {
        Origin {
            file: file.into(),
            document: 0,
            item: None,
            line,
            column,
            offset: 0,
            offset_line: 0,
        }
    }

    /// The path from the document's root to the object: `items[i]`, for each List it is in.
    pub fn item_path(&self) -> impl Iterator<Item = PathSegment> + '_ {
        self.item
            .iter()
            .flat_map(|items| items.iter())
            .flat_map(|i| {
                [
                    PathSegment::Key("items".into()),
                    PathSegment::Index(*i as usize),
                ]
            })
    }

    pub fn location(&self) -> Location {
        Location::new(self.file.clone(), self.line, self.column)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", crate::source::file_name(&self.file), self.line)
    }
}

/// An object together with where it came from.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub object: T,
    pub origin: Origin,
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

/// The kinds of object that carry a pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    ReplicationController,
    PodTemplate,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 9] = [
        WorkloadKind::Pod,
        WorkloadKind::Deployment,
        WorkloadKind::ReplicaSet,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
        WorkloadKind::ReplicationController,
        WorkloadKind::PodTemplate,
    ];

    /// The object kind as written in manifests (`Deployment`).
    pub fn kind(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::PodTemplate => "PodTemplate",
        }
    }

    /// The lower-case word used in the language and in reports (`deployment`).
    pub fn word(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "pod",
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::ReplicaSet => "replicaset",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
            WorkloadKind::Job => "job",
            WorkloadKind::CronJob => "cronjob",
            WorkloadKind::ReplicationController => "replicationcontroller",
            WorkloadKind::PodTemplate => "podtemplate",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.word() == word || k.kind() == word)
    }

    /// The JSON path from the object's root to its pod template (empty for a Pod).
    pub fn template_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::Pod => &[],
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template"],
            WorkloadKind::PodTemplate => &["template"],
            _ => &["spec", "template"],
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The parts of a CustomResourceDefinition that name its resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomResource {
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub origin: Origin,
}

/// Every object kubesim evaluates, plus counts of the kinds it does not.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub roles: Vec<Located<Role>>,
    pub cluster_roles: Vec<Located<ClusterRole>>,
    pub role_bindings: Vec<Located<RoleBinding>>,
    pub cluster_role_bindings: Vec<Located<ClusterRoleBinding>>,
    pub service_accounts: Vec<Located<ServiceAccount>>,
    pub namespaces: Vec<Located<Namespace>>,
    /// Secrets with their `data` and `stringData` removed at load time.
    pub secrets: Vec<Located<Secret>>,
    pub workloads: Vec<Workload>,
    pub custom_resources: Vec<CustomResource>,
    /// Objects of kinds kubesim does not evaluate, counted by kind.
    pub skipped: BTreeMap<String, usize>,
    /// Objects per namespace and kind, for the inventory (cluster-scoped under `""`).
    pub per_namespace: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Cluster {
    /// Objects per kind among the evaluated kinds.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        let mut add = |kind: &str, n: usize| {
            if n > 0 {
                *counts.entry(kind.to_string()).or_insert(0) += n;
            }
        };
        add("Role", self.roles.len());
        add("ClusterRole", self.cluster_roles.len());
        add("RoleBinding", self.role_bindings.len());
        add("ClusterRoleBinding", self.cluster_role_bindings.len());
        add("ServiceAccount", self.service_accounts.len());
        add("Namespace", self.namespaces.len());
        add("Secret", self.secrets.len());
        add("CustomResourceDefinition", self.custom_resources.len());
        for w in &self.workloads {
            add(w.kind.kind(), 1);
        }
        counts
    }

    /// The origin of every object, kind by kind.
    pub fn origins_mut(&mut self) -> impl Iterator<Item = &mut Origin> {
        // Destructured in full so that a new kind of object cannot be forgotten here.
        let Cluster {
            roles,
            cluster_roles,
            role_bindings,
            cluster_role_bindings,
            service_accounts,
            namespaces,
            secrets,
            workloads,
            custom_resources,
            skipped: _,
            per_namespace: _,
        } = self;
        roles
            .iter_mut()
            .map(|o| &mut o.origin)
            .chain(cluster_roles.iter_mut().map(|o| &mut o.origin))
            .chain(role_bindings.iter_mut().map(|o| &mut o.origin))
            .chain(cluster_role_bindings.iter_mut().map(|o| &mut o.origin))
            .chain(service_accounts.iter_mut().map(|o| &mut o.origin))
            .chain(namespaces.iter_mut().map(|o| &mut o.origin))
            .chain(secrets.iter_mut().map(|o| &mut o.origin))
            .chain(workloads.iter_mut().map(|o| &mut o.origin))
            .chain(custom_resources.iter_mut().map(|o| &mut o.origin))
    }

    /// Appends every object of `other` (used to merge files and built-in defaults).
    pub fn extend(&mut self, other: Cluster) {
        self.roles.extend(other.roles);
        self.cluster_roles.extend(other.cluster_roles);
        self.role_bindings.extend(other.role_bindings);
        self.cluster_role_bindings
            .extend(other.cluster_role_bindings);
        self.service_accounts.extend(other.service_accounts);
        self.namespaces.extend(other.namespaces);
        self.secrets.extend(other.secrets);
        self.workloads.extend(other.workloads);
        self.custom_resources.extend(other.custom_resources);
        for (k, n) in other.skipped {
            *self.skipped.entry(k).or_insert(0) += n;
        }
        for (ns, kinds) in other.per_namespace {
            let entry = self.per_namespace.entry(ns).or_default();
            for (k, n) in kinds {
                *entry.entry(k).or_insert(0) += n;
            }
        }
    }
}

/// How serious a finding is: a policy's `severity`, and the rank the audit report gives what
/// it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicySeverity {
    Low,
    Medium,
    High,
    Critical,
}

impl PolicySeverity {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "low" => Some(PolicySeverity::Low),
            "medium" => Some(PolicySeverity::Medium),
            "high" => Some(PolicySeverity::High),
            "critical" => Some(PolicySeverity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PolicySeverity::Low => "low",
            PolicySeverity::Medium => "medium",
            PolicySeverity::High => "high",
            PolicySeverity::Critical => "critical",
        }
    }
}
