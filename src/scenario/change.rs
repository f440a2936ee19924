//! Expectations against a base tree (`expect against "BASE": ...`): loading the base with the
//! scenario's own `load` patterns, and judging what changed from it to the state a statement
//! sees, with the access comparison of `kubesim diff` (who gains an access or every permission
//! of a role, and through which grants) and Pod Security levels per workload.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::authz::Chain;
use crate::compare::{Asked, SubjectRef, Wanted, gains, holds_all};
use crate::dsl::program::{
    Against, BaseTree, Expectation, GainHolders, GainTarget, Principal, Scenario, Subject,
};
use crate::index::entry::RoleKind;
use crate::manifest::git::read_revision_patterns;
use crate::manifest::walk::glob_under;
use crate::manifest::{InputFile, LoadOptions, load_files};
use crate::model::{Action, Request};
use crate::pss::assess::{AssessOptions, assess_workload, namespace_labels};
use crate::source::Diagnostic;

use super::eval::{Outcome, action, user_info};
use super::evidence::Evidence;
use super::state::{State, display_path, read_inputs};

/// The base trees a scenario's statements compare with (what-ifs included), each once.
pub fn bases_of(scenario: &Scenario) -> Vec<Against> {
    fn collect(statements: &[crate::dsl::program::Statement], out: &mut Vec<Against>) {
        use crate::dsl::program::StatementKind;
        for statement in statements {
            match &statement.kind {
                StatementKind::Expect(e) => out.extend(e.base().cloned()),
                StatementKind::WhatIf(w) => collect(&w.steps, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    collect(&scenario.statements, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.tree == b.tree);
    out
}

/// The manifests of the base tree that the scenario's `load` patterns match there. Files are
/// named as the base tree holds them: `REVISION:PATH` for a revision, the path from the
/// `.ksim` file's directory for a directory, so a problem in one is never taken for the head's.
pub fn read_base(
    against: &Against,
    scenario: &Scenario,
    base_dir: &Path,
) -> Result<Vec<InputFile>, String> {
    let patterns: Vec<String> = scenario.loads.iter().map(|l| l.pattern.clone()).collect();
    match &against.tree {
        BaseTree::Directory(dir) => {
            let mut files = Vec::new();
            for pattern in &patterns {
                files.extend(glob_under(dir, pattern)?);
            }
            files.sort();
            files.dedup();
            let mut inputs = read_inputs(&files, dir);
            for (name, _) in &mut inputs {
                let in_base = display_path(&dir.join(name.as_ref()), base_dir);
                *name = in_base.into();
            }
            Ok(inputs)
        }
        BaseTree::Revision { commit } => {
            let mut inputs = read_revision_patterns(base_dir, commit, &patterns)?;
            for (name, _) in &mut inputs {
                *name = format!("{}:{name}", against.written).into();
            }
            Ok(inputs)
        }
    }
}

/// Loads the base tree as the scenario loads its own manifests (built-in defaults merged
/// first); its problems are returned for the scenario's diagnostics.
pub fn load_base(
    against: &Against,
    scenario: &Scenario,
    base_dir: &Path,
    with_defaults: impl Fn(&mut crate::manifest::Loaded),
) -> (Result<State, String>, Vec<Diagnostic>) {
    let inputs = match read_base(against, scenario, base_dir) {
        Ok(inputs) => inputs,
        Err(e) => {
            return (
                Err(format!("cannot read the base `{}`: {e}", against.written)),
                Vec::new(),
            );
        }
    };
    let mut loaded = load_files(inputs, &LoadOptions::default());
    with_defaults(&mut loaded);
    let diagnostics = std::mem::take(&mut loaded.diagnostics);
    (Ok(State::new(loaded.cluster, loaded.sources)), diagnostics)
}

/// The base trees of a scenario, loaded, by tree.
pub type Bases = BTreeMap<BaseTree, Result<State, String>>;

/// The language subject a holder of access is.
fn subject_of(holder: &SubjectRef) -> Subject {
    match holder {
        SubjectRef::User(n) => Subject::User(n.clone()),
        SubjectRef::Group(n) => Subject::Group(n.clone()),
        SubjectRef::ServiceAccount { namespace, name } => Subject::ServiceAccount {
            namespace: namespace.clone(),
            name: name.clone(),
        },
    }
}

/// What a gain target asks for, or why it cannot be asked (a role the head lacks).
enum Asking {
    Request(Action),
    Rules(Vec<PolicyRule>, Option<String>),
}

impl Asking {
    fn wanted(&self) -> Wanted<'_> {
        match self {
            Asking::Request(a) => Wanted::Request(a),
            Asking::Rules(rules, ns) => Wanted::Rules(rules, ns.as_deref()),
        }
    }
}

/// The effective rules of a role of `state`, if it has it.
fn role_rules(
    state: &State,
    kind: RoleKind,
    namespace: &str,
    name: &str,
) -> Option<Vec<PolicyRule>> {
    state
        .rbac
        .roles
        .iter()
        .find(|r| r.kind == kind && r.namespace == namespace && r.name == name)
        .map(|r| r.rules.iter().map(|e| e.rule.clone()).collect())
}

/// A ClusterRole every cluster has (`cluster-admin`, `admin`, `edit`, `view`, ...), as the
/// newest built-in defaults define it.
fn built_in_cluster_role(name: &str) -> Option<Vec<PolicyRule>> {
    let defaults = crate::index::defaults::load(crate::index::defaults::LATEST).ok()??;
    let state = State::new(defaults.cluster, defaults.sources);
    role_rules(&state, RoleKind::ClusterRole, "", name)
}

/// What `target` asks for: a role of the head, or a built-in ClusterRole the head does not
/// define (a cluster always has those).
fn asking(target: &GainTarget, head: &State) -> Result<Asking, String> {
    let role = |kind: RoleKind, namespace: &str, name: &str| {
        let found = role_rules(head, kind, namespace, name).or_else(|| {
            (kind == RoleKind::ClusterRole)
                .then(|| built_in_cluster_role(name))
                .flatten()
        });
        match found {
            Some(rules) => Ok(rules),
            None => {
                let candidates = head
                    .rbac
                    .roles
                    .iter()
                    .filter(|r| r.kind == kind && r.namespace == namespace)
                    .map(|r| r.name.as_str());
                let shown = match kind {
                    RoleKind::ClusterRole => format!("ClusterRole `{name}`"),
                    RoleKind::Role => format!("Role `{namespace}/{name}`"),
                };
                let mut message = format!("there is no {shown} in the input");
                if let Some(s) = crate::index::names::nearest(name, candidates) {
                    message.push_str(&format!("; did you mean `{s}`?"));
                }
                Err(message)
            }
        }
    };
    Ok(match target {
        GainTarget::Access(access) => Asking::Request(action(access, head)),
        GainTarget::ClusterRole(name) => {
            Asking::Rules(role(RoleKind::ClusterRole, "", name)?, None)
        }
        GainTarget::Role { namespace, name } => Asking::Rules(
            role(RoleKind::Role, namespace, name)?,
            Some(namespace.clone()),
        ),
    })
}

/// Evaluates an expectation against `base` (the tree `against` names) and `head` (the state
/// the statement sees).
pub fn expect(
    expectation: &Expectation,
    base: &State,
    head: &State,
    chain: &Chain,
    options: &AssessOptions,
) -> Outcome {
    match expectation {
        Expectation::Gain {
            base: against,
            holders,
            gains: wanted_gain,
            target,
        } => {
            let asking = match asking(target, head) {
                Ok(a) => a,
                Err(e) => return Outcome::new(false, vec![Evidence::Unanswered(e)]),
            };
            match holders {
                GainHolders::NoneOf(pattern) => {
                    let evidence: Vec<Evidence> =
                        gains(base, head, asking.wanted(), Asked::EveryHolder)
                            .into_iter()
                            .filter_map(|g| {
                                let subject = g.subject?;
                                pattern
                                    .matches(&subject_of(&subject))
                                    .then(|| Evidence::Gained {
                                        subject: subject.label(),
                                        grants: g.grants,
                                    })
                            })
                            .collect();
                    Outcome::new(evidence.is_empty(), evidence)
                }
                GainHolders::One(principal) => {
                    identity_gain(principal, *wanted_gain, &asking, against, base, head, chain)
                }
            }
        }
        Expectation::DropBelow { level, version, .. } => {
            let mut options = options.clone();
            options.version = *version;
            let mut verdict = options.clone();
            verdict.locate_fields = false;
            let levels = |state: &State| {
                let labels = namespace_labels(state.cluster());
                state
                    .cluster()
                    .workloads
                    .iter()
                    .map(|w| {
                        let a =
                            assess_workload(w, &state.sources, &verdict, labels.get(&w.namespace));
                        ((w.namespace.clone(), w.kind, w.name.clone()), a.level)
                    })
                    .collect::<BTreeMap<_, _>>()
            };
            let before = levels(base);
            let labels = namespace_labels(head.cluster());
            let mut evidence = Vec::new();
            for w in &head.cluster().workloads {
                let key = (w.namespace.clone(), w.kind, w.name.clone());
                let was = before.get(&key).copied();
                let now = assess_workload(w, &head.sources, &verdict, labels.get(&w.namespace));
                let dropped = !now.meets(*level) && was.is_none_or(|l| l >= *level);
                if dropped {
                    let located =
                        assess_workload(w, &head.sources, &options, labels.get(&w.namespace));
                    evidence.push(Evidence::Dropped {
                        assessment: located,
                        wanted: *level,
                        before: was,
                    });
                }
            }
            evidence.sort_by(|a, b| match (a, b) {
                (
                    Evidence::Dropped { assessment: x, .. },
                    Evidence::Dropped { assessment: y, .. },
                ) => (&x.namespace, x.kind, &x.name).cmp(&(&y.namespace, y.kind, &y.name)),
                _ => std::cmp::Ordering::Equal,
            });
            Outcome::new(evidence.is_empty(), evidence)
        }
        _ => Outcome::new(
            false,
            vec![Evidence::Unanswered("this expectation has no base".into())],
        ),
    }
}

/// `S gains T` / `S does not gain T` for one identity: for an access, the authorizer's
/// decisions in the base and the head; for a role, whether the identity's rules cover it.
fn identity_gain(
    principal: &Principal,
    wanted_gain: bool,
    asking: &Asking,
    against: &Against,
    base: &State,
    head: &State,
    chain: &Chain,
) -> Outcome {
    let user = principal.user.as_deref();
    let groups = principal.groups.as_slice();
    let (in_head, in_base, request) = match asking {
        Asking::Request(action) => {
            let request = Request::new(user_info(principal), action.clone());
            (
                chain.allows(&head.rbac, &request),
                chain.allows(&base.rbac, &request),
                Some(request),
            )
        }
        Asking::Rules(..) => (
            holds_all(head, asking.wanted(), user, groups),
            holds_all(base, asking.wanted(), user, groups),
            None,
        ),
    };
    let gained = in_head && !in_base;
    let mut evidence = Vec::new();
    if gained {
        let grants = gains(
            base,
            head,
            asking.wanted(),
            Asked::Identity { user, groups },
        )
        .into_iter()
        .flat_map(|g| g.grants)
        .collect();
        evidence.push(Evidence::Gained {
            subject: principal.subject.to_string(),
            grants,
        });
    } else {
        // Why not: the head does not allow it, or the base did already.
        let (state, in_base_tree) = if in_head { (base, true) } else { (head, false) };
        let explained = match &request {
            Some(request) => Evidence::Access {
                index: state.rbac.clone(),
                request: request.clone(),
                decision: chain.authorize(&state.rbac, request),
            },
            None => Evidence::Unanswered(format!(
                "{} does not hold every permission of the role",
                principal.subject
            )),
        };
        evidence.push(if in_base_tree {
            Evidence::InBase {
                base: against.written.clone(),
                evidence: Box::new(match explained {
                    Evidence::Unanswered(_) => Evidence::Unanswered(format!(
                        "{} holds every permission of the role already",
                        principal.subject
                    )),
                    other => other,
                }),
            }
        } else {
            explained
        });
    }
    Outcome::new(gained == wanted_gain, evidence)
}
