//! `kubesim graph`: the access graph as a picture (Graphviz DOT or mermaid): subjects →
//! bindings → roles, workloads → the service accounts they run as, and the escalation hops
//! (exec, nodes/proxy, impersonation, a pod running as a service account, ...) from one
//! identity to the next, each labelled with its technique. By default only what the
//! escalation paths use is drawn; a namespace, a subject or `everything` widens or narrows it.
//! Subjects with a path are drawn in red (cluster-admin) or orange (node only), and the
//! bindings on those paths in bold red. A legend explains the shapes and edges.

use std::collections::{BTreeMap, BTreeSet};

use crate::escalate::graph::subject_key;
use crate::escalate::{Finding, HopEnd, NodeKey, StepKind, Target};
use crate::index::entry::BindingId;
use crate::index::rbac_index::RbacIndex;
use crate::rbac::query::SubjectSpec;

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only RoleBindings of this namespace, ClusterRoleBindings naming its service accounts,
    /// and its workloads.
    pub namespace: Option<String>,
    /// Only the bindings naming this subject (`user:x`, `group:x`, `sa:ns/x`) and the
    /// workloads running as it.
    pub subject: Option<String>,
    /// Every binding and workload of the input, not only those on escalation paths (when
    /// neither a namespace nor a subject is given).
    pub everything: bool,
}

/// The kind of a node, which decides its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Subject,
    Binding,
    Role,
    Workload,
    /// What an escalation leads to (cluster-admin, a node's root, a role or subject).
    Target,
}

/// One node: its text (lines separated by `\n`), shape and highlight colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureNode {
    pub label: String,
    pub shape: Shape,
    pub colour: Option<&'static str>,
}

/// What an edge means.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// subject → binding → role, workload → service account; `hot` when on a path.
    Grant { hot: bool },
    /// An escalation hop from one identity to the next (or to the target), labelled with
    /// its technique and coloured by the target.
    Hop {
        technique: String,
        colour: &'static str,
    },
}

/// The nodes (by id) and edges to draw, sorted.
#[derive(Debug, Default)]
pub struct Picture {
    pub nodes: BTreeMap<String, PictureNode>,
    pub edges: BTreeSet<(String, String, EdgeKind)>,
}

/// How a subject is written on the command line (and in escalation sources): names with
/// unusual characters quoted, so a subject and a path's source are the same node.
fn subject_label(key: &NodeKey) -> Option<String> {
    let spec = match key {
        NodeKey::User(n) => SubjectSpec::User(n.clone()),
        NodeKey::Group(n) => SubjectSpec::Group(n.clone()),
        NodeKey::ServiceAccount { namespace, name } => SubjectSpec::ServiceAccount {
            namespace: namespace.clone(),
            name: name.clone(),
        },
        _ => return None,
    };
    Some(spec.to_string())
}

fn target_colour(target: &Target) -> &'static str {
    if *target == Target::ClusterAdmin {
        "red"
    } else {
        "orange"
    }
}

/// The technique of one hop in a few words, or `None` for a hop that only moves inside a
/// set (group membership, a namespace of "every namespace", a pod of a workload).
pub fn technique(kind: &StepKind) -> Option<String> {
    Some(match kind {
        StepKind::MemberOf
        | StepKind::InNamespace
        | StepKind::OneOf
        | StepKind::HoldsRole
        | StepKind::PodOf(_) => return None,
        StepKind::Superuser => "system:masters".into(),
        StepKind::HoldsEverything => "holds *".into(),
        StepKind::CreatesPods(r) => format!("create {r}"),
        StepKind::PodRunsAs => "pod runs as SA".into(),
        StepKind::PrivilegedPod { .. } => "privileged pod".into(),
        StepKind::RequestsToken => "serviceaccounts/token".into(),
        StepKind::ReadsSecrets => "read secrets".into(),
        StepKind::TokenSecret(_) => "token secret".into(),
        StepKind::ImpersonatesServiceAccount
        | StepKind::ImpersonatesUser
        | StepKind::ImpersonatesGroup => "impersonate".into(),
        StepKind::Execs(sub) => format!("pods/{sub}"),
        StepKind::NodesProxy => "nodes/proxy".into(),
        StepKind::Binds => "bind".into(),
        StepKind::UpdatesBinding(_) => "update binding".into(),
        StepKind::RewritesRole => "escalate role".into(),
        StepKind::CreatesRole => "create role (escalate)".into(),
        StepKind::ApprovesCertificates => "CSR approve".into(),
        StepKind::MintsIdentity => "client certificate".into(),
        StepKind::WritesWebhooks => "write webhooks".into(),
        StepKind::MutatesPods => "mutate pods".into(),
        StepKind::SeesSecrets => "see secrets".into(),
        StepKind::OnEveryNode(_) => "DaemonSet token".into(),
    })
}

