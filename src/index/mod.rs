//! The index stage: built-in default roles, ClusterRole aggregation, the RBAC index (subject →
//! bindings, resolved roles) and the access graph. Built once from a [`crate::model::Cluster`],
//! then read-only and shared across threads.

pub mod aggregation;
pub mod compiled;
pub mod defaults;
pub mod index;

pub use index::RbacIndex;
