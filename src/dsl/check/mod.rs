//! Semantic checks and lowering: from the syntax tree to the typed [`Program`].
//!
//! The checker walks the whole file and collects every problem instead of stopping at the
//! first: unknown identities, levels, versions, severities and kinds; subjects, resources,
//! namespaces and labels that are not well formed; duplicate names; `show diff` outside a
//! what-if; `load`/`apply` patterns that match no file; and, as warnings, namespace patterns
//! that match none of the [`CheckContext::known_namespaces`]. Statements with errors are left
//! out of the program. The checker itself reads nothing: files, policy files and credentials
//! are asked of the [`CheckContext::resolver`], so it can run on text alone.
//!
//! This module holds the `Checker`, its diagnostic helpers and the walk over the file's
//! items; each concern has its own file: identities, subjects, resources (and the other
//! terms), scenarios, what-ifs and policies.

mod identities;
mod policy;
mod resources;
mod scenario;
mod subjects;
mod whatif;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::dsl::ast::{self, File, Item, SourceText, Span};
use crate::dsl::diagnostic::{DslDiagnostic, sort_diagnostics};
use crate::dsl::program::*;
use crate::model::names;

/// What the checker needs to know about the world outside the file.
#[derive(Clone)]
pub struct CheckContext<'a> {
    /// Answers for the files and credentials the file names, relative to the `.ksim` file.
    pub resolver: &'a dyn Resolve,
    /// Namespaces present in the manifests, when known; namespace patterns that match none
    /// of them are reported as warnings.
    pub known_namespaces: Option<BTreeSet<String>>,
    /// The newest `v1.N` the engines know; newer versions are accepted with a warning.
    pub latest_minor: u64,
}

impl<'a> CheckContext<'a> {
    pub fn new(resolver: &'a dyn Resolve) -> Self {
        Self {
            resolver,
            known_namespaces: None,
            latest_minor: LATEST_KNOWN_MINOR,
        }
    }
}

/// The outside world as the checker sees it: what a `load`/`apply` pattern matches, whether
/// an ABAC policy file exists, and whom a credential authenticates as. Every path is written
/// relative to the `.ksim` file; the implementation decides what that means.
pub trait Resolve: Sync {
    /// The files `pattern` (a path, or a glob with `*`, `**`, `?`, `[..]`, `{a,b}`) matches,
    /// sorted; `Err` with the reason when the glob is not valid.
    fn files(&self, pattern: &str) -> Result<Vec<PathBuf>, String>;

    /// The regular file at `path`, or `None` when there is none.
    fn existing_file(&self, path: &str) -> Option<PathBuf>;

    /// Whom `credential` authenticates as; `Err` with the reason when it cannot be read.
    fn credential(&self, credential: &CredentialFile) -> Result<Authenticated, String>;
}

/// A credential an `identity NAME = ...` declaration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialFile {
    pub kind: ast::CredentialKind,
    /// As written, relative to the `.ksim` file.
    pub path: String,
    /// The kubeconfig context to use; `None`: its current context.
    pub context: Option<String>,
}

/// Whom a credential authenticates as, as the apiserver's authenticators would map it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authenticated {
    pub user: String,
    /// In the authenticator's order; the checker sorts them.
    pub groups: Vec<String>,
    /// Why the apiserver would not accept the credential, when it would not.
    pub rejected: Option<String>,
    /// Things to be careful about, such as an expiry that has passed.
    pub warnings: Vec<String>,
}

/// The newest Kubernetes minor version the built-in data describes (v1.37).
pub const LATEST_KNOWN_MINOR: u64 = 37;

/// Checks a parsed file and lowers it. The diagnostics are sorted by position; the program
/// should be run only when none of them is an error.
pub fn check(file: &File, context: &CheckContext<'_>) -> (Program, Vec<DslDiagnostic>) {
    let mut checker = Checker {
        source: Arc::clone(&file.source),
        context,
        diagnostics: Vec::new(),
        identities: BTreeMap::new(),
    };
    let program = checker.file(file);
    let mut diagnostics = checker.diagnostics;
    sort_diagnostics(&mut diagnostics);
    (program, diagnostics)
}

