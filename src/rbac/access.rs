//! What a subject may do: the rule resolver's `RulesFor(user, namespace)` (every rule of every
//! binding in scope, duplicates kept, plus the resolution errors), the SelfSubjectRulesReview
//! split into resource and non-resource rules, and kubectl's `auth can-i --list` rendering:
//! break every rule down to atomic rules, merge the verbs of identical resource rules, sort
//! stably by the Go text form of the rule, and print through a Go-style tabwriter.

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::authorize::matching_bindings;
use crate::index::entry::{BindingId, RoleId};
use crate::index::rbac_index::RbacIndex;
use crate::model::identity::UserInfo;

/// One rule visited by RulesFor, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitedRule {
    pub binding: BindingId,
    pub role: RoleId,
    /// Index among the role's effective rules.
    pub rule: usize,
}

/// RulesFor: the rules in visiting order and the distinct roleRef errors.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesFor {
    pub rules: Vec<VisitedRule>,
    pub errors: Vec<String>,
}

impl RulesFor {
    /// The rules themselves.
    pub fn policy_rules<'a>(
        &'a self,
        index: &'a RbacIndex,
    ) -> impl Iterator<Item = &'a PolicyRule> {
        self.rules
            .iter()
            .map(move |v| &index.roles[v.role].rules[v.rule].rule)
    }

    /// The aggregate error text (`m` or `[m1, m2]`), empty without errors.
    pub fn evaluation_error(&self) -> String {
        match self.errors.len() {
            0 => String::new(),
            1 => self.errors[0].clone(),
            _ => format!("[{}]", self.errors.join(", ")),
        }
    }
}

/// RulesFor(user, namespace): ClusterRoleBindings, then (for a non-empty namespace) the
/// RoleBindings of that namespace, with no short-circuit.
pub fn rules_for(index: &RbacIndex, user: &UserInfo, namespace: &str) -> RulesFor {
    let mut rules = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for id in matching_bindings(index, user, namespace) {
        match &index.bindings[id].role {
            Err(e) => {
                if !errors.contains(e) {
                    errors.push(e.clone());
                }
            }
            Ok(role) => {
                for rule in 0..index.roles[*role].rules.len() {
                    rules.push(VisitedRule {
                        binding: id,
                        role: *role,
                        rule,
                    });
                }
            }
        }
    }
    RulesFor { rules, errors }
}

/// The SelfSubjectRulesReview status: rules with resources, and rules with URLs (a malformed
/// rule with both goes to both lists, as upstream).
pub fn review_rules<'a>(
    rules: impl IntoIterator<Item = &'a PolicyRule>,
) -> (Vec<PolicyRule>, Vec<PolicyRule>) {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for rule in rules {
        if rule.resources.as_ref().is_some_and(|r| !r.is_empty()) {
            resource_rules.push(PolicyRule {
                verbs: rule.verbs.clone(),
                api_groups: rule.api_groups.clone(),
                resources: rule.resources.clone(),
                resource_names: rule.resource_names.clone(),
                non_resource_urls: None,
            });
        }
        if rule
            .non_resource_urls
            .as_ref()
            .is_some_and(|u| !u.is_empty())
        {
            non_resource_rules.push(PolicyRule {
                verbs: rule.verbs.clone(),
                non_resource_urls: rule.non_resource_urls.clone(),
                ..PolicyRule::default()
            });
        }
    }
    (resource_rules, non_resource_rules)
}

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

fn one(s: &str) -> Option<Vec<String>> {
    Some(vec![s.to_string()])
}

/// BreakdownRule: one rule per group × resource × verb (× name), then per URL × verb.
pub fn breakdown_rule(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for group in list(&rule.api_groups) {
        for resource in list(&rule.resources) {
            for verb in &rule.verbs {
                let names = list(&rule.resource_names);
                if names.is_empty() {
                    out.push(PolicyRule {
                        api_groups: one(group),
                        resources: one(resource),
                        verbs: vec![verb.clone()],
                        ..PolicyRule::default()
                    });
                } else {
                    for name in names {
                        out.push(PolicyRule {
                            api_groups: one(group),
                            resources: one(resource),
                            verbs: vec![verb.clone()],
                            resource_names: one(name),
                            ..PolicyRule::default()
                        });
                    }
                }
            }
        }
    }
    for url in list(&rule.non_resource_urls) {
        for verb in &rule.verbs {
            out.push(PolicyRule {
                non_resource_urls: one(url),
                verbs: vec![verb.clone()],
                ..PolicyRule::default()
            });
        }
    }
    out
}

