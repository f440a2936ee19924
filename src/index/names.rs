//! The names that exist in what was loaded: verbs, namespaces, users, groups and service
//! accounts, so that a question about a name that exists nowhere (a typo, most often) is
//! flagged with the nearest name that does exist instead of being answered "no" — a `cannot`
//! gate over a misspelt name would otherwise always pass.
//!
//! A name exists when the input (and the built-in defaults merged into it) uses it: a verb of
//! kubectl's list or of any rule, a namespace of any object or binding plus the four every
//! cluster has, a user or group some binding names plus the apiserver's own groups, a service
//! account an object, binding or workload names plus every namespace's `default`.

use std::collections::BTreeSet;
use std::fmt;

use super::RbacIndex;
use crate::model::Cluster;
use crate::model::identity::{
    ANONYMOUS, AUTHENTICATED, SERVICE_ACCOUNTS, SUPERUSER_GROUP, UNAUTHENTICATED,
    service_account_namespace_group, split_service_account_user,
};

use crate::model::verbs::{STANDARD_VERBS, unknown_verb_warning};

/// The namespaces every cluster has, whether or not the manifests define them.
const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-node-lease", "kube-public", "kube-system"];

/// What kind of name was not found, in the order a question names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameKind {
    /// A user name.
    User,
    /// A group name.
    Group,
    /// A service account, as `NS/NAME`.
    ServiceAccount,
    /// A verb of a resource or non-resource request.
    Verb,
    /// A resource type, as `RESOURCE[.GROUP]`.
    Resource,
    /// A namespace.
    Namespace,
    /// A workload, as `KIND NS/NAME`.
    Workload,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            NameKind::Verb => "verb",
            NameKind::Resource => "resource",
            NameKind::Namespace => "namespace",
            NameKind::User => "user",
            NameKind::Group => "group",
            NameKind::ServiceAccount => "service account",
            NameKind::Workload => "workload",
        }
    }
}