/// One leg of a path: from an identity (or cluster-admin) to the next one or the target,
/// with the techniques of its hops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub from: String,
    pub to: String,
    pub techniques: Vec<String>,
}

/// Where a path can rest: an identity, cluster-admin, a node's root.
fn waypoint(key: &NodeKey) -> Option<String> {
    match key {
        NodeKey::ClusterAdmin => Some("cluster-admin".into()),
        NodeKey::NodeEscape => Some("node".into()),
        other => subject_label(other),
    }
}

/// A path cut into legs between identities: the hops through sets of pods, secrets or
/// roles in between are folded into the leg's techniques.
pub fn legs(finding: &Finding) -> Vec<Leg> {
    let mut legs = Vec::new();
    let mut from = finding.source.label.clone();
    let mut techniques: Vec<String> = Vec::new();
    for hop in &finding.path {
        if let Some(t) = technique(&hop.step.kind)
            && techniques.last() != Some(&t)
        {
            techniques.push(t);
        }
        let to = match &hop.to {
            HopEnd::Target => Some(finding.target.to_string()),
            HopEnd::Node(k) => waypoint(k),
        };
        if let Some(to) = to
            && to != from
        {
            legs.push(Leg {
                from: std::mem::replace(&mut from, to.clone()),
                to,
                techniques: std::mem::take(&mut techniques),
            });
        }
    }
    legs
}

fn waypoint_id(label: &str) -> String {
    match label {
        "cluster-admin" | "node" => format!("t:{label}"),
        _ => format!("s:{label}"),
    }
}

fn binding_label(index: &RbacIndex, id: BindingId) -> String {
    let b = &index.bindings[id];
    if b.namespace.is_empty() {
        format!("{}\n{}", b.kind.as_str(), b.name)
    } else {
        format!("{}\n{}/{}", b.kind.as_str(), b.namespace, b.name)
    }
}

