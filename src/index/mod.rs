//! The index stage: built-in default roles, ClusterRole aggregation, the RBAC index (subject →
//! bindings, resolved roles) and its compiled, integer-matched form. Built once from a [`crate::model::Cluster`],
//! then read-only and shared across threads.

pub mod aggregation;
pub mod compiled;
pub mod defaults;
pub mod rbac_index;

pub use rbac_index::RbacIndex;
