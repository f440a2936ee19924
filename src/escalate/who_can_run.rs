//! RBAC × Pod Security: who can get a pod of a given level admitted in each namespace. A
//! namespace admits the level when its enforce label (over the configured defaults) or an
//! exemption lets a pod of that level in; its subjects are those the authorizer allows to
//! `create` pods or a workload controller there (a controller's pods are admitted by the
//! same enforce level).

use std::collections::{BTreeMap, BTreeSet};

use super::admission::{Admitted, admits};
use super::caps::POD_CREATORS;
use super::graph::{BUILT_IN_NAMESPACES, subject_key};
use crate::index::entry::BindingId;
use crate::index::rbac_index::RbacIndex;
use crate::model::Action;
use crate::model::identity::SUPERUSER_GROUP;
use crate::pss::Level;
use crate::pss::admission::Admission;
use crate::pss::assess::namespace_labels;
use crate::rbac::authorize::binding_allows;

/// One binding that lets a subject create one kind of pod-running object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunGrant {
    pub binding: BindingId,
    pub rule: usize,
    /// `pods`, `deployments.apps`, ...
    pub resource: String,
}

/// A subject that can get the pod admitted, with every grant that lets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    /// `user:NAME`, `group:NAME`, `sa:NS/NAME`.
    pub subject: String,
    /// Empty for the superuser group.
    pub via: Vec<RunGrant>,
}

/// A namespace that admits the level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmittingNamespace {
    pub namespace: String,
    pub admitted: Admitted,
    pub runners: Vec<Runner>,
}

/// The answer for one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoCanRun {
    pub level: Level,
    pub namespaces: Vec<AdmittingNamespace>,
    /// Namespaces considered that reject the level.
    pub rejecting: Vec<String>,
}

/// The namespaces of the input plus those every cluster has.
pub fn considered_namespaces(index: &RbacIndex) -> BTreeSet<String> {
    let cluster = &index.cluster;
    let mut out: BTreeSet<String> = BUILT_IN_NAMESPACES.iter().map(|s| s.to_string()).collect();
    out.extend(
        cluster
            .namespaces
            .iter()
            .filter_map(|n| n.metadata.name.clone()),
    );
    out.extend(
        cluster
            .per_namespace
            .keys()
            .filter(|k| !k.is_empty())
            .cloned(),
    );
    out.extend(index.namespace_bindings.keys().cloned());
    out
}

fn resource_name(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// Who can run a pod of `level`, in `namespace` or in every namespace considered.
pub fn who_can_run(
    index: &RbacIndex,
    admission: &Admission,
    level: Level,
    namespace: Option<&str>,
) -> WhoCanRun {
    let labels = namespace_labels(&index.cluster);
    let namespaces: Vec<String> = match namespace {
        Some(ns) => vec![ns.to_string()],
        None => considered_namespaces(index).into_iter().collect(),
    };
    // A ClusterRoleBinding's rules do not depend on the namespace: check them once.
    let cluster_grants: Vec<(BindingId, usize, String)> = POD_CREATORS
        .iter()
        .flat_map(|(group, resource)| {
            let action = Action::resource("create", group, resource, "", "any", "");
            index
                .cluster_bindings
                .clone()
                .filter_map(move |id| {
                    binding_allows(index, id, &action)
                        .map(|rule| (id, rule, resource_name(group, resource)))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut result = WhoCanRun {
        level,
        namespaces: Vec::new(),
        rejecting: Vec::new(),
    };
    for ns in namespaces {
        let Some(admitted) = admits(admission, &ns, labels.get(&ns), level) else {
            result.rejecting.push(ns);
            continue;
        };
        let mut grants = cluster_grants.clone();
        if let Some(range) = index.namespace_bindings.get(&ns) {
            for (group, resource) in POD_CREATORS {
                let action = Action::resource("create", group, resource, "", &ns, "");
                for id in range.clone() {
                    if let Some(rule) = binding_allows(index, id, &action) {
                        grants.push((id, rule, resource_name(group, resource)));
                    }
                }
            }
        }
        let mut by_subject: BTreeMap<String, BTreeSet<RunGrant>> = BTreeMap::new();
        for (binding, rule, resource) in grants {
            let b = &index.bindings[binding];
            for s in &b.subjects {
                let Some(key) = subject_key(&s.kind, &s.name, s.namespace.as_deref(), &b.namespace)
                else {
                    continue;
                };
                let label = match key {
                    super::NodeKey::User(n) => format!("user:{n}"),
                    super::NodeKey::Group(n) => format!("group:{n}"),
                    super::NodeKey::ServiceAccount { namespace, name } => {
                        format!("sa:{namespace}/{name}")
                    }
                    _ => continue,
                };
                by_subject.entry(label).or_default().insert(RunGrant {
                    binding,
                    rule,
                    resource: resource.clone(),
                });
            }
        }
        let superuser = format!("group:{SUPERUSER_GROUP}");
        let mut runners = vec![Runner {
            subject: superuser.clone(),
            via: by_subject
                .remove(&superuser)
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }];
        runners.extend(by_subject.into_iter().map(|(subject, via)| Runner {
            subject,
            via: via.into_iter().collect(),
        }));
        result.namespaces.push(AdmittingNamespace {
            namespace: ns,
            admitted,
            runners,
        });
    }
    result
}