/// What the selection draws, as nodes and edges.
pub fn build(index: &RbacIndex, selection: &Selection, findings: &[Finding]) -> Picture {
    let mut picture = Picture::default();
    // Subjects with a path, and the bindings and workloads each path uses.
    let mut reaching: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut hot: BTreeSet<BindingId> = BTreeSet::new();
    let mut path_workloads: BTreeSet<usize> = BTreeSet::new();
    for f in findings {
        let colour = target_colour(&f.target);
        let entry = reaching.entry(f.source.label.clone()).or_insert(colour);
        if colour == "red" {
            *entry = "red";
        }
        for hop in &f.path {
            hot.extend(hop.step.bindings());
            if let StepKind::PodOf(w) | StepKind::OnEveryNode(w) = hop.step.kind {
                path_workloads.insert(w);
            }
        }
    }
    let scoped = selection.namespace.is_some() || selection.subject.is_some();
    let in_namespace = |key: &NodeKey| match (&selection.namespace, key) {
        (Some(ns), NodeKey::ServiceAccount { namespace, .. }) => namespace == ns,
        (Some(_), _) => false,
        (None, _) => true,
    };
    for (id, b) in index.bindings.iter().enumerate() {
        let keys: Vec<NodeKey> = b
            .subjects
            .iter()
            .filter_map(|s| subject_key(&s.kind, &s.name, s.namespace.as_deref(), &b.namespace))
            .collect();
        let subjects: Vec<String> = keys.iter().filter_map(subject_label).collect();
        let is_hot = hot.contains(&id);
        let wanted = match (&selection.namespace, &selection.subject) {
            (_, Some(subject)) => subjects.iter().any(|s| s == subject),
            (Some(ns), None) => b.namespace == *ns || keys.iter().any(in_namespace),
            (None, None) => selection.everything || is_hot,
        };
        if !wanted {
            continue;
        }
        let binding_id = format!("b{id}");
        picture.nodes.insert(
            binding_id.clone(),
            PictureNode {
                label: binding_label(index, id),
                shape: Shape::Binding,
                colour: is_hot.then_some("red"),
            },
        );
        for s in subjects {
            if selection.subject.as_ref().is_some_and(|x| *x != s) {
                continue;
            }
            picture.nodes.insert(
                format!("s:{s}"),
                PictureNode {
                    label: s.clone(),
                    shape: Shape::Subject,
                    colour: reaching.get(&s).copied(),
                },
            );
            picture.edges.insert((
                format!("s:{s}"),
                binding_id.clone(),
                EdgeKind::Grant { hot: is_hot },
            ));
        }
        let (role_id, role_label) = match &b.role {
            Ok(r) => {
                let role = &index.roles[*r];
                let label = if role.namespace.is_empty() {
                    format!("ClusterRole\n{}", role.name)
                } else {
                    format!("Role\n{}/{}", role.namespace, role.name)
                };
                (format!("r{r}"), label)
            }
            Err(_) => (
                format!("r:{}:{}:{}", b.role_ref_kind, b.namespace, b.role_ref_name),
                format!("{}\n{} (missing)", b.role_ref_kind, b.role_ref_name),
            ),
        };
        picture.nodes.insert(
            role_id.clone(),
            PictureNode {
                label: role_label,
                shape: Shape::Role,
                colour: None,
            },
        );
        picture
            .edges
            .insert((binding_id, role_id, EdgeKind::Grant { hot: is_hot }));
    }
    for (i, w) in index.cluster.workloads.iter().enumerate() {
        let sa = SubjectSpec::ServiceAccount {
            namespace: w.namespace.clone(),
            name: w.service_account.clone(),
        }
        .to_string();
        let wanted = match (&selection.namespace, &selection.subject) {
            (_, Some(subject)) => *subject == sa,
            (Some(ns), None) => w.namespace == *ns,
            (None, None) => selection.everything || path_workloads.contains(&i),
        };
        if !wanted {
            continue;
        }
        let id = format!("w{i}");
        picture.nodes.insert(
            id.clone(),
            PictureNode {
                label: format!("{}\n{}/{}", w.kind, w.namespace, w.name),
                shape: Shape::Workload,
                colour: None,
            },
        );
        picture
            .nodes
            .entry(format!("s:{sa}"))
            .or_insert(PictureNode {
                label: sa.clone(),
                shape: Shape::Subject,
                colour: reaching.get(&sa).copied(),
            });
        picture
            .edges
            .insert((id, format!("s:{sa}"), EdgeKind::Grant { hot: false }));
    }
    // The paths of the subjects drawn (every path when nothing narrows the picture), leg by
    // leg; the identities a path passes through are drawn too. A leg on paths to both
    // targets is one edge, red.
    let mut hops: BTreeMap<(String, String, String), &'static str> = BTreeMap::new();
    for f in findings {
        let source_id = format!("s:{}", f.source.label);
        if scoped && !picture.nodes.contains_key(&source_id) {
            continue;
        }
        let colour = target_colour(&f.target);
        for leg in legs(f) {
            for end in [&leg.from, &leg.to] {
                let id = waypoint_id(end);
                let shape = if id.starts_with("t:") || *end == f.target.to_string() {
                    Shape::Target
                } else {
                    Shape::Subject
                };
                let node = picture.nodes.entry(id).or_insert(PictureNode {
                    label: end.clone(),
                    shape,
                    colour: None,
                });
                // Whoever a path passes through reaches its target too.
                if node.colour != Some("red")
                    && matches!(node.shape, Shape::Subject | Shape::Target)
                {
                    node.colour = Some(if shape == Shape::Target {
                        target_colour_of_label(end)
                    } else {
                        colour
                    });
                }
            }
            let technique = if leg.techniques.is_empty() {
                "includes".to_string()
            } else {
                leg.techniques.join(", ")
            };
            let entry = hops
                .entry((waypoint_id(&leg.from), waypoint_id(&leg.to), technique))
                .or_insert(colour);
            if colour == "red" {
                *entry = "red";
            }
        }
    }
    for ((from, to, technique), colour) in hops {
        picture
            .edges
            .insert((from, to, EdgeKind::Hop { technique, colour }));
    }
    picture
}

fn target_colour_of_label(label: &str) -> &'static str {
    if label == "cluster-admin" {
        "red"
    } else {
        "orange"
    }
}

/// A DOT string literal: backslashes and quotes escaped, each newline a `\n` line break.
fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_shape(shape: Shape) -> &'static str {
    match shape {
        Shape::Subject => "shape=ellipse",
        Shape::Binding => "shape=box, style=rounded",
        Shape::Role => "shape=box",
        Shape::Workload => "shape=component",
        Shape::Target => "shape=doubleoctagon",
    }
}

const DOT_LEGEND: &str = r#"  subgraph cluster_legend {
    label="Legend";
    fontname="Helvetica";
    color=gray;
    node [fontsize=10];
    edge [fontsize=9];
    "legend:subject" [label="subject\n(red: reaches cluster-admin,\norange: a node)", shape=ellipse];
    "legend:binding" [label="binding", shape=box, style=rounded];
    "legend:role" [label="role", shape=box];
    "legend:workload" [label="workload", shape=component];
    "legend:target" [label="target", shape=doubleoctagon, color=red, fontcolor=red];
    "legend:workload" -> "legend:subject" [label="runs as"];
    "legend:subject" -> "legend:binding" [label="named in"];
    "legend:binding" -> "legend:role" [label="grants", color=red, penwidth=2];
    "legend:role" -> "legend:target" [label="escalation hop\n(technique)", style=dashed, color=red, fontcolor=red];
  }
