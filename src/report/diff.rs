//! Reports of `kubesim diff`: plain text for terminals and CI logs, JSON for scripts, and
//! markdown for a pull-request comment; and the text of the language's `show diff`.

use serde_json::{Value, json};

use crate::compare::{
    AccessChange, AccessTarget, Admission, Changes, GrantSource, ObjectRef, PssChange,
    RunnerChange, WorkloadChange,
};
use crate::escalate::paths::Finding;
use crate::escalate::who_can_run::RunGrant;
use crate::index::{Indexed, RbacIndex};
use crate::rbac::access::combine_resource_group;
use crate::report::escalate::finding_text;
use crate::report::sarif::{SarifResult, SarifRoot, SarifRule};
use crate::source::Diagnostic;
use crate::source::{file_name, go_quote};

/// A role or binding as the reports name it: `Kind ns/name (file:line)`, or without the
/// place when `located` is false.
fn object_text(o: &ObjectRef, located: bool) -> String {
    let name = if o.namespace.is_empty() {
        format!("{} {}", o.kind, o.name)
    } else {
        format!("{} {}/{}", o.kind, o.namespace, o.name)
    };
    if located {
        format!("{name} ({})", o.origin)
    } else {
        name
    }
}

/// The grant of an access change: binding -> role, rule and where the rule is written.
pub fn via_text(via: &GrantSource) -> String {
    grant_text(via, true)
}

/// The grant, with places (`kubesim diff`) or without (`show diff`, whose snapshots must not
/// change when lines move in the scenario file that creates a binding).
fn grant_text(via: &GrantSource, located: bool) -> String {
    let at = if located {
        format!(" at {}:{}", file_name(&via.rule_file), via.rule_line)
    } else {
        String::new()
    };
    let binding = object_text(&via.binding, located);
    let role = object_text(&via.role, located);
    match &via.aggregated_from {
        None => format!("{binding} -> {role} rule {}{at}", via.rule),
        Some((from, k)) => format!(
            "{binding} -> {role} rule {}, aggregated from {} rule {k}{at}",
            via.rule,
            object_text(from, located)
        ),
    }
}

/// What an access change allows, as a reviewer reads it: `create pods/exec in team`,
/// `get list watch *.* cluster-wide`, `get url /healthz, /livez` (as the language writes URLs).
pub fn access_text(c: &AccessChange) -> String {
    let verbs = c.verbs.join(" ");
    match &c.target {
        AccessTarget::Urls(urls) => format!("{verbs} url {}", urls.join(", ")),
        AccessTarget::Resources {
            group,
            resources,
            names,
        } => {
            let group = std::slice::from_ref(group);
            let resources: Vec<String> = resources
                .iter()
                .map(|r| {
                    let shown = if r.is_empty() { "\"\"" } else { r.as_str() };
                    combine_resource_group(&[shown.to_string()], group)
                })
                .collect();
            let mut text = format!("{verbs} {}", resources.join(", "));
            if !names.is_empty() {
                let names: Vec<String> = names.iter().map(|n| go_quote(n)).collect();
                text.push_str(&format!(" named {}", names.join(", ")));
            }
            match &c.namespace {
                None => text.push_str(" cluster-wide"),
                Some(ns) => text.push_str(&format!(" in {ns}")),
            }
            text
        }
    }
}

/// One access change as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AccessLine {
    subject: String,
    access: String,
    via: String,
    binding_file: String,
    binding_line: u32,
}

impl AccessLine {
    fn of(c: &AccessChange, located: bool) -> AccessLine {
        AccessLine {
            subject: c.subject.label(),
            access: access_text(c),
            via: grant_text(&c.via, located),
            binding_file: c.via.binding.origin.file.to_string(),
            binding_line: c.via.binding.origin.line,
        }
    }
}

fn access_lines(changes: &[AccessChange], located: bool) -> Vec<AccessLine> {
    changes.iter().map(|c| AccessLine::of(c, located)).collect()
}

/// `+ SUBJECT: ACCESS` and, indented below it, the grant.
fn access_line_text(sign: char, a: &AccessLine) -> Vec<String> {
    vec![
        format!("{sign} {}: {}", a.subject, a.access),
        format!("    via {}", a.via),
    ]
}

