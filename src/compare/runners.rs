//! Who can run which pods where, compared between two states: for every namespace and
//! subject, the least strict Pod Security level of pod the subject can get admitted there
//! (by creating pods or a workload controller, as `who-can-run` answers), before and after.
//! A subject whose level loosens (or who could run no pods there before) gains; one whose
//! level tightens (or who can run none now) loses. A namespace is compared where both states
//! know it, or where one state defines it with a Namespace object (a namespace added or
//! removed): one that a state merely mentions (in a binding) is not made up in the other.

use std::collections::{BTreeMap, BTreeSet};

use crate::escalate::admission::admits;
use crate::escalate::who_can_run::{RunGrant, considered_namespaces, who_can_run};
use crate::index::Indexed;
use crate::model::identity::split_service_account_user;
use crate::pss::Level;
use crate::pss::admission::Admission;
use crate::pss::assess::namespace_labels;
use crate::rbac::who_can::is_system;

/// One subject's change in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerChange {
    pub namespace: String,
    /// `user:NAME`, `group:NAME` or `sa:NS/NAME`.
    pub subject: String,
    /// The least strict level the subject could get admitted before; `None`: no pod at all.
    pub from: Option<Level>,
    /// The same, after.
    pub to: Option<Level>,
    /// The grants that let it create pods: in the head for a gain, in the base for a loss
    /// (empty for the superuser group, which needs none).
    pub via: Vec<RunGrant>,
}

impl RunnerChange {
    /// Whether the subject can run pods it could not before.
    pub fn is_gain(&self) -> bool {
        match (self.from, self.to) {
            (_, None) => false,
            (None, Some(_)) => true,
            // Levels are ordered least strict first.
            (Some(from), Some(to)) => to < from,
        }
    }

    /// Whether the subject is a system one, as `who-can --exclude-system` defines it.
    pub fn is_system(&self) -> bool {
        let (kind, rest) = self.subject.split_once(':').unwrap_or(("", &self.subject));
        match kind {
            "sa" => {
                let (namespace, name) = rest.split_once('/').unwrap_or(("", rest));
                is_system("ServiceAccount", namespace, name)
            }
            "user" => match split_service_account_user(rest) {
                Some((namespace, name)) => is_system("ServiceAccount", namespace, name),
                None => is_system("User", "", rest),
            },
            _ => is_system("Group", "", rest),
        }
    }
}

/// A subject label naming its holder: a `User` subject spelled as a service account's user
/// name is that service account, as the apiserver authenticates its token.
fn holder(subject: &str) -> String {
    match subject
        .strip_prefix("user:")
        .and_then(split_service_account_user)
    {
        Some((namespace, name)) => format!("sa:{namespace}/{name}"),
        None => subject.to_string(),
    }
}

/// (namespace, subject) → the least strict level the subject can run there, with the grants
/// that let it.
type LevelEntry = ((String, String), (Level, Vec<RunGrant>));

/// For each (namespace, subject) of `indexed`, the least strict level it can run there, with
/// the grants that let it.
fn least_strict_levels(
    indexed: &Indexed,
    admission: &Admission,
) -> BTreeMap<(String, String), (Level, Vec<RunGrant>)> {
    // Who can create pods in a namespace does not depend on the level, and a namespace that
    // admits a level admits every stricter one: one answer for the strictest level, and each
    // namespace's least strict admitted level, give every subject's.
    let labels = namespace_labels(indexed.cluster());
    let mut entries: Vec<LevelEntry> = Vec::new();
    for ns in who_can_run(&indexed.rbac, admission, Level::Restricted, None).namespaces {
        let Some(level) = Level::ALL.into_iter().find(|level| {
            admits(admission, &ns.namespace, labels.get(&ns.namespace), *level).is_some()
        }) else {
            continue;
        };
        for runner in ns.runners {
            entries.push((
                (ns.namespace.clone(), holder(&runner.subject)),
                (level, runner.via),
            ));
        }
    }
    // Sorted once and built in one go (a map insert per runner cost more than the question).
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<LevelEntry> = Vec::with_capacity(entries.len());
    for (key, (level, via)) in entries {
        match merged.last_mut() {
            // The same holder written both ways: its grants together.
            Some((last, (_, grants))) if *last == key => grants.extend(via),
            _ => merged.push((key, (level, via))),
        }
    }
    for (_, (_, grants)) in &mut merged {
        grants.sort();
        grants.dedup();
    }
    merged.into_iter().collect()
}

/// The namespaces both states know, and those one of them defines with a Namespace object.
fn compared_namespaces(base: &Indexed, head: &Indexed) -> BTreeSet<String> {
    let defined = |indexed: &Indexed| -> BTreeSet<String> {
        (indexed.cluster().namespaces.iter())
            .filter_map(|n| n.metadata.name.clone())
            .collect()
    };
    let (known_before, known_after) = (
        considered_namespaces(&base.rbac),
        considered_namespaces(&head.rbac),
    );
    let mut out: BTreeSet<String> = known_before.intersection(&known_after).cloned().collect();
    out.extend(defined(base));
    out.extend(defined(head));
    out
}

/// Every (namespace, subject) whose least strict runnable level differs from `base` to
/// `head`, gains and losses apart, each sorted by namespace and subject.
pub fn runner_changes(
    base: &Indexed,
    head: &Indexed,
    admission: &Admission,
) -> (Vec<RunnerChange>, Vec<RunnerChange>) {
    let compared = compared_namespaces(base, head);
    let keep = |levels: BTreeMap<(String, String), (Level, Vec<RunGrant>)>| {
        let mut levels = levels;
        levels.retain(|(namespace, _), _| compared.contains(namespace));
        levels
    };
    let (before, mut after) = rayon::join(
        || keep(least_strict_levels(base, admission)),
        || keep(least_strict_levels(head, admission)),
    );
    let mut changes: Vec<RunnerChange> = Vec::new();
    for ((namespace, subject), (from, base_via)) in before {
        let now = after.remove(&(namespace.clone(), subject.clone()));
        let to = now.as_ref().map(|(level, _)| *level);
        if to == Some(from) {
            continue;
        }
        let change = RunnerChange {
            namespace,
            subject,
            from: Some(from),
            to,
            via: Vec::new(),
        };
        let via = match now {
            Some((_, head_via)) if change.is_gain() => head_via,
            _ => base_via,
        };
        changes.push(RunnerChange { via, ..change });
    }
    changes.extend(
        after
            .into_iter()
            .map(|((namespace, subject), (level, via))| RunnerChange {
                namespace,
                subject,
                from: None,
                to: Some(level),
                via,
            }),
    );
    changes.sort_by(|a, b| (&a.namespace, &a.subject).cmp(&(&b.namespace, &b.subject)));
    changes.into_iter().partition(RunnerChange::is_gain)
}
