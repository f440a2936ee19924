//! `kubesim report`: one self-contained HTML audit report (inline CSS, JS and SVG; nothing
//! fetched). A summary of what was loaded and of the findings by severity; who can do the
//! dangerous things (found by `escalate::dangers`: read secrets, exec, impersonate, escalate,
//! bind, nodes/proxy, approve certificates, privileged pods) with the binding, role and
//! rule that grant it; the escalation paths with their minimal cuts, and the same paths drawn
//! as an SVG laid out here in layers (subjects → bindings → roles → targets), each node a link
//! to its table row; pod security per workload; and policy results when policies were run.
//! Every name comes from untrusted manifests, so every text and attribute is escaped, and
//! element ids are made of numbers only. The output is sorted and carries no timestamp.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::access::{binding_text, role_text, rule_text};
use super::escalate::{evidence_text, node_text, step_text};
use super::evidence::violation_lines;
use super::pss::effective_version;
use crate::dsl::program::PolicySeverity;
use crate::escalate::{Cut, EscalationGraph, Finding, HopEnd, Target};
use crate::index::entry::{BindingId, RoleId};
use crate::index::rbac_index::RbacIndex;
use crate::pss::Level;
use crate::pss::assess::{PssReport, WorkloadAssessment};
use crate::scenario::policy::PolicyReport;

/// Everything the report shows, computed by the caller.
pub struct AuditInput<'a> {
    /// What was read (the `-f` paths and `--defaults`), shown in the heading.
    pub inputs: Vec<String>,
    pub index: &'a RbacIndex,
    pub graph: &'a EscalationGraph,
    /// Paths to cluster-admin and to a node, with cuts.
    pub findings: &'a [Finding],
    pub pss: &'a PssReport,
    pub policies: Option<&'a PolicyReport>,
}

/// How serious a finding is: policies carry their own; the others are ranked here.
pub type Severity = PolicySeverity;

pub use crate::escalate::dangers::{DangerousGrant, dangerous_access};

/// Text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn severity_of_finding(f: &Finding) -> Severity {
    if f.target == Target::ClusterAdmin {
        Severity::Critical
    } else {
        Severity::High
    }
}

fn severity_of_workload(w: &WorkloadAssessment) -> Option<Severity> {
    match w.level {
        Level::Privileged => Some(Severity::Medium),
        Level::Baseline => Some(Severity::Low),
        Level::Restricted => None,
    }
}

const SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

fn badge(severity: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", severity.as_str())
}