/// Access gained, as `kubesim diff` lists it: `+ SUBJECT: ACCESS` and the grant below it, with
/// file and line.
pub fn gained_lines(changes: &[AccessChange]) -> Vec<String> {
    access_lines(changes, true)
        .iter()
        .flat_map(|a| access_line_text('+', a))
        .collect()
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

/// A change of who can run which pods where, as the reports show it.
struct RunnerLine {
    subject: String,
    /// `privileged pods in team (before: baseline)`.
    change: String,
    /// Each grant that lets the subject create pods there.
    via: Vec<String>,
}

fn level_text(level: Option<crate::pss::Level>) -> String {
    level.map_or_else(|| "none".to_string(), |l| l.to_string())
}

/// `create pods, jobs.batch: RoleBinding team/x (file:line) -> ClusterRole edit (file:line)
/// rule 2`: the grants of one binding and rule, their resources together.
fn run_grant_texts(index: &RbacIndex, grants: &[RunGrant]) -> Vec<String> {
    let mut by_rule: Vec<((usize, usize), Vec<&str>)> = Vec::new();
    for g in grants {
        match by_rule
            .iter_mut()
            .find(|(key, _)| *key == (g.binding, g.rule))
        {
            Some((_, resources)) => resources.push(&g.resource),
            None => by_rule.push(((g.binding, g.rule), vec![&g.resource])),
        }
    }
    by_rule
        .into_iter()
        .map(|((binding, rule), resources)| {
            let b = &index.bindings[binding];
            let binding = if b.namespace.is_empty() {
                format!("{} {} ({})", b.kind.as_str(), b.name, b.origin)
            } else {
                format!(
                    "{} {}/{} ({})",
                    b.kind.as_str(),
                    b.namespace,
                    b.name,
                    b.origin
                )
            };
            let role = match &b.role {
                Ok(id) => {
                    let r = &index.roles[*id];
                    let name = if r.namespace.is_empty() {
                        r.name.clone()
                    } else {
                        format!("{}/{}", r.namespace, r.name)
                    };
                    format!("{} {name} ({}) rule {rule}", b.role_ref_kind, r.origin)
                }
                Err(_) => format!("{} {}", b.role_ref_kind, b.role_ref_name),
            };
            format!("create {}: {binding} -> {role}", resources.join(", "))
        })
        .collect()
}

impl RunnerLine {
    /// A gain is shown with the head's grants and what the subject could run before; a loss
    /// with the base's grants and what it can run now.
    fn of(index: &RbacIndex, c: &RunnerChange, gained: bool) -> RunnerLine {
        let (shown, other, word) = if gained {
            (c.to, c.from, "before")
        } else {
            (c.from, c.to, "now")
        };
        RunnerLine {
            subject: c.subject.clone(),
            change: format!(
                "{} pods in {} ({word}: {})",
                level_text(shown),
                c.namespace,
                level_text(other)
            ),
            via: if c.via.is_empty() {
                vec!["(superuser group)".to_string()]
            } else {
                run_grant_texts(index, &c.via)
            },
        }
    }

    fn lines(&self, sign: char) -> Vec<String> {
        let mut lines = vec![format!("{sign} {}: {}", self.subject, self.change)];
        lines.extend(self.via.iter().map(|v| format!("    via {v}")));
        lines
    }
}

/// The changes in the form every printer reads.
struct Rendered {
    access_gained: Vec<AccessLine>,
    access_lost: Vec<AccessLine>,
    paths_gained: Vec<PathChange>,
    paths_lost: Vec<PathChange>,
    pod_security: Vec<String>,
    runners_gained: Vec<RunnerLine>,
    runners_lost: Vec<RunnerLine>,
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
            access_gained: access_lines(&changes.access_gained, true),
            access_lost: access_lines(&changes.access_lost, true),
            paths_gained: paths(head, &changes.paths_gained),
            paths_lost: paths(base, &changes.paths_lost),
            pod_security: changes.pod_security.iter().map(pss_line).collect(),
            runners_gained: (changes.runners_gained.iter())
                .map(|c| RunnerLine::of(&head.rbac, c, true))
                .collect(),
            runners_lost: (changes.runners_lost.iter())
                .map(|c| RunnerLine::of(&base.rbac, c, false))
                .collect(),
        }
    }
}

/// An escalation path as `show diff` lists it: `SIGN SOURCE -> TARGET` and its hops, without
/// the grants under each hop (they name files and lines).
fn whatif_path_lines(sign: char, index: &RbacIndex, f: &Finding) -> Vec<String> {
    let text = finding_text(index, f);
    let mut lines = text.lines();
    let mut out: Vec<String> = lines
        .next()
        .map(|first| format!("{sign} {first}"))
        .into_iter()
        .collect();
    out.extend(
        lines
            .take_while(|l| *l != "  cut:")
            .filter(|l| !l.starts_with("       "))
            .map(|l| format!("  {l}")),
    );
    out
}