/// A name used in a question that nothing loaded has, with the nearest one that exists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnknownName {
    /// What kind of name it is.
    pub kind: NameKind,
    /// As written (`NS/NAME` for a service account).
    pub name: String,
    /// The nearest existing name, written the same way.
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.kind.word();
        // Subjects are written as the language and the command line write them.
        let prefix = match self.kind {
            NameKind::User => "user:",
            NameKind::Group => "group:",
            NameKind::ServiceAccount => "sa:",
            _ => "",
        };
        match self.kind {
            NameKind::Verb | NameKind::Resource => write!(f, "unknown {what} `{}`", self.name)?,
            _ => write!(
                f,
                "{what} `{prefix}{}` appears nowhere in the input",
                self.name
            )?,
        }
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{prefix}{s}`?")?;
        }
        Ok(())
    }
}

/// The names that exist in one indexed input.
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    verbs: BTreeSet<String>,
    /// Resource names the rules grant (`pods` of `pods/log`), which exist even without a CRD.
    resources: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    /// `NS/NAME`.
    service_accounts: BTreeSet<String>,
    /// `KIND NS/NAME`, as the language writes a workload.
    workloads: BTreeSet<String>,
}

impl KnownNames {
    /// The names `index` (and the objects it was built from) uses.
    pub fn of(index: &RbacIndex) -> Self {
        let mut known = KnownNames::default();
        for role in index.roles.iter() {
            for rule in &role.rules {
                known.verbs.extend(rule.rule.verbs.iter().cloned());
                let resources = rule.rule.resources.iter().flatten();
                known.resources.extend(
                    resources.map(|r| r.split('/').next().unwrap_or(r).to_ascii_lowercase()),
                );
            }
            if !role.namespace.is_empty() {
                known.namespaces.insert(role.namespace.clone());
            }
        }
        for binding in &index.bindings {
            if !binding.namespace.is_empty() {
                known.namespaces.insert(binding.namespace.clone());
            }
            for s in &binding.subjects {
                match s.kind.as_str() {
                    "User" => match split_service_account_user(&s.name) {
                        Some((ns, name)) => known.add_service_account(ns, name),
                        None => {
                            known.users.insert(s.name.clone());
                        }
                    },
                    "Group" => {
                        known.groups.insert(s.name.clone());
                    }
                    "ServiceAccount" => {
                        let ns = s.namespace.as_deref().unwrap_or(&binding.namespace);
                        known.add_service_account(ns, &s.name);
                    }
                    _ => {}
                }
            }
        }
        known.add_objects(&index.cluster);
        known
    }

    /// The namespaces and service accounts of the objects alone (no RBAC index needed).
    pub fn of_objects(cluster: &Cluster) -> Self {
        let mut known = KnownNames::default();
        known.add_objects(cluster);
        known
    }

    fn add_objects(&mut self, cluster: &Cluster) {
        let known = self;
        known
            .namespaces
            .extend(SYSTEM_NAMESPACES.iter().map(|s| s.to_string()));
        known.namespaces.extend(
            cluster
                .per_namespace
                .keys()
                .filter(|ns| !ns.is_empty())
                .cloned(),
        );
        known.namespaces.extend(
            cluster
                .namespaces
                .iter()
                .filter_map(|n| n.object.metadata.name.clone()),
        );
        for sa in &cluster.service_accounts {
            let meta = &sa.object.metadata;
            if let (Some(ns), Some(name)) = (&meta.namespace, &meta.name) {
                known.add_service_account(ns, name);
            }
        }
        for w in &cluster.workloads {
            known.add_service_account(&w.namespace, &w.service_account);
            known
                .workloads
                .insert(format!("{} {}/{}", w.kind.word(), w.namespace, w.name));
        }
        let namespaces: Vec<String> = known.namespaces.iter().cloned().collect();
        for ns in &namespaces {
            known.add_service_account(ns, "default");
            known.groups.insert(service_account_namespace_group(ns));
        }
        known.users.insert(ANONYMOUS.to_string());
        known.groups.extend(
            [
                AUTHENTICATED,
                UNAUTHENTICATED,
                SUPERUSER_GROUP,
                SERVICE_ACCOUNTS,
            ]
            .map(str::to_string),
        );
    }

    fn add_service_account(&mut self, namespace: &str, name: &str) {
        self.service_accounts.insert(format!("{namespace}/{name}"));
        self.namespaces.insert(namespace.to_string());
    }

    /// A verb neither kubectl nor any loaded rule knows (`*` always exists).
    pub fn verb(&self, verb: &str, non_resource: bool) -> Option<UnknownName> {
        if verb == "*" || self.verbs.contains(verb) {
            return None;
        }
        unknown_verb_warning(verb, non_resource)?;
        let mut candidates: BTreeSet<&str> = self.verbs.iter().map(String::as_str).collect();
        candidates.extend(STANDARD_VERBS.iter().copied());
        Some(unknown(NameKind::Verb, verb, candidates))
    }

    /// Whether some rule grants a resource of this name (whatever the catalogue knows).
    pub fn resource_in_rules(&self, resource: &str) -> bool {
        self.resources.contains(&resource.to_ascii_lowercase())
    }

    /// A namespace no object, binding or service account of the input is in.
    pub fn namespace(&self, namespace: &str) -> Option<UnknownName> {
        if namespace.is_empty() || self.namespaces.contains(namespace) {
            return None;
        }
        Some(unknown(NameKind::Namespace, namespace, &self.namespaces))
    }

    /// A user no binding names.
    pub fn user(&self, user: &str) -> Option<UnknownName> {
        if let Some((ns, name)) = split_service_account_user(user) {
            return self.service_account(ns, name);
        }
        if self.users.contains(user) {
            return None;
        }
        Some(unknown(NameKind::User, user, &self.users))
    }

    /// A group no binding names (the apiserver's own groups always exist).
    pub fn group(&self, group: &str) -> Option<UnknownName> {
        if self.groups.contains(group) {
            return None;
        }
        Some(unknown(NameKind::Group, group, &self.groups))
    }

    /// A workload (`KIND NS/NAME`) the input does not hold.
    pub fn workload(&self, kind: &str, namespace: &str, name: &str) -> Option<UnknownName> {
        let written = format!("{kind} {namespace}/{name}");
        if self.workloads.contains(&written) {
            return None;
        }
        Some(unknown(NameKind::Workload, &written, &self.workloads))
    }

    /// A service account no object, binding or workload names.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<UnknownName> {
        let written = format!("{namespace}/{name}");
        if self.service_accounts.contains(&written) {
            return None;
        }
        Some(unknown(
            NameKind::ServiceAccount,
            &written,
            &self.service_accounts,
        ))
    }
}

fn unknown<S: AsRef<str>>(
    kind: NameKind,
    name: &str,
    candidates: impl IntoIterator<Item = S>,
) -> UnknownName {
    UnknownName {
        kind,
        name: name.to_string(),
        suggestion: nearest(name, candidates),
    }
}

/// The candidate nearest to `name` by edit distance, when it is close enough to be a typo
/// (at most 2 edits, and fewer than half the name).
pub fn nearest<S: AsRef<str>>(
    name: &str,
    candidates: impl IntoIterator<Item = S>,
) -> Option<String> {
    let limit = 2.min(name.chars().count().saturating_sub(1) / 2).max(1);
    candidates
        .into_iter()
        .filter(|c| c.as_ref() != name)
        .map(|c| {
            (
                strsim::osa_distance(c.as_ref(), name),
                c.as_ref().to_string(),
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_close_and_an_unrelated_name_is_not() {
        let known = ["payments", "monitoring", "kube-system"];
        assert_eq!(nearest("paymnets", known), Some("payments".into()));
        assert_eq!(nearest("ci", ["cii", "api"]), Some("cii".into()));
        assert_eq!(nearest("mallory", known), None);
        // Two letters are not "close" to anything two edits away.
        assert_eq!(nearest("ab", ["xy"]), None);
    }
}
