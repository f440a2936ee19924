//! The read-only RBAC index every question is answered from: effective rules of every role
//! (aggregation applied), every binding with its role resolved once, and subject → bindings
//! maps for the cluster scope and for each namespace. Built once, immutable, shared by
//! reference across threads.
//!
//! Bindings are numbered in the one documented visiting order: ClusterRoleBindings sorted by
//! name, then RoleBindings sorted by (namespace, name). Where several objects share a kind,
//! namespace and name, the one read last wins (as `kubectl apply` would leave it) and a
//! warning names both places.
#![doc(hidden)]

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::aggregation::{self, RuleOrigin};
use super::compiled::{CompiledRules, CompiledSubjects};
use super::entry::{
    BindingId, BindingKind, EffectiveRule, IndexedBinding, IndexedRole, RoleId, RoleKind,
};
use crate::model::identity::service_account_splits;
use crate::model::{Cluster, Origin};
use crate::source::{Diagnostic, go_quote};

/// Subject → bindings, for one scope (the cluster, or one namespace).
#[derive(Debug, Clone, Default)]
pub struct SubjectIndex {
    pub users: HashMap<String, Vec<BindingId>>,
    pub groups: HashMap<String, Vec<BindingId>>,
    /// Keyed by (service account namespace, name), the namespace defaulted from the binding.
    pub service_accounts: HashMap<(String, String), Vec<BindingId>>,
    /// Bindings with subjects of other kinds, which never match anyone (kept for explanations).
    pub unmatchable: Vec<BindingId>,
}

/// The RBAC index. Cheap to share: everything is owned and immutable after [`RbacIndex::build`].
#[derive(Debug, Clone)]
pub struct RbacIndex {
    pub cluster: Arc<Cluster>,
    /// Shared with the indexes derived by [`RbacIndex::rebuild_bindings`].
    pub roles: Arc<Vec<IndexedRole>>,
    pub bindings: Vec<IndexedBinding>,
    /// ClusterRoleBindings are `bindings[cluster_bindings]`.
    pub cluster_bindings: Range<BindingId>,
    /// RoleBindings of each namespace are `bindings[range]`.
    pub namespace_bindings: BTreeMap<String, Range<BindingId>>,
    pub cluster_subjects: SubjectIndex,
    pub namespace_subjects: HashMap<String, SubjectIndex>,
    pub cluster_role_by_name: HashMap<String, RoleId>,
    pub role_by_name: HashMap<(String, String), RoleId>,
    /// Duplicates, invalid selectors and other problems found while indexing.
    pub diagnostics: Vec<Diagnostic>,
    /// The part of `diagnostics` about roles, kept for [`RbacIndex::rebuild_bindings`].
    role_diagnostics: Vec<Diagnostic>,
    /// The roles' rules in integer form, for the decision hot path.
    pub compiled_rules: Arc<CompiledRules>,
    /// Subject → bindings in integer form, for the decision hot path.
    pub compiled_subjects: CompiledSubjects,
}

impl RbacIndex {
    pub fn build(cluster: Arc<Cluster>) -> RbacIndex {
        let roles = IndexedRoles::build(&cluster);
        Self::with_roles(cluster, roles)
    }

    /// The index of `cluster`, reusing the roles of `previous` (aggregation included): for a
    /// what-if whose mutations left every Role and ClusterRole as it was.
    pub fn rebuild_bindings(previous: &RbacIndex, cluster: Arc<Cluster>) -> RbacIndex {
        let roles = IndexedRoles {
            roles: previous.roles.clone(),
            cluster_role_by_name: previous.cluster_role_by_name.clone(),
            role_by_name: previous.role_by_name.clone(),
            diagnostics: previous.role_diagnostics.clone(),
            compiled: previous.compiled_rules.clone(),
        };
        Self::with_roles(cluster, roles)
    }
}

/// The roles part of the index: every Role and ClusterRole with its effective rules.
struct IndexedRoles {
    roles: Arc<Vec<IndexedRole>>,
    cluster_role_by_name: HashMap<String, RoleId>,
    role_by_name: HashMap<(String, String), RoleId>,
    diagnostics: Vec<Diagnostic>,
    compiled: Arc<CompiledRules>,
}