struct Checker<'a> {
    source: Arc<SourceText>,
    context: &'a CheckContext<'a>,
    diagnostics: Vec<DslDiagnostic>,
    identities: BTreeMap<String, Principal>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
    ) -> &mut DslDiagnostic {
        self.diagnostics
            .push(DslDiagnostic::error(&self.source, span, code, message));
        // Just pushed, so the list is not empty.
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn warning(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
    ) -> &mut DslDiagnostic {
        self.diagnostics
            .push(DslDiagnostic::warning(&self.source, span, code, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn origin(&self, span: Span) -> Origin {
        let (line, column) = self.source.line_col(span.start);
        Origin {
            span,
            line,
            column,
            text: self.source.slice(span).to_string(),
        }
    }

    fn file(&mut self, file: &File) -> Program {
        let mut program = Program {
            file: self.source.name.to_string(),
            ..Program::default()
        };
        // Identities first: they may be used before they are declared.
        let mut first_seen: BTreeMap<(&str, String), Span> = BTreeMap::new();
        for item in &file.items {
            let (what, name) = match &item.node {
                Item::Identity(decl) => ("identity", &decl.name),
                Item::Scenario(block) => ("scenario", &block.name),
                Item::Policy(block) => ("policy", &block.name),
            };
            if let Some(first) = first_seen.get(&(what, name.node.clone())) {
                let first = *first;
                self.error(
                    name.span,
                    "kubesim::dsl::duplicate-name",
                    format!("{what} `{}` is declared twice", name.node),
                )
                .notes
                .push((first, "first declared here".to_string()));
            } else {
                first_seen.insert((what, name.node.clone()), name.span);
            }
            if let Item::Identity(decl) = &item.node
                && let Some(identity) = self.identity(decl, item.span)
            {
                self.identities
                    .entry(identity.name.clone())
                    .or_insert_with(|| identity.principal.clone());
                program.identities.push(identity);
            }
        }
        for item in &file.items {
            match &item.node {
                Item::Identity(_) => {}
                Item::Scenario(block) => {
                    if let Some(scenario) = self.scenario(block, item.span) {
                        program.scenarios.push(scenario);
                    }
                }
                Item::Policy(block) => {
                    if let Some(policy) = self.policy(block, item.span) {
                        program.policies.push(policy);
                    }
                }
            }
        }
        program
    }
}

/// RFC 1123 label (namespaces); `*` allowed anywhere when `glob`.
fn is_dns_label(text: &str, glob: bool) -> bool {
    if glob && text.contains('*') {
        return text.len() <= 63
            && text
                .chars()
                .all(|c| c == '*' || c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    }
    names::is_dns1123_label(text)
}

/// RFC 1123 subdomain (most object names); `*` allowed anywhere when `glob`.
fn is_dns_subdomain(text: &str, glob: bool) -> bool {
    if glob {
        names::is_dns1123_subdomain(&text.replace('*', "a"))
    } else {
        names::is_dns1123_subdomain(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_like_kubernetes() {
        assert!(is_dns_label("payments", false));
        assert!(!is_dns_label("Payments", false));
        assert!(!is_dns_label("-x", false));
        assert!(is_dns_label("prod-*", true));
        assert!(!is_dns_label("prod-*", false));
        assert!(is_dns_subdomain("app.config", false));
        assert!(names::is_qualified_name(
            "pod-security.kubernetes.io/enforce"
        ));
        assert!(!names::is_qualified_name("bad key"));
        assert!(names::is_label_value(""));
        assert!(!names::is_label_value("-x"));
        assert!(names::is_path_segment_name(
            "system:controller:job-controller"
        ));
    }
}
