//! Printers for `kubesim pss`: a table with the violations beneath it, and JSON as cli.md
//! gives it.

use serde::Serialize;

use super::table::{new_table, render};
use crate::pss::assess::{DryRunLabel, PssReport, WorkloadAssessment};
use crate::pss::{LATEST_MINOR, Level, Version};
use crate::source::{Diagnostic, DiagnosticJson};

/// `latest` is printed as the version it stands for.
pub fn effective_version(version: Version) -> String {
    format!("v1.{}", version.effective_minor(LATEST_MINOR))
}

fn admitted_cell(w: &WorkloadAssessment) -> String {
    match &w.enforce {
        None => "-".to_string(),
        Some(e) if e.exemption.is_some() => "exempt".to_string(),
        Some(e) if e.admitted => "yes".to_string(),
        Some(e) => format!("no ({}:{})", e.level, e.version),
    }
}

pub fn render_table(report: &PssReport) -> String {
    let mut table = new_table([
        "WORKLOAD",
        "NAMESPACE",
        "LEVEL",
        "FAILING CHECKS",
        "ADMITTED",
    ]);
    for w in &report.workloads {
        let failing: Vec<String> = w
            .next_level_failures()
            .iter()
            .map(ToString::to_string)
            .collect();
        table.add_row(vec![
            format!("{}/{}", w.kind.word(), w.name),
            w.namespace.clone(),
            w.level.to_string(),
            if failing.is_empty() {
                "-".to_string()
            } else {
                failing.join(", ")
            },
            admitted_cell(w),
        ]);
    }
    let mut out = render(&table);
    for w in report.workloads.iter().filter(|w| {
        !w.violations.is_empty() || w.enforce.as_ref().is_some_and(|e| e.denial.is_some())
    }) {
        out.push('\n');
        out.push_str(&format!(
            "{} ({}:{}) meets {}\n",
            w.display_name(),
            w.file,
            w.line,
            w.level
        ));
        for (i, v) in w.violations.iter().enumerate() {
            // Restricted runs the baseline checks too; list a finding once, at its lowest level.
            let repeated = w.violations[..i]
                .iter()
                .any(|e| e.check == v.check && e.detail == v.detail);
            if repeated {
                continue;
            }
            out.push_str(&format!(
                "  {} {}: {} ({})\n",
                v.level, v.check, v.reason, v.detail
            ));
            for p in &v.paths {
                match p.line {
                    Some(line) => out.push_str(&format!("    {} at line {line}\n", p.path)),
                    None => out.push_str(&format!("    {} (not set)\n", p.path)),
                }
            }
        }
        if let Some(denial) = w.enforce.as_ref().and_then(|e| e.denial.as_ref()) {
            let whose = if w.kind == crate::model::WorkloadKind::Pod {
                ""
            } else {
                " (for its pods)"
            };
            out.push_str(&format!("  enforce{whose}: {denial}\n"));
        }
        for warning in &w.warnings {
            out.push_str(&format!("  warning: {warning}\n"));
        }
    }
    let counts = [Level::Restricted, Level::Baseline, Level::Privileged].map(|l| {
        format!(
            "{} {l}",
            report.workloads.iter().filter(|w| w.level == l).count()
        )
    });
    out.push_str(&format!(
        "\n{} workloads at {}: {}\n",
        report.workloads.len(),
        effective_version(report.version),
        counts.join(", ")
    ));
    out
}

#[derive(Serialize)]
struct ReportJson<'a> {
    version: String,
    workloads: Vec<WorkloadJson<'a>>,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

#[derive(Serialize)]
struct WorkloadJson<'a> {
    kind: &'static str,
    namespace: &'a str,
    name: &'a str,
    source: String,
    level: Level,
    violations: Vec<ViolationJson<'a>>,
    namespace_enforce: Option<EnforceJson<'a>>,
    warnings: &'a [String],
    audit: &'a Option<String>,
}

#[derive(Serialize)]
struct ViolationJson<'a> {
    level: Level,
    check: String,
    reason: &'a str,
    detail: &'a str,
    path: &'a str,
    line: Option<u32>,
    paths: &'a [crate::pss::assess::ViolationPath],
}

#[derive(Serialize)]
struct EnforceJson<'a> {
    level: Level,
    version: String,
    admitted: bool,
    exemption: Option<crate::pss::admission::Exemption>,
    denial: &'a Option<String>,
}

/// The report as JSON, written straight to `out`, so a large report is never whole in memory.
pub fn write_json(
    report: &PssReport,
    diagnostics: &[Diagnostic],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report_json(report, diagnostics))?;
    out.write_all(b"\n")
}

fn report_json<'a>(report: &'a PssReport, diagnostics: &'a [Diagnostic]) -> ReportJson<'a> {
    ReportJson {
        version: effective_version(report.version),
        workloads: report
            .workloads
            .iter()
            .map(|w| WorkloadJson {
                kind: w.kind.kind(),
                namespace: &w.namespace,
                name: &w.name,
                source: format!("{}:{}", w.file, w.line),
                level: w.level,
                violations: w
                    .violations
                    .iter()
                    .map(|v| ViolationJson {
                        level: v.level,
                        check: v.check.to_string(),
                        reason: &v.reason,
                        detail: &v.detail,
                        path: v.paths.first().map_or("", |p| p.path.as_str()),
                        line: v.paths.first().and_then(|p| p.line),
                        paths: &v.paths,
                    })
                    .collect(),
                namespace_enforce: w.enforce.as_ref().map(|e| EnforceJson {
                    level: e.level,
                    version: e.version.to_string(),
                    admitted: e.admitted,
                    exemption: e.exemption,
                    denial: &e.denial,
                }),
                warnings: &w.warnings,
                audit: &w.audit,
            })
            .collect(),
        diagnostics: diagnostics.iter().map(DiagnosticJson::from).collect(),
    }
}

pub fn render_dry_run_table(dry: &DryRunLabel) -> String {
    let mut out = String::new();
    for w in &dry.warnings {
        out.push_str(&format!("Warning: {w}\n"));
    }
    if dry.rejected.is_empty() {
        out.push_str(&format!(
            "namespace {} would admit every pod and pod template under enforce={}\n",
            dry.namespace, dry.enforce
        ));
        return out;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let mut table = new_table(["WORKLOAD", "WOULD BE REJECTED FOR"]);
    for r in &dry.rejected {
        table.add_row(vec![
            format!("{}/{}", r.kind.word(), r.name),
            r.reason.clone(),
        ]);
    }
    out.push_str(&render(&table));
    out.push_str(&format!(
        "\n{} of the workloads in namespace {} would not be admitted under enforce={}\n",
        dry.rejected.len(),
        dry.namespace,
        dry.enforce
    ));
    out
}

pub fn render_dry_run_json(dry: &DryRunLabel) -> String {
    let mut text = serde_json::to_string_pretty(dry).unwrap_or_default();
    text.push('\n');
    text
}
