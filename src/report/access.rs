//! Reports of the access questions: `can` (decision, reason, the binding → role → rule chain or
//! the near misses), `who-can`, `access` (kubectl's `can-i --list` layout) and `matrix`, each
//! as text and as the stable JSON of cli.md. An answer of the RBAC-only chain reads as RBAC's;
//! a longer chain adds which authorizer decided (`ABAC: allowed by policy on line 3`) and what
//! each mode said. Pure functions from results to text.

use serde::Serialize;
use serde_json::{Value, json};

use crate::authz::{self, Access, Decider, Decision, Verdict};

use super::table::{new_table, render};
use crate::index::entry::{BindingId, RoleId};
use crate::index::rbac_index::RbacIndex;
use crate::model::identity::UserInfo;
use crate::model::{Action, Request};
use crate::rbac::RulesFor;
use crate::rbac::access::go_list as go_list_of;
use crate::rbac::access::{kubectl_list_rules, render_kubectl_list, review_rules};
use crate::rbac::authorize::{Grant, describe_subject};
use crate::rbac::explain::{Explanation, NearMiss};
use crate::rbac::matrix::Matrix;
use crate::rbac::who_can::WhoCan;

/// The request as JSON: who, and what.
pub fn request_json(request: &Request) -> Value {
    let mut v = json!({
        "user": request.user.name(),
        "groups": request.user.groups(),
        "verb": request.action.verb(),
    });
    match &request.action {
        Action::Resource(r) => {
            v["group"] = json!(r.api_group);
            v["resource"] = json!(r.resource);
            v["subresource"] = json!(r.subresource);
            v["name"] = json!(r.name);
            v["namespace"] = json!(r.namespace);
        }
        Action::NonResource(n) => v["path"] = json!(n.path),
    }
    v
}

fn binding_json(index: &RbacIndex, id: BindingId) -> Value {
    let b = &index.bindings[id];
    json!({
        "kind": b.kind.as_str(),
        "name": b.name,
        "namespace": b.namespace,
        "source": b.origin.to_string(),
    })
}

fn role_json(index: &RbacIndex, id: RoleId) -> Value {
    let r = &index.roles[id];
    let mut v = json!({"kind": r.kind.as_str(), "name": r.name, "source": r.origin.to_string()});
    if !r.namespace.is_empty() {
        v["namespace"] = json!(r.namespace);
    }
    v
}

fn aggregated_from_json(index: &RbacIndex, role: RoleId, rule: usize) -> Value {
    let effective = &index.roles[role].rules[rule];
    match effective.aggregated_from {
        Some(from) => json!({
            "kind": "ClusterRole",
            "name": index.roles[from].name,
            "rule": effective.rule_index,
            "source": index.roles[from].origin.to_string(),
        }),
        None => Value::Null,
    }
}

fn grant_json(index: &RbacIndex, g: &Grant) -> Value {
    let b = &index.bindings[g.binding];
    let mut v = json!({
        "binding": binding_json(index, g.binding),
        "role": role_json(index, g.role),
        "rule": g.rule,
        "subject": b.subjects.get(g.subject).map(|s| describe_subject(s, &b.namespace)),
    });
    let from = aggregated_from_json(index, g.role, g.rule);
    if !from.is_null() {
        v["aggregated_from"] = from;
    }
    v
}

fn near_miss_json(index: &RbacIndex, m: &NearMiss) -> Value {
    match m {
        NearMiss::RoleNotFound { binding, message } => json!({
            "kind": "role_not_found", "binding": binding_json(index, *binding), "message": message,
        }),
        NearMiss::Lacks {
            binding,
            role,
            closest,
            missing,
        } => json!({
            "kind": "lacks", "binding": binding_json(index, *binding), "role": role_json(index, *role),
            "closest_rule": closest, "missing": missing,
        }),
        NearMiss::ResourceNameMismatch {
            binding,
            role,
            rule,
            names,
        } => json!({
            "kind": "resource_name_mismatch", "binding": binding_json(index, *binding),
            "role": role_json(index, *role), "rule": rule, "resource_names": names,
        }),
        NearMiss::OtherNamespace {
            binding,
            role,
            rule,
        } => json!({
            "kind": "other_namespace", "binding": binding_json(index, *binding),
            "role": role_json(index, *role), "rule": rule,
        }),
    }
}

