//! What a statement found, as typed values: why an expectation passed or failed, why a policy
//! rule is broken, and what a `show` reports. `report` renders them; nothing here is text.
//! Values that name bindings and roles by id carry the index they were answered from, since a
//! what-if's index numbers them differently from its scenario's.

use std::sync::Arc;

use crate::authz::{Access, Decision, WhoCan};
use crate::compare::{AccessChange, Changes};
use crate::dsl::program::{Subject, SubjectPattern, WorkloadRef, WorkloadSelector};
use crate::escalate::{Finding, Target};
use crate::index::RbacIndex;
use crate::model::Request;
use crate::pss::assess::{EnforceOutcome, PssReport, WorkloadAssessment};
use crate::pss::{Level, LevelVersion};

/// One piece of evidence for an expectation or a policy violation.
// A statement holds a handful of these; boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Evidence {
    /// A decision of the scenario's authorizer chain, explained: who decided, and RBAC's
    /// deciding binding, role and rule or its near misses.
    Access {
        index: Arc<RbacIndex>,
        request: Request,
        decision: Decision,
    },
    /// Everyone the authorizer chain allows an action, with what allows each.
    WhoCan {
        index: Arc<RbacIndex>,
        result: WhoCan,
    },
    /// A subject is allowed although the expectation excludes it (`listed`) or did not list it
    /// in an `is` set.
    Allowed { subject: Subject, listed: bool },
    /// A subject the expectation lists is not allowed.
    NotAllowed(SubjectPattern),
    /// A workload's level, with the checks of the wanted level that it fails.
    PodSecurity {
        assessment: WorkloadAssessment,
        wanted: Level,
    },
    /// No workload matches the selector.
    NoWorkload(WorkloadSelector),
    /// No workload of that kind and name is in the input.
    WorkloadNotFound(WorkloadRef),
    /// What a namespace's enforce label does with a pod placed in it (`None`: no label).
    Admission {
        namespace: String,
        enforce: Option<EnforceOutcome>,
    },
    /// The level and version a namespace enforces.
    Enforces(LevelVersion),
    /// An escalation path, hop by hop.
    Escalation {
        index: Arc<RbacIndex>,
        finding: Finding,
    },
    /// No escalation path from `from` (a subject's label, when one was asked about) to `to`.
    NoEscalation { from: Option<String>, to: Target },
    /// A subject (its label) gained what an `against` expectation asks about, with the
    /// changes of `kubesim diff` that give it.
    Gained {
        subject: String,
        grants: Vec<AccessChange>,
    },
    /// What the base tree (as written) says, where it decides the expectation.
    InBase {
        base: String,
        evidence: Box<Evidence>,
    },
    /// A workload below the wanted level that was not in the base (`before` is its level
    /// there, `None` when it is new).
    Dropped {
        assessment: WorkloadAssessment,
        wanted: Level,
        before: Option<Level>,
    },
    /// The question could not be answered (an unknown escalation target, say).
    Unanswered(String),
}

/// What a `show` statement reports, rendered by `report` as its snapshot.
#[derive(Debug, Clone)]
pub enum ShowReport {
    WhoCan {
        index: Arc<RbacIndex>,
        result: WhoCan,
    },
    Access {
        index: Arc<RbacIndex>,
        rules: Access,
    },
    Pss(PssReport),
    Escalations {
        index: Arc<RbacIndex>,
        findings: Vec<Finding>,
    },
    /// What a what-if changed against its scenario, with both indexes (escalation paths name
    /// their bindings and roles by id).
    Diff {
        base: Arc<RbacIndex>,
        head: Arc<RbacIndex>,
        changes: Box<Changes>,
    },
}
