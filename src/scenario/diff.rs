//! `show diff`: what a what-if changes. For access, the rule-level grants each subject gains
//! and loses, with the binding responsible; for pod security, each workload whose level or
//! admission changes.

use std::collections::BTreeSet;

use crate::index::rbac_index::{BindingKind, RbacIndex};
use crate::pss::assess::AssessOptions;
use crate::report::rbac::rule_text;

use super::eval::assess_all;
use super::state::State;

/// One subject holding one rule through one binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GrantLine {
    pub subject: String,
    pub scope: String,
    pub rule: String,
    pub via: String,
}

/// Every (subject, scope, rule, binding) the bindings of the index grant.
pub fn grants(index: &RbacIndex) -> BTreeSet<GrantLine> {
    let mut out = BTreeSet::new();
    for b in &index.bindings {
        let Ok(role_id) = b.role else { continue };
        let role = &index.roles[role_id];
        let scope = match b.kind {
            BindingKind::ClusterRoleBinding => "cluster-wide".to_string(),
            BindingKind::RoleBinding => format!("in {}", b.namespace),
        };
        let binding = match b.kind {
            BindingKind::ClusterRoleBinding => format!("ClusterRoleBinding {}", b.name),
            BindingKind::RoleBinding => format!("RoleBinding {}/{}", b.namespace, b.name),
        };
        for s in &b.subjects {
            let subject = match s.kind.as_str() {
                "User" => format!("user:{}", s.name),
                "Group" => format!("group:{}", s.name),
                "ServiceAccount" => {
                    let ns = s
                        .namespace
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| b.namespace.clone());
                    format!("sa:{ns}/{}", s.name)
                }
                other => format!("{other}:{}", s.name),
            };
            for (k, r) in role.rules.iter().enumerate() {
                out.insert(GrantLine {
                    subject: subject.clone(),
                    scope: scope.clone(),
                    rule: rule_text(&r.rule),
                    via: format!("{binding} -> {} {} rule {k}", role.kind.as_str(), role.name),
                });
            }
        }
    }
    out
}

/// The differences between `base` and `changed` as deterministic text.
pub fn render(base: &State, changed: &State, options: &AssessOptions) -> String {
    let before = grants(&base.index);
    let after = grants(&changed.index);
    let mut out = String::new();
    let gained: Vec<&GrantLine> = after.difference(&before).collect();
    let lost: Vec<&GrantLine> = before.difference(&after).collect();
    out.push_str("access gained:\n");
    if gained.is_empty() {
        out.push_str("  (none)\n");
    }
    for g in gained {
        out.push_str(&format!(
            "  + {} {}: {} (via {})\n",
            g.subject, g.scope, g.rule, g.via
        ));
    }
    out.push_str("access lost:\n");
    if lost.is_empty() {
        out.push_str("  (none)\n");
    }
    for g in lost {
        out.push_str(&format!(
            "  - {} {}: {} (via {})\n",
            g.subject, g.scope, g.rule, g.via
        ));
    }

    let changes = pss_changes(base, changed, options);
    out.push_str("pod security:\n");
    if changes.is_empty() {
        out.push_str("  (no change)\n");
    }
    for c in changes {
        out.push_str(&c);
        out.push('\n');
    }
    out
}

/// Each workload whose level or admission differs between the two states, as one line each
/// (`  deployment ns/name: level baseline -> restricted`).
pub fn pss_changes(base: &State, changed: &State, options: &AssessOptions) -> Vec<String> {
    let before = assess_all(base, options);
    let after = assess_all(changed, options);
    let keys: BTreeSet<_> = before.keys().chain(after.keys()).cloned().collect();
    let mut changes = Vec::new();
    for key in keys {
        let name = format!("{} {}/{}", key.1.word(), key.0, key.2);
        let admitted = |a: &crate::pss::assess::WorkloadAssessment| match &a.enforce {
            None => "admitted (nothing enforced)".to_string(),
            Some(e) if e.admitted => format!("admitted by {}:{}", e.level, e.version),
            Some(e) => format!("rejected by {}:{}", e.level, e.version),
        };
        match (before.get(&key), after.get(&key)) {
            (Some(a), Some(b)) => {
                if a.level != b.level {
                    changes.push(format!("  {name}: level {} -> {}", a.level, b.level));
                }
                let (x, y) = (admitted(a), admitted(b));
                if x != y {
                    changes.push(format!("  {name}: {x} -> {y}"));
                }
            }
            (None, Some(b)) => changes.push(format!(
                "  {name}: added, meets {}, {}",
                b.level,
                admitted(b)
            )),
            (Some(a), None) => changes.push(format!("  {name}: removed (met {})", a.level)),
            (None, None) => {}
        }
    }
    changes
}
