//! Evaluating one statement against one state: expectations (RBAC decisions, who-can sets,
//! pod-security levels, namespace admission) and `show` reports, as typed [`Evidence`] and
//! [`ShowReport`] values. Pure functions of the statement and the immutable state, so
//! statements run in parallel.

use crate::authz::{self, Chain};
use crate::dsl::ast::SetRelation;
use crate::dsl::program::{
    Access, Expectation, NamePattern, Principal, Show, Subject, SubjectPattern, WorkloadRef,
    WorkloadSelector,
};
use crate::dsl::program::{EscalationTarget, GainHolders, GainTarget};
use crate::escalate::paths::Reach;
use crate::escalate::{EscalationGraph, EscalationOptions, Finding, Target};
use crate::index::catalog::CatalogError;
use crate::index::names::{NameKind, UnknownName};
use crate::model::identity::UserInfo;
use crate::model::identity::split_service_account_user;
use crate::model::{Action, Request};
use crate::model::{Workload, WorkloadKind};
use crate::pss::assess::{
    AssessOptions, PssReport, WorkloadAssessment, assess_workload, namespace_labels,
};

use super::evidence::{Evidence, ShowReport};
use super::state::State;

/// The outcome of an expectation.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub passed: bool,
    /// Why: the deciding binding, role and rule, or the failing checks.
    pub evidence: Vec<Evidence>,
    /// Names the expectation uses that exist nowhere in the input (typos, most often); under
    /// `--strict` they make it fail.
    pub unknown: Vec<UnknownName>,
}

impl Outcome {
    pub(super) fn new(passed: bool, evidence: Vec<Evidence>) -> Self {
        Outcome {
            passed,
            evidence,
            unknown: Vec::new(),
        }
    }
}

/// The names `expectation` uses that exist nowhere in `state` nor in the ABAC policy of
/// `chain`: verbs, resources, namespaces and subjects. A subject written as a declared
/// identity counts as known (the declaration says it exists), except a service account,
/// which the manifests must have.
pub fn unknown_names(expectation: &Expectation, state: &State, chain: &Chain) -> Vec<UnknownName> {
    let mut unknown = Vec::new();
    match expectation {
        Expectation::Access {
            principal, access, ..
        } => {
            unknown.extend(unknown_principal(principal, state));
            unknown.extend(unknown_in_access(access, state));
        }
        Expectation::Escalation { principal, .. } => {
            unknown.extend(unknown_principal(principal, state));
        }
        Expectation::WhoCan {
            access, subjects, ..
        } => {
            unknown.extend(unknown_in_access(access, state));
            let names = state.names();
            for pattern in subjects {
                unknown.extend(match pattern {
                    SubjectPattern::User(n) if n.is_literal() => names.user(n.as_str()),
                    SubjectPattern::Group(n) if n.is_literal() => names.group(n.as_str()),
                    SubjectPattern::ServiceAccount { namespace, name }
                        if namespace.is_literal() && name.is_literal() =>
                    {
                        names.service_account(namespace.as_str(), name.as_str())
                    }
                    _ => None,
                });
            }
        }
        Expectation::PodSecurity { workloads, .. } => match workloads {
            WorkloadSelector::Pods(ns) | WorkloadSelector::Workloads(ns) if ns.is_literal() => {
                unknown.extend(state.names().namespace(ns.as_str()));
            }
            WorkloadSelector::One(w) => unknown.extend(unknown_workload(w, state)),
            _ => {}
        },
        Expectation::Admission {
            namespace,
            workload,
            ..
        } => {
            unknown.extend(state.names().namespace(namespace));
            unknown.extend(unknown_workload(workload, state));
        }
        Expectation::Gain {
            holders, target, ..
        } => {
            if let GainHolders::One(principal) = holders {
                unknown.extend(unknown_principal(principal, state));
            }
            if let GainTarget::Access(access) = target {
                unknown.extend(unknown_in_access(access, state));
            }
        }
        Expectation::DropBelow { .. } => {}
    }
    unknown.retain(|u| !chain.policy_names(u));
    unknown.sort();
    unknown.dedup();
    unknown
}

fn unknown_workload(w: &WorkloadRef, state: &State) -> Option<UnknownName> {
    state.names().workload(w.kind.word(), &w.namespace, &w.name)
}

