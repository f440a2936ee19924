//! kubesim: an offline simulator of the Kubernetes RBAC authorizer and Pod Security admission.
pub mod authn;
pub mod authz;
pub mod compare;
pub mod dsl;
pub mod escalate;
pub mod generate;
pub mod index;
pub mod manifest;
pub mod model;
pub mod progress;
pub mod pss;
pub mod rbac;
pub mod report;
pub mod scenario;
pub mod source;
