//! Whether one PolicyRule allows one request, with the apiserver's exact string semantics:
//! `*` wildcards for verbs, groups and resources, `*/sub` for a subresource of any resource,
//! a trailing `*` on URLs as a prefix match, case-sensitive comparisons, and resourceNames that
//! never match a request without a name. No allocation: these run in the decision hot path.

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::model::{Action, NonResourceAttributes, ResourceAttributes};

/// `*`, the wildcard of every rule field but resourceNames.
pub const ALL: &str = "*";

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

/// RuleAllows: the rule grants the action.
pub fn rule_allows(rule: &PolicyRule, action: &Action) -> bool {
    match action {
        Action::Resource(r) => resource_rule_allows(rule, r),
        Action::NonResource(n) => non_resource_rule_allows(rule, n),
    }
}

pub fn resource_rule_allows(rule: &PolicyRule, r: &ResourceAttributes) -> bool {
    verb_matches(rule, &r.verb)
        && api_group_matches(rule, &r.api_group)
        && resource_matches_request(rule, r)
        && resource_name_matches(rule, &r.name)
}

pub fn non_resource_rule_allows(rule: &PolicyRule, n: &NonResourceAttributes) -> bool {
    verb_matches(rule, &n.verb) && non_resource_url_matches(rule, &n.path)
}

pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == ALL || v == verb)
}

pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    list(&rule.api_groups)
        .iter()
        .any(|g| g == ALL || g == group)
}

/// ResourceMatches on a request's resource and subresource.
pub fn resource_matches_request(rule: &PolicyRule, r: &ResourceAttributes) -> bool {
    list(&rule.resources)
        .iter()
        .any(|rule_resource| resource_entry_matches(rule_resource, &r.resource, &r.subresource))
}

/// ResourceMatches(ruleResources, combined, subresource) as upstream states it, for tests and
/// callers that already hold the combined `resource/subresource` string.
pub fn resource_matches(rule_resources: &[String], combined: &str, subresource: &str) -> bool {
    rule_resources.iter().any(|r| {
        if r == ALL || r == combined {
            return true;
        }
        !subresource.is_empty() && is_star_subresource(r, subresource)
    })
}

/// One rule resource against (resource, subresource), comparing the combined form without
/// building it.
fn resource_entry_matches(rule_resource: &str, resource: &str, subresource: &str) -> bool {
    if rule_resource == ALL {
        return true;
    }
    if subresource.is_empty() {
        return rule_resource == resource;
    }
    // rule == resource + "/" + subresource
    let combined_len = resource.len() + 1 + subresource.len();
    if rule_resource.len() == combined_len
        && rule_resource.starts_with(resource)
        && rule_resource.as_bytes()[resource.len()] == b'/'
        && rule_resource.ends_with(subresource)
    {
        return true;
    }
    is_star_subresource(rule_resource, subresource)
}

/// `*/sub` matches any resource's subresource `sub`.
fn is_star_subresource(rule_resource: &str, subresource: &str) -> bool {
    rule_resource.len() == subresource.len() + 2
        && rule_resource.starts_with("*/")
        && rule_resource.ends_with(subresource)
}

/// An empty resourceNames list matches any name (or none); otherwise the name must be listed.
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    let names = list(&rule.resource_names);
    names.is_empty() || names.iter().any(|n| n == name)
}

pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    list(&rule.non_resource_urls)
        .iter()
        .any(|u| url_matches(u, path))
}

/// One rule URL against a path: `*` matches all, a trailing `*` is a prefix match after
/// stripping every trailing `*`, anything else must be equal.
pub fn url_matches(rule_url: &str, path: &str) -> bool {
    if rule_url == ALL || rule_url == path {
        return true;
    }
    if rule_url.ends_with('*') {
        return path.starts_with(rule_url.trim_end_matches('*'));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_and_split_forms_agree() {
        let rules = [
            "*", "pods", "pods/log", "*/log", "pods/*", "*/*", "*/", "/", "",
        ];
        for rule in rules {
            for (res, sub) in [
                ("pods", ""),
                ("pods", "log"),
                ("pods", "*"),
                ("nodes", "log"),
                ("pods", "log/x"),
            ] {
                let combined = if sub.is_empty() {
                    res.to_string()
                } else {
                    format!("{res}/{sub}")
                };
                assert_eq!(
                    resource_entry_matches(rule, res, sub),
                    resource_matches(&[rule.to_string()], &combined, sub),
                    "{rule} vs {combined}"
                );
            }
        }
    }

    #[test]
    fn urls() {
        assert!(url_matches("/apis/*", "/apis/"));
        assert!(!url_matches("/apis/*", "/apis"));
        assert!(url_matches("/foo**", "/foobar"));
        assert!(!url_matches("/*/v1", "/api/v1"));
        assert!(url_matches("*", ""));
        assert!(!url_matches("/*", ""));
    }
}