fn unknown_principal(principal: &Principal, state: &State) -> Option<UnknownName> {
    let names = state.names();
    match &principal.subject {
        Subject::ServiceAccount { namespace, name } => names.service_account(namespace, name),
        _ if principal.identity.is_some() => None,
        Subject::User(name) => names.user(name),
        Subject::Group(name) => names.group(name),
    }
}

/// The verb, resource and namespace of `access` that the input has nowhere.
pub(super) fn unknown_in_access(access: &Access, state: &State) -> Vec<UnknownName> {
    let names = state.names();
    match access {
        Access::NonResource { verb, .. } => names.verb(verb, true).into_iter().collect(),
        Access::Resource {
            verb,
            resource,
            namespace,
            ..
        } => {
            let mut unknown: Vec<UnknownName> = names.verb(verb, false).into_iter().collect();
            if let Some(ns) = namespace
                && ns.is_literal()
            {
                unknown.extend(names.namespace(ns.as_str()));
            }
            let sub = resource.subresource.as_deref().unwrap_or("");
            if resource.resource != "*"
                && !names.resource_in_rules(&resource.resource)
                && let Err(CatalogError::Unknown { candidates, .. }) =
                    state.catalog.resolve(&resource.resource, None, sub, "")
            {
                unknown.push(UnknownName {
                    kind: NameKind::Resource,
                    name: resource.resource.clone(),
                    suggestion: candidates.into_iter().next(),
                });
            }
            unknown
        }
    }
}

pub fn user_info(principal: &Principal) -> UserInfo {
    UserInfo::new(
        principal.user.clone().unwrap_or_default(),
        principal.groups.clone(),
    )
}

/// The subjects a who-can answer allows, as the language names them: RBAC's in the locator's
/// order (binding subjects of an unknown kind cannot be named and are left out), then ABAC's
/// (a user name of a service account reads as `sa:`), each once.
fn allowed_subjects(result: &authz::WhoCan) -> Vec<Subject> {
    let rbac = result.rbac.iter().flat_map(|r| &r.subjects);
    let rbac = rbac.filter_map(|s| match s.kind.as_str() {
        "User" => Some(Subject::User(s.name.clone())),
        "Group" => Some(Subject::Group(s.name.clone())),
        "ServiceAccount" => Some(Subject::ServiceAccount {
            namespace: s.namespace.clone(),
            name: s.name.clone(),
        }),
        _ => None,
    });
    let abac = result
        .abac
        .iter()
        .map(|s| match (s.kind, split_service_account_user(&s.name)) {
            ("User", Some((namespace, name))) => Subject::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            ("User", None) => Subject::User(s.name.clone()),
            _ => Subject::Group(s.name.clone()),
        });
    let mut out: Vec<Subject> = Vec::new();
    for subject in rbac.chain(abac) {
        if !out.contains(&subject) {
            out.push(subject);
        }
    }
    out
}

/// The RBAC action of a language access, resolving unqualified resources through the catalogue
/// (built-ins and the CRDs in the input), as kubectl resolves them.
pub fn action(access: &Access, state: &State) -> Action {
    match access {
        Access::NonResource { verb, path } => Action::non_resource(verb, path),
        Access::Resource {
            verb,
            resource,
            name,
            namespace,
        } => {
            let namespace = namespace.as_ref().map(NamePattern::as_str).unwrap_or("");
            let sub = resource.subresource.as_deref().unwrap_or("");
            let (group, plural) = if resource.group_written || resource.resource == "*" {
                (resource.group.clone(), resource.resource.clone())
            } else {
                match state
                    .catalog
                    .resolve(&resource.resource, None, sub, namespace)
                {
                    Ok(r) => (r.resource.group, r.resource.resource),
                    // Unknown or ambiguous: asked as written, in the core group.
                    Err(_) => (String::new(), resource.resource.clone()),
                }
            };
            Action::resource(
                verb,
                &group,
                &plural,
                sub,
                namespace,
                name.as_deref().unwrap_or(""),
            )
        }
    }
}