/// RBAC's part of `kubesim can -o json`; a chain adds to it.
fn rbac_can_json(
    index: &RbacIndex,
    request: &Request,
    explanation: &Explanation,
    warnings: &[String],
) -> Value {
    let d = &explanation.decision;
    json!({
        "allowed": d.allowed,
        "reason": d.reason(index),
        "request": request_json(request),
        "via": explanation.via.iter().map(|g| grant_json(index, g)).collect::<Vec<_>>(),
        "superuser": d.superuser,
        "near_misses": explanation.near_misses.iter().map(|m| near_miss_json(index, m)).collect::<Vec<_>>(),
        "searched": {
            "bindings_in_scope": explanation.bindings_in_scope,
            "bindings_of_subject": explanation.bindings_of_subject,
        },
        "warnings": warnings,
    })
}

pub(crate) fn pretty(v: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// A roleRef error (upstream's text) followed by the binding it comes from.
fn located_error(index: &RbacIndex, error: &str) -> String {
    match error_place(index, error) {
        Some(place) => format!("{error} ({place})"),
        None => error.to_string(),
    }
}

/// `roleRef of ClusterRoleBinding b (file:line)`, and how many other bindings share the error.
fn error_place(index: &RbacIndex, error: &str) -> Option<String> {
    let mut bindings = (0..index.bindings.len()).filter(|&id| {
        index.bindings[id]
            .role
            .as_ref()
            .err()
            .is_some_and(|e| e == error)
    });
    let first = bindings.next()?;
    let more = match bindings.count() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(format!("roleRef of {}{more}", binding_text(index, first)))
}

pub fn binding_text(index: &RbacIndex, id: BindingId) -> String {
    let b = &index.bindings[id];
    object_text(b.kind.as_str(), &b.namespace, &b.name, &b.origin)
}

pub fn role_text(index: &RbacIndex, id: RoleId) -> String {
    let r = &index.roles[id];
    object_text(r.kind.as_str(), &r.namespace, &r.name, &r.origin)
}

/// `Kind ns/name (file:line)`, or `Kind name (file:line)` for a cluster-scoped object.
fn object_text(kind: &str, namespace: &str, name: &str, origin: &impl std::fmt::Display) -> String {
    if namespace.is_empty() {
        format!("{kind} {name} ({origin})")
    } else {
        format!("{kind} {namespace}/{name} ({origin})")
    }
}

pub fn user_text(user: &UserInfo) -> String {
    format!(
        "user {} groups {}",
        crate::source::go_quote(user.name()),
        go_list_of(user.groups())
    )
}

/// `kubesim can` as text: `yes` / `no[ - REASON]` (as kubectl prints), then the explanation.
fn rbac_can_text(index: &RbacIndex, request: &Request, explanation: &Explanation) -> String {
    let d = &explanation.decision;
    let reason = d.reason(index);
    let mut out = String::new();
    match (d.allowed, reason.is_empty()) {
        (true, _) => out.push_str("yes\n"),
        (false, true) => out.push_str("no\n"),
        (false, false) => out.push_str(&format!("no - {reason}\n")),
    }
    out.push_str(&format!(
        "request: {} as {}\n",
        request.action.describe(),
        user_text(&request.user)
    ));
    if d.superuser {
        out.push_str("reason: \"\" (group system:masters is the superuser group: the apiserver allows it before RBAC is consulted)\n");
    } else if d.allowed {
        out.push_str(&format!("reason: {reason}\n"));
    }
    if !explanation.via.is_empty() {
        out.push_str("via:\n");
        for g in &explanation.via {
            let b = &index.bindings[g.binding];
            let subject = b
                .subjects
                .get(g.subject)
                .map(|s| describe_subject(s, &b.namespace))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} to {}\n",
                binding_text(index, g.binding),
                subject
            ));
            let effective = &index.roles[g.role].rules[g.rule];
            out.push_str(&format!(
                "    -> {}, rule {}: {}\n",
                role_text(index, g.role),
                g.rule,
                rule_text(&effective.rule)
            ));
            if let Some(from) = effective.aggregated_from {
                out.push_str(&format!(
                    "       aggregated from {}, rule {}\n",
                    role_text(index, from),
                    effective.rule_index
                ));
            }
        }
    }
    if !d.allowed {
        out.push_str(&format!(
            "searched: {} binding(s) in scope, {} of them name the subject\n",
            explanation.bindings_in_scope, explanation.bindings_of_subject
        ));
        if explanation.near_misses.is_empty() {
            out.push_str("no binding grants this subject anything related\n");
        } else {
            out.push_str("near misses:\n");
            for m in &explanation.near_misses {
                out.push_str(&format!("  {}\n", near_miss_text(index, m)));
            }
        }
    }
    out
}

