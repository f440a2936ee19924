//! Printers for `kubesim check`: text, JSON, JUnit, and SARIF 2.1.0 for GitHub code scanning
//! (one run, a rule per policy, a result per violation located at the offending manifest line).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use crate::dsl::program::PolicySeverity;
use crate::scenario::policy::{PolicyReport, Violation};
use crate::scenario::snapshot::slug;

use super::evidence::violation_lines;
use super::sarif::{sarif_log, sarif_result, sarif_rule};

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

pub fn render_sarif(
    report: &PolicyReport,
    policies: &[(String, String, PolicySeverity)],
) -> String {
    let rules: Vec<Value> = policies
        .iter()
        .map(|(name, file, severity)| {
            let (level, score) = sarif_level(*severity);
            sarif_rule(
                &slug(name),
                name,
                &format!("kubesim policy \"{name}\" ({file})"),
                level,
                score,
            )
        })
        .collect();
    let results: Vec<Value> = report
        .violations
        .iter()
        .map(|v| {
            let (level, _) = sarif_level(v.severity);
            let mut text = format!("{}: {}", v.offender, v.rule);
            for e in evidence_lines(v) {
                text.push_str(&format!("\n{e}"));
            }
            let location = v.location.as_ref().map(|o| (&*o.file, o.line));
            sarif_result(&slug(&v.policy), level, text, location)
        })
        .collect();
    sarif_log(rules, results)
}

pub fn render_junit(
    report: &PolicyReport,
    policies: &[(String, String, PolicySeverity)],
) -> String {
    let mut junit = Report::new("kubesim check");
    for (name, file, _) in policies {
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
        for v in mine {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!("{} at {}", v.rule, location_text(v)));
            status.set_description(evidence_lines(v).join("\n"));
            let mut case = TestCase::new(v.offender.clone(), status);
            case.set_classname(format!("{name} [{}]", v.severity.as_str()));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default()
}