impl IndexedRoles {
    fn build(cluster: &Cluster) -> IndexedRoles {
        let mut diagnostics = Vec::new();

        // ClusterRoles: the last definition of each name wins.
        let cluster_role_live = last_wins(
            cluster
                .cluster_roles
                .iter()
                .map(|r| ("", name(&r.metadata.name), &r.origin)),
            "ClusterRole",
            &mut diagnostics,
        );
        let (aggregated, selector_errors) =
            aggregation::aggregate(&cluster.cluster_roles, &cluster_role_live);
        for e in selector_errors {
            diagnostics.push(Diagnostic::warning(
                cluster.cluster_roles[e.role].origin.location(),
                format!(
                    "aggregationRule of ClusterRole `{}`: {}",
                    name(&cluster.cluster_roles[e.role].metadata.name),
                    e.message
                ),
            ));
        }

        let mut roles = Vec::new();
        let mut cluster_role_by_name = HashMap::new();
        let mut cluster_role_ids = HashMap::new();
        for (i, r) in cluster.cluster_roles.iter().enumerate() {
            if !cluster_role_live[i] {
                continue;
            }
            let id = roles.len();
            cluster_role_ids.insert(i, id);
            cluster_role_by_name.insert(name(&r.metadata.name).to_string(), id);
            roles.push(IndexedRole {
                kind: RoleKind::ClusterRole,
                namespace: String::new(),
                name: name(&r.metadata.name).to_string(),
                origin: r.origin.clone(),
                aggregated: aggregated.contains_key(&i),
                rules: Vec::new(),
            });
        }
        for (i, r) in cluster.cluster_roles.iter().enumerate() {
            let Some(&id) = cluster_role_ids.get(&i) else {
                continue;
            };
            roles[id].rules = match aggregated.get(&i) {
                Some(agg) => agg
                    .rules
                    .iter()
                    .map(|(rule, RuleOrigin { role, rule: k })| EffectiveRule {
                        rule: rule.clone(),
                        rule_index: *k,
                        aggregated_from: cluster_role_ids.get(role).copied(),
                    })
                    .collect(),
                None => own_rules(r.rules.as_deref()),
            };
        }

        let role_live = last_wins(
            cluster.roles.iter().map(|r| {
                (
                    name(&r.metadata.namespace),
                    name(&r.metadata.name),
                    &r.origin,
                )
            }),
            "Role",
            &mut diagnostics,
        );
        let mut role_by_name = HashMap::new();
        for (i, r) in cluster.roles.iter().enumerate() {
            if !role_live[i] {
                continue;
            }
            let key = (
                namespace(&r.metadata.namespace).to_string(),
                name(&r.metadata.name).to_string(),
            );
            role_by_name.insert(key.clone(), roles.len());
            roles.push(IndexedRole {
                kind: RoleKind::Role,
                namespace: key.0,
                name: key.1,
                origin: r.origin.clone(),
                aggregated: false,
                rules: own_rules(r.rules.as_deref()),
            });
        }

        let compiled = Arc::new(CompiledRules::build(&roles));
        IndexedRoles {
            roles: Arc::new(roles),
            cluster_role_by_name,
            role_by_name,
            diagnostics,
            compiled,
        }
    }
}

