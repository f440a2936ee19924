//! The language's answers across a scenario's `authorization` chain: `expect S can A`,
//! `expect who can A ...`, `show who can A` and `show access S`. Other statements do not
//! depend on the chain and are evaluated by the scenario runner as usual.

use super::eval::{Outcome, action, user_info};
use super::evidence::{Evidence, ShowReport};
use super::state::State;
use crate::dsl::ast::SetRelation;
use crate::dsl::program::{Expectation, Show, Subject, SubjectPattern};
use crate::model::Request;
use crate::model::identity::split_service_account_user;

use crate::authz::{Chain, authorize, rules_for_chain, who_can_chain};

/// The outcome of an expectation that depends on the chain; `None` for the others.
pub fn expect(expectation: &Expectation, state: &State, chain: &Chain) -> Option<Outcome> {
    match expectation {
        Expectation::Access {
            principal,
            allowed,
            access,
        } => {
            let request = Request::new(user_info(principal), action(access, state));
            let decision = authorize(&state.rbac, chain, &request);
            let passed = decision.allowed == *allowed;
            let evidence = Evidence::ChainAccess {
                index: state.rbac.clone(),
                request,
                decision,
            };
            Some(Outcome::new(passed, vec![evidence]))
        }
        Expectation::WhoCan {
            access,
            relation,
            subjects,
        } => {
            let result = who_can_chain(&state.rbac, chain, &action(access, state), false);
            let mut allowed: Vec<Subject> = Vec::new();
            if let Some(rbac) = &result.rbac {
                for s in &rbac.subjects {
                    allowed.push(match s.kind.as_str() {
                        "User" => Subject::User(s.name.clone()),
                        "Group" => Subject::Group(s.name.clone()),
                        _ => Subject::ServiceAccount {
                            namespace: s.namespace.clone(),
                            name: s.name.clone(),
                        },
                    });
                }
            }
            for s in &result.abac {
                allowed.push(if s.kind == "User" {
                    user_subject(&s.name)
                } else {
                    Subject::Group(s.name.clone())
                });
            }
            allowed.sort();
            allowed.dedup();
            let listed = |s: &Subject| subjects.iter().any(|p| p.matches(s));
            let unmatched: Vec<&SubjectPattern> = subjects
                .iter()
                .filter(|p| !allowed.iter().any(|s| p.matches(s)))
                .collect();
            let mut evidence = Vec::new();
            let passed = match relation {
                SetRelation::Is => unmatched.is_empty() && allowed.iter().all(listed),
                SetRelation::Includes => unmatched.is_empty(),
                SetRelation::Excludes => !allowed.iter().any(listed),
            };
            if !passed {
                if *relation == SetRelation::Excludes {
                    for s in allowed.iter().filter(|s| listed(s)) {
                        evidence.push(Evidence::Allowed {
                            subject: s.clone(),
                            listed: true,
                        });
                    }
                } else {
                    for p in &unmatched {
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
            evidence.push(Evidence::ChainWhoCan {
                index: state.rbac.clone(),
                result,
            });
            Some(Outcome::new(passed, evidence))
        }
        _ => None,
    }
}

/// ABAC names users by their user name; a service account's user name is shown as `sa:`.
fn user_subject(name: &str) -> Subject {
    match split_service_account_user(name) {
        Some((namespace, sa_name)) => Subject::ServiceAccount {
            namespace: namespace.to_string(),
            name: sa_name.to_string(),
        },
        None => Subject::User(name.to_string()),
    }
}

/// The report of a `show` that depends on the chain; `None` for the others.
pub fn show(show: &Show, state: &State, chain: &Chain) -> Option<Result<ShowReport, String>> {
    match show {
        Show::WhoCan(access) => Some(Ok(ShowReport::ChainWhoCan {
            index: state.rbac.clone(),
            result: who_can_chain(&state.rbac, chain, &action(access, state), false),
        })),
        Show::Access {
            principal,
            namespace,
        } => {
            let rules = rules_for_chain(
                &state.rbac,
                chain,
                &user_info(principal),
                namespace.as_deref().unwrap_or(""),
            );
            Some(Ok(ShowReport::ChainAccess {
                index: state.rbac.clone(),
                rules,
            }))
        }
        _ => None,
    }
}
