//! The stable identifier of every kind of problem the language reports (`kubesim::dsl::…`):
//! what `-o json`, SARIF and JUnit carry, and what tests and users match on. One enum, so a
//! code is spelled once and every code is listed in [`Code::ALL`].

use std::fmt;

/// Declares the codes: each variant with its documentation and its text.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $text:literal,)*) => {
        /// A kind of problem in a `.ksim` file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `kubesim::dsl::invalid-subject`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    /// A string holds an escape sequence the language does not know.
    BadEscape => "kubesim::dsl::bad-escape",
    /// `show diff` outside a `whatif` block, where there is nothing to compare with.
    DiffOutsideWhatif => "kubesim::dsl::diff-outside-whatif",
    /// A scenario configures its authorizer chain twice.
    DuplicateAuthorization => "kubesim::dsl::duplicate-authorization",
    /// A scenario loads the built-in defaults twice.
    DuplicateDefaults => "kubesim::dsl::duplicate-defaults",
    /// Two identities, scenarios or policies share a name.
    DuplicateName => "kubesim::dsl::duplicate-name",
    /// An `except` entry of a kind its rule cannot except (a workload where subjects are meant, say).
    ExceptionMismatch => "kubesim::dsl::exception-mismatch",
    /// A credential has expired (a warning: the identity is still declared).
    ExpiredCredential => "kubesim::dsl::expired-credential",
    /// A Kubernetes version newer than the built-in data knows (a warning).
    FutureVersion => "kubesim::dsl::future-version",
    /// The parser produced a tree the lowering does not expect (a bug in kubesim).
    Internal => "kubesim::dsl::internal",
    /// An authorization mode is unknown, repeated or needs a file it lacks.
    InvalidAuthorization => "kubesim::dsl::invalid-authorization",
    /// A credential cannot be read or would not authenticate.
    InvalidCredential => "kubesim::dsl::invalid-credential",
    /// A `load` or `apply` pattern is not a valid glob.
    InvalidGlob => "kubesim::dsl::invalid-glob",
    /// A label key or value is not one Kubernetes accepts.
    InvalidLabel => "kubesim::dsl::invalid-label",
    /// An object name is not a valid DNS subdomain or label.
    InvalidName => "kubesim::dsl::invalid-name",
    /// A namespace name is not a valid DNS label.
    InvalidNamespace => "kubesim::dsl::invalid-namespace",
    /// A resource is not written as `RESOURCE[.GROUP][/SUBRESOURCE]`.
    InvalidResource => "kubesim::dsl::invalid-resource",
    /// A role reference that is not `role:NAME` or `clusterrole:NAME`, or a role name Kubernetes refuses.
    InvalidRole => "kubesim::dsl::invalid-role",
    /// A subject is malformed or not allowed where it is written.
    InvalidSubject => "kubesim::dsl::invalid-subject",
    /// A non-resource URL path that is not a valid URL path.
    InvalidUrl => "kubesim::dsl::invalid-url",
    /// A verb is empty or malformed.
    InvalidVerb => "kubesim::dsl::invalid-verb",
    /// A file the statement names does not exist.
    MissingFile => "kubesim::dsl::missing-file",
    /// A namespaced object written without its `NAMESPACE/`.
    MissingNamespace => "kubesim::dsl::missing-namespace",
    /// A `load` or `apply` pattern matches no file.
    NoMatch => "kubesim::dsl::no-match",
    /// A namespace pattern matches none of the input's namespaces (a warning).
    NoSuchNamespace => "kubesim::dsl::no-such-namespace",
    /// A pattern (`*`, `any`) where one subject or name is needed.
    PatternNotAllowed => "kubesim::dsl::pattern-not-allowed",
    /// A statement that belongs in a `policy` block.
    PolicyOnly => "kubesim::dsl::policy-only",
    /// A reserved word used as a name.
    ReservedWord => "kubesim::dsl::reserved-word",
    /// A Role (not a ClusterRole) bound without a namespace.
    RoleNeedsNamespace => "kubesim::dsl::role-needs-namespace",
    /// A statement that belongs in a `scenario` block.
    ScenarioOnly => "kubesim::dsl::scenario-only",
    /// The text does not follow the grammar.
    Syntax => "kubesim::dsl::syntax",
    /// The file needs more parser steps than the limit allows.
    TooComplex => "kubesim::dsl::too-complex",
    /// The file is larger than the parser allows.
    TooLarge => "kubesim::dsl::too-large",
    /// A namespace written for a cluster-scoped object.
    UnexpectedNamespace => "kubesim::dsl::unexpected-namespace",
    /// An identity that no `identity` block declares.
    UnknownIdentity => "kubesim::dsl::unknown-identity",
    /// A workload kind the language does not know.
    UnknownKind => "kubesim::dsl::unknown-kind",
    /// An `against` base that is neither a directory nor a git revision.
    UnknownBase => "kubesim::dsl::unknown-base",
    /// A Pod Security level other than privileged, baseline or restricted.
    UnknownLevel => "kubesim::dsl::unknown-level",
    /// A policy severity the language does not know.
    UnknownSeverity => "kubesim::dsl::unknown-severity",
    /// A version that is not `latest` or `v1.N`.
    UnknownVersion => "kubesim::dsl::unknown-version",
    /// A string with no closing quote.
    UnterminatedString => "kubesim::dsl::unterminated-string",
    /// An ABAC policy file given while ABAC is not one of the modes.
    UnusedAbacPolicy => "kubesim::dsl::unused-abac-policy",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_spelled_once_in_the_kubesim_namespace() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(text.starts_with("kubesim::dsl::"), "{text}");
            let name = &text["kubesim::dsl::".len()..];
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{text}"
            );
            assert!(seen.insert(text), "{text} is given twice");
        }
        assert_eq!(seen.len(), Code::ALL.len());
    }
}
