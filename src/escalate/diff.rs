//! `kubesim diff`: what changes between two states of the manifests: rule-level grants each
//! subject gains and loses (with the binding responsible), escalation paths to cluster-admin
//! and to a node gained and lost, and workloads whose Pod Security level or admission changes.

use std::collections::BTreeMap;

use crate::pss::assess::AssessOptions;
use crate::report::escalate::finding_text;
use crate::scenario::diff::{GrantLine, grants, pss_changes};
use crate::scenario::state::State;

use super::graph::{EscalationGraph, EscalationOptions};
use super::paths::{Target, find_escalations, known_sources};

/// One escalation path present on one side only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathChange {
    pub source: String,
    pub target: String,
    /// The path on the side that has it, hop by hop with its grants.
    pub explanation: Vec<String>,
}

/// Everything that differs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    pub access_gained: Vec<GrantLine>,
    pub access_lost: Vec<GrantLine>,
    pub paths_gained: Vec<PathChange>,
    pub paths_lost: Vec<PathChange>,
    pub pod_security: Vec<String>,
}

impl Changes {
    pub fn gained_anything(&self) -> bool {
        !self.access_gained.is_empty() || !self.paths_gained.is_empty()
    }
}

fn paths(state: &State, options: &AssessOptions) -> BTreeMap<(String, String), Vec<String>> {
    let graph = EscalationGraph::build(
        &state.index,
        &EscalationOptions {
            admission: options.admission.clone(),
        },
    );
    let sources = known_sources(&state.index);
    let targets = [Target::ClusterAdmin, Target::NodeEscape];
    find_escalations(&graph, &state.index, &sources, &targets, false)
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let text = finding_text(&state.index, &f);
            (
                (f.source.label.clone(), f.target.to_string()),
                text.lines().skip(1).map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The changes from `base` to `head`.
pub fn diff(base: &State, head: &State, options: &AssessOptions) -> Changes {
    let before = grants(&base.index);
    let after = grants(&head.index);
    let paths_before = paths(base, options);
    let paths_after = paths(head, options);
    let only = |a: &BTreeMap<(String, String), Vec<String>>,
                b: &BTreeMap<(String, String), Vec<String>>| {
        a.iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|((source, target), explanation)| PathChange {
                source: source.clone(),
                target: target.clone(),
                explanation: explanation.clone(),
            })
            .collect::<Vec<_>>()
    };
    Changes {
        access_gained: after.difference(&before).cloned().collect(),
        access_lost: before.difference(&after).cloned().collect(),
        paths_gained: only(&paths_after, &paths_before),
        paths_lost: only(&paths_before, &paths_after),
        pod_security: pss_changes(base, head, options)
            .into_iter()
            .map(|l| l.trim_start().to_string())
            .collect(),
    }
}
