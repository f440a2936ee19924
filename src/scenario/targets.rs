//! The escalation statements of the language (`expect S can escalate to T`, `show
//! escalations`, `forbid any sa can escalate to T`) evaluated over a scenario state: the
//! checked program's subjects and targets turned into the analysis' sources and targets.

use crate::dsl::program::{EscalationTarget, Principal, Subject};
use crate::rbac::query::SubjectSpec;

use crate::escalate::paths::{Source, Target};

pub fn subject_spec(subject: &Subject) -> SubjectSpec {
    match subject {
        Subject::User(n) => SubjectSpec::User(n.clone()),
        Subject::Group(n) => SubjectSpec::Group(n.clone()),
        Subject::ServiceAccount { namespace, name } => SubjectSpec::ServiceAccount {
            namespace: namespace.clone(),
            name: name.clone(),
        },
    }
}

/// The source a principal escalates from: its user name and every group it has (a declared
/// identity's extra groups included).
pub fn source(principal: &Principal) -> Source {
    Source {
        label: match &principal.identity {
            Some(name) => format!("{name} ({})", principal.subject),
            None => principal.subject.to_string(),
        },
        user: principal.user.clone(),
        groups: principal.groups.clone(),
    }
}

pub fn target(target: &EscalationTarget) -> Target {
    match target {
        EscalationTarget::ClusterRole(name) => Target::ClusterRole(name.clone()),
        EscalationTarget::Role { namespace, name } => Target::Role {
            namespace: namespace.clone(),
            name: name.clone(),
        },
        EscalationTarget::Principal(p) => Target::Subject(subject_spec(&p.subject)),
    }
}
