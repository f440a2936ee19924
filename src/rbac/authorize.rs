//! The decision, exactly as kube-apiserver's authorizer chain makes it for RBAC: the
//! `system:masters` superuser group first, then the rules of every ClusterRoleBinding and (for
//! a namespaced request) every RoleBinding of the request's namespace, in the index's visiting
//! order, stopping at the first rule that allows. The reason strings are byte-identical to the
//! apiserver's.
//!
//! The hot path interns the request once and reads the index's integer subject table (the
//! user name, each group; cluster scope and the request's namespace) and integer rules (see
//! [`crate::index::compiled`]). Each binding list is sorted in visiting order, so the first
//! allowing binding of each list is found with an early exit and the smallest of those is the
//! one the apiserver would name. Nothing is allocated for an allow, nor for a deny unless some
//! matching binding's roleRef is broken. Requests the integer form cannot express (non-resource
//! URLs) take the same walk over the string subject maps and the string matcher.

use k8s_openapi::api::rbac::v1::Subject;

use super::matching::rule_allows;
use crate::index::compiled::{CompiledAction, NO_ROLE};
use crate::index::entry::{BindingId, BindingKind, RoleId};
use crate::index::rbac_index::{RbacIndex, SubjectIndex};
use crate::model::identity::{UserInfo, is_service_account_user};
use crate::model::{Action, Request};
use crate::source::go_quote;

/// The binding, subject and rule that allowed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub binding: BindingId,
    /// Index of the first subject of the binding that applies to the user.
    pub subject: usize,
    pub role: RoleId,
    /// Index of the rule among the role's effective rules (after aggregation).
    pub rule: usize,
}

/// The authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Allowed because the user is in `system:masters` (before RBAC is consulted).
    pub superuser: bool,
    /// The first allowing binding in visiting order (the one the reason names).
    pub grant: Option<Grant>,
    /// roleRef resolution errors of bindings that matched the user (only on a deny).
    pub errors: Vec<String>,
}

impl Decision {
    /// The reason string the apiserver returns (SubjectAccessReview `status.reason`).
    pub fn reason(&self, index: &RbacIndex) -> String {
        if let Some(grant) = &self.grant {
            return format!("RBAC: allowed by {}", describe_grant(index, grant));
        }
        match self.errors.len() {
            0 => String::new(),
            1 => format!("RBAC: {}", self.errors[0]),
            _ => format!("RBAC: [{}]", self.errors.join(", ")),
        }
    }
}

/// `ClusterRoleBinding "NAME" of ClusterRole "ROLE" to User "alice"`, or for a RoleBinding
/// `RoleBinding "NAME/NAMESPACE" of ...` (name first, as upstream prints it).
pub fn describe_grant(index: &RbacIndex, grant: &Grant) -> String {
    let binding = &index.bindings[grant.binding];
    let shown_name = match binding.kind {
        BindingKind::ClusterRoleBinding => binding.name.clone(),
        BindingKind::RoleBinding => format!("{}/{}", binding.name, binding.namespace),
    };
    let subject = binding
        .subjects
        .get(grant.subject)
        .map(|s| describe_subject(s, &binding.namespace))
        .unwrap_or_default();
    format!(
        "{} {} of {} {} to {}",
        binding.kind.as_str(),
        go_quote(&shown_name),
        binding.role_ref_kind,
        go_quote(&binding.role_ref_name),
        subject
    )
}

/// `User "alice"`, `Group "dev"`, `ServiceAccount "NAME/NAMESPACE"`.
pub fn describe_subject(subject: &Subject, binding_namespace: &str) -> String {
    if subject.kind == "ServiceAccount" {
        let ns = match subject.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns,
            _ => binding_namespace,
        };
        format!(
            "{} {}",
            subject.kind,
            go_quote(&format!("{}/{}", subject.name, ns))
        )
    } else {
        format!("{} {}", subject.kind, go_quote(&subject.name))
    }
}

/// appliesTo: whether a binding subject names this user, for a binding in `binding_namespace`
/// (`""` for ClusterRoleBindings).
pub fn subject_applies(subject: &Subject, user: &UserInfo, binding_namespace: &str) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user.name(),
        "Group" => user.groups().contains(&subject.name),
        "ServiceAccount" => {
            let ns = match subject.namespace.as_deref() {
                Some(ns) if !ns.is_empty() => ns,
                _ => binding_namespace,
            };
            if ns.is_empty() {
                return false;
            }
            is_service_account_user(user.name(), ns, &subject.name)
        }
        _ => false,
    }
}

