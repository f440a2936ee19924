//! Printers for `kubesim run`: one line per statement (✓/✗ and the statement as written, with
//! the evidence under a failure), JSON, and JUnit XML (a testsuite per file, a testcase per
//! expectation or snapshot).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use crate::scenario::{Outcome, ResultKind, RunReport, SnapshotStatus, StatementResult};

use super::evidence::statement_lines;

/// A statement written over several lines, shown on one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn outcome_lines(outcome: &Outcome) -> Vec<String> {
    outcome.evidence.iter().flat_map(statement_lines).collect()
}

/// The evidence of a statement's result (empty when it passed and `verbose` is off).
fn evidence(result: &StatementResult, verbose: bool) -> Vec<String> {
    match &result.kind {
        ResultKind::Expect(o) if !o.passed || verbose => outcome_lines(o),
        ResultKind::Show {
            status, snapshot, ..
        } => match status {
            SnapshotStatus::Pending => vec![format!("snapshot {snapshot} was not compared")],
            SnapshotStatus::Matches | SnapshotStatus::Accepted if !verbose => Vec::new(),
            SnapshotStatus::Matches => vec![format!("snapshot {snapshot} matches")],
            SnapshotStatus::Accepted => vec![format!("snapshot {snapshot} written")],
            SnapshotStatus::Missing { written } => vec![format!(
                "no snapshot {snapshot}; the report was written to {} (run with --accept to keep it)",
                written.display()
            )],
            SnapshotStatus::Differs { diff } => {
                let mut lines = vec![format!(
                    "differs from snapshot {snapshot} (run with --accept to update it):"
                )];
                lines.extend(diff.lines().map(str::to_string));
                lines
            }
            SnapshotStatus::Error(e) => vec![e.clone()],
        },
        ResultKind::Mutation(Err(e)) => vec![e.clone()],
        _ => Vec::new(),
    }
}

pub fn render_text(report: &RunReport, verbose: bool) -> String {
    let mut out = String::new();
    for file in &report.files {
        if file.scenarios.is_empty() {
            continue;
        }
        out.push_str(&format!("{}\n", file.file));
        for scenario in &file.scenarios {
            if !scenario.name.is_empty() {
                out.push_str(&format!("scenario \"{}\"\n", scenario.name));
            }
            for r in &scenario.results {
                let pad = "  ".repeat(r.depth + 1);
                let mark = match (&r.kind, r.verdict()) {
                    (ResultKind::WhatIf { name }, _) => {
                        out.push_str(&format!("{pad}whatif \"{name}\"\n"));
                        continue;
                    }
                    (_, Some(true)) => "✓",
                    (_, Some(false)) => "✗",
                    (_, None) => "·",
                };
                out.push_str(&format!("{pad}{mark} {}\n", one_line(&r.text)));
                for line in evidence(r, verbose) {
                    out.push_str(&format!("{pad}    {line}\n"));
                }
            }
        }
        out.push('\n');
    }
    let (passed, failed) = report.counts();
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

fn result_json(r: &StatementResult) -> Value {
    let (kind, extra) = match &r.kind {
        ResultKind::Expect(o) => ("expect", json!({"evidence": outcome_lines(o)})),
        ResultKind::Show {
            snapshot, status, ..
        } => {
            let status_word = match status {
                SnapshotStatus::Pending => "pending",
                SnapshotStatus::Matches => "matches",
                SnapshotStatus::Missing { .. } => "missing",
                SnapshotStatus::Differs { .. } => "differs",
                SnapshotStatus::Accepted => "accepted",
                SnapshotStatus::Error(_) => "error",
            };
            (
                "show",
                json!({"snapshot": snapshot, "snapshot_status": status_word, "evidence": evidence(r, false)}),
            )
        }
        ResultKind::WhatIf { name } => ("whatif", json!({"name": name})),
        ResultKind::Mutation(res) => ("mutation", json!({"error": res.as_ref().err()})),
    };
    let mut v =
        json!({"line": r.line, "statement": one_line(&r.text), "kind": kind, "depth": r.depth});
    if let Some(p) = r.verdict() {
        v["passed"] = json!(p);
    }
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        obj.extend(extra.clone());
    }
    v
}

pub fn render_json(report: &RunReport) -> String {
    let (passed, failed) = report.counts();
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            json!({
                "file": f.file,
                "diagnostics": f.diagnostics.iter().map(|d| {
                    let l = d.location();
                    json!({"file": l.file.to_string(), "line": l.line, "column": l.column,
                           "severity": d.severity, "message": d.message})
                }).collect::<Vec<_>>(),
                "scenarios": f.scenarios.iter().map(|s| json!({
                    "name": s.name,
                    "line": s.line,
                    "diagnostics": s.diagnostics.iter().map(crate::source::DiagnosticJson::from).collect::<Vec<_>>(),
                    "results": s.results.iter().map(result_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&json!({"files": files, "passed": passed, "failed": failed}))
            .unwrap_or_default();
    text.push('\n');
    text
}

pub fn render_junit(report: &RunReport) -> String {
    let mut junit = Report::new("kubesim");
    for file in &report.files {
        let mut suite = TestSuite::new(file.file.clone());
        for scenario in &file.scenarios {
            let mut whatif: Option<String> = None;
            for r in &scenario.results {
                if let ResultKind::WhatIf { name } = &r.kind {
                    whatif = Some(name.clone());
                    continue;
                }
                if r.depth == 0 {
                    whatif = None;
                }
                let Some(ok) = r.verdict() else { continue };
                let status = if ok {
                    TestCaseStatus::success()
                } else {
                    let lines = evidence(r, false);
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(lines.first().cloned().unwrap_or_else(|| "failed".into()));
                    status.set_description(lines.join("\n"));
                    status
                };
                let mut case = TestCase::new(format!("{}: {}", r.line, one_line(&r.text)), status);
                let class = match &whatif {
                    Some(w) => format!("{} / {w}", scenario.name),
                    None => scenario.name.clone(),
                };
                case.set_classname(class);
                suite.add_test_case(case);
            }
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default()
}
