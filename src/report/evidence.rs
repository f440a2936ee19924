//! Evidence as text: the lines under a scenario statement (full explanations) and under a
//! policy violation (the compact form: one grant, the failing checks on one line each), and
//! the text of a `show` report, which is its snapshot.

use crate::authz::Decider;
use crate::dsl::program::{SubjectPattern, WorkloadSelector};
use crate::pss::Level;
use crate::pss::assess::{ViolationRow, WorkloadAssessment};
use crate::scenario::evidence::{Evidence, ShowReport};

use super::access::{access_text, binding_text, can_text, role_text, rule_text, who_can_text};
use super::escalate::{escalations_text, finding_text};

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// `user:alice`, `any sa`, ...: a subject pattern as the language writes it.
fn pattern_text(p: &SubjectPattern) -> String {
    match p {
        SubjectPattern::Any => "any subject".into(),
        SubjectPattern::AnyUser => "any user".into(),
        SubjectPattern::AnyGroup => "any group".into(),
        SubjectPattern::AnyServiceAccount => "any sa".into(),
        SubjectPattern::User(n) => format!("user:{n}"),
        SubjectPattern::Group(n) => format!("group:{n}"),
        SubjectPattern::ServiceAccount { namespace, name } => format!("sa:{namespace}/{name}"),
    }
}

/// `Deployment apps/web`, `pods in team-*`, ...: a workload selector in words.
fn selector_text(s: &WorkloadSelector) -> String {
    match s {
        WorkloadSelector::One(w) => format!("{} {}/{}", w.kind, w.namespace, w.name),
        WorkloadSelector::Pods(ns) => format!("pods in {ns}"),
        WorkloadSelector::Workloads(ns) => format!("workloads in {ns}"),
        WorkloadSelector::Any => "any workload".into(),
    }
}

/// The evidence under a scenario statement, line by line.
pub fn statement_lines(evidence: &Evidence) -> Vec<String> {
    match evidence {
        Evidence::Access {
            index,
            request,
            decision,
        } => lines(&can_text(index, request, decision)),
        Evidence::WhoCan { index, result } => lines(&who_can_text(index, result)),
        Evidence::Allowed {
            subject,
            listed: true,
        } => vec![format!("{subject} is allowed")],
        Evidence::Allowed {
            subject,
            listed: false,
        } => vec![format!("{subject} is allowed but not listed")],
        Evidence::NotAllowed(p) => vec![format!("{} is not allowed", pattern_text(p))],
        Evidence::PodSecurity { assessment, wanted } => assessment_lines(assessment, *wanted, ""),
        Evidence::NoWorkload(selector) => {
            vec![format!("no workload matches {}", selector_text(selector))]
        }
        Evidence::WorkloadNotFound(w) => {
            vec![format!(
                "no {} {}/{} in the input",
                w.kind, w.namespace, w.name
            )]
        }
        Evidence::Admission {
            namespace,
            enforce: None,
        } => vec![format!(
            "namespace {namespace} enforces nothing (no enforce label)"
        )],
        Evidence::Admission {
            namespace,
            enforce: Some(e),
        } => {
            let mut out = vec![format!(
                "namespace {namespace} enforces {}:{}",
                e.level, e.version
            )];
            out.extend(e.exemption.map(|x| format!("exempt ({})", x.as_str())));
            out.extend(e.denial.clone());
            out
        }
        Evidence::Enforces(level) => vec![format!("enforces {level}")],
        Evidence::Escalation { index, finding } => lines(&finding_text(index, finding)),
        Evidence::NoEscalation {
            from: Some(from),
            to,
        } => vec![format!("no escalation path from {from} to {to}")],
        Evidence::NoEscalation { from: None, to } => {
            vec![format!("no escalation path to {to}")]
        }
        Evidence::Unanswered(reason) => vec![reason.clone()],
        Evidence::Gained { subject, grants } if grants.is_empty() => {
            vec![format!("{subject} gains it")]
        }
        Evidence::Gained { grants, .. } => super::diff::gained_lines(grants),
        Evidence::InBase { base, evidence } => {
            let mut out = vec![format!("in the base \"{base}\":")];
            out.extend(
                statement_lines(evidence)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            out
        }
        Evidence::Dropped {
            assessment,
            wanted,
            before,
        } => {
            let was = match before {
                Some(level) => format!("met {level} in the base"),
                None => "new".to_string(),
            };
            assessment_lines(assessment, *wanted, &format!(", {was}"))
        }
    }
}

/// A workload's level (`NAME (FILE:LINE) meets LEVEL` and `then`) and, indented below, each
/// check of level `wanted` it fails with the fields' places.
fn assessment_lines(assessment: &WorkloadAssessment, wanted: Level, then: &str) -> Vec<String> {
    let mut out = vec![format!(
        "{} ({}:{}) meets {}{then}",
        assessment.display_name(),
        assessment.file,
        assessment.line,
        assessment.level
    )];
    for v in failing(assessment, wanted) {
        out.push(format!(
            "  {} {}: {} ({})",
            v.level, v.check, v.reason, v.detail
        ));
        out.extend(places(v).map(|p| format!("    {p}")));
    }
    out
}

/// The checks of level `wanted` that a workload fails.
fn failing(assessment: &WorkloadAssessment, wanted: Level) -> impl Iterator<Item = &ViolationRow> {
    assessment
        .violations
        .iter()
        .filter(move |v| v.level == wanted)
}

/// The field paths of one failing check, each with its line or `(not set)`.
fn places(row: &ViolationRow) -> impl Iterator<Item = String> + '_ {
    row.paths.iter().map(|p| match p.line {
        Some(line) => format!("{} (line {line})", p.path),
        None => format!("{} (not set)", p.path),
    })
}

