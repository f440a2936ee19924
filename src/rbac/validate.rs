//! Shape checks of a PolicyRule: the apiserver's validation (errors: such a rule can never be
//! stored) and the bootstrap rule builder's extra check (resourceNames with verbs that never
//! carry a name, which can never match).

use k8s_openapi::api::rbac::v1::PolicyRule;

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

/// Problems of a rule; `namespaced` for a rule of a Role. Empty = well-formed.
pub fn rule_problems(rule: &PolicyRule, namespaced: bool) -> Vec<String> {
    let mut out = Vec::new();
    if rule.verbs.is_empty() {
        out.push("verbs must contain at least one value".to_string());
    }
    let urls = !list(&rule.non_resource_urls).is_empty();
    if urls {
        if namespaced {
            out.push("namespaced rules cannot apply to non-resource URLs".to_string());
        }
        if !list(&rule.api_groups).is_empty()
            || !list(&rule.resources).is_empty()
            || !list(&rule.resource_names).is_empty()
        {
            out.push(
                "rules cannot apply to both regular resources and non-resource URLs".to_string(),
            );
        }
        return out;
    }
    if list(&rule.api_groups).is_empty() {
        out.push("resource rules must supply at least one api group".to_string());
    }
    if list(&rule.resources).is_empty() {
        out.push("resource rules must supply at least one resource".to_string());
    }
    if !list(&rule.resource_names).is_empty() {
        for verb in &rule.verbs {
            if matches!(verb.as_str(), "create" | "deletecollection") {
                out.push(format!(
                    "resourceNames never match `{verb}` requests, which carry no name"
                ));
            }
        }
    }
    out
}
