//! Why a decision came out as it did. An allow lists every binding that grants the request
//! (binding → role → rule, the ClusterRole an aggregated rule came from, file:line of each).
//! A deny lists the near misses: the subject's bindings in scope whose roles lack the verb,
//! resource or group (saying which), grants that exist only in other namespaces, resourceNames
//! that do not match, roleRefs that point at nothing, and what was searched.
//!
//! Explanations are for people, not for the hot path: they may scan every namespace.

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::authorize::{Decision, Grant, all_grants, authorize, matching_bindings};
use super::matching::{
    api_group_matches, non_resource_url_matches, resource_matches_request, resource_name_matches,
    rule_allows, verb_matches,
};
use crate::index::entry::{BindingId, RoleId};
use crate::index::rbac_index::RbacIndex;
use crate::model::{Action, Request};

/// A part of a request a rule failed to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mismatch {
    Verb,
    ApiGroup,
    Resource,
    ResourceName,
    NonResourceUrl,
}

impl Mismatch {
    pub fn as_str(self) -> &'static str {
        match self {
            Mismatch::Verb => "verb",
            Mismatch::ApiGroup => "API group",
            Mismatch::Resource => "resource",
            Mismatch::ResourceName => "resource name",
            Mismatch::NonResourceUrl => "non-resource URL",
        }
    }
}

/// Something that almost granted the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NearMiss {
    /// The binding names the subject but its roleRef resolves to nothing.
    RoleNotFound { binding: BindingId, message: String },
    /// The binding's role has no rule for the request; `closest` is the rule that failed on
    /// the fewest parts (None when the role has no rules), `missing` those parts.
    Lacks {
        binding: BindingId,
        role: RoleId,
        closest: Option<usize>,
        missing: Vec<Mismatch>,
    },
    /// A rule matches everything but the object's name.
    ResourceNameMismatch {
        binding: BindingId,
        role: RoleId,
        rule: usize,
        names: Vec<String>,
    },
    /// A RoleBinding in another namespace grants the request there.
    OtherNamespace {
        binding: BindingId,
        role: RoleId,
        rule: usize,
    },
}

/// What a decision was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub decision: Decision,
    /// Every binding that grants the request, in visiting order (first = the reason's).
    pub via: Vec<Grant>,
    pub near_misses: Vec<NearMiss>,
    /// Bindings RBAC consults for this request (every ClusterRoleBinding, plus the
    /// RoleBindings of the request's namespace).
    pub bindings_in_scope: usize,
    /// Of those, the ones with a subject that applies to the user.
    pub bindings_of_subject: usize,
}

/// Decides the request and explains the decision.
pub fn explain(index: &RbacIndex, request: &Request) -> Explanation {
    let decision = authorize(index, request);
    let namespace = request.action.namespace();
    let mine = matching_bindings(index, &request.user, namespace);
    let via = all_grants(index, request);
    let mut near_misses = Vec::new();
    if via.is_empty() {
        for &id in &mine {
            near_misses.push(match &index.bindings[id].role {
                Err(message) => NearMiss::RoleNotFound {
                    binding: id,
                    message: message.clone(),
                },
                Ok(role) => closest_miss(index, id, *role, &request.action),
            });
        }
        near_misses.extend(other_namespace_grants(index, request));
    }
    Explanation {
        decision,
        via,
        near_misses,
        bindings_in_scope: index.bindings_in_scope(namespace).count(),
        bindings_of_subject: mine.len(),
    }
}

/// The parts of the action a rule does not match.
pub fn mismatches(rule: &PolicyRule, action: &Action) -> Vec<Mismatch> {
    let mut out = Vec::new();
    match action {
        Action::Resource(r) => {
            if !verb_matches(rule, &r.verb) {
                out.push(Mismatch::Verb);
            }
            if !api_group_matches(rule, &r.api_group) {
                out.push(Mismatch::ApiGroup);
            }
            if !resource_matches_request(rule, r) {
                out.push(Mismatch::Resource);
            }
            if !resource_name_matches(rule, &r.name) {
                out.push(Mismatch::ResourceName);
            }
        }
        Action::NonResource(n) => {
            if !verb_matches(rule, &n.verb) {
                out.push(Mismatch::Verb);
            }
            if !non_resource_url_matches(rule, &n.path) {
                out.push(Mismatch::NonResourceUrl);
            }
        }
    }
    out
}

fn closest_miss(index: &RbacIndex, binding: BindingId, role: RoleId, action: &Action) -> NearMiss {
    let mut best: Option<(usize, Vec<Mismatch>)> = None;
    for (k, rule) in index.roles[role].rules.iter().enumerate() {
        let missing = mismatches(&rule.rule, action);
        if best.as_ref().is_none_or(|(_, m)| missing.len() < m.len()) {
            best = Some((k, missing));
        }
    }
    match best {
        Some((k, missing)) if missing == [Mismatch::ResourceName] => {
            NearMiss::ResourceNameMismatch {
                binding,
                role,
                rule: k,
                names: index.roles[role].rules[k]
                    .rule
                    .resource_names
                    .clone()
                    .unwrap_or_default(),
            }
        }
        Some((k, missing)) => NearMiss::Lacks {
            binding,
            role,
            closest: Some(k),
            missing,
        },
        None => NearMiss::Lacks {
            binding,
            role,
            closest: None,
            missing: Vec::new(),
        },
    }
}

/// RoleBindings of the user outside the request's namespace that would grant the request
/// inside their own namespace. Non-resource requests never involve RoleBindings.
fn other_namespace_grants(index: &RbacIndex, request: &Request) -> Vec<NearMiss> {
    if matches!(request.action, Action::NonResource(_)) {
        return Vec::new();
    }
    let here = request.action.namespace();
    let user = &request.user;
    let mut ids: Vec<BindingId> = Vec::new();
    for (ns, subjects) in &index.namespace_subjects {
        if ns == here {
            continue;
        }
        if let Some(v) = subjects.users.get(user.name()) {
            ids.extend_from_slice(v);
        }
        for g in user.groups() {
            if let Some(v) = subjects.groups.get(g.as_str()) {
                ids.extend_from_slice(v);
            }
        }
        for key in user.service_account_keys() {
            if let Some(v) = subjects.service_accounts.get(key) {
                ids.extend_from_slice(v);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            let role = *index.bindings[id].role.as_ref().ok()?;
            let rule = index.roles[role]
                .rules
                .iter()
                .position(|r| rule_allows(&r.rule, &request.action))?;
            Some(NearMiss::OtherNamespace {
                binding: id,
                role,
                rule,
            })
        })
        .collect()
}
