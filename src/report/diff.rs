//! Reports of `kubesim diff`: plain text for terminals and CI logs, JSON for scripts, and
//! markdown for a pull-request comment; and the text of the language's `show diff`.

use std::collections::BTreeSet;

use serde_json::json;

use crate::compare::{Admission, Changes, Grant, PssChange, WorkloadChange};
use crate::index::Indexed;
use crate::index::entry::BindingKind;
use crate::report::access::rule_text;
use crate::report::escalate::finding_text;

/// One grant as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GrantLine {
    subject: String,
    scope: String,
    rule: String,
    via: String,
}

impl GrantLine {
    fn of(g: &Grant) -> GrantLine {
        let s = &g.subject;
        let subject = match (s.kind.as_str(), &s.namespace) {
            ("User", _) => format!("user:{}", s.name),
            ("Group", _) => format!("group:{}", s.name),
            ("ServiceAccount", Some(ns)) => format!("sa:{ns}/{}", s.name),
            (other, _) => format!("{other}:{}", s.name),
        };
        let scope = match &g.namespace {
            None => "cluster-wide".to_string(),
            Some(ns) => format!("in {ns}"),
        };
        let binding = match g.binding_kind {
            BindingKind::ClusterRoleBinding => format!("ClusterRoleBinding {}", g.binding_name),
            BindingKind::RoleBinding => format!(
                "RoleBinding {}/{}",
                g.namespace.as_deref().unwrap_or_default(),
                g.binding_name
            ),
        };
        GrantLine {
            subject,
            scope,
            rule: rule_text(&g.rule),
            via: format!(
                "{binding} -> {} {} rule {}",
                g.role_kind.as_str(),
                g.role_name,
                g.rule_index
            ),
        }
    }
}

/// The grants as sorted, distinct lines.
fn grant_lines(grants: &[Grant]) -> Vec<GrantLine> {
    let lines: BTreeSet<GrantLine> = grants.iter().map(GrantLine::of).collect();
    lines.into_iter().collect()
}

/// One escalation path as the reports show it: hop by hop with its grants.
struct PathChange {
    source: String,
    target: String,
    explanation: Vec<String>,
}

/// A workload's change as one line (`deployment ns/name: level baseline -> restricted`).
fn pss_line(c: &WorkloadChange) -> String {
    let name = format!("{} {}/{}", c.kind.word(), c.namespace, c.name);
    let admission = |a: &Admission| match a {
        Admission::NothingEnforced => "admitted (nothing enforced)".to_string(),
        Admission::Admitted(level, version) => format!("admitted by {level}:{version}"),
        Admission::Rejected(level, version) => format!("rejected by {level}:{version}"),
    };
    match &c.change {
        PssChange::Level { from, to } => format!("{name}: level {from} -> {to}"),
        PssChange::Admission { from, to } => {
            format!("{name}: {} -> {}", admission(from), admission(to))
        }
        PssChange::Added {
            level,
            admission: a,
        } => {
            format!("{name}: added, meets {level}, {}", admission(a))
        }
        PssChange::Removed { level } => format!("{name}: removed (met {level})"),
    }
}

/// The changes in the form every printer reads.
struct Rendered {
    access_gained: Vec<GrantLine>,
    access_lost: Vec<GrantLine>,
    paths_gained: Vec<PathChange>,
    paths_lost: Vec<PathChange>,
    pod_security: Vec<String>,
}

impl Rendered {
    fn of(base: &Indexed, head: &Indexed, changes: &Changes) -> Rendered {
        let paths = |indexed: &Indexed, findings: &[crate::escalate::paths::Finding]| {
            findings
                .iter()
                .map(|f| PathChange {
                    source: f.source.label.clone(),
                    target: f.target.to_string(),
                    explanation: finding_text(&indexed.rbac, f)
                        .lines()
                        .skip(1)
                        .map(str::to_string)
                        .collect(),
                })
                .collect()
        };
        Rendered {
            access_gained: grant_lines(&changes.access_gained),
            access_lost: grant_lines(&changes.access_lost),
            paths_gained: paths(head, &changes.paths_gained),
            paths_lost: paths(base, &changes.paths_lost),
            pod_security: changes.pod_security.iter().map(pss_line).collect(),
        }
    }
}

/// The text of `show diff`: the access a what-if gains and loses and its Pod Security changes.
pub fn whatif_diff_text(changes: &Changes) -> String {
    let mut out = String::new();
    for (title, sign, grants) in [
        ("access gained", '+', &changes.access_gained),
        ("access lost", '-', &changes.access_lost),
    ] {
        out.push_str(title);
        out.push_str(":\n");
        let lines = grant_lines(grants);
        if lines.is_empty() {
            out.push_str("  (none)\n");
        }
        for g in &lines {
            out.push_str(&format!("  {}\n", grant_line(sign, g)));
        }
    }
    out.push_str("pod security:\n");
    if changes.pod_security.is_empty() {
        out.push_str("  (no change)\n");
    }
    for c in &changes.pod_security {
        out.push_str(&format!("  {}\n", pss_line(c)));
    }
    out
}

