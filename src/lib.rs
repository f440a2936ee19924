#![doc = include_str!("../README.md")]
//!
//! # The library
//!
//! The items at the top of this crate are the stable way in: load manifests
//! ([`load_paths`], [`load_str`]) into a [`Loaded`] value, index it once ([`Indexed::build`]),
//! then ask the authorizer [`Chain`] (RBAC alone by default) whether a [`Request`] is allowed
//! ([`Chain::authorize`] gives a [`Decision`] with its reason), who may do an [`Action`]
//! ([`Chain::who_can`]) or what a user may do ([`Chain::access`]); judge pods with the Pod
//! Security [`Evaluator`]; run `.ksim` files with [`run_files`]. Problems in the input are
//! [`Diagnostic`] values, never printed. The modules behind the facade are the command line's
//! (each marked `#![doc(hidden)]`) and change freely.
#![warn(missing_docs)]

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

pub use authz::{Access, Chain, Decision, Mode, WhoCan};
pub use index::Indexed;
pub use manifest::{LoadOptions, Loaded, load_paths, load_str};
pub use model::{Action, Request, UserInfo};
pub use pss::{Evaluator, Level, Version};
pub use scenario::{RunOptions, RunReport, run_files};
pub use source::{Diagnostic, Location, Severity};
