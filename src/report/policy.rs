//! Printers for `kubesim check`: text, JSON, JUnit, and SARIF 2.1.0 for GitHub code scanning
//! (one run, a rule per policy, a result per violation located at the offending manifest line).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use crate::dsl::program::{Policy, PolicySeverity, RuleCondition};
use crate::scenario::policy::{PolicyReport, Violation};
use crate::scenario::snapshot::slug;
use crate::source::Diagnostic;

use super::evidence::violation_lines;
use super::sarif::{SarifResult, SarifRoot, SarifRule};

/// A policy as the reports list it, broken or not.
#[derive(Debug, Clone)]
pub struct PolicyEntry {
    pub name: String,
    /// The `.ksim` file and line the policy is written at.
    pub file: String,
    pub line: u32,
    pub severity: PolicySeverity,
    /// Its rules as written, one line each.
    pub rules: Vec<String>,
    /// The upstream documentation of what its rules check.
    pub help_uri: &'static str,
}

const RBAC_DOCS: &str = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/";
const ESCALATION_DOCS: &str = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";
const PSS_DOCS: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const ADMISSION_DOCS: &str = "https://kubernetes.io/docs/concepts/security/pod-security-admission/";

impl PolicyEntry {
    /// The entry of `policy`, read from `file`. Its help links to the documentation of its
    /// first rule's kind of check.
    pub fn of(file: &str, policy: &Policy) -> Self {
        let help_uri = match policy.rules.first().map(|r| &r.condition) {
            Some(RuleCondition::Escalation { .. }) => ESCALATION_DOCS,
            Some(RuleCondition::PodSecurity { .. }) => PSS_DOCS,
            Some(RuleCondition::NamespaceEnforces { .. }) => ADMISSION_DOCS,
            Some(RuleCondition::Access { .. }) | None => RBAC_DOCS,
        };
        PolicyEntry {
            name: policy.name.clone(),
            file: file.to_string(),
            line: policy.origin.line,
            severity: policy.severity,
            rules: policy
                .rules
                .iter()
                .map(|r| {
                    r.origin
                        .text
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
            help_uri,
        }
    }
}

/// The evidence of a violation, line by line.
fn evidence_lines(v: &Violation) -> Vec<String> {
    v.evidence.iter().flat_map(violation_lines).collect()
}

fn location_text(v: &Violation) -> String {
    v.location
        .as_ref()
        .map_or_else(|| "-".to_string(), |o| format!("{}:{}", o.file, o.line))
}

pub fn render_text(report: &PolicyReport) -> String {
    let mut out = String::new();
    let mut current: Option<(&str, u32)> = None;
    for v in &report.violations {
        if current != Some((&v.policy_file, v.rule_line)) {
            out.push_str(&format!(
                "{}:{}: [{}] policy \"{}\": {}\n",
                v.policy_file,
                v.rule_line,
                v.severity.as_str(),
                v.policy,
                v.rule
            ));
            current = Some((&v.policy_file, v.rule_line));
        }
        out.push_str(&format!("  ✗ {} at {}\n", v.offender, location_text(v)));
        for line in evidence_lines(v) {
            out.push_str(&format!("      {line}\n"));
        }
    }
    for s in &report.skipped {
        out.push_str(&format!(
            "warning: policy \"{}\" (line {}): {}\n",
            s.policy,
            s.rule_line,
            violation_lines(&s.reason).join(" ")
        ));
    }
    let by = |sev: PolicySeverity| {
        report
            .violations
            .iter()
            .filter(|v| v.severity == sev)
            .count()
    };
    out.push_str(&format!(
        "{} violations ({} critical, {} high, {} medium, {} low) of {} rules\n",
        report.violations.len(),
        by(PolicySeverity::Critical),
        by(PolicySeverity::High),
        by(PolicySeverity::Medium),
        by(PolicySeverity::Low),
        report.rules
    ));
    out
}

fn violation_json(v: &Violation) -> Value {
    json!({
        "policy": v.policy,
        "severity": v.severity.as_str(),
        "rule": v.rule,
        "policy_file": v.policy_file,
        "rule_line": v.rule_line,
        "offender": v.offender,
        "evidence": evidence_lines(v),
        "location": v.location.as_ref().map(|o| json!({"file": o.file.to_string(), "line": o.line})),
    })
}

pub fn render_json(report: &PolicyReport) -> String {
    let json = json!({
        "violations": report.violations.iter().map(violation_json).collect::<Vec<_>>(),
        "skipped": report.skipped.iter().map(|s| json!({"policy": s.policy, "rule_line": s.rule_line, "reason": violation_lines(&s.reason).join(" ")})).collect::<Vec<_>>(),
        "rules": report.rules,
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(severity: PolicySeverity) -> (&'static str, &'static str) {
    // GitHub ranks results by `security-severity` (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0).
    match severity {
        PolicySeverity::Critical => ("error", "9.5"),
        PolicySeverity::High => ("error", "8.0"),
        PolicySeverity::Medium => ("warning", "5.5"),
        PolicySeverity::Low => ("note", "3.0"),
    }
}

/// SARIF 2.1.0: a rule per policy, with its rules as help; a result per violation at the
/// offending binding, role or workload (at the policy rule when the offender is written
/// nowhere, such as a namespace no manifest defines), fingerprinted by policy, offender and
/// rule; the input's problems as notifications.
pub fn render_sarif(
    report: &PolicyReport,
    policies: &[PolicyEntry],
    root: &SarifRoot,
    diagnostics: &[Diagnostic],
) -> String {
    let ids: Vec<String> = policies.iter().map(|p| slug(&p.name)).collect();
    let texts: Vec<(String, String)> = policies
        .iter()
        .map(|p| {
            let description = format!("kubesim policy \"{}\" ({}:{})", p.name, p.file, p.line);
            let help = format!(
                "{description}, severity {}. Broken by each offender of:\n{}",
                p.severity.as_str(),
                p.rules.join("\n")
            );
            (description, help)
        })
        .collect();
    let rules: Vec<SarifRule> = policies
        .iter()
        .zip(&ids)
        .zip(&texts)
        .map(|((p, id), (description, help))| {
            let (level, score) = sarif_level(p.severity);
            SarifRule {
                id,
                name: &p.name,
                description,
                help,
                help_uri: p.help_uri,
                level,
                security_severity: score,
            }
        })
        .collect();
    let violation_ids: Vec<String> = report.violations.iter().map(|v| slug(&v.policy)).collect();
    let results: Vec<SarifResult> = report
        .violations
        .iter()
        .zip(&violation_ids)
        .map(|(v, id)| {
            let (level, _) = sarif_level(v.severity);
            let mut message = format!("{}: {}", v.offender, v.rule);
            for e in evidence_lines(v) {
                message.push_str(&format!("\n{e}"));
            }
            SarifResult {
                rule_id: id,
                level,
                message,
                location: v.location.as_ref().map(|o| (&*o.file, o.line)),
                fallback: Some((&v.policy_file, v.rule_line)),
                identity: vec![v.policy.clone(), v.offender.clone(), v.rule.clone()],
            }
        })
        .collect();
    root.log(&rules, &results, diagnostics)
}

/// JUnit XML: a testsuite per policy, a testcase per violation named by its offender and the
/// rule it breaks (unique: an offender breaking one rule at two places gets `#2`), with the
/// policy file and the rule's line as attributes.
pub fn render_junit(report: &PolicyReport, policies: &[PolicyEntry]) -> String {
    let mut junit = Report::new("kubesim check");
    for PolicyEntry { name, file, .. } in policies {
        let mut suite = TestSuite::new(name.clone());
        let mine: Vec<&Violation> = report
            .violations
            .iter()
            .filter(|v| &v.policy == name && &v.policy_file == file)
            .collect();
        if mine.is_empty() {
            suite.add_test_case(TestCase::new(
                format!("{name}: no violation"),
                TestCaseStatus::success(),
            ));
        }
        let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
        for v in mine {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!("{} at {}", v.rule, location_text(v)));
            status.set_description(evidence_lines(v).join("\n"));
            let base = format!("{}: {}", v.offender, v.rule);
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let case_name = match *count {
                1 => base,
                n => format!("{base} #{n}"),
            };
            let mut case = TestCase::new(case_name, status);
            case.set_classname(format!("{name} [{}]", v.severity.as_str()));
            case.extra
                .insert("file".into(), v.policy_file.clone().into());
            case.extra
                .insert("line".into(), v.rule_line.to_string().into());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default()
}
