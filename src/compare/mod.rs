//! What changes between two indexed states of the manifests, as typed values: the rule-level
//! grants each subject gains and loses (with the binding and role responsible), the escalation
//! paths to cluster-admin and to a node gained and lost, and the workloads whose Pod Security
//! level or admission changes. Used by `kubesim diff` and the language's `show diff`; the
//! reports turn these into text.
#![doc(hidden)]

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::escalate::graph::{EscalationGraph, EscalationOptions};
use crate::escalate::paths::{Finding, Target, find_escalations, known_sources};
use crate::index::Indexed;
use crate::index::entry::{BindingKind, RoleKind};
use crate::model::WorkloadKind;
use crate::pss::assess::{AssessOptions, WorkloadAssessment, assess_workload, namespace_labels};
use crate::pss::{Level, Version};

/// The subject of a binding, its namespace resolved as RBAC resolves it (a ServiceAccount
/// subject without one is in the binding's namespace).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GrantSubject {
    /// The subject kind as written (`User`, `Group`, `ServiceAccount`, or anything else).
    pub kind: String,
    pub name: String,
    /// Set for ServiceAccount subjects only.
    pub namespace: Option<String>,
}

/// One subject holding one rule of one role through one binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub subject: GrantSubject,
    /// `None` for a ClusterRoleBinding (cluster-wide).
    pub namespace: Option<String>,
    pub binding_kind: BindingKind,
    pub binding_name: String,
    pub role_kind: RoleKind,
    pub role_name: String,
    /// The rule's position in the role's effective rules.
    pub rule_index: usize,
    pub rule: PolicyRule,
}

/// What identifies a grant apart from its rule: subject, scope, binding, role, rule position.
type GrantKey = (
    GrantSubject,
    Option<String>,
    BindingKind,
    String,
    RoleKind,
    String,
    usize,
);

impl Grant {
    fn key(&self) -> GrantKey {
        (
            self.subject.clone(),
            self.namespace.clone(),
            self.binding_kind,
            self.binding_name.clone(),
            self.role_kind,
            self.role_name.clone(),
            self.rule_index,
        )
    }
}

/// Every grant the bindings of `indexed` make, once each.
fn grants(indexed: &Indexed) -> BTreeMap<GrantKey, Grant> {
    let index = &indexed.rbac;
    let mut out = BTreeMap::new();
    for b in &index.bindings {
        let Ok(role_id) = b.role else { continue };
        let role = &index.roles[role_id];
        let namespace = (b.kind == BindingKind::RoleBinding).then(|| b.namespace.clone());
        for s in &b.subjects {
            let subject = GrantSubject {
                kind: s.kind.clone(),
                name: s.name.clone(),
                namespace: (s.kind == "ServiceAccount").then(|| {
                    s.namespace
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| b.namespace.clone())
                }),
            };
            for (k, r) in role.rules.iter().enumerate() {
                let grant = Grant {
                    subject: subject.clone(),
                    namespace: namespace.clone(),
                    binding_kind: b.kind,
                    binding_name: b.name.clone(),
                    role_kind: role.kind,
                    role_name: role.name.clone(),
                    rule_index: k,
                    rule: r.rule.clone(),
                };
                out.insert(grant.key(), grant);
            }
        }
    }
    out
}

/// The grants of `a` that `b` does not make.
fn grants_only_in(a: &BTreeMap<GrantKey, Grant>, b: &BTreeMap<GrantKey, Grant>) -> Vec<Grant> {
    a.iter()
        .filter(|(key, grant)| b.get(*key).is_none_or(|other| other.rule != grant.rule))
        .map(|(_, grant)| grant.clone())
        .collect()
}

/// Whether a workload is admitted where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Nothing enforces pod security in its namespace.
    NothingEnforced,
    Admitted(Level, Version),
    Rejected(Level, Version),
}

impl Admission {
    fn of(assessment: &WorkloadAssessment) -> Admission {
        match &assessment.enforce {
            None => Admission::NothingEnforced,
            Some(e) if e.admitted => Admission::Admitted(e.level, e.version),
            Some(e) => Admission::Rejected(e.level, e.version),
        }
    }
}

/// How one workload's Pod Security changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PssChange {
    Level { from: Level, to: Level },
    Admission { from: Admission, to: Admission },
    Added { level: Level, admission: Admission },
    Removed { level: Level },
}

