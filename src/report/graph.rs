//! `kubesim graph`: the access graph as a picture (Graphviz DOT or mermaid): subjects →
//! bindings → roles, and workloads → the service accounts they run as, limited to one
//! namespace or one subject so it stays readable. Subjects with an escalation path are drawn
//! in red (cluster-admin) or orange (node only), and the bindings on those paths in bold red.

use std::collections::{BTreeMap, BTreeSet};

use super::escalate::dot_quote;
use crate::escalate::graph::{pod_service_account, subject_key};
use crate::escalate::{Finding, NodeKey, Target};
use crate::index::entry::BindingId;
use crate::index::rbac_index::RbacIndex;

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only RoleBindings of this namespace, ClusterRoleBindings naming its service accounts,
    /// and its workloads.
    pub namespace: Option<String>,
    /// Only the bindings naming this subject (`user:x`, `group:x`, `sa:ns/x`) and the
    /// workloads running as it.
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Subject,
    Binding,
    Role,
    Workload,
}

#[derive(Default)]
struct Picture {
    /// id → (label, shape, highlight).
    nodes: BTreeMap<String, (String, Shape, Option<&'static str>)>,
    edges: BTreeSet<(String, String, bool)>,
}

fn subject_label(key: &NodeKey) -> Option<String> {
    match key {
        NodeKey::User(n) => Some(format!("user:{n}")),
        NodeKey::Group(n) => Some(format!("group:{n}")),
        NodeKey::ServiceAccount { namespace, name } => Some(format!("sa:{namespace}/{name}")),
        _ => None,
    }
}

fn build(index: &RbacIndex, selection: &Selection, findings: &[Finding]) -> Picture {
    let mut picture = Picture::default();
    // Subjects with a path, and the bindings each path uses.
    let mut reaching: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut hot: BTreeSet<BindingId> = BTreeSet::new();
    for f in findings {
        let colour = if f.target == Target::ClusterAdmin {
            "red"
        } else {
            "orange"
        };
        let entry = reaching.entry(f.source.label.clone()).or_insert(colour);
        if colour == "red" {
            *entry = "red";
        }
        hot.extend(f.path.iter().flat_map(|h| h.step.bindings()));
    }
    let in_namespace = |label: &str| match &selection.namespace {
        Some(ns) => label.starts_with(&format!("sa:{ns}/")),
        None => true,
    };
    for (id, b) in index.bindings.iter().enumerate() {
        let subjects: Vec<String> = b
            .subjects
            .iter()
            .filter_map(|s| subject_key(&s.kind, &s.name, s.namespace.as_deref(), &b.namespace))
            .filter_map(|k| subject_label(&k))
            .collect();
        let wanted = match (&selection.namespace, &selection.subject) {
            (_, Some(subject)) => subjects.iter().any(|s| s == subject),
            (Some(ns), None) => b.namespace == *ns || subjects.iter().any(|s| in_namespace(s)),
            (None, None) => true,
        };
        if !wanted {
            continue;
        }
        let binding_id = format!("b{id}");
        let shown = if b.namespace.is_empty() {
            format!("{}\\n{}", b.kind.as_str(), b.name)
        } else {
            format!("{}\\n{}/{}", b.kind.as_str(), b.namespace, b.name)
        };
        let is_hot = hot.contains(&id);
        picture.nodes.insert(
            binding_id.clone(),
            (shown, Shape::Binding, is_hot.then_some("red")),
        );
        for s in subjects {
            if selection.subject.as_ref().is_some_and(|x| *x != s) {
                continue;
            }
            let colour = reaching.get(&s).copied();
            picture
                .nodes
                .insert(format!("s:{s}"), (s.clone(), Shape::Subject, colour));
            picture
                .edges
                .insert((format!("s:{s}"), binding_id.clone(), is_hot));
        }
        let role_id = format!("r:{}:{}:{}", b.role_ref_kind, b.namespace, b.role_ref_name);
        let role_label = match &b.role {
            Ok(r) if index.roles[*r].namespace.is_empty() => {
                format!("ClusterRole\\n{}", index.roles[*r].name)
            }
            Ok(r) => format!(
                "Role\\n{}/{}",
                index.roles[*r].namespace, index.roles[*r].name
            ),
            Err(_) => format!("{}\\n{} (missing)", b.role_ref_kind, b.role_ref_name),
        };
        let role_id = match &b.role {
            Ok(r) => format!("r{r}"),
            Err(_) => role_id,
        };
        picture
            .nodes
            .insert(role_id.clone(), (role_label, Shape::Role, None));
        picture.edges.insert((binding_id, role_id, is_hot));
    }
    for (i, w) in index.cluster.workloads.iter().enumerate() {
        let sa = format!("sa:{}/{}", w.namespace, pod_service_account(&w.pod_spec));
        let wanted = match (&selection.namespace, &selection.subject) {
            (_, Some(subject)) => *subject == sa,
            (Some(ns), None) => w.namespace == *ns,
            (None, None) => true,
        };
        if !wanted {
            continue;
        }
        let id = format!("w{i}");
        picture.nodes.insert(
            id.clone(),
            (
                format!("{}\\n{}/{}", w.kind, w.namespace, w.name),
                Shape::Workload,
                None,
            ),
        );
        let colour = reaching.get(&sa).copied();
        picture
            .nodes
            .entry(format!("s:{sa}"))
            .or_insert((sa.clone(), Shape::Subject, colour));
        picture.edges.insert((id, format!("s:{sa}"), false));
    }
    picture
}

/// The picture as Graphviz DOT.
pub fn graph_dot(index: &RbacIndex, selection: &Selection, findings: &[Finding]) -> String {
    let picture = build(index, selection, findings);
    let mut out =
        String::from("digraph access {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (id, (label, shape, colour)) in &picture.nodes {
        let shape = match shape {
            Shape::Subject => "shape=ellipse",
            Shape::Binding => "shape=box, style=rounded",
            Shape::Role => "shape=box",
            Shape::Workload => "shape=component",
        };
        let colour = colour
            .map(|c| format!(", color={c}, fontcolor={c}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {} [label={}, {shape}{colour}];\n",
            dot_quote(id),
            dot_quote(label)
        ));
    }
    for (from, to, hot) in &picture.edges {
        let style = if *hot { " [color=red, penwidth=2]" } else { "" };
        out.push_str(&format!(
            "  {} -> {}{style};\n",
            dot_quote(from),
            dot_quote(to)
        ));
    }
    out.push_str("}\n");
    out
}

/// The picture as a mermaid flowchart.
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
    for (id, (label, shape, _)) in &picture.nodes {
        let text = label.replace("\\n", "<br/>").replace('"', "#quot;");
        let (open, close) = match shape {
            Shape::Subject => ("([\"", "\"])"),
            Shape::Binding => ("(\"", "\")"),
            Shape::Role => ("[\"", "\"]"),
            Shape::Workload => ("[[\"", "\"]]"),
        };
        out.push_str(&format!("  {}{open}{text}{close}\n", ids[id]));
    }
    let mut hot_links = Vec::new();
    for (n, (from, to, hot)) in picture.edges.iter().enumerate() {
        out.push_str(&format!("  {} --> {}\n", ids[from], ids[to]));
        if *hot {
            hot_links.push(n.to_string());
        }
    }
    for (id, (_, _, colour)) in &picture.nodes {
        if let Some(c) = colour {
            out.push_str(&format!(
                "  style {} stroke:{c},stroke-width:2px\n",
                ids[id]
            ));
        }
    }
    if !hot_links.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:red,stroke-width:2px\n",
            hot_links.join(",")
        ));
    }
    out
}
