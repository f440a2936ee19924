//! Running policies (`kubesim check`): each `forbid`/`require` rule ranges over the subjects,
//! workloads or namespaces it selects, minus its exceptions, and yields one violation per
//! offender, with the evidence and the manifest location of the offending binding or workload.

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::authz::Chain;
use crate::dsl::program::{
    Access, Exception, NamePattern, Policy, PolicyRule, PolicySeverity, Principal, RuleCondition,
    RuleMode, Subject,
};
use crate::escalate::Finding;
use crate::escalate::paths::Reach;
use crate::index::names::UnknownName;
use crate::index::rbac_index::RbacIndex;
use crate::model::Origin;
use crate::model::Request;
use crate::pss::admission::policy_to_evaluate;
use crate::pss::assess::{AssessOptions, assess_workload, namespace_labels};

use super::eval::{action, select_workloads, user_info};
use super::evidence::Evidence;
use super::state::State;

/// One offender of one rule.
#[derive(Debug, Clone)]
pub struct Violation {
    pub policy: String,
    pub severity: PolicySeverity,
    /// The `.ksim` file and line of the rule.
    pub policy_file: String,
    pub rule_line: u32,
    /// The rule as written.
    pub rule: String,
    /// The subject, workload or namespace that breaks the rule.
    pub offender: String,
    pub evidence: Vec<Evidence>,
    /// Where the offending binding, role or workload is written.
    pub location: Option<Origin>,
}

/// A rule that could not be evaluated.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub policy: String,
    pub rule_line: u32,
    pub reason: Evidence,
}

/// Every violation of every policy, sorted by severity (highest first), policy and offender.
#[derive(Debug, Clone, Default)]
pub struct PolicyReport {
    pub violations: Vec<Violation>,
    pub skipped: Vec<Skipped>,
    /// Names a rule uses that exist nowhere in the input: the policy file, the rule's line and
    /// the name. Such a rule can never be broken, so under `--strict` it fails the check.
    pub unknown: Vec<(String, u32, UnknownName)>,
    /// How many rules were evaluated.
    pub rules: usize,
}

/// Every subject kubesim knows: those named in a binding and every service account.
pub fn known_subjects(index: &RbacIndex) -> BTreeSet<Subject> {
    let mut out = BTreeSet::new();
    for b in &index.bindings {
        for s in &b.subjects {
            let subject = match s.kind.as_str() {
                "User" => Subject::User(s.name.clone()),
                "Group" => Subject::Group(s.name.clone()),
                "ServiceAccount" => {
                    let ns = s
                        .namespace
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| b.namespace.clone());
                    if ns.is_empty() {
                        continue;
                    }
                    Subject::ServiceAccount {
                        namespace: ns,
                        name: s.name.clone(),
                    }
                }
                _ => continue,
            };
            out.insert(subject);
        }
    }
    for sa in &index.cluster.service_accounts {
        out.insert(Subject::ServiceAccount {
            namespace: sa.metadata.namespace.clone().unwrap_or_default(),
            name: sa.metadata.name.clone().unwrap_or_default(),
        });
    }
    out
}

/// Every namespace in the input: Namespace objects and the namespaces objects live in.
pub fn known_namespaces(state: &State) -> BTreeSet<String> {
    let c = state.cluster();
    let mut out: BTreeSet<String> = c
        .namespaces
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    out.extend(c.per_namespace.keys().filter(|k| !k.is_empty()).cloned());
    out
}

fn subject_excepted(subject: &Subject, exceptions: &[Exception]) -> bool {
    exceptions
        .iter()
        .any(|e| matches!(e, Exception::Subject(p) if p.matches(subject)))
}

/// Evaluates every rule of `policies` against `state`.
pub fn check_policies(policies: &[(String, Policy)], state: &State) -> PolicyReport {
    let rules: Vec<(&String, &Policy, &PolicyRule)> = policies
        .iter()
        .flat_map(|(file, p)| p.rules.iter().map(move |r| (file, p, r)))
        .collect();
    let results: Vec<(Vec<Violation>, Option<Skipped>)> = rules
        .par_iter()
        .map(|(file, policy, rule)| check_rule(file, policy, rule, state))
        .collect();
    let mut report = PolicyReport {
        rules: rules.len(),
        ..PolicyReport::default()
    };
    for (violations, skipped) in results {
        report.violations.extend(violations);
        report.skipped.extend(skipped);
    }
    for (file, _, rule) in &rules {
        for name in unknown_in_rule(rule, state) {
            report
                .unknown
                .push((file.to_string(), rule.origin.line, name));
        }
    }
    report.unknown.sort();
    report.unknown.dedup();
    report.violations.sort_by(|a, b| {
        (b.severity, &a.policy_file, a.rule_line, &a.offender).cmp(&(
            a.severity,
            &b.policy_file,
            b.rule_line,
            &b.offender,
        ))
    });
    report
}

