//! Questions over the escalation graph: which identities reach a target, the shortest path
//! (fewest hops) with every hop's grant, and a minimal set of bindings whose removal cuts every
//! path. A target is a node (cluster-admin, a node escape, a user, group or service account)
//! or a role, which an identity reaches when it holds rules covering the role's rules.
//!
//! Shortest paths come from one breadth-first search backwards from the target, so asking
//! for every source costs one pass. Cuts are a maximum flow from the source to the target over
//! one network per target shared by every source (each granted edge has capacity 1, facts of
//! the cluster are uncuttable), turned into bindings and then pruned to a minimal set.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use k8s_openapi::api::rbac::v1::PolicyRule;
use petgraph::Direction;
use petgraph::graph::EdgeIndex;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::caps::cluster_admin_rules;
use super::graph::{
    EscalationGraph, Evidence, GrantedRole, NodeId, NodeKey, Scope, Step, StepKind, membership,
};
use crate::index::entry::{BindingId, BindingKind, RoleKind};
use crate::index::rbac_index::RbacIndex;
use crate::model::identity::split_service_account_user;
use crate::rbac::covers::covers;
use crate::rbac::query::{SubjectSpec, parse_subject};

/// What an escalation leads to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Every verb on every resource and URL cluster-wide (`system:masters` included).
    ClusterAdmin,
    /// Root on a node.
    NodeEscape,
    /// Holding the rules of this ClusterRole cluster-wide.
    ClusterRole(String),
    /// Holding the rules of this Role in its namespace.
    Role { namespace: String, name: String },
    /// Acting as this identity.
    Subject(SubjectSpec),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::ClusterAdmin => f.write_str("cluster-admin"),
            Target::NodeEscape => f.write_str("node"),
            Target::ClusterRole(n) => write!(f, "clusterrole:{n}"),
            Target::Role { namespace, name } => write!(f, "role:{namespace}/{name}"),
            Target::Subject(s) => write!(f, "{s}"),
        }
    }
}

impl Target {
    /// `cluster-admin`, `node`, `clusterrole:NAME`, `role:NS/NAME`, or a subject.
    pub fn parse(text: &str) -> Result<Target, String> {
        let text = text.trim();
        match text {
            "cluster-admin" => return Ok(Target::ClusterAdmin),
            "node" | "node-escape" => return Ok(Target::NodeEscape),
            _ => {}
        }
        if let Some(name) = text.strip_prefix("clusterrole:") {
            return if name.is_empty() {
                Err("clusterrole: needs a name".into())
            } else {
                Ok(Target::ClusterRole(name.to_string()))
            };
        }
        if let Some(rest) = text.strip_prefix("role:") {
            return match rest.split_once('/') {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() => Ok(Target::Role {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                }),
                _ => Err(format!("`{text}`: write role:NAMESPACE/NAME")),
            };
        }
        parse_subject(text).map(Target::Subject).map_err(|e| {
            format!(
                "{e}; targets are cluster-admin, node, clusterrole:NAME, role:NS/NAME or a subject"
            )
        })
    }
}

/// Who escalates: a user name (or a service account's) and groups, as authenticated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    /// How reports name it (`sa:ns/name`, a declared identity's subject).
    pub label: String,
    pub user: Option<String>,
    pub groups: Vec<String>,
}

impl Source {
    pub fn from_subject(subject: &SubjectSpec) -> Source {
        let info = subject.user_info(&[]);
        Source {
            label: subject.to_string(),
            user: (!info.name().is_empty()).then(|| info.name().to_string()),
            groups: info.groups().to_vec(),
        }
    }

    /// The identity node this source is (user or service account), if named.
    fn identity(&self) -> Option<NodeKey> {
        let user = self.user.as_deref()?;
        Some(match split_service_account_user(user) {
            Some((ns, name)) => NodeKey::ServiceAccount {
                namespace: ns.to_string(),
                name: name.to_string(),
            },
            None => NodeKey::User(user.to_string()),
        })
    }

