//! The index's entries: a Role or ClusterRole with its effective rules, and a RoleBinding or
//! ClusterRoleBinding with its roleRef resolved. Both the index and its compiled form are
//! made of these.
#![doc(hidden)]

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::model::Origin;

/// Role or ClusterRole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

impl BindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }
}

/// Index of a role in [`RbacIndex::roles`].
pub type RoleId = usize;
/// Index of a binding in [`RbacIndex::bindings`] (also its position in the visiting order).
pub type BindingId = usize;

/// One rule a role grants, with where it was written.
#[derive(Debug, Clone)]
pub struct EffectiveRule {
    pub rule: PolicyRule,
    /// The index of the rule in the role that wrote it.
    pub rule_index: usize,
    /// For a rule an aggregated ClusterRole gained from another ClusterRole: that role.
    pub aggregated_from: Option<RoleId>,
}

/// A Role or ClusterRole with its effective rules.
#[derive(Debug, Clone)]
pub struct IndexedRole {
    pub kind: RoleKind,
    /// `""` for ClusterRoles.
    pub namespace: String,
    pub name: String,
    pub origin: Origin,
    /// True when the rules come from aggregation rather than from the role's own `rules`.
    pub aggregated: bool,
    pub rules: Vec<EffectiveRule>,
}

/// A RoleBinding or ClusterRoleBinding with its roleRef resolved.
#[derive(Debug, Clone)]
pub struct IndexedBinding {
    pub kind: BindingKind,
    /// `""` for ClusterRoleBindings.
    pub namespace: String,
    pub name: String,
    pub origin: Origin,
    pub role_ref_kind: String,
    pub role_ref_name: String,
    /// The role the roleRef names, or the error the apiserver reports for it
    /// (`clusterrole.rbac.authorization.k8s.io "x" not found`).
    pub role: Result<RoleId, String>,
    pub subjects: Vec<Subject>,
}

impl IndexedBinding {
    /// A binding whose roleRef is resolved later, once every role is indexed.
    pub(super) fn unresolved(
        kind: BindingKind,
        namespace: String,
        meta: &ObjectMeta,
        role_ref: &RoleRef,
        subjects: Option<&[Subject]>,
        origin: &Origin,
    ) -> Self {
        IndexedBinding {
            kind,
            namespace,
            name: meta.name.clone().unwrap_or_default(),
            origin: origin.clone(),
            role_ref_kind: role_ref.kind.clone(),
            role_ref_name: role_ref.name.clone(),
            role: Err(String::new()),
            subjects: subjects.unwrap_or_default().to_vec(),
        }
    }
}
