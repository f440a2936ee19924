//! The access graph: subjects → bindings → roles, workloads → the service accounts they run
//! as, and namespaces → what they contain, as one petgraph graph. Escalation analysis and
//! `kubesim graph` walk it; it is built once from the RBAC index and never mutated.

use std::collections::HashMap;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};

use super::index::{BindingId, RbacIndex, RoleId};

/// A subject as RBAC names it: (kind, namespace, name); the namespace is empty except for
/// service accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// A node of the access graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    Subject(SubjectKey),
    Binding(BindingId),
    Role(RoleId),
    /// A workload, by its index in `Cluster::workloads`.
    Workload(usize),
    Namespace(String),
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edge {
    /// Subject → binding: the binding names the subject.
    BoundBy,
    /// Binding → role: the binding grants the role's rules.
    Grants,
    /// Workload → service account subject: the pod runs as it.
    RunsAs,
    /// Namespace → binding, workload or service account: lives in the namespace.
    Contains,
}

/// The graph and lookups from domain keys to its nodes.
#[derive(Debug, Clone, Default)]
pub struct AccessGraph {
    pub graph: StableDiGraph<Node, Edge>,
    pub subjects: HashMap<SubjectKey, NodeIndex>,
    pub bindings: Vec<NodeIndex>,
    pub roles: Vec<NodeIndex>,
    pub workloads: Vec<NodeIndex>,
    pub namespaces: HashMap<String, NodeIndex>,
}

impl AccessGraph {
    pub fn build(index: &RbacIndex) -> AccessGraph {
        let mut g = AccessGraph::default();
        g.roles = (0..index.roles.len())
            .map(|id| g.graph.add_node(Node::Role(id)))
            .collect();
        for (id, binding) in index.bindings.iter().enumerate() {
            let node = g.graph.add_node(Node::Binding(id));
            g.bindings.push(node);
            if let Ok(role) = binding.role {
                g.graph.add_edge(node, g.roles[role], Edge::Grants);
            }
            if !binding.namespace.is_empty() {
                let ns = g.namespace(&binding.namespace);
                g.graph.add_edge(ns, node, Edge::Contains);
            }
            for subject in &binding.subjects {
                let namespace = match subject.kind.as_str() {
                    "ServiceAccount" => match subject.namespace.as_deref() {
                        Some(ns) if !ns.is_empty() => ns.to_string(),
                        _ => binding.namespace.clone(),
                    },
                    _ => String::new(),
                };
                let key = SubjectKey {
                    kind: subject.kind.clone(),
                    namespace,
                    name: subject.name.clone(),
                };
                let s = g.subject(key);
                g.graph.add_edge(s, node, Edge::BoundBy);
            }
        }
        for sa in &index.cluster.service_accounts {
            let namespace = sa.metadata.namespace.clone().unwrap_or_default();
            let key = SubjectKey {
                kind: "ServiceAccount".into(),
                namespace: namespace.clone(),
                name: sa.metadata.name.clone().unwrap_or_default(),
            };
            let s = g.subject(key);
            let ns = g.namespace(&namespace);
            g.graph.add_edge(ns, s, Edge::Contains);
        }
        for (i, w) in index.cluster.workloads.iter().enumerate() {
            let node = g.graph.add_node(Node::Workload(i));
            g.workloads.push(node);
            let ns = g.namespace(&w.namespace);
            g.graph.add_edge(ns, node, Edge::Contains);
            // A pod with no serviceAccountName runs as `default`, as the apiserver defaults it.
            let sa = w
                .pod_spec
                .service_account_name
                .clone()
                .filter(|s| !s.is_empty())
                .or_else(|| w.pod_spec.service_account.clone().filter(|s| !s.is_empty()))
                .unwrap_or_else(|| "default".to_string());
            let key = SubjectKey {
                kind: "ServiceAccount".into(),
                namespace: w.namespace.clone(),
                name: sa,
            };
            let s = g.subject(key);
            g.graph.add_edge(node, s, Edge::RunsAs);
        }
        g
    }

    fn subject(&mut self, key: SubjectKey) -> NodeIndex {
        if let Some(&n) = self.subjects.get(&key) {
            return n;
        }
        let n = self.graph.add_node(Node::Subject(key.clone()));
        self.subjects.insert(key, n);
        n
    }

    fn namespace(&mut self, name: &str) -> NodeIndex {
        if let Some(&n) = self.namespaces.get(name) {
            return n;
        }
        let n = self.graph.add_node(Node::Namespace(name.to_string()));
        self.namespaces.insert(name.to_string(), n);
        n
    }

    /// The bindings that name a subject, in visiting order.
    pub fn bindings_of(&self, key: &SubjectKey) -> Vec<BindingId> {
        let Some(&node) = self.subjects.get(key) else {
            return Vec::new();
        };
        let mut ids: Vec<BindingId> = self
            .graph
            .neighbors(node)
            .filter_map(|n| match self.graph[n] {
                Node::Binding(id) => Some(id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The service account subject a workload runs as.
    pub fn runs_as(&self, workload: usize) -> Option<&SubjectKey> {
        let node = *self.workloads.get(workload)?;
        self.graph
            .neighbors(node)
            .find_map(|n| match &self.graph[n] {
                Node::Subject(key) => Some(key),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::manifest::{LoadOptions, load_paths};

    #[test]
    fn example_scenario_graph_links_subjects_bindings_roles_and_pods() {
        let loaded = load_paths(
            &["scenarios/payments/manifests".into()],
            &LoadOptions::default(),
        );
        let index = RbacIndex::build(Arc::new(loaded.cluster));
        let g = AccessGraph::build(&index);
        let ci = SubjectKey {
            kind: "ServiceAccount".into(),
            namespace: "payments".into(),
            name: "ci".into(),
        };
        let bindings: Vec<&str> = g
            .bindings_of(&ci)
            .iter()
            .map(|&b| index.bindings[b].name.as_str())
            .collect();
        assert_eq!(bindings, vec!["ci-deployer"]);
        let role = g
            .graph
            .neighbors(
                g.bindings[index
                    .bindings
                    .iter()
                    .position(|b| b.name == "ci-deployer")
                    .unwrap()],
            )
            .next();
        assert_eq!(
            role.map(|n| g.graph[n].clone()),
            Some(Node::Role(
                index.role_by_name[&("payments".into(), "deployer".into())]
            ))
        );
        // The api Deployment runs as sa payments/api; the debug pod as payments/default.
        let names: Vec<String> = (0..index.cluster.workloads.len())
            .map(|i| {
                format!(
                    "{} → {}",
                    index.cluster.workloads[i].name,
                    g.runs_as(i).map(|k| k.name.as_str()).unwrap_or("?")
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                "api → api",
                "legacy → default",
                "debug → default",
                "node-exporter → default"
            ]
        );
        // A binding to a missing role (edit without --defaults) has no Grants edge.
        let team = index
            .bindings
            .iter()
            .position(|b| b.name == "team-edit")
            .unwrap();
        assert_eq!(g.graph.neighbors(g.bindings[team]).count(), 0);
    }
}