    /// The nodes a search starts from: the identity itself (which reaches its usual groups
    /// through membership edges) and any other group it is in.
    fn starts(&self, graph: &EscalationGraph) -> Vec<NodeId> {
        let mut starts = Vec::new();
        let mut implied = Vec::new();
        if let Some(key) = self.identity()
            && let Some(id) = graph.node(&key)
        {
            starts.push(id);
            implied = membership(&key);
        }
        for g in &self.groups {
            if implied.contains(g) {
                continue;
            }
            if let Some(id) = graph.node(&NodeKey::Group(g.clone())) {
                starts.push(id);
            }
        }
        starts
    }
}

/// Where a hop leads: a node, or the target itself (a role the identity holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopEnd {
    Node(NodeKey),
    Target,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub from: NodeKey,
    pub to: HopEnd,
    pub step: Step,
}

/// A minimal set of bindings whose removal cuts every path, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    Bindings(Vec<BindingId>),
    /// A path needs no binding at all (e.g. membership of `system:masters`).
    Uncuttable,
    /// More than [`MAX_CUT`] bindings would have to go.
    TooLarge,
}

/// The largest cut computed.
pub const MAX_CUT: usize = 32;

/// One source reaching one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub source: Source,
    pub target: Target,
    pub path: Vec<Hop>,
    pub cut: Option<Cut>,
}

/// The resolved target: nodes that are it, and nodes that enter it through a grant.
struct Entries {
    /// (node, the grant that makes it the target; `None` when the node is the target).
    list: Vec<(NodeId, Option<Step>)>,
}

fn role_rules(index: &RbacIndex, role: usize) -> Vec<PolicyRule> {
    index.roles[role]
        .rules
        .iter()
        .map(|r| r.rule.clone())
        .collect()
}

fn resolve(graph: &EscalationGraph, index: &RbacIndex, target: &Target) -> Result<Entries, String> {
    let mut list: Vec<(NodeId, Option<Step>)> = Vec::new();
    let mut push = |key: &NodeKey, step: Option<Step>| {
        if let Some(id) = graph.node(key) {
            list.push((id, step));
        }
    };
    let admin_rules = cluster_admin_rules();
    let role_target =
        |rules: Vec<PolicyRule>, namespace: Option<&str>| -> Option<Vec<(NodeKey, Option<Step>)>> {
            if covers(&rules, &admin_rules).0 && namespace.is_none() {
                return None;
            }
            // Every role whose rules cover the target's.
            let covering: Vec<bool> = index
                .roles
                .par_iter()
                .map(|r| {
                    let own: Vec<PolicyRule> = r.rules.iter().map(|e| e.rule.clone()).collect();
                    covers(&own, &rules).0
                })
                .collect();
            let mut out = vec![(NodeKey::ClusterAdmin, None)];
            for key in graph.graph.node_weights() {
                if let NodeKey::RoleGrant { role, scope } = key {
                    let scope_ok = match (namespace, scope) {
                        (_, Scope::Cluster) => true,
                        (Some(_), Scope::EveryNamespace) => true,
                        (Some(ns), Scope::Namespace(s)) => ns == s,
                        _ => false,
                    };
                    let role_ok = match role {
                        GrantedRole::Any => true,
                        GrantedRole::Role(id) => covering[*id],
                    };
                    if scope_ok && role_ok {
                        out.push((key.clone(), None));
                    }
                }
            }
            let mut holders: Vec<(&NodeKey, &Vec<BindingId>)> = graph.bindings_of.iter().collect();
            holders.sort();
            for (key, bindings) in holders {
                for &id in bindings {
                    let b = &index.bindings[id];
                    let Ok(role) = b.role else { continue };
                    let scope_ok = b.kind == BindingKind::ClusterRoleBinding
                        || namespace.is_some_and(|ns| ns == b.namespace);
                    if scope_ok && covering[role] {
                        out.push((
                            key.clone(),
                            Some(Step {
                                kind: StepKind::HoldsRole,
                                evidence: vec![Evidence {
                                    binding: Some(id),
                                    role: Some(role),
                                    rule: None,
                                }],
                            }),
                        ));
                    }
                }
            }
            Some(out)
        };
    match target {
        Target::ClusterAdmin => push(&NodeKey::ClusterAdmin, None),
        Target::NodeEscape => push(&NodeKey::NodeEscape, None),
        Target::ClusterRole(name) => {
            let rules = match index.cluster_role_by_name.get(name) {
                Some(id) => role_rules(index, *id),
                None if name == "cluster-admin" => admin_rules.clone(),
                None => return Err(format!("ClusterRole `{name}` is not in the input")),
            };
            match role_target(rules, None) {
                None => push(&NodeKey::ClusterAdmin, None),
                Some(entries) => {
                    for (k, s) in entries {
                        push(&k, s);
                    }
                }
            }
        }
        Target::Role { namespace, name } => {
            let Some(id) = index.role_by_name.get(&(namespace.clone(), name.clone())) else {
                return Err(format!("Role `{namespace}/{name}` is not in the input"));
            };
            debug_assert_eq!(index.roles[*id].kind, RoleKind::Role);
            if let Some(entries) = role_target(role_rules(index, *id), Some(namespace)) {
                for (k, s) in entries {
                    push(&k, s);
                }
            }
        }
        Target::Subject(subject) => {
            let key = match subject {
                SubjectSpec::User(n) => NodeKey::User(n.clone()),
                SubjectSpec::Group(n) => NodeKey::Group(n.clone()),
                SubjectSpec::ServiceAccount { namespace, name } => NodeKey::ServiceAccount {
                    namespace: namespace.clone(),
                    name: name.clone(),
                },
            };
            push(&key, None);
            // Sets of identities include ones the input never names.
            if graph.node(&key).is_none() {
                match subject {
                    SubjectSpec::User(_) => push(&NodeKey::AnyUser, None),
                    SubjectSpec::Group(_) => push(&NodeKey::AnyGroup, None),
                    SubjectSpec::ServiceAccount { namespace, .. } => {
                        push(&NodeKey::ServiceAccountsOf(Some(namespace.clone())), None)
                    }
                }
            }
        }
    }
    Ok(Entries { list })
}