/// The text of `show diff`: the effective access a what-if gains and loses (each with its grant,
/// named without file lines), the escalation paths to cluster-admin and to a node it gains and
/// loses (hop by hop), and its Pod Security changes.
pub fn whatif_diff_text(base: &RbacIndex, head: &RbacIndex, changes: &Changes) -> String {
    let mut out = String::new();
    for (title, sign, grants) in [
        ("access gained", '+', &changes.access_gained),
        ("access lost", '-', &changes.access_lost),
    ] {
        out.push_str(title);
        out.push_str(":\n");
        if grants.is_empty() {
            out.push_str("  (none)\n");
        }
        for g in access_lines(grants, false) {
            for line in access_line_text(sign, &g) {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    for (title, sign, index, paths) in [
        ("escalation paths gained", '+', head, &changes.paths_gained),
        ("escalation paths lost", '-', base, &changes.paths_lost),
    ] {
        out.push_str(title);
        out.push_str(":\n");
        if paths.is_empty() {
            out.push_str("  (none)\n");
        }
        for f in paths {
            for line in whatif_path_lines(sign, index, f) {
                out.push_str(&format!("  {line}\n"));
            }
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
        access_line_text('+', g)
    });
    section(&mut out, "access lost", &changes.access_lost, |g| {
        access_line_text('-', g)
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
    let runners: Vec<Vec<String>> = (changes.runners_gained.iter().map(|r| r.lines('+')))
        .chain(changes.runners_lost.iter().map(|r| r.lines('-')))
        .collect();
    section(&mut out, "who can run pods", &runners, Vec::clone);
    out
}

fn object_json(o: &ObjectRef) -> Value {
    json!({
        "kind": o.kind,
        "namespace": (!o.namespace.is_empty()).then_some(&o.namespace),
        "name": o.name,
        "file": o.origin.file.to_string(),
        "line": o.origin.line,
    })
}

fn access_json(c: &AccessChange) -> Value {
    let mut v = json!({
        "subject": c.subject.label(),
        "namespace": c.namespace,
        "verbs": c.verbs,
        "access": access_text(c),
        "via": via_text(&c.via),
        "binding": object_json(&c.via.binding),
        "role": object_json(&c.via.role),
        "rule": c.via.rule,
        "rule_location": {"file": c.via.rule_file.to_string(), "line": c.via.rule_line},
    });
    match &c.target {
        AccessTarget::Resources {
            group,
            resources,
            names,
        } => {
            v["api_group"] = json!(group);
            v["resources"] = json!(resources);
            v["resource_names"] = json!(names);
        }
        AccessTarget::Urls(urls) => v["non_resource_urls"] = json!(urls),
    }
    if let Some((from, k)) = &c.via.aggregated_from {
        v["aggregated_from"] = json!({"role": object_json(from), "rule": k});
    }
    v
}

/// The changes from `base` to `head` as JSON.
pub fn diff_json(base: &Indexed, head: &Indexed, changes: &Changes) -> String {
    let rendered = &Rendered::of(base, head, changes);
    let path =
        |p: &PathChange| json!({"source": p.source, "target": p.target, "path": p.explanation});
    let v = json!({
        "access_gained": changes.access_gained.iter().map(access_json).collect::<Vec<_>>(),
        "access_lost": changes.access_lost.iter().map(access_json).collect::<Vec<_>>(),
        "paths_gained": rendered.paths_gained.iter().map(path).collect::<Vec<_>>(),
        "paths_lost": rendered.paths_lost.iter().map(path).collect::<Vec<_>>(),
        "pod_security": rendered.pod_security,
        "runners_gained": rendered.runners_gained.iter().map(runner_json).collect::<Vec<_>>(),
        "runners_lost": rendered.runners_lost.iter().map(runner_json).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn runner_json(r: &RunnerLine) -> Value {
    json!({"subject": r.subject, "change": r.change, "via": r.via})
}

/// Where a gained escalation path starts being granted: its first binding (in `head`).
fn path_location(head: &Indexed, f: &Finding) -> Option<(String, u32)> {
    let binding = f.path.iter().flat_map(|hop| hop.step.bindings()).next()?;
    let origin = &head.rbac.bindings.get(binding)?.origin;
    Some((origin.file.to_string(), origin.line))
}

/// The access and escalation paths gained from `base` to `head` as SARIF 2.1.0: one result
/// per gained access, located at the binding that grants it, and one per gained path, located
/// at its first binding, each fingerprinted by what is gained and by whom (not by where), and
/// the input's problems as notifications. Losses and Pod Security changes are not findings.
pub fn diff_sarif(
    base: &Indexed,
    head: &Indexed,
    changes: &Changes,
    root: &SarifRoot,
    diagnostics: &[Diagnostic],
) -> String {
    let rendered = &Rendered::of(base, head, changes);
    let rules = [
        SarifRule {
            id: "access-gained",
            name: "Access gained",
            description: "A subject may do something in the head that it may not in the base",
            help: "The subject may do this after the change and could not before: the binding, \
                   role and rule named in the message grant it. Review whether the subject \
                   needs it.",
            help_uri: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
            level: "warning",
            security_severity: "5.5",
        },
        SarifRule {
            id: "escalation-path-gained",
            name: "Escalation path gained",
            description: "A subject has a path to cluster-admin or to a node in the head that it \
                          does not have in the base",
            help: "After the change the subject can reach cluster-admin or a node's root, hop \
                   by hop as the message shows. Removing any one grant of the path cuts it.",
            help_uri: "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
            level: "error",
            security_severity: "9.0",
        },
    ];
    let mut results: Vec<SarifResult> = rendered
        .access_gained
        .iter()
        .map(|a| SarifResult {
            rule_id: "access-gained",
            level: "warning",
            message: format!("{} gains {}\nvia {}", a.subject, a.access, a.via),
            location: Some((&a.binding_file, a.binding_line)),
            fallback: None,
            identity: vec!["access-gained".into(), a.subject.clone(), a.access.clone()],
        })
        .collect();
    let locations: Vec<Option<(String, u32)>> = changes
        .paths_gained
        .iter()
        .map(|f| path_location(head, f))
        .collect();
    for (p, location) in rendered.paths_gained.iter().zip(&locations) {
        let mut message = format!("{} gains a path to {}", p.source, p.target);
        for line in &p.explanation {
            message.push_str(&format!("\n{line}"));
        }
        results.push(SarifResult {
            rule_id: "escalation-path-gained",
            level: "error",
            message,
            location: location.as_ref().map(|(file, line)| (file.as_str(), *line)),
            fallback: None,
            identity: vec![
                "escalation-path-gained".into(),
                p.source.clone(),
                p.target.clone(),
            ],
        });
    }
    root.log(&rules, &results, diagnostics)
}

/// A markdown table cell's text: `|` ends a cell and `<` starts HTML (`<defaults:v1.37>`
/// would vanish as an unknown tag).
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// The changes from `base` to `head` as a markdown pull-request comment.
pub fn diff_markdown(base: &Indexed, head: &Indexed, changes: &Changes) -> String {
    let changes = &Rendered::of(base, head, changes);
    let mut out = String::from("### kubesim: access and pod security changes\n\n");
    let counts = format!(
        "{} access gained, {} lost; {} escalation paths gained, {} lost; {} pod security changes; \
         {} subjects run less strict pods, {} stricter\n\n",
        changes.access_gained.len(),
        changes.access_lost.len(),
        changes.paths_gained.len(),
        changes.paths_lost.len(),
        changes.pod_security.len(),
        changes.runners_gained.len(),
        changes.runners_lost.len()
    );
    out.push_str(&counts);
    let mut table = |title: &str, granted: &str, rows: &[AccessLine]| {
        if rows.is_empty() {
            return;
        }
        out.push_str(&format!(
            "#### {title}\n\n| subject | access | {granted} |\n|---|---|---|\n"
        ));
        for g in rows {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&g.subject).replace('|', "\\|"),
                code(&g.access).replace('|', "\\|"),
                cell(&g.via)
            ));
        }
        out.push('\n');
    };
    table("Access gained", "granted by", &changes.access_gained);
    table("Access lost", "granted before by", &changes.access_lost);
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
    if !changes.runners_gained.is_empty() || !changes.runners_lost.is_empty() {
        out.push_str(
            "#### Who can run pods\n\n| | subject | pods | granted by |\n|---|---|---|---|\n",
        );
        for (sign, r) in (changes.runners_gained.iter().map(|r| ("+", r)))
            .chain(changes.runners_lost.iter().map(|r| ("-", r)))
        {
            out.push_str(&format!(
                "| {sign} | {} | {} | {} |\n",
                code(&r.subject).replace('|', "\\|"),
                cell(&r.change),
                r.via
                    .iter()
                    .map(|v| cell(v))
                    .collect::<Vec<_>>()
                    .join("<br>")
            ));
        }
        out.push('\n');
    }
    out
}
