//! Reports of escalation paths (`kubesim escalations`, `show escalations`): a summary table,
//! each path hop by hop with the binding, role and rule behind every granted hop, the bindings
//! that cut it; as JSON; and the paths as a Graphviz DOT picture.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::access::{binding_text, role_text, rule_text};
use super::table::{new_table, render};
use crate::escalate::graph::{Evidence, GrantedRole, Scope};
use crate::escalate::who_can_run::WhoCanRun;
use crate::escalate::{Cut, Finding, HopEnd, NodeKey, Step, StepKind};
use crate::index::rbac_index::RbacIndex;

/// How a node is named in reports.
pub fn node_text(index: &RbacIndex, key: &NodeKey) -> String {
    let every = |what: &str, ns: &Option<String>| match ns {
        Some(ns) => format!("{what} in {ns}"),
        None => format!("{what} in every namespace"),
    };
    match key {
        NodeKey::User(n) => format!("user:{n}"),
        NodeKey::Group(n) => format!("group:{n}"),
        NodeKey::ServiceAccount { namespace, name } => format!("sa:{namespace}/{name}"),
        NodeKey::RoleGrant { role, scope } => {
            let role = match role {
                GrantedRole::Any => "any role".to_string(),
                GrantedRole::Role(id) => {
                    let r = &index.roles[*id];
                    if r.namespace.is_empty() {
                        format!("clusterrole:{}", r.name)
                    } else {
                        format!("role:{}/{}", r.namespace, r.name)
                    }
                }
            };
            match scope {
                Scope::Cluster => format!("{role} cluster-wide"),
                Scope::EveryNamespace => format!("{role} in every namespace"),
                Scope::Namespace(ns) => format!("{role} in {ns}"),
            }
        }
        NodeKey::RunPods(ns) => every("pods", ns),
        NodeKey::ServiceAccountsOf(ns) => every("every service account", ns),
        NodeKey::TokenSecrets(ns) => every("token secrets", ns),
        NodeKey::ExecPods(ns) => every("running pods", ns),
        NodeKey::AnyUser => "any user".into(),
        NodeKey::AnyGroup => "any group".into(),
        NodeKey::Webhooks { mutating: true } => "mutating admission webhooks".into(),
        NodeKey::Webhooks { mutating: false } => "validating admission webhooks".into(),
        NodeKey::Certificates { signer } => format!("certificates of {signer}"),
        NodeKey::ClusterAdmin => "cluster-admin".into(),
        NodeKey::NodeEscape => "node (root)".into(),
    }
}

fn workload_text(index: &RbacIndex, w: usize) -> String {
    let w = &index.cluster.workloads[w];
    format!("{} {}/{} ({})", w.kind, w.namespace, w.name, w.origin)
}

/// What a hop means, in a few words.
pub fn step_text(index: &RbacIndex, step: &Step) -> String {
    match &step.kind {
        StepKind::MemberOf => "is in the group".into(),
        StepKind::Superuser => "system:masters bypasses authorization".into(),
        StepKind::HoldsEverything => "holds every verb on every resource and URL".into(),
        StepKind::CreatesPods(r) => format!("can create {r}"),
        StepKind::PodRunsAs => "a pod may run as any service account of its namespace".into(),
        StepKind::PrivilegedPod { enforce, exemption } => match exemption {
            Some(x) => format!("a privileged pod is admitted (enforce {enforce}, exempt: {x})"),
            None => format!("a privileged pod is admitted (enforce {enforce})"),
        },
        StepKind::InNamespace => "includes this namespace".into(),
        StepKind::OneOf => "includes it".into(),
        StepKind::RequestsToken => "can create serviceaccounts/token".into(),
        StepKind::ReadsSecrets => "can read secrets".into(),
        StepKind::TokenSecret(s) => format!("Secret {s} holds its token"),
        StepKind::ImpersonatesServiceAccount => "can impersonate serviceaccounts".into(),
        StepKind::ImpersonatesUser => "can impersonate users".into(),
        StepKind::ImpersonatesGroup => "can impersonate groups (and a user)".into(),
        StepKind::Execs(sub) => format!("can use pods/{sub}"),
        StepKind::PodOf(w) => format!("{} runs as it", workload_text(index, *w)),
        StepKind::NodesProxy => {
            "can use nodes/proxy (the kubelet API runs commands in any pod)".into()
        }
        StepKind::Binds => "can create a binding and bind the role".into(),
        StepKind::UpdatesBinding(b) => format!(
            "can add itself to {} and bind its role",
            binding_text(index, *b)
        ),
        StepKind::RewritesRole => "can escalate and update a role it is bound to".into(),
        StepKind::CreatesRole => "can create a role with any rules (escalate) and bind it".into(),
        StepKind::ApprovesCertificates => {
            "can create and approve certificate signing requests for the signer".into()
        }
        StepKind::MintsIdentity => "a certificate names any user and groups".into(),
        StepKind::WritesWebhooks => "can write admission webhook configurations".into(),
        StepKind::MutatesPods => "rewrites every pod created".into(),
        StepKind::SeesSecrets => "receives every Secret written".into(),
        StepKind::OnEveryNode(w) => {
            format!("{} runs on every node as it", workload_text(index, *w))
        }
        StepKind::HoldsRole => "holds the role's rules".into(),
    }
}