/// Evaluates an expectation. The evidence of a passing expectation is computed only when
/// `passing_evidence` asks for it: explaining a decision costs far more than making it.
pub fn expect(
    expectation: &Expectation,
    state: &State,
    chain: &Chain,
    options: &AssessOptions,
    passing_evidence: bool,
) -> Outcome {
    match expectation {
        Expectation::Access {
            principal,
            allowed,
            access,
        } => {
            let request = Request::new(user_info(principal), action(access, state));
            if !passing_evidence && chain.allows(&state.rbac, &request) == *allowed {
                return Outcome::new(true, Vec::new());
            }
            let decision = chain.authorize(&state.rbac, &request);
            let passed = decision.allowed == *allowed;
            Outcome::new(
                passed,
                vec![Evidence::Access {
                    index: state.rbac.clone(),
                    request,
                    decision,
                }],
            )
        }
        Expectation::WhoCan {
            access,
            relation,
            subjects,
        } => {
            let result = chain.who_can(&state.rbac, &action(access, state), false);
            let allowed = allowed_subjects(&result);
            let unmatched_patterns: Vec<&SubjectPattern> = subjects
                .iter()
                .filter(|p| !allowed.iter().any(|s| p.matches(s)))
                .collect();
            let listed = |s: &&Subject| subjects.iter().any(|p| p.matches(s));
            let mut evidence = Vec::new();
            let passed = match relation {
                SetRelation::Is => {
                    unmatched_patterns.is_empty() && allowed.iter().all(|s| listed(&s))
                }
                SetRelation::Includes => unmatched_patterns.is_empty(),
                SetRelation::Excludes => !allowed.iter().any(|s| listed(&s)),
            };
            if !passed {
                if *relation == SetRelation::Excludes {
                    for s in allowed.iter().filter(listed) {
                        evidence.push(Evidence::Allowed {
                            subject: s.clone(),
                            listed: true,
                        });
                    }
                } else {
                    for p in &unmatched_patterns {
                        evidence.push(Evidence::NotAllowed((*p).clone()));
                    }
                    if *relation == SetRelation::Is {
                        for s in allowed.iter().filter(|s| !listed(s)) {
                            evidence.push(Evidence::Allowed {
                                subject: s.clone(),
                                listed: false,
                            });
                        }
                    }
                }
            }
            if !passed || passing_evidence {
                evidence.push(Evidence::WhoCan {
                    index: state.rbac.clone(),
                    result,
                });
            }
            Outcome::new(passed, evidence)
        }
        Expectation::PodSecurity {
            workloads,
            meets,
            level: wanted,
            version: at,
        } => {
            let wanted = *wanted;
            let mut options = options.clone();
            options.version = *at;
            let selected = select_workloads(state, workloads);
            if selected.is_empty() {
                return Outcome::new(false, vec![Evidence::NoWorkload(workloads.clone())]);
            }
            let labels = namespace_labels(state.cluster());
            let mut passed = true;
            let mut evidence = Vec::new();
            // The verdict needs no field lines; they are looked up only for the evidence shown.
            let mut verdict_options = options.clone();
            verdict_options.locate_fields = false;
            for w in selected {
                let a = assess_workload(
                    w,
                    &state.sources,
                    &verdict_options,
                    labels.get(&w.namespace),
                );
                let ok = a.meets(wanted) == *meets;
                passed &= ok;
                if !ok || (passing_evidence && workloads_is_one(workloads)) {
                    let located =
                        assess_workload(w, &state.sources, &options, labels.get(&w.namespace));
                    evidence.push(Evidence::PodSecurity {
                        assessment: located,
                        wanted,
                    });
                }
            }
            Outcome::new(passed, evidence)
        }
        Expectation::Admission {
            namespace,
            admits,
            workload,
        } => {
            let Some(w) = find_workload(state, workload) else {
                return Outcome::new(false, vec![Evidence::WorkloadNotFound(workload.clone())]);
            };
            let labels = namespace_labels(state.cluster());
            let ns_labels = labels.get(namespace);
            // The pod is judged as if created in NAMESPACE.
            let mut placed = w.clone();
            placed.namespace = namespace.clone();
            let a = assess_workload(&placed, &state.sources, options, ns_labels);
            let admitted = a.enforce.as_ref().is_none_or(|e| e.admitted);
            let evidence = Evidence::Admission {
                namespace: namespace.clone(),
                enforce: a.enforce,
            };
            Outcome::new(admitted == *admits, vec![evidence])
        }
        Expectation::Escalation {
            principal,
            reachable,
            target,
        } => escalation_outcome(principal, *reachable, target, state, options),
        // The runner answers these with their base tree (`change::expect`).
        Expectation::Gain { .. } | Expectation::DropBelow { .. } => Outcome::new(
            false,
            vec![Evidence::Unanswered(
                "this expectation compares with a base tree".into(),
            )],
        ),
    }
}

/// The escalation graph of a state, with the scenario's Pod Security admission settings.
pub fn escalation_graph(state: &State, options: &AssessOptions) -> EscalationGraph {
    EscalationGraph::build(
        &state.rbac,
        &EscalationOptions {
            admission: options.admission.clone(),
        },
    )
}

