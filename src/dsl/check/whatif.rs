//! What-if blocks: their expectations, `show` statements and mutations (`bind`, `apply`,
//! `remove`, `label`), each mutation validated before the scenario runs it.

use std::collections::BTreeMap;

use super::{Checker, is_dns_subdomain};
use crate::dsl::ast::{self};
use crate::dsl::program::*;
use crate::model::names;
use crate::source::code::Code;

impl Checker<'_> {
    pub(super) fn whatif(&mut self, block: &ast::WhatIfBlock) -> WhatIf {
        let mut steps = Vec::new();
        let mut labels = BTreeMap::new();
        for statement in &block.body {
            let kind = match &statement.node {
                ast::WhatIfStmt::Expect(condition) => {
                    self.expectation(condition).map(StatementKind::Expect)
                }
                ast::WhatIfStmt::Show(show, label) => {
                    let label = self.snapshot_label(label.as_ref(), &mut labels);
                    self.show(show).map(|s| StatementKind::Show(s, label))
                }
                ast::WhatIfStmt::Mutate(mutation) => {
                    self.mutation(mutation).map(StatementKind::Mutate)
                }
            };
            if let Some(kind) = kind {
                steps.push(Statement {
                    origin: self.origin(statement.span),
                    kind,
                });
            }
        }
        WhatIf {
            name: block.name.node.clone(),
            steps,
        }
    }

    pub(super) fn mutation(&mut self, mutation: &ast::Mutation) -> Option<Mutation> {
        match mutation {
            ast::Mutation::Bind {
                subject,
                role,
                namespace,
            } => {
                let subject = self.principal(subject).map(|p| p.subject);
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                let role_kind = match role.prefix.node.as_str() {
                    "role" => RoleKind::Role,
                    "clusterrole" => RoleKind::ClusterRole,
                    other => {
                        self.error(
                            role.prefix.span,
                            Code::InvalidRole,
                            format!("`{other}:` is not a role kind"),
                        )
                        .set_help("bind to role:NAME in NAMESPACE or clusterrole:NAME".into());
                        return None;
                    }
                };
                if !names::is_path_segment_name(&role.name.node) {
                    self.invalid_role_name(&role.name);
                    return None;
                }
                if role_kind == RoleKind::Role && namespace.is_none() {
                    self.error(
                        role.span,
                        Code::RoleNeedsNamespace,
                        "binding a `role:` needs `in NAMESPACE`",
                    )
                    .set_help("a Role exists in one namespace; use clusterrole: for a cluster-wide binding".into());
                    return None;
                }
                Some(Mutation::Bind {
                    subject: subject?,
                    role_kind,
                    role: role.name.node.clone(),
                    namespace,
                })
            }
            ast::Mutation::Apply(path) => Some(Mutation::Apply {
                pattern: path.node.clone(),
                files: self.resolve_files("apply", path)?,
            }),
            ast::Mutation::Remove {
                kind,
                namespace,
                name,
            } => {
                let Some(object_kind) = ObjectKind::parse(&kind.node) else {
                    self.error(
                        kind.span,
                        Code::UnknownKind,
                        format!("unknown kind `{}`", kind.node),
                    )
                    .set_help("kinds are role, clusterrole, rolebinding, clusterrolebinding, serviceaccount, namespace, secret and the workload kinds".into());
                    return None;
                };
                match (object_kind.is_namespaced(), namespace) {
                    (true, None) => {
                        self.error(
                            name.span,
                            Code::MissingNamespace,
                            format!(
                                "a {} is namespaced: write NAMESPACE/{}",
                                object_kind.kind(),
                                name.node
                            ),
                        );
                        return None;
                    }
                    (false, Some(ns)) => {
                        self.error(
                            ns.span,
                            Code::UnexpectedNamespace,
                            format!(
                                "a {} is cluster-scoped and has no namespace",
                                object_kind.kind()
                            ),
                        );
                        return None;
                    }
                    _ => {}
                }
                let namespace = match namespace {
                    Some(ns) => Some(self.namespace(ns, false, false)?.0),
                    None => None,
                };
                if !is_dns_subdomain(&name.node, false) && !names::is_path_segment_name(&name.node)
                {
                    self.error(
                        name.span,
                        Code::InvalidName,
                        format!("`{}` is not a valid object name", name.node),
                    );
                    return None;
                }
                Some(Mutation::Remove {
                    kind: object_kind,
                    namespace,
                    name: name.node.clone(),
                })
            }
            ast::Mutation::Label { namespace, changes } => {
                let namespace = self.namespace(namespace, false, false);
                let mut labels = Vec::new();
                let mut ok = true;
                for change in changes {
                    if !names::is_qualified_name(&change.key.node) {
                        self.error(
                            change.key.span,
                            Code::InvalidLabel,
                            format!("`{}` is not a valid label key", change.key.node),
                        )
                        .set_help(
                            "label keys are [PREFIX/]NAME, e.g. pod-security.kubernetes.io/enforce"
                                .into(),
                        );
                        ok = false;
                    }
                    if !names::is_label_value(&change.value.node) {
                        self.error(
                            change.value.span,
                            Code::InvalidLabel,
                            format!("`{}` is not a valid label value", change.value.node),
                        );
                        ok = false;
                    }
                    labels.push((change.key.node.clone(), change.value.node.clone()));
                }
                if !ok {
                    return None;
                }
                Some(Mutation::Label {
                    namespace: namespace?.0,
                    labels,
                })
            }
        }
    }
}