/// A short machine name of the hop kind (JSON, DOT).
pub fn step_kind_name(kind: &StepKind) -> &'static str {
    match kind {
        StepKind::MemberOf => "member_of",
        StepKind::Superuser => "superuser",
        StepKind::HoldsEverything => "holds_everything",
        StepKind::CreatesPods(_) => "creates_pods",
        StepKind::PodRunsAs => "pod_runs_as",
        StepKind::PrivilegedPod { .. } => "privileged_pod",
        StepKind::InNamespace => "in_namespace",
        StepKind::OneOf => "one_of",
        StepKind::RequestsToken => "requests_token",
        StepKind::ReadsSecrets => "reads_secrets",
        StepKind::TokenSecret(_) => "token_secret",
        StepKind::ImpersonatesServiceAccount => "impersonates_serviceaccount",
        StepKind::ImpersonatesUser => "impersonates_user",
        StepKind::ImpersonatesGroup => "impersonates_group",
        StepKind::Execs(_) => "execs",
        StepKind::PodOf(_) => "pod_of",
        StepKind::NodesProxy => "nodes_proxy",
        StepKind::Binds => "binds",
        StepKind::UpdatesBinding(_) => "updates_binding",
        StepKind::RewritesRole => "rewrites_role",
        StepKind::CreatesRole => "creates_role",
        StepKind::ApprovesCertificates => "approves_certificates",
        StepKind::MintsIdentity => "mints_identity",
        StepKind::WritesWebhooks => "writes_webhooks",
        StepKind::MutatesPods => "mutates_pods",
        StepKind::SeesSecrets => "sees_secrets",
        StepKind::OnEveryNode(_) => "on_every_node",
        StepKind::HoldsRole => "holds_role",
    }
}

/// One grant: `RoleBinding ns/name (file:line) -> ClusterRole edit (file:line), rule 3: ...`.
pub fn evidence_text(index: &RbacIndex, e: &Evidence) -> String {
    let role = match (e.role, e.rule) {
        (Some(role), Some(rule)) => format!(
            "{}, rule {}: {}",
            role_text(index, role),
            rule,
            rule_text(&index.roles[role].rules[rule].rule)
        ),
        (Some(role), None) => role_text(index, role),
        (None, _) => "any role (every cluster has ClusterRole cluster-admin)".to_string(),
    };
    match e.binding {
        Some(b) => format!("{} -> {role}", binding_text(index, b)),
        None => format!("bound by itself: {role}"),
    }
}

fn end_text(index: &RbacIndex, finding: &Finding, end: &HopEnd) -> String {
    match end {
        HopEnd::Node(k) => node_text(index, k),
        HopEnd::Target => finding.target.to_string(),
    }
}

fn cut_text(index: &RbacIndex, cut: &Option<Cut>) -> Vec<String> {
    match cut {
        None => Vec::new(),
        Some(Cut::Uncuttable) => vec!["no binding removal cuts it (a path needs no grant)".into()],
        Some(Cut::TooLarge) => vec![format!(
            "more than {} bindings would have to be removed",
            crate::escalate::paths::MAX_CUT
        )],
        Some(Cut::Bindings(b)) => b.iter().map(|id| binding_text(index, *id)).collect(),
    }
}

