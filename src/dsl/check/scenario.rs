//! Scenarios: `load`, `authorization`, `defaults`, expectations and `show` statements, in
//! order, with duplicate `defaults`, `authorization` and what-if names reported. `load` and
//! `apply` patterns and the ABAC policy file are resolved through the context's resolver.

use crate::source::code::Code;
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Checker;
use crate::dsl::ast::{self, Condition, Node, Span};
use crate::dsl::program::*;

impl Checker<'_> {
    pub(super) fn scenario(&mut self, block: &ast::ScenarioBlock, span: Span) -> Option<Scenario> {
        let mut scenario = Scenario {
            name: block.name.node.clone(),
            origin: self.origin(span),
            loads: Vec::new(),
            defaults: None,
            authorization: None,
            statements: Vec::new(),
        };
        let mut defaults_span: Option<Span> = None;
        let mut whatif_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut labels = BTreeMap::new();
        for statement in &block.body {
            let origin = self.origin(statement.span);
            let kind = match &statement.node {
                ast::ScenarioStmt::Load(pattern) => {
                    if let Some(files) = self.resolve_files("load", pattern) {
                        scenario.loads.push(Load {
                            pattern: pattern.node.clone(),
                            files,
                            origin,
                        });
                    }
                    continue;
                }
                ast::ScenarioStmt::Authorization { modes, policy } => {
                    self.authorization(&mut scenario, modes, policy.as_ref(), statement.span);
                    continue;
                }
                ast::ScenarioStmt::Defaults(version) => {
                    if let Some(first) = defaults_span {
                        self.error(
                            statement.span,
                            Code::DuplicateDefaults,
                            "`defaults` is given twice in this scenario",
                        )
                        .add_note((first, "first given here".into()));
                    } else {
                        defaults_span = Some(statement.span);
                        scenario.defaults = self.version(version);
                    }
                    continue;
                }
                ast::ScenarioStmt::Expect(condition) => {
                    self.expectation(condition).map(StatementKind::Expect)
                }
                ast::ScenarioStmt::Show(show, label) => {
                    let label = self.snapshot_label(label.as_ref(), &mut labels);
                    if matches!(show, ast::ShowExpr::Diff) {
                        self.error(
                            statement.span,
                            Code::DiffOutsideWhatif,
                            "`show diff` is only meaningful inside a `whatif` block",
                        )
                        .set_help("a diff compares a what-if's state with its scenario's; move this into a `whatif` block".into());
                        None
                    } else {
                        self.show(show).map(|s| StatementKind::Show(s, label))
                    }
                }
                ast::ScenarioStmt::WhatIf(whatif) => {
                    if let Some(first) = whatif_names.get(&whatif.name.node) {
                        let first = *first;
                        self.error(
                            whatif.name.span,
                            Code::DuplicateName,
                            format!(
                                "whatif `{}` is declared twice in this scenario",
                                whatif.name.node
                            ),
                        )
                        .add_note((first, "first declared here".into()));
                    } else {
                        whatif_names.insert(whatif.name.node.clone(), whatif.name.span);
                    }
                    Some(StatementKind::WhatIf(self.whatif(whatif)))
                }
            };
            if let Some(kind) = kind {
                scenario.statements.push(Statement { origin, kind });
            }
        }
        Some(scenario)
    }

    /// `authorization MODES [abac "FILE"]`: known modes, each once; ABAC with a policy file
    /// that exists.
    pub(super) fn authorization(
        &mut self,
        scenario: &mut Scenario,
        modes: &[String],
        policy: Option<&Node<String>>,
        span: Span,
    ) {
        use crate::authz::Mode;
        if scenario.authorization.is_some() {
            self.error(
                span,
                Code::DuplicateAuthorization,
                "`authorization` is given twice in this scenario",
            );
            return;
        }
        let parsed = match Mode::parse_list(&modes.join(",")) {
            Ok(m) => m,
            Err(message) => {
                self.error(span, Code::InvalidAuthorization, message);
                return;
            }
        };
        let abac_policy = match (parsed.contains(&Mode::Abac), policy) {
            (true, None) => {
                self.error(
                    span,
                    Code::InvalidAuthorization,
                    "authorization mode ABAC needs a policy file: add `abac \"FILE\"`",
                );
                return;
            }
            (false, Some(p)) => {
                self.warning(
                    p.span,
                    Code::UnusedAbacPolicy,
                    "the ABAC policy file is ignored: ABAC is not one of the modes",
                );
                None
            }
            (true, Some(p)) => {
                let Some(path) = self.context.resolver.existing_file(&p.node) else {
                    self.error(
                        p.span,
                        Code::MissingFile,
                        format!("the ABAC policy file `{}` does not exist", p.node),
                    );
                    return;
                };
                Some(path)
            }
            (false, None) => None,
        };
        scenario.authorization = Some(Authorization {
            modes: parsed,
            abac_policy,
            origin: self.origin(span),
        });
    }

    pub(super) fn expectation(&mut self, condition: &Condition) -> Option<Expectation> {
        match condition {
            Condition::Access {
                subject,
                allowed,
                access,
            } => {
                let principal = self.principal(subject);
                let access = self.access(access, false);
                Some(Expectation::Access {
                    principal: principal?,
                    allowed: *allowed,
                    access: access?,
                })
            }
            Condition::Escalation {
                subject,
                reachable,
                target,
            } => {
                let principal = self.principal(subject);
                let target = self.escalation_target(target);
                Some(Expectation::Escalation {
                    principal: principal?,
                    reachable: *reachable,
                    target: target?,
                })
            }
            Condition::WhoCan {
                access,
                relation,
                subjects,
            } => {
                let access = self.access(access, false);
                let patterns: Vec<Option<SubjectPattern>> =
                    subjects.iter().map(|s| self.subject_pattern(s)).collect();
                Some(Expectation::WhoCan {
                    access: access?,
                    relation: *relation,
                    subjects: patterns.into_iter().collect::<Option<Vec<_>>>()?,
                })
            }
            Condition::WorkloadLevel {
                workload,
                outcome,
                level,
                version,
            } => {
                let workload = self.workload(workload);
                let level = self.level(level);
                let version = self.optional_version(version);
                Some(Expectation::PodSecurity {
                    workloads: WorkloadSelector::One(workload?),
                    meets: *outcome == ast::LevelOutcome::Meets,
                    level: level?,
                    version: version?,
                })
            }
            Condition::SetLevel {
                set,
                outcome,
                level,
                version,
            } => {
                let workloads = self.workload_set(set);
                let level = self.level(level);
                let version = self.optional_version(version);
                Some(Expectation::PodSecurity {
                    workloads: workloads?,
                    meets: *outcome == ast::LevelOutcome::Meets,
                    level: level?,
                    version: version?,
                })
            }
            Condition::Admission {
                namespace,
                admission,
                workload,
            } => {
                let namespace = self.namespace(namespace, false, true);
                let workload = self.workload(workload);
                Some(Expectation::Admission {
                    namespace: namespace?.0,
                    admits: *admission == ast::Admission::Admits,
                    workload: workload?,
                })
            }
            Condition::Gain {
                base,
                holders,
                gains,
                target,
            } => {
                let base = self.against(base);
                let holders = match &holders.node {
                    ast::GainHolders::NoneOf(kind) => Some(GainHolders::NoneOf(match kind {
                        ast::AnyKind::Subject => SubjectPattern::Any,
                        ast::AnyKind::User => SubjectPattern::AnyUser,
                        ast::AnyKind::Group => SubjectPattern::AnyGroup,
                        ast::AnyKind::ServiceAccount => SubjectPattern::AnyServiceAccount,
                    })),
                    ast::GainHolders::One(subject) => self.principal(subject).map(GainHolders::One),
                };
                let target = self.gain_target(target);
                Some(Expectation::Gain {
                    base: base?,
                    holders: holders?,
                    gains: *gains,
                    target: target?,
                })
            }
            Condition::DropBelow {
                base,
                level,
                version,
            } => {
                let base = self.against(base);
                let level = self.level(level);
                let version = self.optional_version(version);
                Some(Expectation::DropBelow {
                    base: base?,
                    level: level?,
                    version: version?,
                })
            }
            // The grammar only admits this form in policies.
            Condition::NamespaceEnforces { namespace, .. } => {
                self.error(
                    namespace.span,
                    Code::PolicyOnly,
                    "`enforces` is only available in policies",
                );
                None
            }
        }
    }

    /// `against "BASE"`: the tree the resolver finds for it.
    fn against(&mut self, base: &Node<String>) -> Option<Against> {
        match self.context.resolver.base_tree(&base.node) {
            Ok(tree) => Some(Against {
                written: base.node.clone(),
                tree,
            }),
            Err(reason) => {
                self.error(base.span, Code::UnknownBase, reason).set_help(
                    "name a git revision (branch, tag or commit) of the repository holding this \
                     file, or a directory relative to it"
                        .into(),
                );
                None
            }
        }
    }

    /// What a gain is of: a role (`clusterrole:NAME`, `role:NS/NAME`) or an access.
    fn gain_target(&mut self, target: &Node<ast::GainTarget>) -> Option<GainTarget> {
        match &target.node {
            ast::GainTarget::Access(access) => self.access(access, false).map(GainTarget::Access),
            ast::GainTarget::Role(prefixed) => {
                let expr = Node::new(ast::SubjectExpr::Prefixed(prefixed.clone()), target.span);
                if !matches!(prefixed.prefix.node.as_str(), "clusterrole" | "role") {
                    self.error(
                        prefixed.prefix.span,
                        Code::InvalidRole,
                        format!("`{}` is not a role", self.source.slice(target.span)),
                    )
                    .set_help(
                        "a gain is of an access (e.g. get secrets in kube-system) or of a role: \
                         clusterrole:NAME or role:NAMESPACE/NAME"
                            .into(),
                    );
                    return None;
                }
                match self.escalation_target(&expr)? {
                    EscalationTarget::ClusterRole(name) => Some(GainTarget::ClusterRole(name)),
                    EscalationTarget::Role { namespace, name } => {
                        Some(GainTarget::Role { namespace, name })
                    }
                    EscalationTarget::Principal(_) => None,
                }
            }
        }
    }

    pub(super) fn show(&mut self, show: &ast::ShowExpr) -> Option<Show> {
        Some(match show {
            ast::ShowExpr::WhoCan(access) => Show::WhoCan(self.access(access, false)?),
            ast::ShowExpr::Access { subject, namespace } => {
                let principal = self.principal(subject);
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                Show::Access {
                    principal: principal?,
                    namespace,
                }
            }
            ast::ShowExpr::Pss { namespace } => Show::Pss {
                namespace: match namespace {
                    Some(ns) => Some(self.namespace(ns, true, true)?),
                    None => None,
                },
            },
            ast::ShowExpr::Escalations { from, to } => {
                let from = from.as_ref().map(|s| self.principal(s));
                let to = to.as_ref().map(|t| self.escalation_target(t));
                Show::Escalations {
                    from: from.map_or(Some(None), |p| p.map(Some))?,
                    to: to.map_or(Some(None), |t| t.map(Some))?,
                }
            }
            ast::ShowExpr::Diff => Show::Diff,
        })
    }

    /// The files a `load`/`apply` path or glob names.
    pub(super) fn resolve_files(
        &mut self,
        statement: &str,
        pattern: &Node<String>,
    ) -> Option<Vec<PathBuf>> {
        match self.context.resolver.files(&pattern.node) {
            Ok(files) if !files.is_empty() => Some(files),
            Ok(_) => {
                self.error(
                    pattern.span,
                    Code::NoMatch,
                    format!("`{statement}` pattern `{}` matches no file", pattern.node),
                )
                .set_help("paths are relative to the directory of the .ksim file".into());
                None
            }
            Err(reason) => {
                self.error(
                    pattern.span,
                    Code::InvalidGlob,
                    format!("`{}` is not a valid glob: {reason}", pattern.node),
                );
                None
            }
        }
    }

    /// A show's snapshot label, checked: it must name a file (letters or digits in it) and be
    /// the only one of its block, since two shows cannot share a snapshot.
    pub(super) fn snapshot_label(
        &mut self,
        label: Option<&Node<String>>,
        seen: &mut BTreeMap<String, Span>,
    ) -> Option<String> {
        let label = label?;
        let slug = crate::model::names::slug(&label.node);
        if slug.is_empty() {
            self.error(
                label.span,
                Code::InvalidName,
                format!("`{}` cannot name a snapshot file", label.node),
            )
            .set_help("use letters, digits and dashes, e.g. `as \"secrets-readers\"`".into());
            return None;
        }
        if let Some(first) = seen.get(&slug) {
            let first = *first;
            self.error(
                label.span,
                Code::DuplicateName,
                format!(
                    "snapshot label `{}` is used twice in this block",
                    label.node
                ),
            )
            .add_note((first, "first used here".to_string()));
            return None;
        }
        seen.insert(slug, label.span);
        Some(label.node.clone())
    }
}
