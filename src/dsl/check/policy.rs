//! Policies: their severity and rules, each rule's condition as a pattern over subjects,
//! workloads or namespaces, and `except` lists that must range over the same things.

use super::Checker;
use crate::dsl::ast::{self, Condition, Node, Span};
use crate::dsl::program::*;
use crate::source::code::Code;

impl Checker<'_> {
    pub(super) fn policy(&mut self, block: &ast::PolicyBlock, span: Span) -> Option<Policy> {
        let severity = match &block.severity {
            None => PolicySeverity::Medium,
            Some(word) => match PolicySeverity::parse(&word.node) {
                Some(severity) => severity,
                None => {
                    self.error(
                        word.span,
                        Code::UnknownSeverity,
                        format!("unknown severity `{}`", word.node),
                    )
                    .set_help("severities are low, medium, high and critical".into());
                    PolicySeverity::Medium
                }
            },
        };
        let mut rules = Vec::new();
        for rule in &block.rules {
            if let Some(rule) = self.policy_rule(rule) {
                rules.push(rule);
            }
        }
        Some(Policy {
            name: block.name.node.clone(),
            severity,
            origin: self.origin(span),
            rules,
        })
    }

    pub(super) fn policy_rule(&mut self, rule: &Node<ast::PolicyRule>) -> Option<PolicyRule> {
        #[derive(PartialEq)]
        enum Ranges {
            Subjects,
            Workloads,
            Namespaces,
        }
        let (condition, ranges) = match &rule.condition.node {
            Condition::Access {
                subject,
                allowed,
                access,
            } => {
                let subjects = self.subject_pattern(subject);
                let access = self.access(access, true);
                (
                    subjects
                        .zip(access)
                        .map(|(subjects, access)| RuleCondition::Access {
                            subjects,
                            allowed: *allowed,
                            access,
                        }),
                    Ranges::Subjects,
                )
            }
            Condition::Escalation {
                subject,
                reachable,
                target,
            } => {
                let subjects = self.subject_pattern(subject);
                let target = self.escalation_target(target);
                (
                    subjects
                        .zip(target)
                        .map(|(subjects, target)| RuleCondition::Escalation {
                            subjects,
                            reachable: *reachable,
                            target,
                        }),
                    Ranges::Subjects,
                )
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
                (
                    (|| {
                        Some(RuleCondition::PodSecurity {
                            workloads: WorkloadSelector::One(workload?),
                            meets: *outcome == ast::LevelOutcome::Meets,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Workloads,
                )
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
                (
                    (|| {
                        Some(RuleCondition::PodSecurity {
                            workloads: workloads?,
                            meets: *outcome == ast::LevelOutcome::Meets,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Workloads,
                )
            }
            Condition::NamespaceEnforces {
                namespace,
                level,
                version,
            } => {
                let namespaces = self.namespace(namespace, true, true);
                let level = self.level(level);
                let version = match version {
                    Some(v) => self.version(v).map(Some),
                    None => Some(None),
                };
                (
                    (|| {
                        Some(RuleCondition::NamespaceEnforces {
                            namespaces: namespaces?,
                            level: level?,
                            version: version?,
                        })
                    })(),
                    Ranges::Namespaces,
                )
            }
            // The grammar keeps these out of policies.
            Condition::WhoCan { .. } | Condition::Admission { .. } => {
                self.error(
                    rule.condition.span,
                    Code::ScenarioOnly,
                    "this form is only available in scenarios",
                );
                return None;
            }
            // A policy checks the manifests `check` is given, with no base to compare with.
            Condition::Gain { .. } | Condition::DropBelow { .. } => {
                self.error(
                    rule.condition.span,
                    Code::ScenarioOnly,
                    "`against` is only available in scenarios",
                )
                .set_help(
                    "a policy has no base tree; assert on a diff in a scenario, or run \
                     `kubesim diff --fail-on-gain`"
                        .into(),
                );
                return None;
            }
        };
        let mut exceptions = Vec::new();
        let mut exceptions_ok = true;
        for exception in rule.exceptions.iter().flatten() {
            let (lowered, kind) = match &exception.node {
                ast::ExceptionExpr::Subject(subject) => (
                    self.subject_pattern(&Node::new(subject.clone(), exception.span))
                        .map(Exception::Subject),
                    Ranges::Subjects,
                ),
                ast::ExceptionExpr::Workload(workload) => (
                    self.workload(&Node::new(workload.clone(), exception.span))
                        .map(|w| Exception::Workloads(WorkloadSelector::One(w))),
                    Ranges::Workloads,
                ),
                ast::ExceptionExpr::WorkloadSet(set) => (
                    self.workload_set(&Node::new(set.clone(), exception.span))
                        .map(Exception::Workloads),
                    Ranges::Workloads,
                ),
                ast::ExceptionExpr::Namespace(ns) => (
                    self.namespace(ns, true, true).map(Exception::Namespace),
                    Ranges::Namespaces,
                ),
            };
            // A namespace exception also makes sense for workload rules (all its workloads).
            let fits =
                kind == ranges || (kind == Ranges::Namespaces && ranges == Ranges::Workloads);
            if !fits {
                let expected = match ranges {
                    Ranges::Subjects => "subjects",
                    Ranges::Workloads => "workloads or `namespace NS`",
                    Ranges::Namespaces => "`namespace NS`",
                };
                self.error(
                    exception.span,
                    Code::ExceptionMismatch,
                    format!("this rule can only except {expected}"),
                );
                exceptions_ok = false;
                continue;
            }
            match lowered {
                Some(lowered) => exceptions.push(lowered),
                None => exceptions_ok = false,
            }
        }
        if !exceptions_ok {
            return None;
        }
        Some(PolicyRule {
            origin: self.origin(rule.span),
            mode: rule.mode,
            condition: condition?,
            exceptions,
        })
    }
}