fn cut_summary(index: &RbacIndex, cut: &Option<Cut>) -> String {
    match cut {
        None => "-".into(),
        Some(Cut::Uncuttable) => "(uncuttable)".into(),
        Some(Cut::TooLarge) => format!("(> {})", crate::escalate::paths::MAX_CUT),
        Some(Cut::Bindings(b)) => b
            .iter()
            .map(|id| {
                let b = &index.bindings[*id];
                if b.namespace.is_empty() {
                    format!("{} {}", b.kind.as_str(), b.name)
                } else {
                    format!("{} {}/{}", b.kind.as_str(), b.namespace, b.name)
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The paths of one finding, hop by hop (shared by the table and `show escalations`).
pub fn finding_text(index: &RbacIndex, f: &Finding) -> String {
    let mut out = format!("{} -> {}\n", f.source.label, f.target);
    if f.path.is_empty() {
        out.push_str("  (is the target)\n");
    }
    for (i, hop) in f.path.iter().enumerate() {
        out.push_str(&format!(
            "  {}. {} => {}: {}\n",
            i + 1,
            node_text(index, &hop.from),
            end_text(index, f, &hop.to),
            step_text(index, &hop.step)
        ));
        for e in &hop.step.evidence {
            out.push_str(&format!("       {}\n", evidence_text(index, e)));
        }
    }
    let cut = cut_text(index, &f.cut);
    if !cut.is_empty() {
        out.push_str("  cut:\n");
        for line in cut {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// The summary table followed by every path.
pub fn escalations_text(index: &RbacIndex, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no escalation path\n".into();
    }
    let mut table = new_table(["SOURCE", "TARGET", "HOPS", "CUT"]);
    for f in findings {
        table.add_row(vec![
            f.source.label.clone(),
            f.target.to_string(),
            f.path.len().to_string(),
            cut_summary(index, &f.cut),
        ]);
    }
    let mut out = render(&table);
    for f in findings {
        out.push('\n');
        out.push_str(&finding_text(index, f));
    }
    out
}

fn evidence_json(index: &RbacIndex, e: &Evidence) -> Value {
    let binding = e.binding.map(|b| {
        let b = &index.bindings[b];
        json!({"kind": b.kind.as_str(), "name": b.name, "namespace": b.namespace, "source": b.origin.to_string()})
    });
    let role = e.role.map(|r| {
        let r = &index.roles[r];
        json!({"kind": r.kind.as_str(), "name": r.name, "namespace": r.namespace, "source": r.origin.to_string()})
    });
    json!({
        "binding": binding,
        "role": role,
        "rule": e.rule,
        "rule_text": match (e.role, e.rule) {
            (Some(role), Some(rule)) => Some(rule_text(&index.roles[role].rules[rule].rule)),
            _ => None,
        },
    })
}

fn cut_json(index: &RbacIndex, cut: &Option<Cut>) -> Value {
    match cut {
        None => Value::Null,
        Some(Cut::Uncuttable) => json!("uncuttable"),
        Some(Cut::TooLarge) => json!("too_large"),
        Some(Cut::Bindings(b)) => json!(
            b.iter()
                .map(|id| evidence_json(
                    index,
                    &Evidence {
                        binding: Some(*id),
                        role: None,
                        rule: None
                    }
                )["binding"]
                    .clone())
                .collect::<Vec<_>>()
        ),
    }
}

/// One finding as JSON.
pub fn finding_json(index: &RbacIndex, f: &Finding) -> Value {
    json!({
        "source": f.source.label,
        "target": f.target.to_string(),
        "hops": f.path.iter().map(|h| json!({
            "from": node_text(index, &h.from),
            "to": end_text(index, f, &h.to),
            "kind": step_kind_name(&h.step.kind),
            "explanation": step_text(index, &h.step),
            "grants": h.step.evidence.iter().map(|e| evidence_json(index, e)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "cut": cut_json(index, &f.cut),
    })
}

/// `kubesim escalations -o json`: the findings as JSON (`{"findings": [...]}`), written straight to `out` one finding at a
/// time, so a large answer is never whole in memory.
pub fn write_escalations_json(
    index: &RbacIndex,
    findings: &[Finding],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Report<'a> {
        findings: Findings<'a>,
    }
    /// Serialized as a sequence whose elements are built as they are written.
    struct Findings<'a>(&'a RbacIndex, &'a [Finding]);
    impl serde::Serialize for Findings<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = serializer.serialize_seq(Some(self.1.len()))?;
            for f in self.1 {
                seq.serialize_element(&finding_json(self.0, f))?;
            }
            seq.end()
        }
    }
    let report = Report {
        findings: Findings(index, findings),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}

/// A DOT string literal.
pub fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The union of the paths as a Graphviz picture: sources in boxes, targets in red.
pub fn escalations_dot(index: &RbacIndex, findings: &[Finding]) -> String {
    let mut nodes: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut edges: BTreeSet<(String, String, String)> = BTreeSet::new();
    for f in findings {
        nodes.insert((f.source.label.clone(), "shape=box"));
        nodes.insert((
            f.target.to_string(),
            "shape=doubleoctagon, color=red, fontcolor=red",
        ));
        for hop in &f.path {
            let from = node_text(index, &hop.from);
            let to = end_text(index, f, &hop.to);
            nodes.insert((from.clone(), "shape=ellipse"));
            let label = match hop.step.evidence.first().and_then(|e| e.binding) {
                Some(b) => format!(
                    "{} ({})",
                    step_kind_name(&hop.step.kind),
                    index.bindings[b].name
                ),
                None => step_kind_name(&hop.step.kind).to_string(),
            };
            edges.insert((from, to, label));
        }
    }
    let mut out =
        String::from("digraph escalations {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    let mut seen = BTreeSet::new();
    // Targets and sources first, so their shapes win.
    let mut ordered: Vec<&(String, &str)> =
        nodes.iter().filter(|(_, s)| s.contains("red")).collect();
    ordered.extend(nodes.iter().filter(|(_, s)| *s == "shape=box"));
    ordered.extend(nodes.iter());
    for (name, style) in ordered {
        if seen.insert(name.clone()) {
            out.push_str(&format!("  {} [{style}];\n", dot_quote(name)));
        }
    }
    for (from, to, label) in &edges {
        out.push_str(&format!(
            "  {} -> {} [label={}];\n",
            dot_quote(from),
            dot_quote(to),
            dot_quote(label)
        ));
    }
    out.push_str("}\n");
    out
}

fn admitted_text(a: &crate::escalate::admission::Admitted) -> String {
    let mut s = a.enforce.clone();
    if let Some(x) = a.exemption {
        s.push_str(&format!(" (exempt: {})", x.as_str()));
    }
    if let Some(c) = &a.runtime_class {
        s.push_str(&format!(" (runtimeClassName: {c})"));
    }
    s
}

/// `kubesim who-can-run` as a table: one row per namespace and subject.
pub fn who_can_run_text(index: &RbacIndex, result: &WhoCanRun) -> String {
    who_can_run_table(index, result, None)
}

/// [`who_can_run_text`] for a terminal `width` columns wide: each grant of the VIA column on
/// a line of its own, and the column wrapped to fit.
pub fn who_can_run_text_fitted(index: &RbacIndex, result: &WhoCanRun, width: u16) -> String {
    who_can_run_table(index, result, Some(width))
}

fn who_can_run_table(index: &RbacIndex, result: &WhoCanRun, width: Option<u16>) -> String {
    let mut table = new_table(["NAMESPACE", "ENFORCE", "SUBJECT", "VIA"]);
    if let Some(width) = width {
        table
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_width(width);
    }
    let separator = if width.is_some() { ",\n" } else { ", " };
    for ns in &result.namespaces {
        for r in &ns.runners {
            let via = if r.via.is_empty() {
                "(superuser group)".to_string()
            } else {
                r.via
                    .iter()
                    .map(|g| {
                        format!(
                            "create {}: {}",
                            g.resource,
                            super::access::binding_via(index, g.binding)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(separator)
            };
            table.add_row(vec![
                ns.namespace.clone(),
                admitted_text(&ns.admitted),
                r.subject.clone(),
                via,
            ]);
        }
    }
    let mut out = format!(
        "pods of level {} are admitted in {} of {} namespaces\n",
        result.level,
        result.namespaces.len(),
        result.namespaces.len() + result.rejecting.len()
    );
    if !result.namespaces.is_empty() {
        out.push_str(&render(&table));
    }
    if !result.rejecting.is_empty() {
        out.push_str(&format!("rejected in: {}\n", result.rejecting.join(", ")));
    }
    out
}

/// `kubesim who-can-run -o json`.
pub fn who_can_run_json(index: &RbacIndex, result: &WhoCanRun) -> String {
    let v = json!({
        "level": result.level.as_str(),
        "namespaces": result.namespaces.iter().map(|ns| json!({
            "namespace": ns.namespace,
            "enforce": ns.admitted.enforce,
            "exemption": ns.admitted.exemption.map(|x| x.as_str()),
            "runtime_class": ns.admitted.runtime_class,
            "subjects": ns.runners.iter().map(|r| json!({
                "subject": r.subject,
                "via": r.via.iter().map(|g| {
                    let b = &index.bindings[g.binding];
                    let mut v = evidence_json(index, &Evidence {
                        binding: Some(g.binding),
                        role: b.role.as_ref().ok().copied(),
                        rule: b.role.as_ref().ok().map(|_| g.rule),
                    });
                    v["resource"] = json!(g.resource);
                    v
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rejecting": result.rejecting,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
