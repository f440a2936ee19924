//! Privilege escalation: which identities can become a stronger one (cluster-admin, a node's
//! root, a named role or subject), by which chain of grants, and which bindings to remove to
//! stop them. [`caps`] reads what each RBAC rule allows, [`graph`] builds the graph of
//! identities and capabilities, [`paths`] answers reachability, shortest paths and cuts, and
//! [`who_can_run`] crosses RBAC with Pod Security admission.
#![doc(hidden)]

pub mod admission;
pub mod caps;
pub mod dangers;
pub mod graph;
pub mod paths;
pub mod who_can_run;

pub use graph::{EscalationGraph, EscalationOptions, NodeKey, Step, StepKind};
pub use paths::{Cut, Finding, Hop, HopEnd, Source, Target, find_escalations, known_sources};