/// A rule in kubectl's compact form: `verbs [get list] on pods, services in group ""`.
pub fn rule_text(rule: &k8s_openapi::api::rbac::v1::PolicyRule) -> String {
    // Unlike Go's %v, show the core group as "" so it is visible.
    let l = |v: &Option<Vec<String>>| {
        let items: Vec<String> = v
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|s| {
                if s.is_empty() {
                    "\"\"".to_string()
                } else {
                    s.clone()
                }
            })
            .collect();
        go_list_of(&items)
    };
    let mut s = format!("verbs {}", go_list_of(&rule.verbs));
    if rule
        .non_resource_urls
        .as_ref()
        .is_some_and(|u| !u.is_empty())
    {
        s.push_str(&format!(" nonResourceURLs {}", l(&rule.non_resource_urls)));
    }
    if rule.resources.as_ref().is_some_and(|u| !u.is_empty())
        || rule.api_groups.as_ref().is_some_and(|u| !u.is_empty())
    {
        s.push_str(&format!(
            " apiGroups {} resources {}",
            l(&rule.api_groups),
            l(&rule.resources)
        ));
    }
    if rule.resource_names.as_ref().is_some_and(|u| !u.is_empty()) {
        s.push_str(&format!(" resourceNames {}", l(&rule.resource_names)));
    }
    s
}

