//! ClusterRole aggregation computed offline, as the clusterrole-aggregation controller does:
//! for each ClusterRole with an `aggregationRule`, the rules of every ClusterRole matched by its
//! label selectors (sorted by name, itself excluded) are appended without duplicates, replacing
//! the role's own rules; nested aggregation is iterated to a fixpoint. Every effective rule
//! remembers the ClusterRole that wrote it, for explanations.
//!
//! The controller writes by server-side apply (field manager
//! `clusterrole-aggregation-controller`, forced, `rules` atomic). An empty aggregation is an
//! apply without `rules`, which removes only rules that manager owns: a manifest's own rules
//! stay, unless its `managedFields` show the controller as their sole owner.
#![doc(hidden)]

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::model::Located;

/// Where an effective rule was written: the index of a ClusterRole in the input and the rule's
/// index in that role's `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleOrigin {
    pub role: usize,
    pub rule: usize,
}

/// The effective rules of one aggregated ClusterRole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggregatedRules {
    pub rules: Vec<(PolicyRule, RuleOrigin)>,
}

/// A selector that cannot be evaluated (unknown operator, or values where none are allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    pub role: usize,
    pub message: String,
}

/// Computes the effective rules of every aggregated ClusterRole (by index into `roles`).
/// Roles without an `aggregationRule`, and aggregated roles that keep their stored rules (an
/// empty aggregation over rules the controller does not own), are not in the result: their
/// stored rules apply.
/// When several ClusterRoles share a name, only the one at `roles[i]` with `live[i]` counts.
pub fn aggregate(
    roles: &[Located<ClusterRole>],
    live: &[bool],
) -> (BTreeMap<usize, AggregatedRules>, Vec<SelectorError>) {
    let mut errors = Vec::new();
    // Live roles in name order: the controller lists matching roles sorted by name.
    let mut by_name: Vec<usize> = (0..roles.len())
        .filter(|&i| live.get(i).copied().unwrap_or(true))
        .collect();
    by_name.sort_by(|&a, &b| name(&roles[a]).cmp(name(&roles[b])).then(a.cmp(&b)));

    let mut aggregated: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
    for &i in &by_name {
        let Some(rule) = &roles[i].aggregation_rule else {
            continue;
        };
        let mut per_selector = Vec::new();
        for selector in rule.cluster_role_selectors.iter().flatten() {
            let mut matched = Vec::new();
            for &j in &by_name {
                if j == i {
                    continue;
                }
                match selector_matches(selector, roles[j].metadata.labels.as_ref()) {
                    Ok(true) => matched.push(j),
                    Ok(false) => {}
                    Err(message) => {
                        errors.push(SelectorError { role: i, message });
                        break;
                    }
                }
            }
            per_selector.push(matched);
        }
        aggregated.push((i, per_selector));
    }

    // Current rules of every role: stored rules with their own origin, until replaced.
    let mut current: BTreeMap<usize, Vec<(PolicyRule, RuleOrigin)>> = BTreeMap::new();
    let rules_of = |current: &BTreeMap<usize, Vec<(PolicyRule, RuleOrigin)>>,
                    j: usize|
     -> Vec<(PolicyRule, RuleOrigin)> {
        match current.get(&j) {
            Some(rules) => rules.clone(),
            None => stored_rules(&roles[j], j),
        }
    };
    let owned: BTreeMap<usize, bool> = aggregated
        .iter()
        .map(|(i, _)| (*i, rules_owned_by_controller(&roles[*i])))
        .collect();
    // Each pass can only pull rules one aggregation level further, so the number of
    // aggregated roles bounds the passes needed; cycles stop there too.
    for _ in 0..=aggregated.len() {
        let mut changed = false;
        for (i, selectors) in &aggregated {
            let mut desired: Vec<(PolicyRule, RuleOrigin)> = Vec::new();
            for matched in selectors {
                for &j in matched {
                    for (rule, origin) in rules_of(&current, j) {
                        if !desired.iter().any(|(r, _)| rules_equal(r, &rule)) {
                            desired.push((rule, origin));
                        }
                    }
                }
            }
            if desired.is_empty() && !owned.get(i).copied().unwrap_or(false) {
                // The apply carries no `rules`: what another manager wrote stays.
                changed |= current.remove(i).is_some();
            } else if current.get(i) != Some(&desired) {
                current.insert(*i, desired);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let result = current
        .into_iter()
        .map(|(i, rules)| (i, AggregatedRules { rules }))
        .collect();
    (result, errors)
}

/// The manager the aggregation controller applies with.
const CONTROLLER_MANAGER: &str = "clusterrole-aggregation-controller";

/// True when `managedFields` name the aggregation controller as the only owner of `rules`, so
/// that its apply without `rules` removes them.
fn rules_owned_by_controller(role: &Located<ClusterRole>) -> bool {
    let owners: Vec<&str> = role
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| {
            m.fields_v1
                .as_ref()
                .is_some_and(|f| f.0.get("f:rules").is_some())
        })
        .map(|m| m.manager.as_deref().unwrap_or(""))
        .collect();
    !owners.is_empty() && owners.iter().all(|&m| m == CONTROLLER_MANAGER)
}

fn name(role: &Located<ClusterRole>) -> &str {
    role.metadata.name.as_deref().unwrap_or("")
}

fn stored_rules(role: &Located<ClusterRole>, index: usize) -> Vec<(PolicyRule, RuleOrigin)> {
    role.rules
        .iter()
        .flatten()
        .enumerate()
        .map(|(k, r)| {
            (
                r.clone(),
                RuleOrigin {
                    role: index,
                    rule: k,
                },
            )
        })
        .collect()
}

/// Field-wise equality where an absent list equals an empty one (the controller's semantics).
pub fn rules_equal(a: &PolicyRule, b: &PolicyRule) -> bool {
    fn list(v: &Option<Vec<String>>) -> &[String] {
        v.as_deref().unwrap_or(&[])
    }
    a.verbs == b.verbs
        && list(&a.api_groups) == list(&b.api_groups)
        && list(&a.resources) == list(&b.resources)
        && list(&a.resource_names) == list(&b.resource_names)
        && list(&a.non_resource_urls) == list(&b.non_resource_urls)
}

/// Label selector semantics of apimachinery: matchLabels and matchExpressions are ANDed; an
/// empty selector matches everything.
pub fn selector_matches(
    selector: &LabelSelector,
    labels: Option<&BTreeMap<String, String>>,
) -> Result<bool, String> {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    for (k, v) in selector.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return Ok(false);
        }
    }
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.as_deref().unwrap_or(&[]);
        let value = labels.get(&expr.key);
        let ok = match expr.operator.as_str() {
            "In" if !values.is_empty() => value.is_some_and(|v| values.contains(v)),
            "NotIn" if !values.is_empty() => value.is_none_or(|v| !values.contains(v)),
            "Exists" if values.is_empty() => value.is_some(),
            "DoesNotExist" if values.is_empty() => value.is_none(),
            "In" | "NotIn" => {
                return Err(format!("selector operator {} needs values", expr.operator));
            }
            "Exists" | "DoesNotExist" => {
                return Err(format!(
                    "selector operator {} takes no values",
                    expr.operator
                ));
            }
            other => return Err(format!("unknown selector operator `{other}`")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}
