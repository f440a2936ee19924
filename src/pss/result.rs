//! Check results and their aggregation into the texts upstream shows
//! (`AggregateCheckResults`, `ForbiddenReason()`, `ForbiddenDetail()`).

use super::checks::CheckId;
use super::forbidden::Forbidden;
use super::level::Level;

/// The outcome of one check on one pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckResult {
    pub check: CheckId,
    /// The level the check belongs to (baseline or restricted), not the level evaluated.
    pub level: Level,
    /// `None` when the check allows the pod.
    pub forbidden: Option<Forbidden>,
}

impl CheckResult {
    pub fn allowed(&self) -> bool {
        self.forbidden.is_none()
    }
}

/// What upstream substitutes for an empty reason.
const UNKNOWN_FORBIDDEN_REASON: &str = "unknown forbidden reason";

/// True iff every result allows the pod (upstream `AggregateCheckResult.Allowed`).
pub fn all_allowed(results: &[CheckResult]) -> bool {
    results.iter().all(CheckResult::allowed)
}

fn forbidden_items(results: &[CheckResult]) -> impl Iterator<Item = (&str, &str)> {
    results.iter().filter_map(|r| {
        r.forbidden.as_ref().map(|f| {
            let reason = if f.reason.is_empty() {
                UNKNOWN_FORBIDDEN_REASON
            } else {
                f.reason
            };
            (reason, f.detail.as_str())
        })
    })
}

/// Upstream `ForbiddenReason()`: the reasons of the failing checks joined by `", "`.
pub fn forbidden_reason(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for (i, (reason, _)) in forbidden_items(results).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reason);
    }
    out
}

/// Upstream `ForbiddenDetail()`: `reason` or `reason (detail)` per failing check, joined by
/// `", "`. This is the text after `violates PodSecurity "<level>:<version>": `.
pub fn forbidden_detail(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for (i, (reason, detail)) in forbidden_items(results).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reason);
        if !detail.is_empty() {
            out.push_str(" (");
            out.push_str(detail);
            out.push(')');
        }
    }
    out
}
