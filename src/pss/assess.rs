//! Pod Security for a whole input: for every Pod and pod template, the level it meets at a
//! version, its violations (with field paths and manifest lines), and what its namespace's
//! `pod-security.kubernetes.io/*` labels (or the configured defaults) would do with it.
//! The report model behind `kubesim pss` and the language's pod-security statements.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::admission::{Admission, AdmissionRequest, Exemption, LabelError, Policy, RequestKind};
use super::{CheckId, Level, LevelReport, LevelVersion, Version};
use crate::manifest::{DocumentSpans, Sources};
use crate::model::{Cluster, Workload, WorkloadKind, WorkloadPod};
use crate::progress::{Progress, Silent};
use crate::source::FieldPath;

/// What to evaluate and how the namespaces are configured.
#[derive(Debug, Clone)]
pub struct AssessOptions {
    /// The policy version the level is computed at (`--version`).
    pub version: Version,
    /// The admission plugin: defaults (`--default-enforce`) and exemptions (`--admission-config`).
    pub admission: Admission,
    /// True when the defaults were configured, so a namespace without labels is still enforced.
    pub defaults_configured: bool,
    /// Find the manifest line of every violation's field (re-reads the document; turn off
    /// when only the verdict is needed).
    pub locate_fields: bool,
}

impl Default for AssessOptions {
    fn default() -> Self {
        AssessOptions {
            version: Version::Latest,
            admission: Admission::default(),
            defaults_configured: false,
            locate_fields: true,
        }
    }
}

/// One place a violation is about: a field path from the object's root and its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationPath {
    pub path: String,
    /// The manifest line of the field; `None` when the field is absent (a required setting).
    pub line: Option<u32>,
}

/// A failing check at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationRow {
    pub level: Level,
    pub check: CheckId,
    pub reason: String,
    pub detail: String,
    pub paths: Vec<ViolationPath>,
}

/// What the namespace's enforce mode does with the workload's pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnforceOutcome {
    pub level: Level,
    pub version: Version,
    /// Whether a Pod with this spec is admitted (for a workload: whether its pods will be).
    pub admitted: bool,
    pub exemption: Option<Exemption>,
    /// The apiserver's denial message for the pod.
    pub denial: Option<String>,
}

/// The assessment of one Pod or pod template.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadAssessment {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub file: String,
    pub line: u32,
    /// The strictest level the pod meets at the requested version.
    pub level: Level,
    /// The violations of every failing level (baseline, then restricted).
    pub violations: Vec<ViolationRow>,
    /// `None` when nothing enforces pod security in the namespace.
    pub enforce: Option<EnforceOutcome>,
    /// Warnings the apiserver returns when the object is created (`warn` mode).
    pub warnings: Vec<String>,
    /// The audit annotation the apiserver records (`audit` mode).
    pub audit: Option<String>,
    /// Problems with the namespace's labels.
    pub label_errors: Vec<String>,
}

impl WorkloadAssessment {
    /// `deployment payments/api`, as the language names workloads.
    pub fn display_name(&self) -> String {
        format!("{} {}/{}", self.kind.word(), self.namespace, self.name)
    }

    /// The checks that keep the workload from the next stricter level.
    pub fn next_level_failures(&self) -> Vec<CheckId> {
        let next = match self.level {
            Level::Privileged => Level::Baseline,
            Level::Baseline => Level::Restricted,
            Level::Restricted => return Vec::new(),
        };
        self.violations
            .iter()
            .filter(|v| v.level == next)
            .map(|v| v.check)
            .collect()
    }

    pub fn meets(&self, level: Level) -> bool {
        self.level >= level
    }
}

/// The assessment of every workload, sorted by namespace, kind and name.
#[derive(Debug, Clone, Serialize)]
pub struct PssReport {
    pub version: Version,
    pub workloads: Vec<WorkloadAssessment>,
}

