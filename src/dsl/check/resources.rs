//! The terms statements are built from: namespaces (warning on patterns that match no known
//! namespace), Pod Security levels and versions, resources, verbs, URL paths, accesses,
//! workloads and workload sets.

use super::{Checker, is_dns_label, is_dns_subdomain};
use crate::dsl::ast::{self, Node};
use crate::dsl::program::*;
use crate::model::WorkloadKind;
use crate::source::code::Code;

impl Checker<'_> {
    pub(super) fn namespace(
        &mut self,
        ns: &Node<String>,
        allow_glob: bool,
        selector: bool,
    ) -> Option<NamePattern> {
        let text = &ns.node;
        if text.contains('*') && !allow_glob {
            self.error(
                ns.span,
                Code::PatternNotAllowed,
                format!("`{text}` is a pattern, but one namespace is needed here"),
            )
            .set_help("globs in namespaces belong in policies and workload sets".into());
            return None;
        }
        if !is_dns_label(text, allow_glob) {
            self.error(
                ns.span,
                Code::InvalidNamespace,
                format!("`{text}` is not a valid namespace name"),
            )
            .set_help(
                "namespaces are lower-case letters, digits and `-`, at most 63 characters".into(),
            );
            return None;
        }
        let pattern = NamePattern(text.clone());
        if (selector || !pattern.is_literal())
            && let Some(known) = &self.context.known_namespaces
            && !known.iter().any(|k| pattern.matches(k))
        {
            let what = if pattern.is_literal() {
                "namespace"
            } else {
                "namespace pattern"
            };
            self.warning(
                ns.span,
                Code::NoSuchNamespace,
                format!("{what} `{text}` matches no namespace in the manifests"),
            );
        }
        Some(pattern)
    }

    pub(super) fn level(&mut self, level: &Node<String>) -> Option<Level> {
        let parsed = level.node.parse::<Level>().ok();
        if parsed.is_none() {
            self.error(
                level.span,
                Code::UnknownLevel,
                format!("unknown level `{}`", level.node),
            )
            .set_help("levels are privileged, baseline and restricted".into());
        }
        parsed
    }

    pub(super) fn version(&mut self, version: &Node<String>) -> Option<Version> {
        let latest = self.context.latest_minor;
        match version.node.parse::<Version>().ok() {
            Some(Version::V1(minor)) if minor > latest => {
                self.warning(
                    version.span,
                    Code::FutureVersion,
                    format!(
                        "`{}` is newer than the newest version kubesim knows (v1.{latest}); it is evaluated as latest",
                        version.node
                    ),
                );
                Some(Version::V1(minor))
            }
            Some(parsed) => Some(parsed),
            None => {
                self.error(
                    version.span,
                    Code::UnknownVersion,
                    format!("unknown version `{}`", version.node),
                )
                .set_help(format!("write v1.N (v1.0 to v1.{latest}) or latest"));
                None
            }
        }
    }

    pub(super) fn optional_version(&mut self, version: &Option<Node<String>>) -> Option<Version> {
        match version {
            Some(v) => self.version(v),
            None => Some(Version::Latest),
        }
    }

    pub(super) fn resource(&mut self, expr: &Node<ast::ResourceExpr>) -> Option<ResourceRef> {
        let mut ok = true;
        let mut part = |checker: &mut Self, node: &Node<String>, what: &str, group: bool| {
            let text = &node.node;
            if text == "*" {
                return;
            }
            if text.contains('*') {
                checker
                    .error(
                        node.span,
                        Code::InvalidResource,
                        format!("`{text}` is not a valid {what}: `*` must stand alone"),
                    )
                    .set_help(
                        "RBAC matches `*` only as a whole part, e.g. `*`, `*/scale` or `pods/*`"
                            .into(),
                    );
                ok = false;
                return;
            }
            let valid = if group {
                is_dns_subdomain(text, false)
            } else {
                !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            if !valid {
                checker
                    .error(
                        node.span,
                        Code::InvalidResource,
                        format!("`{text}` is not a valid {what}"),
                    )
                    .set_help(
                        "resources are lower-case plurals such as pods or deployments.apps".into(),
                    );
                ok = false;
            }
        };
        part(self, &expr.resource, "resource", false);
        if let Some(group) = &expr.group {
            part(self, group, "API group", true);
        }
        if let Some(sub) = &expr.subresource {
            part(self, sub, "subresource", false);
        }
        if !ok {
            return None;
        }
        let resource = expr.resource.node.clone();
        let (group, group_written) = match &expr.group {
            Some(group) => (group.node.clone(), true),
            // The scenario resolves an unqualified resource through the catalogue.
            None => (String::new(), false),
        };
        Some(ResourceRef {
            resource,
            group,
            group_written,
            subresource: expr.subresource.as_ref().map(|s| s.node.clone()),
        })
    }

    pub(super) fn access(
        &mut self,
        expr: &Node<ast::AccessExpr>,
        allow_glob: bool,
    ) -> Option<Access> {
        match &expr.node {
            ast::AccessExpr::Url { verb, path } => {
                let verb = self.verb(verb);
                let path_ok = path.node.starts_with('/')
                    && !path.node.chars().any(char::is_whitespace)
                    && path.node.find('*').is_none_or(|i| i + 1 == path.node.len());
                if !path_ok {
                    self.error(
                        path.span,
                        Code::InvalidUrl,
                        format!("`{}` is not a valid URL path", path.node),
                    )
                    .set_help(
                        "URL paths start with `/` and may end with `*`, e.g. /healthz or /logs/*"
                            .into(),
                    );
                }
                Some(Access::NonResource {
                    verb: verb?,
                    path: path_ok.then(|| path.node.clone())?,
                })
            }
            ast::AccessExpr::Resource {
                verb,
                resource,
                name,
                scope,
            } => {
                let verb = self.verb(verb);
                let resource = self.resource(resource);
                let namespace = match scope.as_ref().map(|s| &s.node) {
                    Some(ast::ScopeExpr::Namespace(ns)) => {
                        Some(self.namespace(ns, allow_glob, false)?)
                    }
                    Some(ast::ScopeExpr::ClusterWide) | None => None,
                };
                if let Some(name) = name
                    && name.node.is_empty()
                {
                    self.error(name.span, Code::InvalidName, "empty object name");
                    return None;
                }
                Some(Access::Resource {
                    verb: verb?,
                    resource: resource?,
                    name: name.as_ref().map(|n| n.node.clone()),
                    namespace,
                })
            }
        }
    }

    pub(super) fn verb(&mut self, verb: &Node<String>) -> Option<String> {
        // The grammar admits letters or `*`; RBAC verbs are case-sensitive lower-case words.
        if verb.node != "*" && verb.node.chars().any(|c| c.is_ascii_uppercase()) {
            self.error(
                verb.span,
                Code::InvalidVerb,
                format!("`{}` is not a valid verb", verb.node),
            )
            .set_help(format!(
                "verbs are lower-case, e.g. `{}`",
                verb.node.to_ascii_lowercase()
            ));
            return None;
        }
        Some(verb.node.clone())
    }

    pub(super) fn workload(&mut self, expr: &Node<ast::WorkloadExpr>) -> Option<WorkloadRef> {
        let kind = WorkloadKind::from_word(&expr.kind.node);
        if kind.is_none() {
            let kinds: Vec<&str> = WorkloadKind::ALL.iter().map(|k| k.word()).collect();
            self.error(
                expr.kind.span,
                Code::UnknownKind,
                format!("unknown workload kind `{}`", expr.kind.node),
            )
            .set_help(format!("workload kinds are {}", kinds.join(", ")));
        }
        let namespace = self.namespace(&expr.namespace, false, false);
        let name_ok = is_dns_subdomain(&expr.name.node, false);
        if !name_ok {
            self.error(
                expr.name.span,
                Code::InvalidName,
                format!("`{}` is not a valid object name", expr.name.node),
            );
        }
        Some(WorkloadRef {
            kind: kind?,
            namespace: namespace?.0,
            name: name_ok.then(|| expr.name.node.clone())?,
        })
    }

    pub(super) fn workload_set(
        &mut self,
        set: &Node<ast::WorkloadSetExpr>,
    ) -> Option<WorkloadSelector> {
        Some(match &set.node {
            ast::WorkloadSetExpr::Pods(ns) => {
                WorkloadSelector::Pods(self.namespace(ns, true, true)?)
            }
            ast::WorkloadSetExpr::Workloads(ns) => {
                WorkloadSelector::Workloads(self.namespace(ns, true, true)?)
            }
            ast::WorkloadSetExpr::Any => WorkloadSelector::Any,
        })
    }
}
