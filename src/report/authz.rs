//! Reports of the RBAC commands when an authorizer chain is configured: which authorizer
//! decided (`ABAC: allowed by policy on line 3`), what each mode said, and who-can and access
//! across the chain. RBAC's own parts reuse the RBAC report.

use serde_json::{Value, json};

use super::rbac::{
    access_json_value, can_json_value, can_text, pretty, request_json, user_text,
    who_can_json_value,
};
use super::table::{new_table, render};
use crate::authz::{ChainDecision, ChainRules, ChainWhoCan, Decider, Verdict};
use crate::index::RbacIndex;
use crate::model::identity::UserInfo;
use crate::model::{Action, Request};
use crate::rbac::access::{kubectl_list_rules, render_kubectl_list, review_rules};

fn verdicts_text(decision: &ChainDecision) -> String {
    let parts: Vec<String> = decision
        .verdicts
        .iter()
        .map(|(mode, verdict)| {
            let said = match verdict {
                Verdict::Allow => "allowed",
                Verdict::NoOpinion => "no opinion",
                Verdict::NotConsulted => "not consulted",
            };
            format!("{} ({said})", mode.name())
        })
        .collect();
    parts.join(", ")
}

/// `kubesim can` across the chain.
pub fn can_chain_text(index: &RbacIndex, request: &Request, decision: &ChainDecision) -> String {
    let reason = decision.reason(index);
    let mut out = String::new();
    match (decision.allowed, reason.is_empty()) {
        (true, _) => out.push_str("yes\n"),
        (false, true) => out.push_str("no\n"),
        (false, false) => out.push_str(&format!("no - {reason}\n")),
    }
    let rbac_text = decision
        .rbac
        .as_ref()
        .map(|e| can_text(index, request, e))
        .unwrap_or_default();
    out.push_str(&format!(
        "request: {} as {}\n",
        request.action.describe(),
        user_text(&request.user)
    ));
    out.push_str(&format!("authorizers: {}\n", verdicts_text(decision)));
    let rbac_body: Vec<&str> = rbac_text.lines().skip(2).collect();
    match &decision.decider {
        Some(Decider::Superuser) => out.push_str(
            "reason: \"\" (group system:masters is the superuser group: the apiserver allows it before any authorizer is consulted)\n",
        ),
        Some(Decider::Abac(policy)) => {
            out.push_str(&format!("reason: {reason}\n"));
            out.push_str(&format!(
                "policy: {}:{}: {}\n",
                decision.abac_file.as_deref().unwrap_or(""),
                policy.line,
                policy.text
            ));
        }
        Some(Decider::AlwaysAllow) => out.push_str(&format!("reason: {reason}\n")),
        Some(Decider::Rbac) => {
            for line in &rbac_body {
                out.push_str(line);
                out.push('\n');
            }
        }
        None => {
            if let Some(file) = &decision.abac_file {
                out.push_str(&format!(
                    "ABAC: no policy of {file} matches ({} policies searched)\n",
                    decision.abac_policies
                ));
            }
            for line in &rbac_body {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `kubesim can -o json` across the chain: RBAC's fields plus `authorizer`, `authorizers` and,
/// for an ABAC allow, the `policy`.
pub fn can_chain_json(
    index: &RbacIndex,
    request: &Request,
    decision: &ChainDecision,
    warnings: &[String],
) -> String {
    let mut v = match &decision.rbac {
        Some(e) => can_json_value(index, request, e, warnings),
        None => json!({
            "request": request_json(request),
            "via": [],
            "near_misses": [],
            "warnings": warnings,
        }),
    };
    v["allowed"] = json!(decision.allowed);
    v["reason"] = json!(decision.reason(index));
    v["superuser"] = json!(matches!(decision.decider, Some(Decider::Superuser)));
    v["authorizer"] = json!(decision.decider_name());
    v["authorizers"] = decision
        .verdicts
        .iter()
        .map(|(mode, verdict)| {
            json!({"mode": mode.name(), "verdict": match verdict {
                Verdict::Allow => "allow",
                Verdict::NoOpinion => "no_opinion",
                Verdict::NotConsulted => "not_consulted",
            }})
        })
        .collect();
    if !matches!(decision.decider, Some(Decider::Rbac)) {
        // The RBAC grants did not decide; keep them only as what RBAC would have said.
        if let Some(obj) = v.as_object_mut() {
            let via = obj.remove("via").unwrap_or(Value::Array(Vec::new()));
            obj.insert("rbac_via".into(), via);
            obj.insert("via".into(), Value::Array(Vec::new()));
        }
    }
    if let Some(Decider::Abac(p)) = &decision.decider {
        v["policy"] = json!({
            "file": decision.abac_file,
            "line": p.line,
            "text": p.text,
        });
    }
    pretty(&v)
}

/// The rows of who-can across the chain: RBAC's subjects and ABAC's, merged per subject.
fn who_can_rows(index: &RbacIndex, result: &ChainWhoCan) -> Vec<[String; 4]> {
    let mut rows: std::collections::BTreeMap<(u8, String, String, String), Vec<String>> =
        Default::default();
    if let Some(rbac) = &result.rbac {
        for (i, s) in rbac.subjects.iter().enumerate() {
            // The superuser group stays first, as in the RBAC report.
            let order = u8::from(i > 0 || s.name != "system:masters");
            let vias = if s.via.is_empty() {
                vec!["(superuser group)".to_string()]
            } else {
                s.via
                    .iter()
                    .map(|g| format!("RBAC {}", super::rbac::binding_via(index, g.binding)))
                    .collect()
            };
            rows.entry((order, s.kind.clone(), s.namespace.clone(), s.name.clone()))
                .or_default()
                .extend(vias);
        }
    }
    for s in &result.abac {
        let mut via = format!("ABAC policy line {}", s.line);
        if let Some(g) = &s.requires_group {
            via.push_str(&format!(" (while in group {g})"));
        }
        rows.entry((1, s.kind.to_string(), String::new(), s.name.clone()))
            .or_default()
            .push(via);
    }
    let mut out: Vec<[String; 4]> = rows
        .into_iter()
        .map(|((_, kind, ns, name), via)| [kind, ns, name, via.join(", ")])
        .collect();
    if result.everyone {
        out.insert(
            0,
            [
                "*".into(),
                String::new(),
                "(every request)".into(),
                "AlwaysAllow".into(),
            ],
        );
    }
    out
}

/// `kubesim who-can` across the chain.
pub fn who_can_chain_text(index: &RbacIndex, result: &ChainWhoCan) -> String {
    let mut table = new_table(["KIND", "NAMESPACE", "NAME", "VIA"]);
    for row in who_can_rows(index, result) {
        table.add_row(row);
    }
    let mut out = render(&table);
    if let Some(rbac) = &result.rbac {
        for e in &rbac.errors {
            out.push_str(&format!("warning: {e}\n"));
        }
    }
    out
}

/// `kubesim who-can -o json` across the chain: RBAC's answer plus `abac` subjects.
pub fn who_can_chain_json(index: &RbacIndex, action: &Action, result: &ChainWhoCan) -> String {
    let mut v = match &result.rbac {
        Some(rbac) => who_can_json_value(index, action, rbac),
        None => json!({"subjects": [], "errors": []}),
    };
    v["authorizers"] = result.chain.iter().map(|m| m.name()).collect();
    v["abac"] = result
        .abac
        .iter()
        .map(|s| {
            json!({"kind": s.kind, "name": s.name, "line": s.line, "requires_group": s.requires_group})
        })
        .collect();
    v["always_allow"] = json!(result.everyone);
    pretty(&v)
}

/// `kubesim access` across the chain (kubectl's `can-i --list` of the union of rules).
pub fn access_chain_text(index: &RbacIndex, rules: &ChainRules) -> String {
    let (resource_rules, non_resource_rules) = review_rules(rules.policy_rules(index));
    let list = kubectl_list_rules(&resource_rules, &non_resource_rules);
    let mut out = String::new();
    if let Some(rbac) = &rules.rbac
        && !rbac.errors.is_empty()
    {
        out.push_str(&format!(
            "Warning: the list may be incomplete: {}\n",
            rbac.evaluation_error()
        ));
    }
    out.push_str(&render_kubectl_list(&list, true));
    if !rules.abac.is_empty() {
        let lines: Vec<String> = rules.abac.iter().map(|(l, _)| l.to_string()).collect();
        out.push_str(&format!("ABAC policy lines: {}\n", lines.join(", ")));
    }
    out
}

/// `kubesim access -o json` across the chain.
pub fn access_chain_json(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    rules: &ChainRules,
) -> String {
    let empty = crate::rbac::RulesFor {
        rules: Vec::new(),
        errors: Vec::new(),
    };
    let mut v = access_json_value(
        index,
        user,
        namespace,
        rules.rbac.as_ref().unwrap_or(&empty),
    );
    let (resource_rules, non_resource_rules) = review_rules(rules.policy_rules(index));
    v["resourceRules"] = json!(resource_rules);
    v["nonResourceRules"] = json!(non_resource_rules);
    v["abac_sources"] = rules
        .abac
        .iter()
        .map(|(line, _)| json!({"line": line}))
        .collect();
    pretty(&v)
}
