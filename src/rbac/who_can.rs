//! Who can: the apiserver's subject locator (`AllowedSubjects`) and a deduplicated view of it.
//!
//! The locator lists `Group system:masters` (and a configured superuser), then every subject of
//! every ClusterRoleBinding whose role allows the action, then, for a namespaced action, every
//! subject of every RoleBinding of that namespace whose role allows it. Subjects are copied as
//! stored: not expanded, not filtered, not deduplicated (upstream returns the raw list). The
//! [`who_can`] view groups them per subject with every binding that grants it.

use k8s_openapi::api::rbac::v1::Subject;

use super::authorize::binding_allows;
use crate::index::compiled::subject_key;
use crate::index::entry::BindingId;
use crate::index::rbac_index::RbacIndex;
use crate::model::Action;
use crate::model::identity::SUPERUSER_GROUP;

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
    for (id, _) in granting_bindings_with_errors(index, action, &mut errors) {
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

/// The bindings in scope whose roles allow the action, in visiting order, each with the index
/// of its role's first allowing rule; roleRef errors are appended to `errors` (distinct). Each
/// role is checked once however many bindings use it.
pub fn granting_bindings_with_errors(
    index: &RbacIndex,
    action: &Action,
    errors: &mut Vec<String>,
) -> Vec<(BindingId, usize)> {
    let compiled = match action {
        Action::Resource(r) => index.compiled_rules.action(r),
        Action::NonResource(_) => None,
    };
    // Per role: the allowing rule + 1, or 0 when it does not allow; u32::MAX = not checked.
    let mut role_rule = vec![u32::MAX; index.roles.len()];
    let mut out = Vec::new();
    for id in index.bindings_in_scope(action.namespace()) {
        // The compact role table avoids touching each binding's record on the way.
        let Some(role) = index.compiled_subjects.role_of(offset(id)) else {
            if let Err(e) = &index.bindings[id].role
                && !errors.contains(e)
            {
                errors.push(e.clone());
            }
            continue;
        };
        if role_rule[role] == u32::MAX {
            let rule = match &compiled {
                Some(c) => index.compiled_rules.first_allowing(role, c),
                None => binding_allows(index, id, action),
            };
            role_rule[role] = rule.map_or(0, |k| u32::try_from(k + 1).unwrap_or(0));
        }
        if let Some(rule) = role_rule[role].checked_sub(1) {
            out.push((id, rule as usize));
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
    // (subject rank, binding, rule): ranks sort as subjects do, so one integer sort groups
    // the rows in report order.
    let compiled = &index.compiled_subjects;
    let mut hits: Vec<(u32, BindingId, usize)> = Vec::new();
    for (id, rule) in granting_bindings_with_errors(index, action, &mut errors) {
        hits.extend(
            compiled
                .subject_ranks(id)
                .iter()
                .map(|&rank| (rank, id, rule)),
        );
    }
    hits.sort_unstable();
    let mut rows: Vec<AllowedSubject> = Vec::new();
    let mut superuser_via = Vec::new();
    for group in hits.chunk_by(|a, b| a.0 == b.0) {
        let mut via: Vec<SubjectGrant> = Vec::with_capacity(group.len());
        for &(_, binding, rule) in group {
            if via.last().map(|g| g.binding) != Some(binding) {
                via.push(SubjectGrant { binding, rule });
            }
        }
        let (holder, k) = compiled.rank_holder(group[0].0);
        let b = &index.bindings[holder];
        let (kind, namespace, name) = subject_key(&b.subjects[k], &b.namespace);
        if (kind, namespace, name) == ("Group", "", SUPERUSER_GROUP) {
            // The superuser group comes first, with the bindings that also name it.
            superuser_via = via;
        } else if !(exclude_system && is_system(kind, namespace, name)) {
            rows.push(AllowedSubject {
                kind: kind.to_string(),
                name: name.to_string(),
                namespace: namespace.to_string(),
                via,
            });
        }
    }
    let mut subjects = Vec::with_capacity(rows.len() + 1);
    if !exclude_system {
        subjects.push(AllowedSubject {
            kind: "Group".into(),
            name: SUPERUSER_GROUP.into(),
            namespace: String::new(),
            via: superuser_via,
        });
    }
    subjects.extend(rows);
    WhoCan { subjects, errors }
}

fn offset(id: BindingId) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// What `--exclude-system` leaves out: a `system:` subject, or a service account of
/// `kube-system` (the cluster's own controllers).
pub fn is_system(kind: &str, namespace: &str, name: &str) -> bool {
    name.starts_with("system:") || (kind == "ServiceAccount" && namespace == "kube-system")
}