/// CompactRules: resource rules naming one group, one resource and at most one name are merged
/// (verbs appended in first-seen order); every other rule is kept as is, first.
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut compacted = Vec::new();
    let mut simple: Vec<((String, String, bool, String), PolicyRule)> = Vec::new();
    let mut position: std::collections::HashMap<(String, String, bool, String), usize> =
        std::collections::HashMap::new();
    for rule in rules {
        match simple_key(rule) {
            Some(key) => match position.get(&key) {
                Some(&i) => {
                    let existing = &mut simple[i].1;
                    for verb in &rule.verbs {
                        if !existing.verbs.contains(verb) {
                            existing.verbs.push(verb.clone());
                        }
                    }
                }
                None => {
                    position.insert(key.clone(), simple.len());
                    simple.push((key, rule.clone()));
                }
            },
            None => compacted.push(rule.clone()),
        }
    }
    compacted.extend(simple.into_iter().map(|(_, r)| r));
    compacted
}

fn simple_key(rule: &PolicyRule) -> Option<(String, String, bool, String)> {
    let names = list(&rule.resource_names);
    if names.len() > 1 || !list(&rule.non_resource_urls).is_empty() {
        return None;
    }
    let groups = list(&rule.api_groups);
    let resources = list(&rule.resources);
    if groups.len() != 1 || resources.len() != 1 {
        return None;
    }
    Some((
        groups[0].clone(),
        resources[0].clone(),
        !names.is_empty(),
        names.first().cloned().unwrap_or_default(),
    ))
}

/// The Go protobuf `String()` of a PolicyRule, which kubectl sorts by.
pub fn go_rule_string(rule: &PolicyRule) -> String {
    format!(
        "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
        go_list(&rule.verbs),
        go_list(list(&rule.api_groups)),
        go_list(list(&rule.resources)),
        go_list(list(&rule.resource_names)),
        go_list(list(&rule.non_resource_urls)),
    )
}

/// `fmt.Sprintf("%v", []string{...})`: `[a b]`.
pub fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// kubectl's `can-i --list` rules: breakdown, compact, stable sort.
pub fn kubectl_list_rules(
    resource_rules: &[PolicyRule],
    non_resource_rules: &[PolicyRule],
) -> Vec<PolicyRule> {
    let broken: Vec<PolicyRule> = resource_rules
        .iter()
        .chain(non_resource_rules)
        .flat_map(breakdown_rule)
        .collect();
    let mut compacted: Vec<(String, PolicyRule)> = compact_rules(&broken)
        .into_iter()
        .map(|r| (go_rule_string(&r), r))
        .collect();
    compacted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    compacted.into_iter().map(|(_, r)| r).collect()
}

/// CombineResourceGroup: `deployments.apps/scale`, `pods/log`, `*.*`, `""` for URL rules.
pub fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (main, sub) = match first.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (first.as_str(), None),
    };
    let mut out = main.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        out.push('.');
        out.push_str(g);
    }
    if let Some(s) = sub {
        out.push('/');
        out.push_str(s);
    }
    out
}

/// The `kubectl auth can-i --list` table, byte for byte.
pub fn render_kubectl_list(rules: &[PolicyRule], headers: bool) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if headers {
        rows.push(
            ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]
                .map(String::from)
                .to_vec(),
        );
    }
    for r in rules {
        rows.push(vec![
            combine_resource_group(list(&r.resources), list(&r.api_groups)),
            go_list(list(&r.non_resource_urls)),
            go_list(list(&r.resource_names)),
            go_list(&r.verbs),
        ]);
    }
    go_tabwriter(&rows, 6, 3)
}

/// Go's text/tabwriter for rows whose cells all but the last are tab-terminated: each column is
/// as wide as its widest cell plus `padding`, at least `min_width`; the last cell is not padded.
pub fn go_tabwriter(rows: &[Vec<String>], min_width: usize, padding: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![min_width; columns.saturating_sub(1)];
    for row in rows {
        for (c, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[c] = widths[c].max(cell.chars().count() + padding);
        }
    }
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c].saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}