/// A workload's Pod Security change, in (namespace, kind, name) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadChange {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub change: PssChange,
}

fn assess_all(
    indexed: &Indexed,
    options: &AssessOptions,
) -> BTreeMap<(String, WorkloadKind, String), WorkloadAssessment> {
    let labels = namespace_labels(indexed.cluster());
    indexed
        .cluster()
        .workloads
        .iter()
        .map(|w| {
            let a = assess_workload(w, &indexed.sources, options, labels.get(&w.namespace));
            ((a.namespace.clone(), a.kind, a.name.clone()), a)
        })
        .collect()
}

/// Each workload whose level or admission differs between the two states: a level change
/// before an admission change of the same workload.
fn pss_changes(base: &Indexed, head: &Indexed, options: &AssessOptions) -> Vec<WorkloadChange> {
    let before = assess_all(base, options);
    let after = assess_all(head, options);
    let keys: BTreeSet<_> = before.keys().chain(after.keys()).cloned().collect();
    let mut changes = Vec::new();
    for key in keys {
        let mut push = |change| {
            changes.push(WorkloadChange {
                kind: key.1,
                namespace: key.0.clone(),
                name: key.2.clone(),
                change,
            })
        };
        match (before.get(&key), after.get(&key)) {
            (Some(a), Some(b)) => {
                if a.level != b.level {
                    push(PssChange::Level {
                        from: a.level,
                        to: b.level,
                    });
                }
                let (from, to) = (Admission::of(a), Admission::of(b));
                if from != to {
                    push(PssChange::Admission { from, to });
                }
            }
            (None, Some(b)) => push(PssChange::Added {
                level: b.level,
                admission: Admission::of(b),
            }),
            (Some(a), None) => push(PssChange::Removed { level: a.level }),
            (None, None) => {}
        }
    }
    changes
}

/// The escalation paths to cluster-admin and to a node, keyed by (source, target).
fn paths(indexed: &Indexed, options: &AssessOptions) -> BTreeMap<(String, String), Finding> {
    let graph = EscalationGraph::build(
        &indexed.rbac,
        &EscalationOptions {
            admission: options.admission.clone(),
        },
    );
    let sources = known_sources(&indexed.rbac);
    let targets = [Target::ClusterAdmin, Target::NodeEscape];
    find_escalations(&graph, &indexed.rbac, &sources, &targets, false)
        .unwrap_or_default()
        .into_iter()
        .map(|f| ((f.source.label.clone(), f.target.to_string()), f))
        .collect()
}

fn paths_only_in(
    a: &BTreeMap<(String, String), Finding>,
    b: &BTreeMap<(String, String), Finding>,
) -> Vec<Finding> {
    a.iter()
        .filter(|(key, _)| !b.contains_key(*key))
        .map(|(_, f)| f.clone())
        .collect()
}

/// Everything that differs from `base` to `head`. Paths gained are paths of `head`, paths lost
/// paths of `base`.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub access_gained: Vec<Grant>,
    pub access_lost: Vec<Grant>,
    pub paths_gained: Vec<Finding>,
    pub paths_lost: Vec<Finding>,
    pub pod_security: Vec<WorkloadChange>,
}

impl Changes {
    pub fn gained_anything(&self) -> bool {
        !self.access_gained.is_empty() || !self.paths_gained.is_empty()
    }
}

/// The access and Pod Security changes from `base` to `head` (what a what-if's `show diff`
/// reports).
pub fn access_and_pss(base: &Indexed, head: &Indexed, options: &AssessOptions) -> Changes {
    let before = grants(base);
    let after = grants(head);
    Changes {
        access_gained: grants_only_in(&after, &before),
        access_lost: grants_only_in(&before, &after),
        pod_security: pss_changes(base, head, options),
        ..Changes::default()
    }
}

/// Every change from `base` to `head`, escalation paths included (`kubesim diff`).
pub fn diff(base: &Indexed, head: &Indexed, options: &AssessOptions) -> Changes {
    let paths_before = paths(base, options);
    let paths_after = paths(head, options);
    Changes {
        paths_gained: paths_only_in(&paths_after, &paths_before),
        paths_lost: paths_only_in(&paths_before, &paths_after),
        ..access_and_pss(base, head, options)
    }
}