/// The labels of each Namespace object in the input.
pub fn namespace_labels(cluster: &Cluster) -> BTreeMap<String, BTreeMap<String, String>> {
    cluster
        .namespaces
        .iter()
        .map(|ns| {
            (
                ns.metadata.name.clone().unwrap_or_default(),
                ns.metadata.labels.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Assesses every workload of `cluster` (optionally only those of one namespace).
pub fn assess(
    cluster: &Cluster,
    sources: &Sources,
    options: &AssessOptions,
    namespace: Option<&str>,
) -> PssReport {
    assess_with_progress(cluster, sources, options, namespace, &Silent)
}

/// [`assess`], counting the workloads assessed on `progress` (stage `"pod security"`).
pub fn assess_with_progress(
    cluster: &Cluster,
    sources: &Sources,
    options: &AssessOptions,
    namespace: Option<&str>,
    progress: &dyn Progress,
) -> PssReport {
    let labels = namespace_labels(cluster);
    let selected: Vec<&Workload> = cluster
        .workloads
        .iter()
        .filter(|w| namespace.is_none_or(|ns| w.namespace == ns))
        .collect();
    progress.begin("pod security", selected.len() as u64);
    let mut workloads: Vec<WorkloadAssessment> = selected
        .par_iter()
        .map(|w| {
            let assessment = assess_workload(w, sources, options, labels.get(&w.namespace));
            progress.advance(1);
            assessment
        })
        .collect();
    progress.end();
    workloads.sort_by(|a, b| {
        (&a.namespace, a.kind, &a.name, &a.file, a.line).cmp(&(
            &b.namespace,
            b.kind,
            &b.name,
            &b.file,
            b.line,
        ))
    });
    PssReport {
        version: options.version,
        workloads,
    }
}

/// Assesses one workload against its namespace's labels.
pub fn assess_workload(
    workload: &Workload,
    sources: &Sources,
    options: &AssessOptions,
    labels: Option<&BTreeMap<String, String>>,
) -> WorkloadAssessment {
    let evaluator = &options.admission.evaluator;
    let pod = workload.pod();
    let report: LevelReport = evaluator.level_met(options.version, &pod.metadata, &pod.spec);
    let prefix = workload.kind.template_path();
    // The workload's document is parsed again at most once, on its first violation path.
    let mut spans: Option<DocumentSpans> = None;
    let mut violations = Vec::new();
    for failure in &report.failures {
        for v in &failure.violations {
            let mut paths = Vec::with_capacity(v.paths.len());
            for p in &v.paths {
                let mut path = FieldPath::default();
                for segment in prefix {
                    path = path.key(*segment);
                }
                path.0.extend(FieldPath::parse(p).0);
                let line = if options.locate_fields {
                    spans
                        .get_or_insert_with(|| sources.spans(&workload.origin))
                        .line_of(&workload.origin, &path)
                } else {
                    None
                };
                paths.push(ViolationPath {
                    path: path.to_string(),
                    line,
                });
            }
            violations.push(ViolationRow {
                level: failure.level,
                check: v.check,
                reason: v.reason.to_string(),
                detail: v.detail.clone(),
                paths,
            });
        }
    }

    // Enforce is decided as if the pod itself were created; warn and audit as the object is.
    let has_labels = labels.is_some_and(|l| {
        l.keys()
            .any(|k| k.starts_with(super::admission::LABEL_PREFIX))
    });
    let as_pod = options.admission.admit(&AdmissionRequest {
        kind: RequestKind::Pod,
        name: &workload.name,
        namespace: &workload.namespace,
        namespace_labels: labels,
        username: None,
        meta: &pod.metadata,
        spec: &pod.spec,
    });
    let as_object = if workload.kind == WorkloadKind::Pod {
        as_pod.clone()
    } else {
        options.admission.admit(&AdmissionRequest {
            kind: RequestKind::PodController,
            name: &workload.name,
            namespace: &workload.namespace,
            namespace_labels: labels,
            username: None,
            meta: &pod.metadata,
            spec: &pod.spec,
        })
    };
    let policy: Policy = as_pod.policy;
    let enforce = (has_labels || options.defaults_configured).then(|| EnforceOutcome {
        level: policy.enforce.level,
        version: policy.enforce.version,
        admitted: as_pod.allowed,
        exemption: as_pod.exemption,
        denial: as_pod.denial.clone(),
    });
    WorkloadAssessment {
        kind: workload.kind,
        namespace: workload.namespace.clone(),
        name: workload.name.clone(),
        file: workload.origin.file.to_string(),
        line: workload.origin.line,
        level: report.level,
        violations,
        enforce,
        warnings: as_object.warnings.clone(),
        audit: as_object
            .audit_annotations
            .get(super::admission::AUDIT_VIOLATIONS_ANNOTATION)
            .cloned(),
        label_errors: as_pod
            .policy_errors
            .iter()
            .map(LabelError::to_string)
            .collect(),
    }
}

/// `kubectl label ns NS pod-security.kubernetes.io/enforce=LEVEL --dry-run=server`: the
/// warnings the apiserver gives for the pods already in the namespace.
pub fn dry_run_label(
    cluster: &Cluster,
    options: &AssessOptions,
    namespace: &str,
    enforce: LevelVersion,
) -> DryRunLabel {
    // Every workload of the namespace, its pod decoded once for both questions below.
    let decoded: Vec<(&Workload, WorkloadPod)> = cluster
        .workloads
        .iter()
        .filter(|w| w.namespace == namespace)
        .map(|w| (w, w.pod()))
        .collect();
    let pods: Vec<(&str, &_, &_)> = decoded
        .iter()
        .filter(|(w, _)| w.kind == WorkloadKind::Pod)
        .map(|(w, pod)| (w.name.as_str(), &pod.metadata, &pod.spec))
        .collect();
    let warnings = options
        .admission
        .existing_pods_warnings(namespace, enforce, &pods);
    // Templates are not checked by the apiserver here, but their future pods would be rejected.
    let mut rejected: Vec<RejectedWorkload> = decoded
        .iter()
        .filter_map(|(w, pod)| {
            let results = options.admission.evaluator.evaluate(
                enforce.level,
                enforce.version,
                &pod.metadata,
                &pod.spec,
            );
            (!super::all_allowed(&results)).then(|| RejectedWorkload {
                kind: w.kind,
                name: w.name.clone(),
                reason: super::forbidden_reason(&results),
            })
        })
        .collect();
    rejected.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    DryRunLabel {
        namespace: namespace.to_string(),
        enforce,
        warnings,
        rejected,
    }
}

/// A workload whose pods a new enforce label would reject.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedWorkload {
    pub kind: WorkloadKind,
    pub name: String,
    pub reason: String,
}

/// The outcome of a dry-run label.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunLabel {
    pub namespace: String,
    pub enforce: LevelVersion,
    /// The warnings `kubectl label --dry-run=server` prints (existing Pods only).
    pub warnings: Vec<String>,
    /// Every Pod and pod template whose pods would no longer be admitted.
    pub rejected: Vec<RejectedWorkload>,
}