/// The index of the first subject that applies, as the reason string reports it.
pub fn first_applying_subject(
    subjects: &[Subject],
    user: &UserInfo,
    binding_namespace: &str,
) -> Option<usize> {
    subjects
        .iter()
        .position(|s| subject_applies(s, user, binding_namespace))
}

/// Calls `visit` with every subject → bindings slice that can hold a binding of this user for
/// a request in `namespace`. Every binding in these slices has a subject that applies.
pub(crate) fn for_each_candidate_slice<'a>(
    index: &'a RbacIndex,
    user: &UserInfo,
    namespace: &str,
    mut visit: impl FnMut(&'a [BindingId]),
) {
    let mut scope = |subjects: &'a SubjectIndex| {
        if let Some(v) = subjects.users.get(user.name()) {
            visit(v);
        }
        for g in user.groups() {
            if let Some(v) = subjects.groups.get(g.as_str()) {
                visit(v);
            }
        }
        for key in user.service_account_keys() {
            if let Some(v) = subjects.service_accounts.get(key) {
                visit(v);
            }
        }
    };
    scope(&index.cluster_subjects);
    if !namespace.is_empty()
        && let Some(subjects) = index.namespace_subjects.get(namespace)
    {
        scope(subjects);
    }
}

/// The effective rule of the binding's role that allows the action, if any.
pub fn binding_allows(index: &RbacIndex, binding: BindingId, action: &Action) -> Option<usize> {
    match action {
        Action::Resource(r) => match index.compiled_rules.action(r) {
            Some(compiled) => role_allows_compiled(index, binding, &compiled),
            None => binding_allows_by_strings(index, binding, action),
        },
        Action::NonResource(_) => binding_allows_by_strings(index, binding, action),
    }
}

/// [`binding_allows`] for an action already interned.
pub fn role_allows_compiled(
    index: &RbacIndex,
    binding: BindingId,
    action: &CompiledAction,
) -> Option<usize> {
    let role = *index.bindings[binding].role.as_ref().ok()?;
    index.compiled_rules.first_allowing(role, action)
}

/// [`binding_allows`] with the string matcher.
fn binding_allows_by_strings(
    index: &RbacIndex,
    binding: BindingId,
    action: &Action,
) -> Option<usize> {
    let role = *index.bindings[binding].role.as_ref().ok()?;
    index.roles[role]
        .rules
        .iter()
        .position(|r| rule_allows(&r.rule, action))
}

/// Authorize: the apiserver's decision for this request (superuser group, then RBAC).
pub fn authorize(index: &RbacIndex, request: &Request) -> Decision {
    if request.user.is_superuser() {
        return Decision {
            allowed: true,
            superuser: true,
            grant: None,
            errors: Vec::new(),
        };
    }
    authorize_rbac(index, request)
}

/// The RBAC authorizer alone (no superuser shortcut): what `RBAC: ...` reasons come from.
pub fn authorize_rbac(index: &RbacIndex, request: &Request) -> Decision {
    let namespace = request.action.namespace();
    let compiled = match &request.action {
        Action::Resource(r) => index.compiled_rules.action(r),
        Action::NonResource(_) => None,
    };
    let found = match compiled {
        Some(action) => first_grant_compiled(index, &request.user, namespace, &action),
        None => first_grant_by_strings(index, request),
    };
    if let Some((binding, rule)) = found.best {
        let b = &index.bindings[binding];
        let subject = found
            .subject
            .or_else(|| first_applying_subject(&b.subjects, &request.user, &b.namespace))
            .unwrap_or_default();
        let role = *b.role.as_ref().unwrap_or(&0);
        return Decision {
            allowed: true,
            superuser: false,
            grant: Some(Grant {
                binding,
                subject,
                role,
                rule,
            }),
            errors: Vec::new(),
        };
    }
    let errors = if found.broken_role {
        resolution_errors(index, &request.user, namespace)
    } else {
        Vec::new()
    };
    Decision {
        allowed: false,
        superuser: false,
        grant: None,
        errors,
    }
}

