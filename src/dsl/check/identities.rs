//! Identities: `identity NAME = SUBJECT [groups ...]` and `identity NAME = CREDENTIAL`
//! declarations, the words that cannot name one, and looking a declared name up. A credential
//! is read by the resolver; the checker maps what it answers to a principal.

use super::{Checker, CredentialFile};
use crate::dsl::ast::{self, Node, Span, SubjectExpr};
use crate::dsl::program::*;
use crate::model::identity::split_service_account_user;
use crate::source::code::Code;

/// Words that cannot name an identity because statements starting with them mean something
/// else.
const RESERVED_WORDS: &[&str] = &[
    "any",
    "can",
    "cannot",
    "who",
    "namespace",
    "pods",
    "workloads",
    "expect",
    "show",
    "load",
    "defaults",
    "whatif",
    "bind",
    "apply",
    "remove",
    "label",
    "forbid",
    "require",
    "except",
    "identity",
    "scenario",
    "policy",
];

impl Checker<'_> {
    pub(super) fn identity(&mut self, decl: &ast::IdentityDecl, span: Span) -> Option<Identity> {
        let name = &decl.name;
        if RESERVED_WORDS.contains(&name.node.as_str()) {
            self.error(
                name.span,
                Code::ReservedWord,
                format!(
                    "`{}` is a reserved word and cannot name an identity",
                    name.node
                ),
            );
        }
        if let Some(credential) = &decl.credential {
            let mut principal = self.credential_principal(credential)?;
            principal.identity = Some(name.node.clone());
            return Some(Identity {
                name: name.node.clone(),
                principal,
                origin: self.origin(span),
            });
        }
        let subject_node = decl.subject.as_ref()?;
        let subject = match &subject_node.node {
            SubjectExpr::Prefixed(prefixed) => self.concrete_prefixed(prefixed, subject_node.span),
            _ => {
                self.error(
                    subject_node.span,
                    Code::InvalidSubject,
                    "an identity is declared from a `user:`, `group:` or `sa:` subject",
                );
                None
            }
        }?;
        let groups: Vec<String> = match &decl.groups {
            None => Vec::new(),
            Some(groups) => {
                if !matches!(subject, Subject::User(_)) {
                    self.error(
                        subject_node.span,
                        Code::InvalidSubject,
                        "only a `user:` identity can list groups",
                    )
                    .set_help(
                        "service accounts and groups get their groups from the apiserver".into(),
                    );
                }
                for group in groups {
                    if group.node.is_empty() {
                        self.error(group.span, Code::InvalidSubject, "empty group name");
                    }
                }
                groups.iter().map(|g| g.node.clone()).collect()
            }
        };
        let mut principal = Principal::authenticate(subject, &groups);
        principal.identity = Some(name.node.clone());
        Some(Identity {
            name: name.node.clone(),
            principal,
            origin: self.origin(span),
        })
    }

    /// The identity a credential file authenticates as, as the resolver reads it. Problems with the credential are errors;
    /// an expired credential is a warning.
    pub(super) fn credential_principal(
        &mut self,
        credential: &Node<ast::CredentialExpr>,
    ) -> Option<Principal> {
        let credential_file = CredentialFile {
            kind: credential.kind,
            path: credential.path.node.clone(),
            context: credential.context.as_ref().map(|c| c.node.clone()),
        };
        let identity = match self.context.resolver.credential(&credential_file) {
            Ok(identity) => identity,
            Err(reason) => {
                self.error(
                    credential.path.span,
                    Code::InvalidCredential,
                    format!("cannot read the credential: {reason}"),
                );
                return None;
            }
        };
        if let Some(reason) = &identity.rejected {
            self.error(
                credential.span,
                Code::InvalidCredential,
                format!("the credential does not authenticate: {reason}"),
            );
            return None;
        }
        for warning in identity.warnings.iter().filter(|w| w.contains("expired")) {
            self.warning(credential.span, Code::ExpiredCredential, warning.clone());
        }
        let subject = match split_service_account_user(&identity.user) {
            Some((namespace, name)) => Subject::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            None => Subject::User(identity.user.clone()),
        };
        let mut groups = identity.groups.clone();
        groups.sort();
        groups.dedup();
        Some(Principal {
            subject,
            user: Some(identity.user),
            groups,
            identity: None,
        })
    }

    pub(super) fn lookup_identity(&mut self, name: &str, span: Span) -> Option<Principal> {
        match self.identities.get(name) {
            Some(principal) => Some(principal.clone()),
            None => {
                let help = format!(
                    "declare it with `identity {name} = user:{name}`, or write a subject such as user:{name}"
                );
                self.error(
                    span,
                    Code::UnknownIdentity,
                    format!("unknown identity `{name}`"),
                )
                .set_help(help);
                None
            }
        }
    }
}