fn grant_line(sign: char, g: &GrantLine) -> String {
    format!(
        "{sign} {} {}: {} (via {})",
        g.subject, g.scope, g.rule, g.via
    )
}

fn section<T>(out: &mut String, title: &str, items: &[T], line: impl Fn(&T) -> Vec<String>) {
    out.push_str(title);
    out.push_str(":\n");
    if items.is_empty() {
        out.push_str("  (none)\n");
    }
    for item in items {
        for l in line(item) {
            out.push_str("  ");
            out.push_str(&l);
            out.push('\n');
        }
    }
}

fn path_lines(sign: char, p: &PathChange) -> Vec<String> {
    let mut lines = vec![format!("{sign} {} -> {}", p.source, p.target)];
    lines.extend(p.explanation.iter().map(|l| format!("  {l}")));
    lines
}

/// The changes from `base` to `head` as text.
pub fn diff_text(base: &Indexed, head: &Indexed, changes: &Changes) -> String {
    let changes = &Rendered::of(base, head, changes);
    let mut out = String::new();
    section(&mut out, "access gained", &changes.access_gained, |g| {
        vec![grant_line('+', g)]
    });
    section(&mut out, "access lost", &changes.access_lost, |g| {
        vec![grant_line('-', g)]
    });
    section(
        &mut out,
        "escalation paths gained",
        &changes.paths_gained,
        |p| path_lines('+', p),
    );
    section(
        &mut out,
        "escalation paths lost",
        &changes.paths_lost,
        |p| path_lines('-', p),
    );
    section(&mut out, "pod security", &changes.pod_security, |c| {
        vec![c.clone()]
    });
    out
}

/// The changes from `base` to `head` as JSON.
pub fn diff_json(base: &Indexed, head: &Indexed, changes: &Changes) -> String {
    let changes = &Rendered::of(base, head, changes);
    let grant = |g: &GrantLine| json!({"subject": g.subject, "scope": g.scope, "rule": g.rule, "via": g.via});
    let path =
        |p: &PathChange| json!({"source": p.source, "target": p.target, "path": p.explanation});
    let v = json!({
        "access_gained": changes.access_gained.iter().map(grant).collect::<Vec<_>>(),
        "access_lost": changes.access_lost.iter().map(grant).collect::<Vec<_>>(),
        "paths_gained": changes.paths_gained.iter().map(path).collect::<Vec<_>>(),
        "paths_lost": changes.paths_lost.iter().map(path).collect::<Vec<_>>(),
        "pod_security": changes.pod_security,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// The changes from `base` to `head` as a markdown pull-request comment.
pub fn diff_markdown(base: &Indexed, head: &Indexed, changes: &Changes) -> String {
    let changes = &Rendered::of(base, head, changes);
    let mut out = String::from("### kubesim: access and pod security changes\n\n");
    let counts = format!(
        "{} access gained, {} lost; {} escalation paths gained, {} lost; {} pod security changes\n\n",
        changes.access_gained.len(),
        changes.access_lost.len(),
        changes.paths_gained.len(),
        changes.paths_lost.len(),
        changes.pod_security.len()
    );
    out.push_str(&counts);
    let mut table = |title: &str, rows: &[GrantLine]| {
        if rows.is_empty() {
            return;
        }
        out.push_str(&format!(
            "#### {title}\n\n| subject | scope | rule | via |\n|---|---|---|---|\n"
        ));
        for g in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code(&g.subject),
                g.scope,
                code(&g.rule).replace('|', "\\|"),
                g.via.replace('|', "\\|")
            ));
        }
        out.push('\n');
    };
    table("Access gained", &changes.access_gained);
    table("Access lost", &changes.access_lost);
    for (title, paths) in [
        ("Escalation paths gained", &changes.paths_gained),
        ("Escalation paths lost", &changes.paths_lost),
    ] {
        if paths.is_empty() {
            continue;
        }
        out.push_str(&format!("#### {title}\n\n"));
        for p in paths {
            out.push_str(&format!(
                "<details><summary>{} → {}</summary>\n\n```\n{}\n```\n</details>\n\n",
                code(&p.source),
                code(&p.target),
                p.explanation.join("\n")
            ));
        }
    }
    if !changes.pod_security.is_empty() {
        out.push_str("#### Pod security\n\n");
        for c in &changes.pod_security {
            out.push_str(&format!("- {c}\n"));
        }
        out.push('\n');
    }
    out
}
