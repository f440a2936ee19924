//! The evaluator (upstream `policy.Evaluator.EvaluatePod`): picks the checks and entries active
//! for a level and version, applies restricted overrides, runs them in the fixed order, and
//! reports which level a pod meets.

use std::sync::OnceLock;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::checks::{CHECKS, Check, CheckId, VersionedCheck};
use super::defaults::apply_apiserver_defaults;
use super::forbidden::Forbidden;
use super::level::{LATEST_MINOR, Level, Version};
use super::result::CheckResult;

/// One check with the entry active at some version.
#[derive(Clone, Copy)]
struct Selected {
    check: &'static Check,
    entry: &'static VersionedCheck,
}

const VERSIONS: usize = LATEST_MINOR as usize + 1;

/// The checks to run at baseline and restricted for every minor version 0..=LATEST_MINOR,
/// computed once.
fn selection(level: Level, minor: u64) -> &'static [Selected] {
    static TABLE: OnceLock<Vec<Vec<Selected>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = Vec::with_capacity(2 * VERSIONS);
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=LATEST_MINOR {
                table.push(select_checks(level, minor));
            }
        }
        table
    });
    let level_offset = match level {
        Level::Privileged => return &[],
        Level::Baseline => 0,
        Level::Restricted => VERSIONS,
    };
    let minor_index = usize::try_from(minor.min(LATEST_MINOR)).unwrap_or(VERSIONS - 1);
    table
        .get(level_offset + minor_index)
        .map_or(&[], Vec::as_slice)
}

/// Upstream's selection: all active checks of the level and below, minus the baseline checks
/// that an active restricted entry overrides (restricted only). `CHECKS` is already in order.
fn select_checks(level: Level, minor: u64) -> Vec<Selected> {
    let active: Vec<Selected> = CHECKS
        .iter()
        .filter(|check| check.level <= level)
        .filter_map(|check| {
            check
                .active_at(minor)
                .map(|entry| Selected { check, entry })
        })
        .collect();
    let overridden: Vec<CheckId> = if level == Level::Restricted {
        active
            .iter()
            .filter(|s| s.check.level == Level::Restricted)
            .flat_map(|s| s.entry.override_check_ids.iter().copied())
            .collect()
    } else {
        Vec::new()
    };
    active
        .into_iter()
        .filter(|s| !(s.check.level == Level::Baseline && overridden.contains(&s.check.id)))
        .collect()
}

/// Evaluates pods against levels and versions. The default evaluator knows policy versions up
/// to v1.[`LATEST_MINOR`] and applies the API server's defaulting first (see
/// [`apply_apiserver_defaults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluator {
    max_minor: u64,
    apiserver_defaults: bool,
}

impl Default for Evaluator {
    fn default() -> Self {
        Evaluator::new()
    }
}

impl Evaluator {
    pub const fn new() -> Self {
        Evaluator {
            max_minor: LATEST_MINOR,
            apiserver_defaults: true,
        }
    }

    /// Like kube-apiserver emulating an older release: versions newer than `emulation`
    /// (including `latest`) evaluate as `emulation`.
    pub const fn with_emulation_version(self, emulation: Version) -> Self {
        Evaluator {
            max_minor: emulation.effective_minor(LATEST_MINOR),
            ..self
        }
    }

    /// Pure library semantics: evaluate the spec exactly as given, without API-server
    /// defaulting (a source-less volume is then `unknown`).
    pub const fn without_apiserver_defaults(self) -> Self {
        Evaluator {
            apiserver_defaults: false,
            ..self
        }
    }

    /// The minor version whose policy is actually applied for `version`.
    pub const fn effective_minor(&self, version: Version) -> u64 {
        version.effective_minor(self.max_minor)
    }

