//! The Pod Security Standards engine: an offline reimplementation of Kubernetes'
//! `k8s.io/pod-security-admission` library. [`evaluate`] runs the checks of a level at a
//! policy version with upstream's reasons and details (plus field paths), [`level_met`] finds
//! the strictest level a pod meets, and [`admission`] turns namespace labels and the admission
//! configuration into the API server's enforce/audit/warn decision and messages.
#![doc(hidden)]

pub mod admission;
pub mod assess;
pub mod checks;
mod defaults;
mod evaluate;
mod forbidden;
mod format;
mod level;
mod result;
mod visit;

pub use checks::{CheckId, UnknownCheckId};
pub use defaults::apply_apiserver_defaults;
pub use evaluate::{Evaluator, LevelFailure, LevelReport, Violation, evaluate, level_met};
pub use forbidden::Forbidden;
pub use level::{
    LATEST_MINOR, Level, LevelVersion, ParseLevelError, ParseLevelVersionError, ParseVersionError,
    Version,
};
pub use result::{CheckResult, all_allowed, forbidden_detail, forbidden_reason};
