//! Access matrices, like rakkess: resources × verbs for one subject, or subjects × resources for
//! one verb, in a namespace or cluster-wide. Every cell is one [`authorize`] decision; rows are
//! computed in parallel and kept in input order, so the result never depends on threads.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::authorize::authorize;
use super::query::SubjectSpec;
use crate::index::catalog::{Catalog, ResolvedResource};
use crate::index::rbac_index::RbacIndex;
use crate::model::identity::UserInfo;
use crate::model::{Action, Request};

/// The verbs rakkess shows by default, plus the rest of the standard resource verbs.
pub const DEFAULT_VERBS: &[&str] = super::query::STANDARD_VERBS;

/// A grid of decisions: `cells[row][column]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<bool>>,
}

fn action(verb: &str, r: &ResolvedResource, namespace: &str) -> Action {
    Action::resource(verb, &r.group, &r.resource, &r.subresource, namespace, "")
}

/// `group/resource` label of a resolved resource (`deployments.apps`, `pods/log`).
pub fn resource_label(r: &ResolvedResource) -> String {
    let mut s = r.resource.clone();
    if !r.group.is_empty() {
        s.push('.');
        s.push_str(&r.group);
    }
    if !r.subresource.is_empty() {
        s.push('/');
        s.push_str(&r.subresource);
    }
    s
}

/// Resources × verbs for one user.
pub fn subject_matrix(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    resources: &[ResolvedResource],
    verbs: &[String],
) -> Matrix {
    let cells = resources
        .par_iter()
        .map(|r| {
            verbs
                .iter()
                .map(|v| {
                    let request = Request::new(user.clone(), action(v, r, namespace));
                    authorize(index, &request).allowed
                })
                .collect()
        })
        .collect();
    Matrix {
        rows: resources.iter().map(resource_label).collect(),
        columns: verbs.to_vec(),
        cells,
    }
}

/// Subjects × resources for one verb.
pub fn verb_matrix(
    index: &RbacIndex,
    subjects: &[SubjectSpec],
    namespace: &str,
    resources: &[ResolvedResource],
    verb: &str,
) -> Matrix {
    let cells = subjects
        .par_iter()
        .map(|s| {
            let user = s.user_info(&[]);
            resources
                .iter()
                .map(|r| {
                    let request = Request::new(user.clone(), action(verb, r, namespace));
                    authorize(index, &request).allowed
                })
                .collect()
        })
        .collect();
    Matrix {
        rows: subjects.iter().map(ToString::to_string).collect(),
        columns: resources.iter().map(resource_label).collect(),
        cells,
    }
}

/// The catalogue's main resources for a matrix: the namespaced ones for a namespace, all of
/// them cluster-wide; sorted by label.
pub fn default_resources(catalog: &Catalog, namespace: &str) -> Vec<ResolvedResource> {
    let mut out: Vec<ResolvedResource> = catalog
        .resources()
        .iter()
        .filter(|r| namespace.is_empty() || r.namespaced)
        .filter(|r| !(r.group.is_empty() && (r.plural == "users" || r.plural == "groups")))
        .map(|r| ResolvedResource {
            group: r.group.clone(),
            resource: r.plural.clone(),
            subresource: String::new(),
            namespaced: Some(r.namespaced),
        })
        .collect();
    out.sort_by_key(resource_label);
    out.dedup();
    out
}

/// Every subject named by a binding RBAC consults in `namespace`, sorted (service accounts
/// without a namespace take their RoleBinding's; unmatchable ones are left out).
pub fn bound_subjects(index: &RbacIndex, namespace: &str) -> Vec<SubjectSpec> {
    let mut out = BTreeSet::new();
    for id in index.bindings_in_scope(namespace) {
        let binding = &index.bindings[id];
        for s in &binding.subjects {
            let spec = match s.kind.as_str() {
                "User" => SubjectSpec::User(s.name.clone()),
                "Group" => SubjectSpec::Group(s.name.clone()),
                "ServiceAccount" => {
                    let ns = match s.namespace.as_deref() {
                        Some(ns) if !ns.is_empty() => ns.to_string(),
                        _ => binding.namespace.clone(),
                    };
                    if ns.is_empty() {
                        continue;
                    }
                    SubjectSpec::ServiceAccount {
                        namespace: ns,
                        name: s.name.clone(),
                    }
                }
                _ => continue,
            };
            out.insert(spec);
        }
    }
    out.into_iter().collect()
}