/// How each node continues towards the target.
#[derive(Debug, Clone)]
enum Next {
    Edge(EdgeIndex<u32>),
    Entry(usize),
    Here,
}

/// Distances to the target from every node that reaches it.
pub struct Reach<'g> {
    graph: &'g EscalationGraph,
    target: Target,
    entries: Entries,
    dist: Vec<u32>,
    next: Vec<Option<Next>>,
    /// Built on the first cut asked for, then shared by every source.
    network: OnceLock<FlowNetwork>,
}

const UNREACHED: u32 = u32::MAX;

impl<'g> Reach<'g> {
    /// One backwards search from the target over the whole graph.
    pub fn new(
        graph: &'g EscalationGraph,
        index: &RbacIndex,
        target: &Target,
    ) -> Result<Reach<'g>, String> {
        let entries = resolve(graph, index, target)?;
        let n = graph.graph.node_count();
        let mut dist = vec![UNREACHED; n];
        let mut next: Vec<Option<Next>> = vec![None; n];
        let mut buckets: Vec<Vec<NodeId>> = vec![Vec::new(), Vec::new()];
        for (i, (node, step)) in entries.list.iter().enumerate() {
            let d = u32::from(step.is_some());
            if d < dist[node.index()] {
                dist[node.index()] = d;
                next[node.index()] = Some(if step.is_some() {
                    Next::Entry(i)
                } else {
                    Next::Here
                });
                buckets[d as usize].push(*node);
            }
        }
        let mut d = 0;
        while d < buckets.len() {
            let layer = std::mem::take(&mut buckets[d]);
            for node in layer {
                if dist[node.index()] != d as u32 {
                    continue;
                }
                for edge in graph.graph.edges_directed(node, Direction::Incoming) {
                    let from = edge.source();
                    // Among equally short ways, prefer the one needing fewest grants, then the
                    // edge built first (a stable, readable choice).
                    if dist[from.index()] == d as u32 + 1
                        && let Some(Next::Edge(current)) = &next[from.index()]
                    {
                        let rank =
                            |e: EdgeIndex<u32>| (graph.graph[e].bindings().count(), e.index());
                        if rank(edge.id()) < rank(*current) {
                            next[from.index()] = Some(Next::Edge(edge.id()));
                        }
                        continue;
                    }
                    if dist[from.index()] > d as u32 + 1 {
                        dist[from.index()] = d as u32 + 1;
                        next[from.index()] = Some(Next::Edge(edge.id()));
                        if buckets.len() <= d + 1 {
                            buckets.push(Vec::new());
                        }
                        buckets[d + 1].push(from);
                    }
                }
            }
            d += 1;
        }
        Ok(Reach {
            graph,
            target: target.clone(),
            entries,
            dist,
            next,
            network: OnceLock::new(),
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The start node nearest the target, if any reaches it.
    fn best_start(&self, source: &Source) -> Option<NodeId> {
        source
            .starts(self.graph)
            .into_iter()
            .filter(|s| self.dist[s.index()] != UNREACHED)
            .min_by_key(|s| self.dist[s.index()])
    }

    pub fn reaches(&self, source: &Source) -> bool {
        self.best_start(source).is_some()
    }

    /// The shortest path from the source, hop by hop.
    pub fn path(&self, source: &Source) -> Option<Vec<Hop>> {
        let mut node = self.best_start(source)?;
        let g = &self.graph.graph;
        let mut hops = Vec::new();
        loop {
            match self.next[node.index()].as_ref()? {
                Next::Here => return Some(hops),
                Next::Entry(i) => {
                    let step = self.entries.list[*i].1.clone()?;
                    hops.push(Hop {
                        from: g[node].clone(),
                        to: HopEnd::Target,
                        step,
                    });
                    return Some(hops);
                }
                Next::Edge(e) => {
                    let (from, to) = g.edge_endpoints(*e)?;
                    hops.push(Hop {
                        from: g[from].clone(),
                        to: HopEnd::Node(g[to].clone()),
                        step: g[*e].clone(),
                    });
                    node = to;
                }
            }
        }
    }

    /// A minimal set of bindings whose removal leaves no path from the source.
    pub fn cut(&self, source: &Source) -> Option<Cut> {
        let starts: Vec<NodeId> = source
            .starts(self.graph)
            .into_iter()
            .filter(|s| self.dist[s.index()] != UNREACHED)
            .collect();
        if starts.is_empty() {
            return None;
        }
        let starts: Vec<usize> = starts.iter().map(|s| s.index()).collect();
        let network = self.network.get_or_init(|| FlowNetwork::build(self));
        Some(network.min_cut(&starts))
    }
}

const INFINITE: u32 = u32::MAX / 4;

/// Which granted arcs a search ignores.
#[derive(Clone, Copy)]
enum Removed<'a> {
    Some(&'a FxHashSet<BindingId>),
    /// Every arc that needs a binding.
    All,
}

/// Every node that reaches the target, as a flow network shared by all sources: node ids are
/// the graph's, the sink is `n`. Arcs come in pairs (forward, then its residual twin); each
/// node's arcs are ordered nearest-to-the-target first, so a depth-first search for the sink
/// usually walks straight down a shortest path instead of exploring the graph around it.
struct FlowNetwork {
    n: usize,
    adjacency: Vec<Vec<usize>>,
    /// (to, capacity, bindings that break the arc).
    arcs: Vec<(usize, u32, Vec<BindingId>)>,
}

/// One source's flow over the shared network: only the arcs its augmenting paths used.
#[derive(Default)]
struct Flow(FxHashMap<usize, u32>);

impl Flow {
    fn of(&self, forward_arc: usize) -> u32 {
        self.0.get(&forward_arc).copied().unwrap_or(0)
    }
}

impl FlowNetwork {
    fn build(reach: &Reach<'_>) -> FlowNetwork {
        let g = &reach.graph.graph;
        let n = g.node_count();
        let mut net = FlowNetwork {
            n,
            adjacency: vec![Vec::new(); n + 1],
            arcs: Vec::new(),
        };
        for u in g.node_indices() {
            if reach.dist[u.index()] == UNREACHED {
                continue;
            }
            for e in g.edges_directed(u, Direction::Outgoing) {
                let v = e.target();
                if reach.dist[v.index()] != UNREACHED {
                    let bindings: Vec<BindingId> = e.weight().bindings().collect();
                    let cap = if bindings.is_empty() { INFINITE } else { 1 };
                    net.arc(u.index(), v.index(), cap, bindings);
                }
            }
        }
        for (node, step) in &reach.entries.list {
            let bindings: Vec<BindingId> = step
                .as_ref()
                .map(|s| s.bindings().collect())
                .unwrap_or_default();
            let cap = if bindings.is_empty() { INFINITE } else { 1 };
            net.arc(node.index(), n, cap, bindings);
        }
        // Forward arcs nearest the target first (the sink nearest of all), residual twins last;
        // ties keep the order arcs were added, so searches are deterministic.
        let rank = |a: usize| -> u32 {
            let to = net.arcs[a].0;
            if a % 2 == 1 {
                u32::MAX
            } else if to == n {
                0
            } else {
                reach.dist[to].saturating_add(1)
            }
        };
        let mut adjacency = std::mem::take(&mut net.adjacency);
        for list in &mut adjacency {
            list.sort_by_key(|&a| rank(a));
        }
        net.adjacency = adjacency;
        net
    }

    fn arc(&mut self, from: usize, to: usize, cap: u32, bindings: Vec<BindingId>) {
        self.adjacency[from].push(self.arcs.len());
        self.arcs.push((to, cap, bindings));
        self.adjacency[to].push(self.arcs.len());
        self.arcs.push((from, 0, Vec::new()));
    }

    /// Remaining capacity of an arc under `flow`.
    fn residual(&self, flow: &Flow, a: usize) -> u32 {
        if a.is_multiple_of(2) {
            self.arcs[a].1 - flow.of(a)
        } else {
            flow.of(a ^ 1)
        }
    }

    /// A depth-first search from the start nodes for the sink, ignoring arcs that a removed
    /// binding breaks (or, with `flow`, arcs without remaining capacity). Returns the arcs of
    /// the path found, or `Err` with every node reached when the sink is out of reach.
    fn search(
        &self,
        starts: &[usize],
        removed: Removed<'_>,
        flow: Option<&Flow>,
    ) -> Result<Vec<usize>, FxHashSet<usize>> {
        let sink = self.n;
        let mut seen: FxHashSet<usize> = starts.iter().copied().collect();
        // (node, arc it was entered by, position of the next arc to try)
        let mut stack: Vec<(usize, Option<usize>, usize)> = Vec::new();
        for &s in starts {
            stack.clear();
            stack.push((s, None, 0));
            while let Some(top) = stack.last_mut() {
                let (u, _, position) = *top;
                let Some(&a) = self.adjacency[u].get(position) else {
                    stack.pop();
                    continue;
                };
                top.2 += 1;
                let (to, _, bindings) = &self.arcs[a];
                let usable = match flow {
                    Some(flow) => self.residual(flow, a) > 0,
                    None => {
                        a % 2 == 0
                            && match removed {
                                Removed::Some(set) => !bindings.iter().any(|b| set.contains(b)),
                                Removed::All => bindings.is_empty(),
                            }
                    }
                };
                if !usable || !seen.insert(*to) {
                    continue;
                }
                if *to == sink {
                    let mut path: Vec<usize> = stack.iter().filter_map(|e| e.1).collect();
                    path.push(a);
                    return Ok(path);
                }
                stack.push((*to, Some(a), 0));
            }
        }
        Err(seen)
    }

    fn min_cut(&self, starts: &[usize]) -> Cut {
        // A path of facts alone cannot be cut.
        if self.search(starts, Removed::All, None).is_ok() {
            return Cut::Uncuttable;
        }
        let none = FxHashSet::default();
        let mut flow = Flow::default();
        let mut total = 0;
        loop {
            let path = match self.search(starts, Removed::Some(&none), Some(&flow)) {
                Ok(path) => path,
                Err(source_side) => {
                    // The nodes the residual search reached are the source side of the cut.
                    let mut candidates: BTreeSet<BindingId> = BTreeSet::new();
                    for &u in &source_side {
                        for &a in &self.adjacency[u] {
                            let (to, _, bindings) = &self.arcs[a];
                            if a % 2 == 0
                                && !source_side.contains(to)
                                && let Some(b) = bindings.iter().min()
                            {
                                candidates.insert(*b);
                            }
                        }
                    }
                    return Cut::Bindings(self.minimal(starts, candidates));
                }
            };
            let bottleneck = path
                .iter()
                .map(|&a| self.residual(&flow, a))
                .min()
                .unwrap_or(0);
            for &a in &path {
                // Pushing along a residual twin cancels flow on its forward arc.
                let (forward, delta) = if a.is_multiple_of(2) {
                    (a, bottleneck as i64)
                } else {
                    (a ^ 1, -(bottleneck as i64))
                };
                let now = i64::from(flow.of(forward)) + delta;
                flow.0.insert(forward, u32::try_from(now).unwrap_or(0));
            }
            total += bottleneck as usize;
            if total > MAX_CUT {
                return Cut::TooLarge;
            }
        }
    }

    /// Drops every binding whose removal the others make unnecessary.
    fn minimal(&self, starts: &[usize], candidates: BTreeSet<BindingId>) -> Vec<BindingId> {
        let mut kept: Vec<BindingId> = candidates.into_iter().collect();
        let mut i = 0;
        while i < kept.len() {
            let others: FxHashSet<BindingId> = kept
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, b)| *b)
                .collect();
            if self.search(starts, Removed::Some(&others), None).is_ok() {
                i += 1;
            } else {
                kept.remove(i);
            }
        }
        kept
    }
}

