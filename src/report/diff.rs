//! Reports of `kubesim diff`: plain text for terminals and CI logs, JSON for scripts, and
//! markdown for a pull-request comment.

use serde_json::json;

use crate::escalate::diff::{Changes, PathChange};
use crate::scenario::diff::GrantLine;

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

/// The changes as text.
pub fn diff_text(changes: &Changes) -> String {
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

/// The changes as JSON.
pub fn diff_json(changes: &Changes) -> String {
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

/// The changes as a markdown pull-request comment.
pub fn diff_markdown(changes: &Changes) -> String {
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