/// A sortable, filterable table: header cells, then rows of (row id, cells of HTML).
fn table(out: &mut String, id: &str, headers: &[&str], rows: &[(String, Vec<String>)]) {
    let _ = write!(
        out,
        "<div class=\"tablebox\"><input class=\"filter\" type=\"search\" placeholder=\"filter this table\" data-table=\"{id}\"> <span class=\"count\" data-count=\"{id}\"></span>\n<table class=\"data\" id=\"{id}\"><thead><tr>"
    );
    for h in headers {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (row_id, cells) in rows {
        let _ = write!(out, "<tr id=\"{row_id}\">");
        for c in cells {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn cut_cell(index: &RbacIndex, cut: &Option<Cut>) -> String {
    match cut {
        None => "-".into(),
        Some(Cut::Uncuttable) => "no binding removal cuts it (a path needs no grant)".into(),
        Some(Cut::TooLarge) => format!(
            "more than {} bindings would have to be removed",
            crate::escalate::paths::MAX_CUT
        ),
        Some(Cut::Bindings(b)) => b
            .iter()
            .map(|id| {
                format!(
                    "<a href=\"#row-bind-{id}\">{}</a>",
                    escape(&binding_text(index, *id))
                )
            })
            .collect::<Vec<_>>()
            .join("<br>"),
    }
}

fn path_cell(index: &RbacIndex, f: &Finding) -> String {
    let mut out = String::from("<ol class=\"path\">");
    for hop in &f.path {
        let to = match &hop.to {
            HopEnd::Node(k) => node_text(index, k),
            HopEnd::Target => f.target.to_string(),
        };
        let _ = write!(
            out,
            "<li>{} ⇒ {}: {}",
            escape(&node_text(index, &hop.from)),
            escape(&to),
            escape(&step_text(index, &hop.step))
        );
        for e in &hop.step.evidence {
            let _ = write!(
                out,
                "<div class=\"grant\">{}</div>",
                escape(&evidence_text(index, e))
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    out
}

/// `KIND ns/name` or `KIND name`, the kind abbreviated: what a box shows (its tooltip has
/// the whole name and file:line).
fn short_name(kind: &str, namespace: &str, name: &str) -> String {
    let kind = kind_abbreviation(kind);
    if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    }
}

/// A node of the drawn escalation graph.
struct GraphNode {
    label: String,
    title: String,
    href: String,
    colour: &'static str,
}

/// The escalation paths as layers: subjects, the bindings and roles the paths use, targets.
struct Layers {
    columns: [BTreeMap<String, GraphNode>; 4],
    /// (from column, from key, to key) → colour.
    edges: BTreeMap<(usize, String, String), &'static str>,
}

fn colour_of(target: &Target) -> &'static str {
    if *target == Target::ClusterAdmin {
        "#c62828"
    } else {
        "#ef6c00"
    }
}

fn layers(
    index: &RbacIndex,
    findings: &[Finding],
    binding_row: &BTreeMap<RoleId, BindingId>,
) -> Layers {
    let mut columns: [BTreeMap<String, GraphNode>; 4] = Default::default();
    let mut edges: BTreeMap<(usize, String, String), &'static str> = BTreeMap::new();
    let edge = |edges: &mut BTreeMap<_, _>, column: usize, from: &str, to: &str, colour| {
        let e = edges
            .entry((column, from.to_string(), to.to_string()))
            .or_insert(colour);
        if colour == colour_of(&Target::ClusterAdmin) {
            *e = colour;
        }
    };
    for (i, f) in findings.iter().enumerate() {
        let colour = colour_of(&f.target);
        let source = format!("s{}", f.source.label);
        let target = format!("t{}", f.target);
        let s = columns[0].entry(source.clone()).or_insert(GraphNode {
            label: f.source.label.clone(),
            title: f.source.label.clone(),
            href: format!("#row-esc-{i}"),
            colour,
        });
        if colour == colour_of(&Target::ClusterAdmin) {
            s.colour = colour;
        }
        columns[3].entry(target.clone()).or_insert(GraphNode {
            label: f.target.to_string(),
            title: f.target.to_string(),
            href: format!("#row-esc-{i}"),
            colour,
        });
        let mut linked = false;
        for e in f.path.iter().flat_map(|h| &h.step.evidence) {
            let role_key = e.role.map(|r| format!("r{r:08}"));
            if let Some(b) = e.binding {
                let key = format!("b{b:08}");
                let binding = &index.bindings[b];
                columns[1].entry(key.clone()).or_insert(GraphNode {
                    label: short_name(binding.kind.as_str(), &binding.namespace, &binding.name),
                    title: binding_text(index, b),
                    href: format!("#row-bind-{b}"),
                    colour: "#37474f",
                });
                edge(&mut edges, 0, &source, &key, colour);
                if let Some(r) = &role_key {
                    edge(&mut edges, 1, &key, r, colour);
                }
            } else if let Some(r) = &role_key {
                // A role the identity binds to itself: no binding yet.
                edge(&mut edges, 0, &source, r, colour);
            }
            if let (Some(r), Some(key)) = (e.role, &role_key) {
                let href = binding_row
                    .get(&r)
                    .map_or_else(|| format!("#row-esc-{i}"), |b| format!("#row-bind-{b}"));
                let role = &index.roles[r];
                columns[2].entry(key.clone()).or_insert(GraphNode {
                    label: short_name(role.kind.as_str(), &role.namespace, &role.name),
                    title: role_text(index, r),
                    href,
                    colour: "#37474f",
                });
                edge(&mut edges, 2, key, &target, colour);
                linked = true;
            }
        }
        if !linked {
            // A path without a role (system:masters): straight to the target.
            edge(&mut edges, 0, &source, &target, colour);
        }
    }
    Layers { columns, edges }
}

const NODE_WIDTH: u32 = 250;
const NODE_HEIGHT: u32 = 26;
const ROW_PITCH: u32 = 34;
const COLUMN_PITCH: u32 = 300;
const TOP: u32 = 40;

/// At most `max` characters: long names keep their start and their end, which is where
/// names generated from a common prefix differ.
fn shorten(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    let head = max / 3;
    let tail = max - head - 1;
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[chars.len() - tail..]);
    s
}

/// The short kind words boxes use (the legend spells them out).
fn kind_abbreviation(kind: &str) -> &str {
    match kind {
        "ClusterRoleBinding" => "CRB",
        "RoleBinding" => "RB",
        "ClusterRole" => "CR",
        other => other,
    }
}

/// The layers as SVG: each column ordered by the mean position of the nodes pointing at it
/// (fewer crossings), nodes pushed down so none overlap.
fn svg(layers: &Layers) -> String {
    let mut y: BTreeMap<(usize, &str), u32> = BTreeMap::new();
    for (c, column) in layers.columns.iter().enumerate() {
        let mut wanted: Vec<(u32, &str)> = column
            .keys()
            .enumerate()
            .map(|(i, key)| {
                let from: Vec<u32> = layers
                    .edges
                    .keys()
                    .filter(|(fc, _, to)| *fc < c && to == key)
                    .filter_map(|(fc, from, _)| y.get(&(*fc, from.as_str())).copied())
                    .collect();
                let at = if from.is_empty() {
                    TOP + i as u32 * ROW_PITCH
                } else {
                    from.iter().sum::<u32>() / from.len() as u32
                };
                (at, key.as_str())
            })
            .collect();
        wanted.sort();
        let mut next = TOP;
        for (at, key) in wanted {
            let placed = at.max(next);
            y.insert((c, key), placed);
            next = placed + ROW_PITCH;
        }
    }
    let height = y.values().max().map_or(TOP, |m| m + ROW_PITCH) + 10;
    let width = 3 * COLUMN_PITCH + NODE_WIDTH + 20;
    let mut out = format!(
        "<svg id=\"escalation-graph\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"escalation paths\">\n"
    );
    for (c, title) in ["subjects", "bindings", "roles", "targets"]
        .iter()
        .enumerate()
    {
        let _ = writeln!(
            out,
            "<text class=\"col\" x=\"{}\" y=\"20\">{title}</text>",
            10 + c as u32 * COLUMN_PITCH
        );
    }
    let column_of =
        |key: &str| -> Option<usize> { (0..4).find(|c| layers.columns[*c].contains_key(key)) };
    for ((fc, from, to), colour) in &layers.edges {
        let (Some(y1), Some(tc)) = (y.get(&(*fc, from.as_str())), column_of(to)) else {
            continue;
        };
        let Some(y2) = y.get(&(tc, to.as_str())) else {
            continue;
        };
        let x1 = 10 + *fc as u32 * COLUMN_PITCH + NODE_WIDTH;
        let x2 = 10 + tc as u32 * COLUMN_PITCH;
        let (y1, y2) = (y1 + NODE_HEIGHT / 2, y2 + NODE_HEIGHT / 2);
        let mid = (x1 + x2) / 2;
        let _ = writeln!(
            out,
            "<path class=\"edge\" d=\"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}\" stroke=\"{colour}\"/>"
        );
    }
    for (c, column) in layers.columns.iter().enumerate() {
        for (key, node) in column {
            let top = y[&(c, key.as_str())];
            let x = 10 + c as u32 * COLUMN_PITCH;
            let _ = writeln!(
                out,
                "<a href=\"{}\" class=\"node\" data-column=\"{c}\"><title>{}</title><rect x=\"{x}\" y=\"{top}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"6\" stroke=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text></a>",
                escape(&node.href),
                escape(&node.title),
                node.colour,
                x + 8,
                top + 17,
                escape(&shorten(&node.label, 36))
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1d2327;background:#f6f7f9}
header{background:#263238;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px}
header .inputs{color:#cfd8dc;font-size:12px}
nav{position:sticky;top:0;background:#eceff1;padding:8px 24px;border-bottom:1px solid #cfd8dc;z-index:2}
nav a{margin-right:14px;color:#1565c0;text-decoration:none}
#search{float:right;width:280px;padding:3px 6px}
main{padding:0 24px 40px}
section{background:#fff;border:1px solid #dde1e4;border-radius:6px;margin:18px 0;padding:10px 16px}
h2{font-size:18px;margin:6px 0 10px}
table.data{border-collapse:collapse;width:100%;font-size:12.5px}
table.data th{background:#eceff1;text-align:left;cursor:pointer;user-select:none;padding:4px 6px;border-bottom:2px solid #b0bec5;white-space:nowrap}
table.data th.asc::after{content:" ▲"}table.data th.desc::after{content:" ▼"}
table.data td{padding:4px 6px;border-bottom:1px solid #eceff1;vertical-align:top;word-break:break-word}
table.data tr:target{background:#fff8e1;outline:2px solid #ffb300}
.tablebox{overflow-x:auto}
.filter{margin:4px 0;padding:2px 6px;width:240px}
.count{color:#607d8b;font-size:12px}
.sev{display:inline-block;white-space:nowrap;padding:0 6px;border-radius:8px;color:#fff;font-size:11px;font-weight:600}
.sev-critical{background:#b71c1c}.sev-high{background:#e65100}.sev-medium{background:#f9a825;color:#222}.sev-low{background:#78909c}
.lvl-privileged{color:#b71c1c;font-weight:600}.lvl-baseline{color:#e65100}.lvl-restricted{color:#2e7d32}
ol.path{margin:0;padding-left:18px}.grant{color:#546e7a;font-size:11.5px}
.loc{color:#546e7a;font-size:11.5px;white-space:nowrap}
.summary td,.summary th{padding:3px 10px;text-align:left}
.graphbox{overflow:auto;max-height:900px;border:1px solid #eceff1}
svg .node rect{fill:#fff;stroke-width:1.6}svg .node:hover rect{fill:#e3f2fd}
svg .node text{font-size:11.5px;fill:#1d2327}
svg text.col{font-weight:600;font-size:13px;fill:#455a64}
svg .edge{fill:none;stroke-width:1.3;opacity:.7}
.muted{color:#78909c}
"#;

const SCRIPT: &str = r#"
window.onerror=function(m){var d=document.createElement('div');d.id='script-error';d.textContent=String(m);document.body.appendChild(d);};
(function(){
function cellText(r,i){var c=r.cells[i];return c?c.textContent.trim():'';}
function compare(a,b){var x=parseFloat(a),y=parseFloat(b);if(!isNaN(x)&&!isNaN(y)&&String(x)===a&&String(y)===b)return x-y;return a.localeCompare(b);}
var tables=document.querySelectorAll('table.data');
var global=document.getElementById('search');
function refresh(t){var box=document.querySelector('input.filter[data-table="'+t.id+'"]');var q=(box?box.value:'').toLowerCase();var g=(global?global.value:'').toLowerCase();var shown=0,rows=t.tBodies[0].rows;
for(var i=0;i<rows.length;i++){var text=rows[i].textContent.toLowerCase();var ok=text.indexOf(q)>=0&&text.indexOf(g)>=0;rows[i].style.display=ok?'':'none';if(ok)shown++;}
var count=document.querySelector('[data-count="'+t.id+'"]');if(count)count.textContent=shown+' of '+rows.length+' rows';}
Array.prototype.forEach.call(tables,function(t){
var heads=t.tHead.rows[0].cells;
Array.prototype.forEach.call(heads,function(th,i){th.addEventListener('click',function(){
var asc=!th.classList.contains('asc');Array.prototype.forEach.call(heads,function(h){h.classList.remove('asc','desc');});th.classList.add(asc?'asc':'desc');
var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var r=compare(cellText(a,i),cellText(b,i));return asc?r:-r;});
rows.forEach(function(r){body.appendChild(r);});});});
var box=document.querySelector('input.filter[data-table="'+t.id+'"]');if(box)box.addEventListener('input',function(){refresh(t);});
refresh(t);});
if(global)global.addEventListener('input',function(){Array.prototype.forEach.call(tables,refresh);});
document.body.setAttribute('data-ready','1');
})();
"#;

fn location(origin: &impl std::fmt::Display) -> String {
    format!("<span class=\"loc\">{}</span>", escape(&origin.to_string()))
}

/// The whole report.
pub fn audit_html(input: &AuditInput) -> String {
    let index = input.index;
    let dangerous = dangerous_access(index, input.graph);
    let findings = input.findings;

    // Bindings on any path, with the paths using them and whether a cut names them.
    let mut path_bindings: BTreeMap<BindingId, (BTreeSet<usize>, bool)> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        for b in f.path.iter().flat_map(|h| h.step.bindings()) {
            path_bindings.entry(b).or_default().0.insert(i);
        }
        if let Some(Cut::Bindings(cut)) = &f.cut {
            for b in cut {
                path_bindings.entry(*b).or_default().1 = true;
            }
        }
    }
    let mut role_row: BTreeMap<RoleId, BindingId> = BTreeMap::new();
    for b in path_bindings.keys() {
        if let Ok(r) = index.bindings[*b].role {
            role_row.entry(r).or_insert(*b);
        }
    }

    let mut out = String::with_capacity(1 << 20);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>kubesim audit report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str(
        "</style></head>\n<body>\n<header><h1>kubesim audit report</h1><div class=\"inputs\">",
    );
    out.push_str(&escape(&input.inputs.join("  ")));
    out.push_str("</div></header>\n<nav><a href=\"#summary\">Summary</a><a href=\"#graph\">Graph</a><a href=\"#access\">Dangerous access</a><a href=\"#escalations\">Escalation paths</a><a href=\"#pod-security\">Pod security</a>");
    if input.policies.is_some() {
        out.push_str("<a href=\"#policies\">Policies</a>");
    }
    out.push_str(
        "<input id=\"search\" type=\"search\" placeholder=\"search every table\"></nav>\n<main>\n",
    );

    // Summary.
    let counts = index.cluster.counts();
    let objects: usize = counts.values().sum();
    let subjects = crate::escalate::known_sources(index).len();
    let mut by_severity: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
    for f in findings {
        *by_severity
            .entry((severity_of_finding(f), "escalation paths"))
            .or_default() += 1;
    }
    for d in &dangerous {
        *by_severity
            .entry((d.severity, "dangerous grants"))
            .or_default() += 1;
    }
    for w in &input.pss.workloads {
        if let Some(s) = severity_of_workload(w) {
            *by_severity
                .entry((s, "workloads below restricted"))
                .or_default() += 1;
        }
    }
    if let Some(p) = input.policies {
        for v in &p.violations {
            *by_severity
                .entry((v.severity, "policy violations"))
                .or_default() += 1;
        }
    }
    let _ = write!(
        out,
        "<section id=\"summary\"><h2>Summary</h2>\n<p>{objects} objects, {subjects} subjects, {} bindings, {} roles, {} workloads (Pod Security at {}).</p>\n<table class=\"summary\"><tr><th>severity</th><th>findings</th><th>of which</th></tr>\n",
        index.bindings.len(),
        index.roles.len(),
        input.pss.workloads.len(),
        effective_version(input.pss.version)
    );
    for s in SEVERITIES {
        let parts: Vec<String> = by_severity
            .iter()
            .filter(|((sev, _), _)| *sev == s)
            .map(|((_, what), n)| format!("{n} {what}"))
            .collect();
        let total: usize = by_severity
            .iter()
            .filter(|((sev, _), _)| *sev == s)
            .map(|(_, n)| n)
            .sum();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{total}</td><td>{}</td></tr>",
            badge(s),
            escape(&parts.join(", "))
        );
    }
    out.push_str("</table>\n<p class=\"muted\">Critical: a path to cluster-admin. High: a path to a node's root, or a grant of impersonate, escalate, bind, nodes/proxy or certificate approval. Medium: reading secrets, exec, creating pods where privileged pods are admitted, a privileged workload. Low: a baseline workload. Policy violations keep their policy's severity.</p>\n<p class=\"kinds\">");
    let kinds: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{} {n}", escape(kind)))
        .collect();
    out.push_str(&kinds.join(" · "));
    out.push_str("</p></section>\n");

    // The graph.
    out.push_str("<section id=\"graph\"><h2>Escalation graph</h2>\n<p class=\"muted\">Subjects → the bindings and roles their paths use → the target (red: cluster-admin, orange: a node). Each box links to its row; CRB is a ClusterRoleBinding, RB a RoleBinding, CR a ClusterRole.</p>\n<div class=\"graphbox\">\n");
    if findings.is_empty() {
        out.push_str("<p>No escalation path.</p>\n");
    } else {
        out.push_str(&svg(&layers(index, findings, &role_row)));
    }
    out.push_str("</div></section>\n");

    // Dangerous access.
    let rows: Vec<(String, Vec<String>)> = dangerous
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let b = &index.bindings[d.binding];
            let (role, rule) = match &b.role {
                Ok(r) => (
                    role_text(index, *r),
                    index.roles[*r]
                        .rules
                        .get(d.rule)
                        .map(|x| format!("rule {}: {}", d.rule, rule_text(&x.rule)))
                        .unwrap_or_default(),
                ),
                Err(e) => (e.clone(), String::new()),
            };
            (
                format!("row-access-{i}"),
                vec![
                    badge(d.severity),
                    escape(&d.what),
                    if d.namespace.is_empty() {
                        "cluster-wide".into()
                    } else {
                        escape(&d.namespace)
                    },
                    escape(&d.subject),
                    escape(&binding_text(index, d.binding)),
                    escape(&role),
                    escape(&rule),
                ],
            )
        })
        .collect();
    let privileged: Vec<String> = input
        .graph
        .privileged
        .iter()
        .filter_map(|(ns, a)| a.as_ref().map(|a| format!("{ns} ({})", a.enforce)))
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"access\"><h2>Who can do the dangerous things</h2>\n<p class=\"muted\">As the RBAC authorizer answers, asked cluster-wide and in each of the {} namespaces; group:system:masters may do everything without any binding and is listed only where a binding names it. Privileged pods are admitted in {} namespaces: {}.</p>",
        input.graph.namespaces.len(),
        privileged.len(),
        escape(&privileged.join(", "))
    );
    table(
        &mut out,
        "t-access",
        &[
            "severity",
            "permission",
            "scope",
            "subject",
            "binding",
            "role",
            "rule",
        ],
        &rows,
    );
    out.push_str("</section>\n");

    // Escalation paths.
    let rows: Vec<(String, Vec<String>)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                format!("row-esc-{i}"),
                vec![
                    badge(severity_of_finding(f)),
                    escape(&f.source.label),
                    escape(&f.target.to_string()),
                    f.path.len().to_string(),
                    path_cell(index, f),
                    cut_cell(index, &f.cut),
                ],
            )
        })
        .collect();
    out.push_str("<section id=\"escalations\"><h2>Escalation paths to cluster-admin and nodes</h2>\n<p class=\"muted\">The shortest path of each subject, hop by hop with the grants it needs, and a minimal set of bindings whose removal cuts every path.</p>\n");
    table(
        &mut out,
        "t-escalations",
        &[
            "severity",
            "subject",
            "target",
            "hops",
            "path",
            "minimal cut",
        ],
        &rows,
    );
    let rows: Vec<(String, Vec<String>)> = path_bindings
        .iter()
        .map(|(b, (paths, in_cut))| {
            let binding = &index.bindings[*b];
            (
                format!("row-bind-{b}"),
                vec![
                    escape(&binding_text(index, *b)),
                    match &binding.role {
                        Ok(r) => escape(&role_text(index, *r)),
                        Err(e) => escape(e),
                    },
                    paths.len().to_string(),
                    if *in_cut { "yes".into() } else { "no".into() },
                ],
            )
        })
        .collect();
    out.push_str("<h3>Bindings on the paths</h3>\n");
    table(
        &mut out,
        "t-bindings",
        &["binding", "role", "paths using it", "in a minimal cut"],
        &rows,
    );
    out.push_str("</section>\n");

    // Pod security.
    let rows: Vec<(String, Vec<String>)> = input
        .pss
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut checks = String::new();
            for (n, v) in w.violations.iter().enumerate() {
                let repeated = w.violations[..n]
                    .iter()
                    .any(|e| e.check == v.check && e.detail == v.detail);
                if repeated {
                    continue;
                }
                let fields: Vec<String> = v
                    .paths
                    .iter()
                    .map(|p| match p.line {
                        Some(line) => format!("{} at line {line}", p.path),
                        None => format!("{} (not set)", p.path),
                    })
                    .collect();
                let _ = write!(
                    checks,
                    "<div>{} {}: {}<div class=\"grant\">{}</div></div>",
                    escape(v.level.as_str()),
                    escape(&v.check.to_string()),
                    escape(&v.detail),
                    escape(&fields.join("; "))
                );
            }
            let admission = match &w.enforce {
                None => "no enforce label".to_string(),
                Some(e) if e.exemption.is_some() => {
                    format!("exempt (enforce {}:{})", e.level, e.version)
                }
                Some(e) if e.admitted => format!("admitted (enforce {}:{})", e.level, e.version),
                Some(e) => format!("rejected (enforce {}:{})", e.level, e.version),
            };
            (
                format!("row-pss-{i}"),
                vec![
                    escape(&format!("{}/{}", w.kind.word(), w.name)),
                    escape(&w.namespace),
                    format!(
                        "<span class=\"lvl-{0}\">{0}</span>",
                        escape(w.level.as_str())
                    ),
                    checks,
                    escape(&admission),
                    location(&format!("{}:{}", w.file, w.line)),
                ],
            )
        })
        .collect();
    out.push_str("<section id=\"pod-security\"><h2>Pod security per workload</h2>\n<p class=\"muted\">The strictest Pod Security Standards level each pod and pod template meets, the checks that keep it from the next level with the field and its line, and what its namespace's enforce label does with it.</p>\n");
    table(
        &mut out,
        "t-pss",
        &[
            "workload",
            "namespace",
            "level",
            "failing checks",
            "admission",
            "file:line",
        ],
        &rows,
    );
    out.push_str("</section>\n");

    // Policies.
    if let Some(report) = input.policies {
        let rows: Vec<(String, Vec<String>)> = report
            .violations
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let evidence: Vec<String> = v
                    .evidence
                    .iter()
                    .flat_map(violation_lines)
                    .map(|l| format!("<div class=\"grant\">{}</div>", escape(&l)))
                    .collect();
                (
                    format!("row-policy-{i}"),
                    vec![
                        badge(v.severity),
                        escape(&v.policy),
                        format!(
                            "{}<div class=\"grant\">{}:{}</div>",
                            escape(&v.rule),
                            escape(&v.policy_file),
                            v.rule_line
                        ),
                        escape(&v.offender),
                        v.location.as_ref().map_or_else(
                            || "-".into(),
                            |o| location(&format!("{}:{}", o.file, o.line)),
                        ),
                        evidence.concat(),
                    ],
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<section id=\"policies\"><h2>Policy results</h2>\n<p>{} violations of {} rules{}.</p>",
            report.violations.len(),
            report.rules,
            if report.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} rules could not be evaluated", report.skipped.len())
            }
        );
        table(
            &mut out,
            "t-policies",
            &[
                "severity", "policy", "rule", "offender", "location", "evidence",
            ],
            &rows,
        );
        out.push_str("</section>\n");
    }

    out.push_str("</main>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body></html>\n");
    out
}
