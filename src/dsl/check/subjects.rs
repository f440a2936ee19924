//! Subjects: `user:`, `group:` and `sa:` names, concrete where one subject is needed and as
//! patterns in who-can lists, policies and exceptions; identities used as subjects; and the
//! targets of escalation questions (a principal, `role:` or `clusterrole:`).

use super::{Checker, is_dns_label, is_dns_subdomain};
use crate::dsl::ast::{self, Node, Span, SubjectExpr};
use crate::dsl::program::*;
use crate::model::names;
use crate::source::code::Code;

/// Where a subject appears decides what it may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SubjectUse {
    /// One subject (expect, show, bind, identity).
    Concrete,
    /// A pattern (who-can lists, policies, except lists).
    Pattern,
}

impl Checker<'_> {
    /// A concrete subject, or an identity.
    pub(super) fn principal(&mut self, expr: &Node<SubjectExpr>) -> Option<Principal> {
        match &expr.node {
            SubjectExpr::Prefixed(prefixed) => self
                .concrete_prefixed(prefixed, expr.span)
                .map(|subject| Principal::authenticate(subject, &[])),
            SubjectExpr::Identity(name) => self.lookup_identity(name, expr.span),
            SubjectExpr::Any(kind) => {
                self.error(
                    expr.span,
                    Code::PatternNotAllowed,
                    format!("`any {}` names many subjects, but one is needed here", kind.word()),
                )
                .set_help("write one subject such as user:alice; patterns belong in policies and who-can lists".into());
                None
            }
        }
    }

    pub(super) fn concrete_prefixed(
        &mut self,
        prefixed: &ast::PrefixedName,
        span: Span,
    ) -> Option<Subject> {
        let pattern = self.prefixed_pattern(prefixed, span, SubjectUse::Concrete)?;
        match pattern {
            SubjectPattern::User(name) => Some(Subject::User(name.0)),
            SubjectPattern::Group(name) => Some(Subject::Group(name.0)),
            SubjectPattern::ServiceAccount { namespace, name } => Some(Subject::ServiceAccount {
                namespace: namespace.0,
                name: name.0,
            }),
            _ => None,
        }
    }

    pub(super) fn subject_pattern(&mut self, expr: &Node<SubjectExpr>) -> Option<SubjectPattern> {
        match &expr.node {
            SubjectExpr::Any(kind) => Some(match kind {
                ast::AnyKind::Subject => SubjectPattern::Any,
                ast::AnyKind::User => SubjectPattern::AnyUser,
                ast::AnyKind::Group => SubjectPattern::AnyGroup,
                ast::AnyKind::ServiceAccount => SubjectPattern::AnyServiceAccount,
            }),
            SubjectExpr::Identity(name) => self
                .lookup_identity(name, expr.span)
                .map(|p| SubjectPattern::exactly(&p.subject)),
            SubjectExpr::Prefixed(prefixed) => {
                self.prefixed_pattern(prefixed, expr.span, SubjectUse::Pattern)
            }
        }
    }

    /// Validates `user:`/`group:`/`sa:` and the name after it.
    fn prefixed_pattern(
        &mut self,
        prefixed: &ast::PrefixedName,
        span: Span,
        usage: SubjectUse,
    ) -> Option<SubjectPattern> {
        let name = &prefixed.name;
        if usage == SubjectUse::Concrete && name.node.contains('*') {
            self.error(
                name.span,
                Code::PatternNotAllowed,
                format!(
                    "`{}` is a pattern, but one subject is needed here",
                    self.source.slice(span)
                ),
            )
            .set_help("globs belong in policies and who-can lists".into());
            return None;
        }
        match prefixed.prefix.node.as_str() {
            "user" | "group" if name.node.is_empty() => {
                self.error(span, Code::InvalidSubject, "empty subject name");
                None
            }
            "user" => Some(SubjectPattern::User(NamePattern(name.node.clone()))),
            "group" => Some(SubjectPattern::Group(NamePattern(name.node.clone()))),
            "sa" => {
                let parts = name.node.split_once('/');
                match parts {
                    Some((namespace, account))
                        if !account.contains('/')
                            && is_dns_label(namespace, true)
                            && is_dns_subdomain(account, true) =>
                    {
                        Some(SubjectPattern::ServiceAccount {
                            namespace: NamePattern(namespace.to_string()),
                            name: NamePattern(account.to_string()),
                        })
                    }
                    _ => {
                        self.error(
                            name.span,
                            Code::InvalidSubject,
                            format!("`{}` is not a service account", self.source.slice(span)),
                        )
                        .set_help("write sa:NAMESPACE/NAME, e.g. sa:kube-system/default".into());
                        None
                    }
                }
            }
            "serviceaccount" => {
                self.error(
                    prefixed.prefix.span,
                    Code::InvalidSubject,
                    "service accounts are written `sa:NAMESPACE/NAME`",
                );
                None
            }
            other => {
                let message = if matches!(other, "role" | "clusterrole") {
                    format!("`{other}:` names a role, but a subject is needed here")
                } else {
                    format!("unknown subject kind `{other}:`")
                };
                self.error(prefixed.prefix.span, Code::InvalidSubject, message)
                    .set_help("subjects are user:NAME, group:NAME or sa:NAMESPACE/NAME".into());
                None
            }
        }
    }

    pub(super) fn escalation_target(
        &mut self,
        expr: &Node<SubjectExpr>,
    ) -> Option<EscalationTarget> {
        if let SubjectExpr::Prefixed(prefixed) = &expr.node {
            let name = &prefixed.name;
            match prefixed.prefix.node.as_str() {
                "clusterrole" => {
                    if !names::is_path_segment_name(&name.node) {
                        self.invalid_role_name(name);
                        return None;
                    }
                    return Some(EscalationTarget::ClusterRole(name.node.clone()));
                }
                "role" => {
                    return match name.node.split_once('/') {
                        Some((namespace, role))
                            if is_dns_label(namespace, false)
                                && names::is_path_segment_name(role) =>
                        {
                            Some(EscalationTarget::Role {
                                namespace: namespace.to_string(),
                                name: role.to_string(),
                            })
                        }
                        _ => {
                            self.error(
                                name.span,
                                Code::InvalidRole,
                                format!("`{}` is not a role", self.source.slice(expr.span)),
                            )
                            .set_help("write role:NAMESPACE/NAME or clusterrole:NAME".into());
                            None
                        }
                    };
                }
                _ => {}
            }
        }
        self.principal(expr).map(EscalationTarget::Principal)
    }

    pub(super) fn invalid_role_name(&mut self, name: &Node<String>) {
        self.error(
            name.span,
            Code::InvalidRole,
            format!("`{}` is not a valid role name", name.node),
        );
    }
}
