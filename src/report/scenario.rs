//! Printers for `kubesim run`: one line per statement (✓/✗ and the statement as written, with
//! the evidence under a failure), JSON, and JUnit XML (a testsuite per file, a testcase per
//! expectation or snapshot).

use std::collections::BTreeMap;

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

/// A name that exists nowhere, said under its expectation whether or not it passed.
fn unknown_lines(outcome: &Outcome) -> Vec<String> {
    outcome
        .unknown
        .iter()
        .map(|u| format!("warning: {u}"))
        .collect()
}

/// The evidence of a statement's result (empty when it passed and `verbose` is off, but for
/// the names it uses that exist nowhere).
fn evidence(result: &StatementResult, verbose: bool) -> Vec<String> {
    match &result.kind {
        ResultKind::Expect(o) if !o.passed || verbose => {
            let mut lines = unknown_lines(o);
            lines.extend(outcome_lines(o));
            lines
        }
        ResultKind::Expect(o) => unknown_lines(o),
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
            SnapshotStatus::Error(e) | SnapshotStatus::Unreadable(e) => vec![e.clone()],
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

/// `run --pending`: the snapshots that are missing or differ, one per line with the statement
/// that writes them, and how many there are.
pub fn render_pending(report: &RunReport) -> (String, usize) {
    let mut out = String::new();
    let mut count = 0;
    for file in &report.files {
        for r in file.scenarios.iter().flat_map(|s| &s.results) {
            if let ResultKind::Show {
                snapshot, status, ..
            } = &r.kind
            {
                let what = match status {
                    SnapshotStatus::Missing { .. } => "new",
                    SnapshotStatus::Differs { .. } => "differs",
                    _ => continue,
                };
                count += 1;
                out.push_str(&format!(
                    "{what}\t{snapshot}\t{}:{}\t{}\n",
                    file.file,
                    r.line,
                    one_line(&r.text)
                ));
            }
        }
    }
    out.push_str(&format!(
        "{count} pending snapshot(s){}\n",
        if count > 0 {
            "; --accept writes them, --accept=FILE:LINE one of them"
        } else {
            ""
        }
    ));
    (out, count)
}

fn result_json(r: &StatementResult) -> Value {
    let (kind, extra) = match &r.kind {
        ResultKind::Expect(o) => (
            "expect",
            json!({
                "evidence": outcome_lines(o),
                "unknown_names": o.unknown.iter().map(|u| json!({
                    "kind": format!("{:?}", u.kind), "name": u.name, "suggestion": u.suggestion,
                })).collect::<Vec<_>>(),
            }),
        ),
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
                SnapshotStatus::Unreadable(_) => "unreadable",
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
                    let l = &d.location;
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

/// JUnit XML: a testsuite per file, a testcase per expectation or snapshot, named by its
/// statement (its scenario and what-if are the class name; its file and line are attributes,
/// so the name stays when lines shift). A file that does not parse or check, and a scenario
/// whose manifests have errors, are `<error>` testcases, so the report is never green while
/// the run fails.
pub fn render_junit(report: &RunReport) -> String {
    let mut junit = Report::new("kubesim");
    for file in &report.files {
        let mut suite = TestSuite::new(file.file.clone());
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut add = |suite: &mut TestSuite, class: String, name: String, line: u32, status| {
            let count = seen.entry((class.clone(), name.clone())).or_insert(0);
            *count += 1;
            // The same statement twice in one block: the second is `#2`.
            let name = match *count {
                1 => name,
                n => format!("{name} #{n}"),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(class);
            case.extra.insert("file".into(), file.file.clone().into());
            case.extra.insert("line".into(), line.to_string().into());
            suite.add_test_case(case);
        };
        let errors: Vec<_> = file.diagnostics.iter().filter(|d| d.is_error()).collect();
        if let Some(first) = errors.first() {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(first.message.clone());
            status.set_description(errors.iter().map(|d| d.render_plain()).collect::<String>());
            let line = first.location.line;
            add(
                &mut suite,
                file.file.clone(),
                "the file parses and checks".into(),
                line,
                status,
            );
        }
        for scenario in &file.scenarios {
            let load_errors: Vec<_> = scenario
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .collect();
            if let Some(first) = load_errors.first() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(first.to_string());
                status.set_description(
                    load_errors
                        .iter()
                        .map(|d| format!("{d}\n"))
                        .collect::<String>(),
                );
                add(
                    &mut suite,
                    scenario.name.clone(),
                    "its manifests load".into(),
                    scenario.line,
                    status,
                );
            }
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
                    status.set_message(failure_message(r, &lines));
                    status.set_description(lines.join("\n"));
                    status
                };
                let class = match &whatif {
                    Some(w) => format!("{} / {w}", scenario.name),
                    None => scenario.name.clone(),
                };
                add(&mut suite, class, one_line(&r.text), r.line, status);
            }
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default()
}

/// A failure in one line: the statement, then the answer and its reason (the evidence without
/// the request it restates), cut at a length a CI summary shows.
fn failure_message(r: &StatementResult, lines: &[String]) -> String {
    let answer: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("request:") && !l.ends_with(':'))
        .take(3)
        .collect();
    let message = match answer.is_empty() {
        true => format!("{}: failed", one_line(&r.text)),
        false => format!("{}: {}", one_line(&r.text), answer.join("; ")),
    };
    const LIMIT: usize = 400;
    match message.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}