fn escalation_outcome(
    principal: &Principal,
    reachable: bool,
    target: &EscalationTarget,
    state: &State,
    options: &AssessOptions,
) -> Outcome {
    let graph = escalation_graph(state, options);
    let source = super::targets::source(principal);
    let target = super::targets::target(target);
    let reach = match Reach::new(&graph, &state.rbac, &target) {
        Ok(r) => r,
        Err(e) => return Outcome::new(false, vec![Evidence::Unanswered(e)]),
    };
    match reach.path(&source) {
        Some(path) => {
            let finding = Finding {
                source,
                target,
                path,
                cut: None,
            };
            Outcome::new(
                reachable,
                vec![Evidence::Escalation {
                    index: state.rbac.clone(),
                    finding,
                }],
            )
        }
        None => Outcome::new(
            !reachable,
            vec![Evidence::NoEscalation {
                from: Some(source.label),
                to: target,
            }],
        ),
    }
}

fn workloads_is_one(selector: &WorkloadSelector) -> bool {
    matches!(selector, WorkloadSelector::One(_))
}

pub fn find_workload<'a>(state: &'a State, r: &WorkloadRef) -> Option<&'a Workload> {
    state
        .cluster()
        .workloads
        .iter()
        .find(|w| w.kind == r.kind && w.namespace == r.namespace && w.name == r.name)
}

pub fn select_workloads<'a>(state: &'a State, selector: &WorkloadSelector) -> Vec<&'a Workload> {
    let workloads = &state.cluster().workloads;
    let mut selected: Vec<&Workload> = match selector {
        WorkloadSelector::One(r) => find_workload(state, r).into_iter().collect(),
        WorkloadSelector::Pods(ns) => workloads
            .iter()
            .filter(|w| w.kind == WorkloadKind::Pod && ns.matches(&w.namespace))
            .collect(),
        WorkloadSelector::Workloads(ns) => workloads
            .iter()
            .filter(|w| ns.matches(&w.namespace))
            .collect(),
        WorkloadSelector::Any => workloads.iter().collect(),
    };
    // Evidence lists workloads in one order whatever the order of the input files.
    selected.sort_by(|a, b| (&a.namespace, a.kind, &a.name).cmp(&(&b.namespace, b.kind, &b.name)));
    selected
}

/// A `show` statement's report.
pub fn show(
    show: &Show,
    state: &State,
    chain: &Chain,
    options: &AssessOptions,
) -> Result<ShowReport, String> {
    match show {
        Show::WhoCan(access) => Ok(ShowReport::WhoCan {
            index: state.rbac.clone(),
            result: chain.who_can(&state.rbac, &action(access, state), false),
        }),
        Show::Access {
            principal,
            namespace,
        } => {
            let rules = chain.access(
                &state.rbac,
                &user_info(principal),
                namespace.as_deref().unwrap_or(""),
            );
            Ok(ShowReport::Access {
                index: state.rbac.clone(),
                rules,
            })
        }
        Show::Pss { namespace } => {
            let labels = namespace_labels(state.cluster());
            let mut workloads: Vec<WorkloadAssessment> = state
                .cluster()
                .workloads
                .iter()
                .filter(|w| namespace.as_ref().is_none_or(|p| p.matches(&w.namespace)))
                .map(|w| assess_workload(w, &state.sources, options, labels.get(&w.namespace)))
                .collect();
            workloads.sort_by(|a, b| {
                (&a.namespace, a.kind, &a.name).cmp(&(&b.namespace, b.kind, &b.name))
            });
            Ok(ShowReport::Pss(PssReport {
                version: options.version,
                workloads,
            }))
        }
        Show::Escalations { from, to } => {
            let graph = escalation_graph(state, options);
            let sources = match from {
                Some(p) => vec![super::targets::source(p)],
                None => crate::escalate::known_sources(&state.rbac),
            };
            let targets = match to {
                Some(t) => vec![super::targets::target(t)],
                None => vec![Target::ClusterAdmin, Target::NodeEscape],
            };
            let findings =
                crate::escalate::find_escalations(&graph, &state.rbac, &sources, &targets, true)?;
            Ok(ShowReport::Escalations {
                index: state.rbac.clone(),
                findings,
            })
        }
        Show::Diff => Err("`show diff` is only meaningful inside a whatif".into()),
    }
}
