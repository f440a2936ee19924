//! Escalation coverage (`Covers(owner, servant)`): whether the owner's rules grant everything
//! the servant's rules do, as the apiserver checks before letting someone create a role or a
//! binding. Servant rules are broken down to atomic rules; each must be covered by one owner
//! rule. A servant `*` is only covered by an owner `*`.

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::access::breakdown_rule;

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

fn has(set: &[String], item: &str) -> bool {
    set.iter().any(|s| s == item)
}

fn has_all(set: &[String], items: &[String]) -> bool {
    items.iter().all(|i| has(set, i))
}

/// Whether an owner URL covers a requested URL: equal, or the owner ends with `*` and the
/// requested URL starts with the owner stripped of its trailing `*`s.
pub fn non_resource_url_covers(owner: &str, requested: &str) -> bool {
    owner == requested
        || (owner.ends_with('*') && requested.starts_with(owner.trim_end_matches('*')))
}

fn resources_cover(owner: &[String], servant: &[String]) -> bool {
    if has(owner, "*") {
        return true;
    }
    servant.iter().all(|r| {
        has(owner, r)
            || r.split_once('/')
                .is_some_and(|(_, sub)| has(owner, &format!("*/{sub}")))
    })
}

/// Whether one owner rule covers one (atomic) servant rule.
pub fn rule_covers(owner: &PolicyRule, servant: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &servant.verbs);
    let groups = has(list(&owner.api_groups), "*")
        || has_all(list(&owner.api_groups), list(&servant.api_groups));
    let resources = resources_cover(list(&owner.resources), list(&servant.resources));
    let urls = list(&servant.non_resource_urls).iter().all(|u| {
        list(&owner.non_resource_urls)
            .iter()
            .any(|o| non_resource_url_covers(o, u))
    });
    let owner_names = list(&owner.resource_names);
    let names = if list(&servant.resource_names).is_empty() {
        owner_names.is_empty()
    } else {
        owner_names.is_empty() || has_all(owner_names, list(&servant.resource_names))
    };
    verbs && groups && resources && urls && names
}

/// Covers: (every servant rule is covered, the atomic servant rules that are not).
pub fn covers(owner: &[PolicyRule], servant: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let uncovered: Vec<PolicyRule> = servant
        .iter()
        .flat_map(breakdown_rule)
        .filter(|atomic| !owner.iter().any(|o| rule_covers(o, atomic)))
        .collect();
    (uncovered.is_empty(), uncovered)
}