"#;

/// The picture as Graphviz DOT, with a legend.
pub fn graph_dot(index: &RbacIndex, selection: &Selection, findings: &[Finding]) -> String {
    let picture = build(index, selection, findings);
    let mut out =
        String::from("digraph access {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\"];\n");
    out.push_str(DOT_LEGEND);
    for (id, node) in &picture.nodes {
        let colour = node
            .colour
            .map(|c| format!(", color={c}, fontcolor={c}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {} [label={}, {}{colour}];\n",
            dot_string(id),
            dot_string(&node.label),
            dot_shape(node.shape)
        ));
    }
    for (from, to, kind) in &picture.edges {
        let style = match kind {
            EdgeKind::Grant { hot: true } => " [color=red, penwidth=2]".to_string(),
            EdgeKind::Grant { hot: false } => String::new(),
            EdgeKind::Hop { technique, colour } => format!(
                " [label={}, style=dashed, color={colour}, fontcolor={colour}]",
                dot_string(technique)
            ),
        };
        out.push_str(&format!(
            "  {} -> {}{style};\n",
            dot_string(from),
            dot_string(to)
        ));
    }
    out.push_str("}\n");
    out
}

/// Text inside a quoted mermaid label: entity codes for what mermaid would read as markup.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn mermaid_node(id: &str, label: &str, shape: Shape) -> String {
    let text = mermaid_text(label);
    let (open, close) = match shape {
        Shape::Subject => ("([\"", "\"])"),
        Shape::Binding => ("(\"", "\")"),
        Shape::Role => ("[\"", "\"]"),
        Shape::Workload => ("[[\"", "\"]]"),
        Shape::Target => ("{{\"", "\"}}"),
    };
    format!("  {id}{open}{text}{close}\n")
}

/// The picture as a mermaid flowchart, with a legend subgraph.
pub fn graph_mermaid(index: &RbacIndex, selection: &Selection, findings: &[Finding]) -> String {
    let picture = build(index, selection, findings);
    // mermaid ids must be plain words.
    let ids: BTreeMap<&String, String> = picture
        .nodes
        .keys()
        .enumerate()
        .map(|(i, k)| (k, format!("n{i}")))
        .collect();
    let mut out = String::from("flowchart LR\n");
    out.push_str("  subgraph legend[\"Legend\"]\n");
    for (id, label, shape) in [
        (
            "legend_subject",
            "subject (red: reaches cluster-admin, orange: a node)",
            Shape::Subject,
        ),
        ("legend_binding", "binding", Shape::Binding),
        ("legend_role", "role", Shape::Role),
        ("legend_workload", "workload", Shape::Workload),
        ("legend_target", "target", Shape::Target),
    ] {
        out.push_str(&format!("  {}", mermaid_node(id, label, shape)));
    }
    out.push_str("    legend_workload -->|runs as| legend_subject\n");
    out.push_str("    legend_subject -->|named in| legend_binding\n");
    out.push_str("    legend_binding -->|grants| legend_role\n");
    out.push_str("    legend_role -.->|escalation hop: technique| legend_target\n");
    out.push_str("  end\n");
    // The legend's links come first: 0..4.
    let mut link = 4;
    for (id, node) in &picture.nodes {
        out.push_str(&mermaid_node(&ids[id], &node.label, node.shape));
    }
    let mut styled: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (from, to, kind) in &picture.edges {
        match kind {
            EdgeKind::Grant { hot } => {
                out.push_str(&format!("  {} --> {}\n", ids[from], ids[to]));
                if *hot {
                    styled.entry("red").or_default().push(link.to_string());
                }
            }
            EdgeKind::Hop { technique, colour } => {
                out.push_str(&format!(
                    "  {} -.->|\"{}\"| {}\n",
                    ids[from],
                    mermaid_text(technique),
                    ids[to]
                ));
                styled.entry(colour).or_default().push(link.to_string());
            }
        }
        link += 1;
    }
    for (id, node) in &picture.nodes {
        if let Some(c) = node.colour {
            out.push_str(&format!(
                "  style {} stroke:{c},stroke-width:2px\n",
                ids[id]
            ));
        }
    }
    for (colour, links) in styled {
        out.push_str(&format!(
            "  linkStyle {} stroke:{colour},stroke-width:2px\n",
            links.join(",")
        ));
    }
    out
}