fn near_miss_text(index: &RbacIndex, m: &NearMiss) -> String {
    match m {
        NearMiss::RoleNotFound { binding, message } => format!(
            "{} names the subject, but its roleRef resolves to nothing: {message}",
            binding_text(index, *binding)
        ),
        NearMiss::Lacks {
            binding,
            role,
            closest,
            missing,
        } => match closest {
            None => format!(
                "{} -> {} has no rules",
                binding_text(index, *binding),
                role_text(index, *role)
            ),
            Some(k) => format!(
                "{} -> {}: closest rule {} ({}) does not match the {}",
                binding_text(index, *binding),
                role_text(index, *role),
                k,
                rule_text(&index.roles[*role].rules[*k].rule),
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        NearMiss::ResourceNameMismatch {
            binding,
            role,
            rule,
            names,
        } => format!(
            "{} -> {}: rule {} grants this only for resourceNames {}",
            binding_text(index, *binding),
            role_text(index, *role),
            rule,
            go_list_of(names)
        ),
        NearMiss::OtherNamespace {
            binding,
            role,
            rule,
        } => format!(
            "{} -> {}, rule {}: grants this, but only in namespace {}",
            binding_text(index, *binding),
            role_text(index, *role),
            rule,
            index.bindings[*binding].namespace
        ),
    }
}

/// `RoleBinding NS/NAME -> ClusterRole ROLE`: a granting binding as the tables show it.
pub fn binding_via(index: &RbacIndex, binding: BindingId) -> String {
    let b = &index.bindings[binding];
    let shown = if b.namespace.is_empty() {
        format!("{} {}", b.kind.as_str(), b.name)
    } else {
        format!("{} {}/{}", b.kind.as_str(), b.namespace, b.name)
    };
    format!("{shown} -> {} {}", b.role_ref_kind, b.role_ref_name)
}

/// RBAC's who-can as a table: one row per subject with the bindings that grant it.
fn rbac_who_can_text(index: &RbacIndex, result: &WhoCan) -> String {
    let mut table = new_table(["KIND", "NAMESPACE", "NAME", "VIA"]);
    for s in &result.subjects {
        let via = if s.via.is_empty() {
            "(superuser group)".to_string()
        } else {
            s.via
                .iter()
                .map(|g| binding_via(index, g.binding))
                .collect::<Vec<_>>()
                .join(", ")
        };
        table.add_row([s.kind.clone(), s.namespace.clone(), s.name.clone(), via]);
    }
    let mut out = render(&table);
    for e in &result.errors {
        out.push_str(&format!("warning: {}\n", located_error(index, e)));
    }
    out
}

/// RBAC's part of `kubesim who-can -o json`; a chain adds to it.
fn rbac_who_can_json(index: &RbacIndex, action: &Action, result: &WhoCan) -> Value {
    let subjects: Vec<Value> = result
        .subjects
        .iter()
        .map(|s| {
            let mut v = json!({"kind": s.kind, "name": s.name});
            if !s.namespace.is_empty() {
                v["namespace"] = json!(s.namespace);
            }
            v["via"] = s
                .via
                .iter()
                .map(|g| {
                    let b = &index.bindings[g.binding];
                    let role = b.role.as_ref().ok().copied();
                    let mut via =
                        json!({"binding": binding_json(index, g.binding), "rule": g.rule});
                    if let Some(r) = role {
                        via["role"] = role_json(index, r);
                        let from = aggregated_from_json(index, r, g.rule);
                        if !from.is_null() {
                            via["aggregated_from"] = from;
                        }
                    }
                    via
                })
                .collect();
            v
        })
        .collect();
    let request = request_json(&Request::new(UserInfo::new("", Vec::new()), action.clone()));
    let mut request = request;
    if let Some(obj) = request.as_object_mut() {
        obj.remove("user");
        obj.remove("groups");
    }
    json!({"request": request, "subjects": subjects, "errors": result.errors})
}

/// RBAC's part of `kubesim access -o json`: the SelfSubjectRulesReview status plus where
/// each rule came from.
fn rbac_access_json(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    rules: &RulesFor,
) -> Value {
    let (resource_rules, non_resource_rules) = review_rules(rules.policy_rules(index));
    let sources: Vec<Value> = rules
        .rules
        .iter()
        .map(|v| {
            let mut s = json!({
                "binding": binding_json(index, v.binding),
                "role": role_json(index, v.role),
                "rule": v.rule,
            });
            let from = aggregated_from_json(index, v.role, v.rule);
            if !from.is_null() {
                s["aggregated_from"] = from;
            }
            s
        })
        .collect();
    json!({
        "user": user.name(),
        "groups": user.groups(),
        "namespace": namespace,
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false,
        "evaluationError": rules.evaluation_error(),
        "sources": sources,
    })
}

/// A matrix as a table (`yes` / `no` cells).
pub fn matrix_text(matrix: &Matrix, corner: &str) -> String {
    let mut header = vec![corner.to_string()];
    header.extend(matrix.columns.iter().cloned());
    let mut table = new_table(header);
    for (row, cells) in matrix.rows.iter().zip(&matrix.cells) {
        let mut line = vec![row.clone()];
        line.extend(
            cells
                .iter()
                .map(|&c| if c { "yes" } else { "no" }.to_string()),
        );
        table.add_row(line);
    }
    render(&table)
}

/// A matrix as JSON: `{"rows": [...], "columns": [...], "cells": {"ROW": {"COLUMN": bool}}}`.
pub fn matrix_json(matrix: &Matrix, meta: Value) -> String {
    let mut cells = serde_json::Map::new();
    for (row, values) in matrix.rows.iter().zip(&matrix.cells) {
        let mut m = serde_json::Map::new();
        for (col, &v) in matrix.columns.iter().zip(values) {
            m.insert(col.clone(), json!(v));
        }
        cells.insert(row.clone(), Value::Object(m));
    }
    pretty(&json!({"query": meta, "rows": matrix.rows, "columns": matrix.columns, "cells": cells}))
}

fn verdicts_text(decision: &Decision) -> String {
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
pub fn can_text(index: &RbacIndex, request: &Request, decision: &Decision) -> String {
    if let Some(explanation) = decision.rbac_only() {
        return rbac_can_text(index, request, explanation);
    }
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
        .map(|e| rbac_can_text(index, request, e))
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
pub fn can_json(
    index: &RbacIndex,
    request: &Request,
    decision: &Decision,
    warnings: &[String],
) -> String {
    if let Some(explanation) = decision.rbac_only() {
        return pretty(&rbac_can_json(index, request, explanation, warnings));
    }
    let mut v = match &decision.rbac {
        Some(e) => rbac_can_json(index, request, e, warnings),
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
fn who_can_rows(index: &RbacIndex, result: &authz::WhoCan) -> Vec<[String; 4]> {
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
                    .map(|g| format!("RBAC {}", binding_via(index, g.binding)))
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
pub fn who_can_text(index: &RbacIndex, result: &authz::WhoCan) -> String {
    if let Some(rbac) = result.rbac_only() {
        return rbac_who_can_text(index, rbac);
    }
    let mut table = new_table(["KIND", "NAMESPACE", "NAME", "VIA"]);
    for row in who_can_rows(index, result) {
        table.add_row(row);
    }
    let mut out = render(&table);
    if let Some(rbac) = &result.rbac {
        for e in &rbac.errors {
            out.push_str(&format!("warning: {}\n", located_error(index, e)));
        }
    }
    out
}

/// `kubesim who-can -o json` across the chain: RBAC's answer plus `abac` subjects.
pub fn who_can_json(index: &RbacIndex, action: &Action, result: &authz::WhoCan) -> String {
    if let Some(rbac) = result.rbac_only() {
        return pretty(&rbac_who_can_json(index, action, rbac));
    }
    let mut v = match &result.rbac {
        Some(rbac) => rbac_who_can_json(index, action, rbac),
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
pub fn access_text(index: &RbacIndex, rules: &Access) -> String {
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
        for e in &rbac.errors {
            if let Some(place) = error_place(index, e) {
                out.push_str(&format!("  {e}: {place}\n"));
            }
        }
    }
    out.push_str(&render_kubectl_list(&list, true));
    if !rules.abac.is_empty() {
        let lines: Vec<String> = rules.abac.iter().map(|(l, _)| l.to_string()).collect();
        out.push_str(&format!("ABAC policy lines: {}\n", lines.join(", ")));
    }
    out
}

/// `kubesim access -o json`.
pub fn access_json(index: &RbacIndex, user: &UserInfo, namespace: &str, rules: &Access) -> String {
    pretty(&access_json_value(index, user, namespace, rules))
}

/// The value behind [`access_json`], for reports that embed it (`whoami --show-access`).
pub fn access_json_value(
    index: &RbacIndex,
    user: &UserInfo,
    namespace: &str,
    rules: &Access,
) -> Value {
    if let Some(rbac) = rules.rbac_only() {
        return rbac_access_json(index, user, namespace, rbac);
    }
    let empty = crate::rbac::RulesFor {
        rules: Vec::new(),
        errors: Vec::new(),
    };
    let mut v = rbac_access_json(
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
    v
}
