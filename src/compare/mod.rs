//! What changes between two indexed states of the manifests, as typed values: the effective
//! access each subject gains and loses (with the binding, role and rule responsible; see
//! [`access`]), the escalation paths to cluster-admin and to a node gained and lost, and the
//! workloads whose Pod Security level or admission changes. Used by `kubesim diff` and the
//! language's `show diff`; the reports turn these into text.
#![doc(hidden)]

pub mod access;
pub mod runners;

use std::collections::{BTreeMap, BTreeSet};

pub use access::{
    AccessChange, AccessTarget, Asked, Gain, GrantSource, ObjectRef, SubjectRef, Wanted,
    access_changes, gains, holds_all,
};
pub use runners::{RunnerChange, runner_changes};

use crate::escalate::graph::{EscalationGraph, EscalationOptions};
use crate::escalate::paths::{Finding, Source, Target, find_escalations, known_sources};
use crate::index::Indexed;
use crate::model::WorkloadKind;
use crate::pss::assess::{AssessOptions, WorkloadAssessment, assess_workload, namespace_labels};
use crate::pss::{Level, Version};

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
    pub access_gained: Vec<AccessChange>,
    pub access_lost: Vec<AccessChange>,
    pub paths_gained: Vec<Finding>,
    pub paths_lost: Vec<Finding>,
    pub pod_security: Vec<WorkloadChange>,
    /// Subjects who can run pods of a less strict level somewhere than before (`kubesim diff`
    /// only).
    pub runners_gained: Vec<RunnerChange>,
    /// Subjects who can run only stricter pods, or none, somewhere.
    pub runners_lost: Vec<RunnerChange>,
}

impl Changes {
    pub fn gained_anything(&self) -> bool {
        !self.access_gained.is_empty()
            || !self.paths_gained.is_empty()
            || !self.runners_gained.is_empty()
    }

    /// Leaves out what `--exclude-system` hides: access of system subjects (a `system:` user
    /// or group, a service account of `kube-system`) and escalation paths from them.
    pub fn without_system(mut self) -> Changes {
        self.access_gained.retain(|c| !c.subject.is_system());
        self.access_lost.retain(|c| !c.subject.is_system());
        self.paths_gained.retain(|f| !source_is_system(&f.source));
        self.paths_lost.retain(|f| !source_is_system(&f.source));
        self.runners_gained.retain(|r| !r.is_system());
        self.runners_lost.retain(|r| !r.is_system());
        self
    }
}

/// Whether an escalation source is a system subject, as `who-can --exclude-system` defines it.
pub fn source_is_system(source: &Source) -> bool {
    use crate::model::identity::split_service_account_user;
    use crate::rbac::who_can::is_system;
    match source.user.as_deref() {
        Some(user) => match split_service_account_user(user) {
            Some((namespace, name)) => is_system("ServiceAccount", namespace, name),
            None => is_system("User", "", user),
        },
        // A group source holds its one group.
        None => source
            .groups
            .first()
            .is_some_and(|g| is_system("Group", "", g)),
    }
}

/// The access and Pod Security changes from `base` to `head`.
pub fn access_and_pss(base: &Indexed, head: &Indexed, options: &AssessOptions) -> Changes {
    let (access_gained, access_lost) = access_changes(base, head);
    Changes {
        access_gained,
        access_lost,
        pod_security: pss_changes(base, head, options),
        ..Changes::default()
    }
}

/// Every change from `base` to `head`, escalation paths and who can run which pods included
/// (`kubesim diff`).
pub fn diff(base: &Indexed, head: &Indexed, options: &AssessOptions) -> Changes {
    // The parts are independent of each other, so they share the cores; each is computed
    // exactly as alone, so the result does not depend on the thread count.
    let ((paths_before, paths_after), ((runners_gained, runners_lost), access_and_pss)) =
        rayon::join(
            || rayon::join(|| paths(base, options), || paths(head, options)),
            || {
                rayon::join(
                    || runner_changes(base, head, &options.admission),
                    || access_and_pss(base, head, options),
                )
            },
        );
    Changes {
        paths_gained: paths_only_in(&paths_after, &paths_before),
        paths_lost: paths_only_in(&paths_before, &paths_after),
        runners_gained,
        runners_lost,
        ..access_and_pss
    }
}