/// What the walk over a user's bindings found.
struct FirstGrant {
    /// The first allowing (binding, rule) in visiting order.
    best: Option<(BindingId, usize)>,
    /// The index of the best binding's first subject that applies, when already known.
    subject: Option<usize>,
    /// Whether a binding of the user with a broken roleRef was met.
    broken_role: bool,
}

/// How many subject slots (the user name and its groups) a decision keeps on the stack; a
/// user with more groups than this names its subject with the string matcher.
const MAX_SLOTS: usize = 16;

/// [`FirstGrant`] over the integer tables.
fn first_grant_compiled(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    action: &CompiledAction,
) -> FirstGrant {
    let subjects = &index.compiled_subjects;
    let scope = if namespace.is_empty() {
        None
    } else {
        subjects.namespace(namespace)
    };
    let mut best: Option<(BindingId, usize)> = None;
    let mut broken_role = false;
    let mut visit = |list: &[(u32, u32)]| {
        for &(id, role) in list {
            let id = id as usize;
            if best.is_some_and(|(b, _)| id >= b) {
                break;
            }
            if role == NO_ROLE {
                broken_role = true;
            } else if let Some(rule) = index.compiled_rules.first_allowing(role as usize, action) {
                best = Some((id, rule));
                break;
            }
        }
    };
    let mut slots = [0u32; MAX_SLOTS];
    let mut slot_count = 0;
    let mut all_slots_kept = true;
    let names = std::iter::once(subjects.user(user.name()))
        .chain(user.groups().iter().map(|g| subjects.group(g)));
    for subject in names.flatten() {
        subjects.for_each_list(subject, scope, &mut visit);
        match slots.get_mut(slot_count) {
            Some(s) => {
                *s = subject.slot;
                slot_count += 1;
            }
            None => all_slots_kept = false,
        }
    }
    let subject = match best {
        Some((binding, _)) if all_slots_kept => {
            subjects.first_subject_in(binding, &slots[..slot_count])
        }
        _ => None,
    };
    FirstGrant {
        best,
        subject,
        broken_role,
    }
}

/// [`FirstGrant`] over the string maps and the string matcher.
fn first_grant_by_strings(index: &RbacIndex, request: &Request) -> FirstGrant {
    let mut best: Option<(BindingId, usize)> = None;
    let mut broken_role = false;
    for_each_candidate_slice(index, &request.user, request.action.namespace(), |ids| {
        for &id in ids {
            if best.is_some_and(|(b, _)| id >= b) {
                break;
            }
            match binding_allows_by_strings(index, id, &request.action) {
                Some(rule) => {
                    best = Some((id, rule));
                    break;
                }
                None => broken_role |= index.bindings[id].role.is_err(),
            }
        }
    });
    FirstGrant {
        best,
        subject: None,
        broken_role,
    }
}

/// The bindings of this user in scope for `namespace`, in visiting order, without duplicates.
pub fn matching_bindings(index: &RbacIndex, user: &UserInfo, namespace: &str) -> Vec<BindingId> {
    let mut ids = Vec::new();
    for_each_candidate_slice(index, user, namespace, |v| ids.extend_from_slice(v));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The distinct roleRef errors of the user's bindings in scope, in visiting order.
pub fn resolution_errors(index: &RbacIndex, user: &UserInfo, namespace: &str) -> Vec<String> {
    let mut errors: Vec<String> = Vec::new();
    for id in matching_bindings(index, user, namespace) {
        if let Err(e) = &index.bindings[id].role
            && !errors.contains(e)
        {
            errors.push(e.clone());
        }
    }
    errors
}

/// Every binding that allows the request, in visiting order, each with its first allowing
/// rule (the first is the one the reason names). Empty for the superuser shortcut.
pub fn all_grants(index: &RbacIndex, request: &Request) -> Vec<Grant> {
    matching_bindings(index, &request.user, request.action.namespace())
        .into_iter()
        .filter_map(|id| {
            let rule = binding_allows(index, id, &request.action)?;
            let b = &index.bindings[id];
            Some(Grant {
                binding: id,
                subject: first_applying_subject(&b.subjects, &request.user, &b.namespace)?,
                role: *b.role.as_ref().ok()?,
                rule,
            })
        })
        .collect()
}
