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

use crate::source::code::Code;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::dsl::ast::{self, File, Item, SourceText, Span};
use crate::dsl::program::*;
use crate::model::names;
use crate::source::Diagnostic;
use crate::source::render::sort_diagnostics;

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

    /// The tree `against "BASE"` names: a directory relative to the `.ksim` file, or else a
    /// revision of the git repository holding it; `Err` with the reason when it is neither.
    fn base_tree(&self, base: &str) -> Result<BaseTree, String>;
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
pub fn check(file: &File, context: &CheckContext<'_>) -> (Program, Vec<Diagnostic>) {
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
    diagnostics: Vec<Diagnostic>,
    identities: BTreeMap<String, Principal>,
}

impl Checker<'_> {
    fn error(&mut self, span: Span, code: Code, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error_in(&self.source, span, code, message));
        // Just pushed, so the list is not empty.
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn warning(&mut self, span: Span, code: Code, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::warning_in(&self.source, span, code, message));
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
                    Code::DuplicateName,
                    format!("{what} `{}` is declared twice", name.node),
                )
                .add_note((first, "first declared here".to_string()));
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

    /// A resolver with canned answers: `files` matches by exact pattern, credentials by path;
    /// anything else matches nothing or cannot be read.
    #[derive(Default)]
    struct Canned {
        files: BTreeMap<&'static str, Vec<PathBuf>>,
        credentials: BTreeMap<&'static str, Authenticated>,
    }

    impl Resolve for Canned {
        fn files(&self, pattern: &str) -> Result<Vec<PathBuf>, String> {
            if pattern.contains("[") && !pattern.contains("]") {
                return Err("unclosed character class; missing ']'".into());
            }
            Ok(self.files.get(pattern).cloned().unwrap_or_default())
        }

        fn existing_file(&self, path: &str) -> Option<PathBuf> {
            self.files.get(path).and_then(|f| f.first().cloned())
        }

        fn base_tree(&self, base: &str) -> Result<BaseTree, String> {
            match base {
                "main" => Ok(BaseTree::Revision {
                    commit: "0123456789abcdef0123456789abcdef01234567".into(),
                }),
                _ => Err(format!(
                    "`{base}` is neither a directory nor a git revision"
                )),
            }
        }

        fn credential(&self, credential: &CredentialFile) -> Result<Authenticated, String> {
            self.credentials
                .get(credential.path.as_str())
                .cloned()
                .ok_or_else(|| format!("{}: no such file", credential.path))
        }
    }

    fn check_text(text: &str, resolver: &Canned) -> (Program, Vec<Diagnostic>) {
        let file = match crate::dsl::parse_file("test.ksim", text) {
            Ok(file) => file,
            Err(errors) => panic!("does not parse: {errors:?}"),
        };
        check(&file, &CheckContext::new(resolver))
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<Code> {
        diagnostics.iter().filter_map(|d| d.code).collect()
    }

    fn user(name: &str) -> Authenticated {
        Authenticated {
            user: name.to_string(),
            groups: vec!["system:authenticated".into()],
            ..Authenticated::default()
        }
    }

    #[test]
    fn a_load_takes_the_files_the_resolver_gives() {
        let mut resolver = Canned::default();
        resolver
            .files
            .insert("rbac/*.yaml", vec![PathBuf::from("rbac/a.yaml")]);
        let (program, diagnostics) =
            check_text("scenario \"s\" {\n  load \"rbac/*.yaml\"\n}\n", &resolver);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            program.scenarios[0].loads[0].files,
            [PathBuf::from("rbac/a.yaml")]
        );
    }

    #[test]
    fn a_load_matching_no_file_is_an_error() {
        let (program, diagnostics) = check_text(
            "scenario \"s\" {\n  load \"missing/*.yaml\"\n}\n",
            &Canned::default(),
        );
        assert_eq!(codes(&diagnostics), [Code::NoMatch]);
        assert_eq!(
            diagnostics[0].message,
            "`load` pattern `missing/*.yaml` matches no file"
        );
        assert!(program.scenarios[0].loads.is_empty());
    }

    #[test]
    fn an_invalid_glob_is_reported_with_the_resolvers_reason() {
        let (_, diagnostics) = check_text(
            "scenario \"s\" {\n  whatif \"w\" {\n    apply \"[a.yaml\"\n  }\n}\n",
            &Canned::default(),
        );
        assert_eq!(codes(&diagnostics), [Code::InvalidGlob]);
        assert!(
            diagnostics[0].message.contains("missing ']'"),
            "{}",
            diagnostics[0].message
        );
    }

    #[test]
    fn a_credential_that_cannot_be_read_or_is_rejected_is_an_error() {
        let mut resolver = Canned::default();
        resolver.credentials.insert(
            "revoked.token",
            Authenticated {
                rejected: Some("the token is not in the token file".into()),
                ..user("bob")
            },
        );
        let (program, diagnostics) = check_text(
            "identity gone = token \"missing.token\"\nidentity bob = token \"revoked.token\"\n",
            &resolver,
        );
        assert_eq!(
            codes(&diagnostics),
            [Code::InvalidCredential, Code::InvalidCredential]
        );
        assert_eq!(
            diagnostics[0].message,
            "cannot read the credential: missing.token: no such file"
        );
        assert_eq!(
            diagnostics[1].message,
            "the credential does not authenticate: the token is not in the token file"
        );
        assert!(program.identities.is_empty());
    }

    #[test]
    fn an_expired_credential_is_a_warning_and_still_declares_the_identity() {
        let mut resolver = Canned::default();
        resolver.credentials.insert(
            "old.crt",
            Authenticated {
                warnings: vec![
                    "the certificate expired on 2020-01-01".into(),
                    "the certificate has no organization".into(),
                ],
                ..user("alice")
            },
        );
        let (program, diagnostics) = check_text("identity alice = cert \"old.crt\"\n", &resolver);
        assert_eq!(codes(&diagnostics), [Code::ExpiredCredential]);
        assert!(!diagnostics[0].is_error());
        assert_eq!(
            program.identities[0].principal.subject,
            Subject::User("alice".into())
        );
    }

    #[test]
    fn a_service_account_credential_becomes_an_sa_subject() {
        let mut resolver = Canned::default();
        resolver.credentials.insert(
            "ci.kubeconfig",
            Authenticated {
                groups: vec![
                    "system:serviceaccounts:ci".into(),
                    "system:authenticated".into(),
                    "system:serviceaccounts".into(),
                ],
                ..user("system:serviceaccount:ci:deployer")
            },
        );
        let (program, diagnostics) = check_text(
            "identity ci = kubeconfig \"ci.kubeconfig\" context \"ci\"\n",
            &resolver,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let principal = &program.identities[0].principal;
        assert_eq!(
            principal.subject,
            Subject::ServiceAccount {
                namespace: "ci".into(),
                name: "deployer".into()
            }
        );
        assert_eq!(
            principal.user.as_deref(),
            Some("system:serviceaccount:ci:deployer")
        );
        assert_eq!(
            principal.groups,
            [
                "system:authenticated",
                "system:serviceaccounts",
                "system:serviceaccounts:ci"
            ]
        );
        assert_eq!(principal.identity.as_deref(), Some("ci"));
    }

    #[test]
    fn an_against_base_is_what_the_resolver_finds() {
        let text = |base: &str| {
            format!(
                "scenario \"s\" {{\n  expect against \"{base}\": no sa gains clusterrole:admin\n}}\n"
            )
        };
        let (program, diagnostics) = check_text(&text("main"), &Canned::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let StatementKind::Expect(expectation) = &program.scenarios[0].statements[0].kind else {
            panic!("not an expectation: {program:?}");
        };
        assert_eq!(
            expectation,
            &Expectation::Gain {
                base: Against {
                    written: "main".into(),
                    tree: BaseTree::Revision {
                        commit: "0123456789abcdef0123456789abcdef01234567".into()
                    },
                },
                holders: GainHolders::NoneOf(SubjectPattern::AnyServiceAccount),
                gains: true,
                target: GainTarget::ClusterRole("admin".into()),
            }
        );
        let (program, diagnostics) = check_text(&text("mian"), &Canned::default());
        assert_eq!(codes(&diagnostics), [Code::UnknownBase]);
        assert!(program.scenarios[0].statements.is_empty());
    }

    #[test]
    fn a_gain_is_of_an_access_or_a_role() {
        let (_, diagnostics) = check_text(
            "scenario \"s\" {\n  expect against \"main\": user:a gains user:b\n}\n",
            &Canned::default(),
        );
        assert_eq!(codes(&diagnostics), [Code::InvalidRole]);
        assert_eq!(diagnostics[0].message, "`user:b` is not a role");
    }

    #[test]
    fn an_abac_policy_file_must_exist() {
        let mut resolver = Canned::default();
        resolver
            .files
            .insert("abac.jsonl", vec![PathBuf::from("dir/abac.jsonl")]);
        let text = |file: &str| {
            format!("scenario \"s\" {{\n  authorization RBAC,ABAC abac \"{file}\"\n}}\n")
        };
        let (program, diagnostics) = check_text(&text("abac.jsonl"), &resolver);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let authorization = program.scenarios[0].authorization.as_ref();
        assert_eq!(
            authorization.and_then(|a| a.abac_policy.clone()),
            Some(PathBuf::from("dir/abac.jsonl"))
        );
        let (_, diagnostics) = check_text(&text("other.jsonl"), &resolver);
        assert_eq!(codes(&diagnostics), [Code::MissingFile]);
    }
}
