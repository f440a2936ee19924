//! kubesim: an offline simulator of the Kubernetes RBAC authorizer and Pod Security admission.
pub mod pss;
