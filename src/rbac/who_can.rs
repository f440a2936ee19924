//! Who can: the apiserver's subject locator (`AllowedSubjects`) and a deduplicated view of it.
//!
//! The locator lists `Group system:masters` (and a configured superuser), then every subject of
//! every ClusterRoleBinding whose role allows the action, then, for a namespaced action, every
//! subject of every RoleBinding of that namespace whose role allows it. Subjects are copied as
//! stored: not expanded, not filtered, not deduplicated (upstream returns the raw list). The
//! [`who_can`] view groups them per subject with every binding that grants it.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::Subject;

use super::authorize::binding_allows;
use super::request::{Action, SUPERUSER_GROUP};
use crate::graph::index::{BindingId, RbacIndex};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The raw subject locator answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedSubjects {
    pub subjects: Vec<Subject>,
    /// roleRef resolution errors met on the way (distinct, in visiting order).
    pub errors: Vec<String>,
}

/// AllowedSubjects as upstream computes it, with an optional superuser name.
pub fn allowed_subjects(
    index: &RbacIndex,
    action: &Action,
    super_user: Option<&str>,
) -> AllowedSubjects {
    let mut subjects = vec![rbac_subject("Group", SUPERUSER_GROUP)];
    if let Some(user) = super_user.filter(|u| !u.is_empty()) {
        subjects.push(rbac_subject("User", user));
    }
    let mut errors: Vec<String> = Vec::new();
    for id in granting_bindings_with_errors(index, action, &mut errors) {
        subjects.extend(index.bindings[id].subjects.iter().cloned());
    }
    AllowedSubjects { subjects, errors }
}

fn rbac_subject(kind: &str, name: &str) -> Subject {
    Subject {
        kind: kind.to_string(),
        name: name.to_string(),
        api_group: Some(RBAC_GROUP.to_string()),
        namespace: None,
    }
}

/// The bindings in scope whose roles allow the action, in visiting order; roleRef errors are
/// appended to `errors` (distinct). Each role is checked once however many bindings use it.
pub fn granting_bindings_with_errors(
    index: &RbacIndex,
    action: &Action,
    errors: &mut Vec<String>,
) -> Vec<BindingId> {
    // 0 = not checked yet, 1 = allows, 2 = does not.
    let mut role_allows = vec![0u8; index.roles.len()];
    let mut out = Vec::new();
    for id in index.bindings_in_scope(action.namespace()) {
        match &index.bindings[id].role {
            Err(e) => {
                if !errors.contains(e) {
                    errors.push(e.clone());
                }
            }
            Ok(role) => {
                if role_allows[*role] == 0 {
                    role_allows[*role] = if binding_allows(index, id, action).is_some() {
                        1
                    } else {
                        2
                    };
                }
                if role_allows[*role] == 1 {
                    out.push(id);
                }
            }
        }
    }
    out
}

/// A subject with every binding that grants it the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSubject {
    pub kind: String,
    pub name: String,
    /// As stored (for a RoleBinding's service account without a namespace, the binding's).
    pub namespace: String,
    /// Granting bindings in visiting order (the superuser group needs none).
    pub via: Vec<SubjectGrant>,
}

/// One binding granting one subject, with the effective rule of its role that allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectGrant {
    pub binding: BindingId,
    pub rule: usize,
}

/// The deduplicated who-can answer: the superuser group first, then subjects sorted by
/// (kind, namespace, name).
#[derive(Debug, Clone, PartialEq)]
pub struct WhoCan {
    pub subjects: Vec<AllowedSubject>,
    pub errors: Vec<String>,
}

/// Who can: one row per subject with every binding that grants it. `exclude_system` hides
/// subjects whose name starts with `system:` (service accounts of `kube-system` included).
pub fn who_can(index: &RbacIndex, action: &Action, exclude_system: bool) -> WhoCan {
    let mut errors = Vec::new();
    let mut rows: BTreeMap<(String, String, String), Vec<SubjectGrant>> = BTreeMap::new();
    for id in granting_bindings_with_errors(index, action, &mut errors) {
        let binding = &index.bindings[id];
        let Some(rule) = binding_allows(index, id, action) else {
            continue;
        };
        for s in &binding.subjects {
            let namespace = match (s.kind.as_str(), s.namespace.as_deref()) {
                ("ServiceAccount", Some(ns)) if !ns.is_empty() => ns.to_string(),
                ("ServiceAccount", _) => binding.namespace.clone(),
                _ => String::new(),
            };
            let via = rows
                .entry((s.kind.clone(), namespace, s.name.clone()))
                .or_default();
            if via.last().map(|g| g.binding) != Some(id) {
                via.push(SubjectGrant { binding: id, rule });
            }
        }
    }
    let mut subjects = Vec::new();
    // The superuser group comes first, with the bindings that also name it (cluster-admin).
    let superuser_via = rows
        .remove(&(
            "Group".to_string(),
            String::new(),
            SUPERUSER_GROUP.to_string(),
        ))
        .unwrap_or_default();
    if !exclude_system {
        subjects.push(AllowedSubject {
            kind: "Group".into(),
            name: SUPERUSER_GROUP.into(),
            namespace: String::new(),
            via: superuser_via,
        });
    }
    for ((kind, namespace, name), via) in rows {
        if exclude_system && is_system(&kind, &namespace, &name) {
            continue;
        }
        subjects.push(AllowedSubject {
            kind,
            name,
            namespace,
            via,
        });
    }
    WhoCan { subjects, errors }
}

fn is_system(kind: &str, namespace: &str, name: &str) -> bool {
    name.starts_with("system:") || (kind == "ServiceAccount" && namespace == "kube-system")
}
