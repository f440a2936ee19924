//! The RBAC engine: answers, offline and exactly as kube-apiserver's RBAC authorizer would,
//! whether a subject may do something ([`authorize`]), who may ([`who_can`]), what a subject
//! may do ([`access`]), and why ([`explain`]). Everything reads a prebuilt
//! [`RbacIndex`](crate::index::RbacIndex) and never scans every binding per decision.
//!
//! Semantics follow upstream Kubernetes (plugin/pkg/auth/authorizer/rbac, the rule resolver
//! and kubectl's `auth can-i`); the conformance cases in `tests/data/rbac/` pin them down.
#![doc(hidden)]

pub mod access;
pub mod authorize;
pub mod covers;
pub mod explain;
pub mod matching;
pub mod matrix;
pub mod query;
pub mod validate;
pub mod who_can;

pub use crate::index::catalog::{Catalog, CatalogError, ResolvedResource};
pub use crate::model::{Action, NonResourceAttributes, Request, ResourceAttributes, UserInfo};
pub use access::{RulesFor, rules_for};
pub use authorize::{Decision, Grant, authorize};
pub use explain::{Explanation, NearMiss, explain};
pub use query::{RequestError, ResourceSpec, SubjectSpec, parse_resource, parse_subject};
pub use who_can::{AllowedSubjects, WhoCan, allowed_subjects, who_can};