/// Every source that reaches each target, with its shortest path and (when asked) a cut.
/// Sorted by target, then source label.
pub fn find_escalations(
    graph: &EscalationGraph,
    index: &RbacIndex,
    sources: &[Source],
    targets: &[Target],
    with_cuts: bool,
) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    for target in targets {
        let reach = Reach::new(graph, index, target)?;
        let mut found: Vec<Finding> = sources
            .par_iter()
            .filter_map(|source| {
                // A source that is the target itself escalates nowhere.
                let path = reach.path(source).filter(|p| !p.is_empty())?;
                let cut = if with_cuts { reach.cut(source) } else { None };
                Some(Finding {
                    source: source.clone(),
                    target: target.clone(),
                    path,
                    cut,
                })
            })
            .collect();
        found.sort_by(|a, b| a.source.label.cmp(&b.source.label));
        findings.extend(found);
    }
    Ok(findings)
}

/// Every identity a policy or report ranges over: the subjects named in bindings and the
/// service accounts of the input, sorted.
pub fn known_sources(index: &RbacIndex) -> Vec<Source> {
    let mut subjects: BTreeSet<SubjectSpec> = BTreeSet::new();
    for b in &index.bindings {
        for s in &b.subjects {
            match s.kind.as_str() {
                // The user a service account's token authenticates as is that account.
                "User" => {
                    subjects.insert(match split_service_account_user(&s.name) {
                        Some((namespace, name)) => SubjectSpec::ServiceAccount {
                            namespace: namespace.to_string(),
                            name: name.to_string(),
                        },
                        None => SubjectSpec::User(s.name.clone()),
                    });
                }
                "Group" => {
                    subjects.insert(SubjectSpec::Group(s.name.clone()));
                }
                "ServiceAccount" => {
                    let ns = s
                        .namespace
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| b.namespace.clone());
                    if !ns.is_empty() {
                        subjects.insert(SubjectSpec::ServiceAccount {
                            namespace: ns,
                            name: s.name.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    for sa in &index.cluster.service_accounts {
        subjects.insert(SubjectSpec::ServiceAccount {
            namespace: sa.metadata.namespace.clone().unwrap_or_default(),
            name: sa.metadata.name.clone().unwrap_or_default(),
        });
    }
    let mut out: Vec<Source> = subjects.iter().map(Source::from_subject).collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}