/// Where a namespace is written: its Namespace object, else the first workload, RoleBinding,
/// Role, ServiceAccount or Secret in it (a namespace is often only used, never defined).
fn namespace_location(state: &State, ns: &str) -> Option<Origin> {
    let cluster = state.cluster();
    let in_ns = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.namespace.as_deref() == Some(ns)
    };
    cluster
        .namespaces
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some(ns))
        .map(|n| n.origin.clone())
        .or_else(|| {
            cluster
                .workloads
                .iter()
                .find(|w| w.namespace == ns)
                .map(|w| w.origin.clone())
        })
        .or_else(|| {
            let bindings = cluster.role_bindings.iter().find(|b| in_ns(&b.metadata));
            bindings.map(|b| b.origin.clone())
        })
        .or_else(|| {
            let roles = cluster.roles.iter().find(|r| in_ns(&r.metadata));
            roles.map(|r| r.origin.clone())
        })
        .or_else(|| {
            let accounts = cluster.service_accounts.iter().find(|a| in_ns(&a.metadata));
            accounts.map(|a| a.origin.clone())
        })
        .or_else(|| {
            let secrets = cluster.secrets.iter().find(|s| in_ns(&s.metadata));
            secrets.map(|s| s.origin.clone())
        })
}

/// The verbs, resources and namespaces a rule names that the input has nowhere.
fn unknown_in_rule(rule: &PolicyRule, state: &State) -> Vec<UnknownName> {
    let names = state.names();
    match &rule.condition {
        RuleCondition::Access { access, .. } => super::eval::unknown_in_access(access, state),
        RuleCondition::PodSecurity {
            workloads:
                crate::dsl::program::WorkloadSelector::Pods(ns)
                | crate::dsl::program::WorkloadSelector::Workloads(ns),
            ..
        }
        | RuleCondition::NamespaceEnforces { namespaces: ns, .. }
            if ns.is_literal() =>
        {
            names.namespace(ns.as_str()).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

fn check_rule(
    file: &str,
    policy: &Policy,
    rule: &PolicyRule,
    state: &State,
) -> (Vec<Violation>, Option<Skipped>) {
    let violation =
        |offender: String, evidence: Vec<Evidence>, location: Option<Origin>| Violation {
            policy: policy.name.clone(),
            severity: policy.severity,
            policy_file: file.to_string(),
            rule_line: rule.origin.line,
            rule: rule
                .origin
                .text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            offender,
            evidence,
            location,
        };
    let forbid = rule.mode == RuleMode::Forbid;
    let mut out = Vec::new();
    match &rule.condition {
        RuleCondition::Access {
            subjects,
            allowed,
            access,
        } => {
            let rbac_only = Chain::default();
            for subject in known_subjects(&state.rbac) {
                if !subjects.matches(&subject) || subject_excepted(&subject, &rule.exceptions) {
                    continue;
                }
                for access in expand_namespaces(access, state) {
                    let principal = Principal::authenticate(subject.clone(), &[]);
                    let request = Request::new(user_info(&principal), action(&access, state));
                    // Explaining costs far more than deciding: only a violation is explained.
                    let holds = rbac_only.allows(&state.rbac, &request) == *allowed;
                    if holds != forbid {
                        continue;
                    }
                    let decision = rbac_only.authorize(&state.rbac, &request);
                    let location = decision
                        .rbac
                        .as_ref()
                        .and_then(|e| e.via.first())
                        .map(|g| state.rbac.bindings[g.binding].origin.clone());
                    let offender = format!("{subject} ({})", request.action.describe());
                    let evidence = Evidence::Access {
                        index: state.rbac.clone(),
                        request,
                        decision,
                    };
                    out.push(violation(offender, vec![evidence], location));
                }
            }
        }
        RuleCondition::PodSecurity {
            workloads,
            meets,
            level: wanted,
            version: at,
        } => {
            let options = AssessOptions {
                version: *at,
                ..AssessOptions::default()
            };
            let labels = namespace_labels(state.cluster());
            let wanted = *wanted;
            for w in select_workloads(state, workloads) {
                let excepted = rule.exceptions.iter().any(|e| match e {
                    Exception::Workloads(sel) => select_workloads(state, sel)
                        .iter()
                        .any(|x| std::ptr::eq(*x, w)),
                    Exception::Namespace(ns) => ns.matches(&w.namespace),
                    Exception::Subject(_) => false,
                });
                if excepted {
                    continue;
                }
                let a = assess_workload(w, &state.sources, &options, labels.get(&w.namespace));
                if (a.meets(wanted) == *meets) != forbid {
                    continue;
                }
                let offender = a.display_name();
                let evidence = Evidence::PodSecurity {
                    assessment: a,
                    wanted,
                };
                out.push(violation(offender, vec![evidence], Some(w.origin.clone())));
            }
            if select_workloads(state, workloads).is_empty() && !forbid {
                return (
                    out,
                    Some(Skipped {
                        policy: policy.name.clone(),
                        rule_line: rule.origin.line,
                        reason: Evidence::NoWorkload(workloads.clone()),
                    }),
                );
            }
        }
        RuleCondition::NamespaceEnforces {
            namespaces,
            level: wanted,
            version: wanted_version,
        } => {
            let labels = namespace_labels(state.cluster());
            for ns in known_namespaces(state) {
                if !namespaces.matches(&ns) {
                    continue;
                }
                if rule
                    .exceptions
                    .iter()
                    .any(|e| matches!(e, Exception::Namespace(p) if p.matches(&ns)))
                {
                    continue;
                }
                let (policy_now, _) = policy_to_evaluate(labels.get(&ns), &Default::default());
                let enforce = policy_now.enforce;
                let holds =
                    enforce.level >= *wanted && wanted_version.is_none_or(|v| enforce.version == v);
                if holds != forbid {
                    continue;
                }
                let location = namespace_location(state, &ns);
                out.push(violation(
                    format!("namespace {ns}"),
                    vec![Evidence::Enforces(enforce)],
                    location,
                ));
            }
        }
        RuleCondition::Escalation {
            subjects,
            reachable,
            target,
        } => {
            let graph = super::eval::escalation_graph(state, &AssessOptions::default());
            let target = super::targets::target(target);
            let reach = match Reach::new(&graph, &state.rbac, &target) {
                Ok(r) => r,
                Err(reason) => {
                    return (
                        out,
                        Some(Skipped {
                            policy: policy.name.clone(),
                            rule_line: rule.origin.line,
                            reason: Evidence::Unanswered(reason),
                        }),
                    );
                }
            };
            for subject in known_subjects(&state.rbac) {
                if !subjects.matches(&subject) || subject_excepted(&subject, &rule.exceptions) {
                    continue;
                }
                let principal = Principal::authenticate(subject.clone(), &[]);
                let source = super::targets::source(&principal);
                let path = reach.path(&source);
                let holds = path.is_some() == *reachable;
                if holds != forbid {
                    continue;
                }
                let (evidence, location) = match path {
                    Some(path) => {
                        let location = path
                            .iter()
                            .flat_map(|h| h.step.bindings())
                            .next()
                            .map(|b| state.rbac.bindings[b].origin.clone());
                        let finding = Finding {
                            source,
                            target: target.clone(),
                            path,
                            cut: None,
                        };
                        let evidence = Evidence::Escalation {
                            index: state.rbac.clone(),
                            finding,
                        };
                        (evidence, location)
                    }
                    None => (
                        Evidence::NoEscalation {
                            from: None,
                            to: target.clone(),
                        },
                        None,
                    ),
                };
                out.push(violation(format!("{subject}"), vec![evidence], location));
            }
        }
    }
    (out, None)
}

/// A policy access whose namespace is a glob stands for one access per matching namespace.
fn expand_namespaces(access: &Access, state: &State) -> Vec<Access> {
    match access {
        Access::Resource {
            namespace: Some(pattern),
            verb,
            resource,
            name,
        } if !pattern.is_literal() => known_namespaces(state)
            .into_iter()
            .filter(|ns| pattern.matches(ns))
            .map(|ns| Access::Resource {
                verb: verb.clone(),
                resource: resource.clone(),
                name: name.clone(),
                namespace: Some(NamePattern(ns)),
            })
            .collect(),
        other => vec![other.clone()],
    }
}