/// The evidence under a policy violation: for an access, the first grant (or why there is
/// none); for a workload, its level and each failing check on one line.
pub fn violation_lines(evidence: &Evidence) -> Vec<String> {
    match evidence {
        Evidence::Access {
            index,
            request,
            decision,
        } => match decision.rbac.as_ref().and_then(|e| e.via.first()) {
            Some(g) => vec![
                format!(
                    "{} -> {}",
                    binding_text(index, g.binding),
                    role_text(index, g.role)
                ),
                format!(
                    "rule {}: {}",
                    g.rule,
                    rule_text(&index.roles[g.role].rules[g.rule].rule)
                ),
            ],
            None if decision.decider == Some(Decider::Superuser) => {
                vec!["group system:masters is the superuser group".into()]
            }
            None => vec![format!("no binding grants {}", request.action.describe())],
        },
        Evidence::PodSecurity { assessment, wanted } => {
            let mut out = vec![format!("meets {}", assessment.level)];
            for v in failing(assessment, *wanted) {
                let at: Vec<String> = places(v).collect();
                out.push(format!(
                    "{} {}: {} [{}]",
                    v.check,
                    v.reason,
                    v.detail,
                    at.join(", ")
                ));
            }
            out
        }
        Evidence::Escalation { index, finding } => finding_text(index, finding)
            .lines()
            .skip(1)
            .map(|l| match l.strip_prefix("       ") {
                Some(grant) => format!("   via {grant}"),
                None => l.trim_start().to_string(),
            })
            .collect(),
        other => statement_lines(other),
    }
}

/// A `show` report's text, as stored in its snapshot.
pub fn show_text(report: &ShowReport) -> String {
    match report {
        ShowReport::WhoCan { index, result } => who_can_text(index, result),
        ShowReport::Access { index, rules } => access_text(index, rules),
        ShowReport::Pss(report) => super::pss::render_table(report),
        ShowReport::Escalations { index, findings } => escalations_text(index, findings),
        ShowReport::Diff {
            base,
            head,
            changes,
        } => super::diff::whatif_diff_text(base, head, changes),
    }
}