impl RbacIndex {
    fn with_roles(cluster: Arc<Cluster>, indexed_roles: IndexedRoles) -> RbacIndex {
        let IndexedRoles {
            roles,
            cluster_role_by_name,
            role_by_name,
            diagnostics: role_diagnostics,
            compiled: compiled_rules,
        } = indexed_roles;
        let mut diagnostics = Vec::new();
        // Bindings in visiting order.
        let mut bindings = Vec::new();
        let crb_live = last_wins(
            cluster
                .cluster_role_bindings
                .iter()
                .map(|b| ("", name(&b.metadata.name), &b.origin)),
            "ClusterRoleBinding",
            &mut diagnostics,
        );
        for (i, b) in cluster.cluster_role_bindings.iter().enumerate() {
            if crb_live[i] {
                bindings.push(IndexedBinding::unresolved(
                    BindingKind::ClusterRoleBinding,
                    String::new(),
                    &b.metadata,
                    &b.role_ref,
                    b.subjects.as_deref(),
                    &b.origin,
                ));
            }
        }
        let rb_live = last_wins(
            cluster.role_bindings.iter().map(|b| {
                (
                    name(&b.metadata.namespace),
                    name(&b.metadata.name),
                    &b.origin,
                )
            }),
            "RoleBinding",
            &mut diagnostics,
        );
        for (i, b) in cluster.role_bindings.iter().enumerate() {
            if rb_live[i] {
                bindings.push(IndexedBinding::unresolved(
                    BindingKind::RoleBinding,
                    namespace(&b.metadata.namespace),
                    &b.metadata,
                    &b.role_ref,
                    b.subjects.as_deref(),
                    &b.origin,
                ));
            }
        }
        // ClusterRoleBindings first, then RoleBindings by namespace; each by name.
        bindings.sort_by(|a, b| {
            (a.kind == BindingKind::RoleBinding)
                .cmp(&(b.kind == BindingKind::RoleBinding))
                .then_with(|| a.namespace.cmp(&b.namespace))
                .then_with(|| a.name.cmp(&b.name))
        });
        for b in &mut bindings {
            b.role = resolve_role_ref(b, &cluster_role_by_name, &role_by_name);
        }

        let crb_count = bindings
            .iter()
            .take_while(|b| b.kind == BindingKind::ClusterRoleBinding)
            .count();
        let mut namespace_bindings: BTreeMap<String, Range<BindingId>> = BTreeMap::new();
        for (id, b) in bindings.iter().enumerate().skip(crb_count) {
            namespace_bindings
                .entry(b.namespace.clone())
                .or_insert(id..id)
                .end = id + 1;
        }

        let mut cluster_subjects = SubjectIndex::default();
        let mut namespace_subjects: HashMap<String, SubjectIndex> = HashMap::new();
        for (id, b) in bindings.iter().enumerate() {
            let index = match b.kind {
                BindingKind::ClusterRoleBinding => &mut cluster_subjects,
                BindingKind::RoleBinding => {
                    namespace_subjects.entry(b.namespace.clone()).or_default()
                }
            };
            for subject in &b.subjects {
                let list = match subject.kind.as_str() {
                    "User" => index.users.entry(subject.name.clone()).or_default(),
                    "Group" => index.groups.entry(subject.name.clone()).or_default(),
                    "ServiceAccount" => {
                        let ns = match subject.namespace.as_deref() {
                            Some(ns) if !ns.is_empty() => ns,
                            _ => b.namespace.as_str(),
                        };
                        if ns.is_empty() {
                            // A ClusterRoleBinding's service account without a namespace
                            // never matches anyone.
                            &mut index.unmatchable
                        } else {
                            index
                                .service_accounts
                                .entry((ns.to_string(), subject.name.clone()))
                                .or_default()
                        }
                    }
                    _ => &mut index.unmatchable,
                };
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }

        let mut all_diagnostics = role_diagnostics.clone();
        all_diagnostics.extend(diagnostics);
        let compiled_subjects = CompiledSubjects::build(&bindings);
        RbacIndex {
            cluster,
            roles,
            bindings,
            cluster_bindings: 0..crb_count,
            namespace_bindings,
            cluster_subjects,
            namespace_subjects,
            cluster_role_by_name,
            role_by_name,
            diagnostics: all_diagnostics,
            role_diagnostics,
            compiled_rules,
            compiled_subjects,
        }
    }

    /// The bindings that could apply to a user with these groups for a request in `namespace`
    /// (`""` = cluster scope), in visiting order. Subject matching still has to be checked per
    /// binding (this is a superset only in that a binding listed under a group also matches).
    pub fn candidate_bindings(
        &self,
        user: &str,
        groups: &[String],
        namespace: &str,
    ) -> Vec<BindingId> {
        let mut ids = Vec::new();
        let mut collect = |index: &SubjectIndex| {
            if let Some(v) = index.users.get(user) {
                ids.extend_from_slice(v);
            }
            for g in groups {
                if let Some(v) = index.groups.get(g) {
                    ids.extend_from_slice(v);
                }
            }
            for (ns, name) in service_account_splits(user) {
                if let Some(v) = index
                    .service_accounts
                    .get(&(ns.to_string(), name.to_string()))
                {
                    ids.extend_from_slice(v);
                }
            }
        };
        collect(&self.cluster_subjects);
        if !namespace.is_empty()
            && let Some(index) = self.namespace_subjects.get(namespace)
        {
            collect(index);
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The bindings RBAC consults for a request in `namespace`: every ClusterRoleBinding, then
    /// the RoleBindings of that namespace.
    pub fn bindings_in_scope(&self, namespace: &str) -> impl Iterator<Item = BindingId> + '_ {
        let ns_range = if namespace.is_empty() {
            0..0
        } else {
            self.namespace_bindings
                .get(namespace)
                .cloned()
                .unwrap_or(0..0)
        };
        self.cluster_bindings.clone().chain(ns_range)
    }

    pub fn role(&self, id: RoleId) -> &IndexedRole {
        &self.roles[id]
    }
}

fn name(n: &Option<String>) -> &str {
    n.as_deref().unwrap_or("")
}

fn namespace(n: &Option<String>) -> String {
    n.clone().unwrap_or_default()
}

fn own_rules(rules: Option<&[PolicyRule]>) -> Vec<EffectiveRule> {
    rules
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(k, r)| EffectiveRule {
            rule: r.clone(),
            rule_index: k,
            aggregated_from: None,
        })
        .collect()
}

/// Marks, for objects keyed by (namespace, name), which one is live: the last one read.
fn last_wins<'a>(
    keys: impl Iterator<Item = (&'a str, &'a str, &'a Origin)>,
    kind: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let keys: Vec<_> = keys.collect();
    let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(keys.len());
    for (i, (ns, name, _)) in keys.iter().enumerate() {
        last.insert((*ns, *name), i);
    }
    keys.iter()
        .enumerate()
        .map(|(i, (ns, name, origin))| {
            // Nameless objects cannot exist in a cluster, so none replaces another: all are
            // kept, as upstream's list-based fixtures (several bindings named "") expect.
            if name.is_empty() {
                return true;
            }
            let winner = last[&(*ns, *name)];
            if winner != i {
                let shown = if ns.is_empty() {
                    (*name).to_string()
                } else {
                    format!("{ns}/{name}")
                };
                diagnostics.push(Diagnostic::warning(
                    origin.location(),
                    format!(
                        "{kind} `{shown}` is defined again at {}; the later definition is used",
                        keys[winner].2
                    ),
                ));
            }
            winner == i
        })
        .collect()
}

/// Resolves a roleRef the way the apiserver's rule resolver does, with its error texts.
fn resolve_role_ref(
    binding: &IndexedBinding,
    cluster_roles: &HashMap<String, RoleId>,
    roles: &HashMap<(String, String), RoleId>,
) -> Result<RoleId, String> {
    match binding.role_ref_kind.as_str() {
        "ClusterRole" => cluster_roles
            .get(&binding.role_ref_name)
            .copied()
            .ok_or_else(|| {
                format!(
                    "clusterrole.rbac.authorization.k8s.io {} not found",
                    go_quote(&binding.role_ref_name)
                )
            }),
        "Role" => roles
            .get(&(binding.namespace.clone(), binding.role_ref_name.clone()))
            .copied()
            .ok_or_else(|| {
                format!(
                    "role.rbac.authorization.k8s.io {} not found",
                    go_quote(&binding.role_ref_name)
                )
            }),
        other => Err(format!(
            "unsupported role reference kind: {}",
            go_quote(other)
        )),
    }
}