    /// Upstream `EvaluatePod`: one result per selected check, in upstream order; empty at
    /// `privileged`.
    pub fn evaluate(
        &self,
        level: Level,
        version: Version,
        meta: &ObjectMeta,
        spec: &PodSpec,
    ) -> Vec<CheckResult> {
        let checks = selection(level, self.effective_minor(version));
        if checks.is_empty() {
            return Vec::new();
        }
        let spec = self.prepare(spec);
        checks
            .iter()
            .map(|s| CheckResult {
                check: s.check.id,
                level: s.check.level,
                forbidden: (s.entry.check_pod)(meta, &spec),
            })
            .collect()
    }

    /// Whether the level allows the pod; stops at the first failing check.
    pub fn allows(
        &self,
        level: Level,
        version: Version,
        meta: &ObjectMeta,
        spec: &PodSpec,
    ) -> bool {
        let checks = selection(level, self.effective_minor(version));
        if checks.is_empty() {
            return true;
        }
        let spec = self.prepare(spec);
        checks
            .iter()
            .all(|s| (s.entry.check_pod)(meta, &spec).is_none())
    }

    /// The strictest level that allows the pod, with the violations of each stricter level.
    pub fn level_met(&self, version: Version, meta: &ObjectMeta, spec: &PodSpec) -> LevelReport {
        let mut failures = Vec::new();
        for level in [Level::Baseline, Level::Restricted] {
            let violations: Vec<Violation> = self
                .evaluate(level, version, meta, spec)
                .into_iter()
                .filter_map(Violation::from_result)
                .collect();
            if !violations.is_empty() {
                failures.push(LevelFailure { level, violations });
            }
        }
        // Restricted allowing a pod implies baseline does, so the first failure decides.
        let level = match failures.first().map(|f| f.level) {
            None => Level::Restricted,
            Some(Level::Restricted) => Level::Baseline,
            Some(_) => Level::Privileged,
        };
        LevelReport {
            version,
            level,
            failures,
        }
    }

    fn prepare<'a>(&self, spec: &'a PodSpec) -> std::borrow::Cow<'a, PodSpec> {
        if self.apiserver_defaults {
            apply_apiserver_defaults(spec)
        } else {
            std::borrow::Cow::Borrowed(spec)
        }
    }
}

/// Evaluates a pod with the default [`Evaluator`] (API-server defaulting on, newest policy
/// v1.[`LATEST_MINOR`]).
pub fn evaluate(
    level: Level,
    version: Version,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Vec<CheckResult> {
    Evaluator::new().evaluate(level, version, meta, spec)
}

/// The strictest level the pod meets at `version`, with the default [`Evaluator`].
pub fn level_met(version: Version, meta: &ObjectMeta, spec: &PodSpec) -> LevelReport {
    Evaluator::new().level_met(version, meta, spec)
}

/// One failing check, for reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub check: CheckId,
    /// The level the check belongs to.
    pub check_level: Level,
    pub reason: &'static str,
    pub detail: String,
    /// See [`Forbidden::paths`].
    pub paths: Vec<String>,
}

impl Violation {
    /// The violation of a failing result; `None` if the result allows the pod.
    pub fn from_result(result: CheckResult) -> Option<Violation> {
        let Forbidden {
            reason,
            detail,
            paths,
        } = result.forbidden?;
        Some(Violation {
            check: result.check,
            check_level: result.level,
            reason,
            detail,
            paths,
        })
    }
}

/// A level the pod does not meet and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LevelFailure {
    pub level: Level,
    /// In upstream evaluation order.
    pub violations: Vec<Violation>,
}

/// The answer of [`level_met`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LevelReport {
    /// The version asked for (as given, not clamped).
    pub version: Version,
    /// The strictest level that allows the pod.
    pub level: Level,
    /// Baseline then restricted, each only if it fails.
    pub failures: Vec<LevelFailure>,
}

impl LevelReport {
    /// The violations of `level`; empty if the level allows the pod.
    pub fn violations(&self, level: Level) -> &[Violation] {
        self.failures
            .iter()
            .find(|f| f.level == level)
            .map_or(&[], |f| f.violations.as_slice())
    }
}
