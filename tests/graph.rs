//! `kubesim graph`: DOT and mermaid pictures of a small cluster with one of each escalation
//! technique, their escaping and scope, and (where Graphviz is installed) that Graphviz draws
//! the hop edges and the legend.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{kubesim, tool_available};

const FIXTURE: &str = "tests/data/report/cluster.yaml";

fn graph(args: &[&str]) -> String {
    crate::util::success_stdout(&[&["graph", "-f", FIXTURE][..], args].concat())
}

#[test]
fn dot_of_the_escalation_paths() {
    insta::assert_snapshot!(graph(&[]));
}

#[test]
fn mermaid_of_the_escalation_paths() {
    insta::assert_snapshot!(graph(&["-o", "mermaid"]));
}

#[test]
fn labels_break_lines_instead_of_showing_a_backslash() {
    let dot = graph(&[]);
    assert!(
        dot.contains(r#"label="ClusterRoleBinding\nops-impersonates""#),
        "{dot}"
    );
    assert!(!dot.contains(r"\\n"), "a doubly escaped line break: {dot}");
}

#[test]
fn hop_edges_are_labelled_with_their_technique() {
    let dot = graph(&[]);
    for edge in [
        r#""s:sa:ci/builder" -> "s:sa:platform/ops" [label="pods/exec""#,
        r#""s:user:oncall" -> "s:sa:platform/ops" [label="nodes/proxy""#,
        r#""s:group:auditors" -> "s:sa:platform/ops" [label="read secrets, token secret""#,
        r#""s:sa:platform/ops" -> "s:group:system:masters" [label="impersonate""#,
        r#""t:cluster-admin" -> "t:node" [label="holds *, create pods, privileged pod""#,
    ] {
        assert!(dot.contains(edge), "missing {edge} in\n{dot}");
    }
}

#[test]
fn markup_in_names_is_escaped_in_mermaid() {
    let mermaid = graph(&["-o", "mermaid"]);
    assert!(!mermaid.contains("<script>"), "{mermaid}");
    assert!(mermaid.contains("#60;script#62;"), "{mermaid}");
}

#[test]
fn default_scope_is_the_escalation_paths() {
    // user:dev's binding grants nothing dangerous: only --all, -n ci or --subject draw it.
    assert!(!graph(&[]).contains("dev-views"));
    assert!(graph(&["--all"]).contains("dev-views"));
    assert!(graph(&["-n", "ci"]).contains("dev-views"));
    let dev = graph(&["--subject", "user:dev"]);
    assert!(dev.contains("dev-views"), "{dev}");
    assert!(!dev.contains("oncall-kubelet"), "{dev}");
    // --for is the older spelling of --subject.
    assert_eq!(graph(&["--for", "user:dev"]), dev);
}

#[test]
fn subject_scope_draws_its_paths_through_other_identities() {
    let oncall = graph(&["--subject", "user:oncall"]);
    assert!(oncall.contains(r#""s:user:oncall" -> "s:sa:platform/ops" [label="nodes/proxy""#));
    assert!(oncall.contains(r#""s:sa:platform/ops" -> "s:group:system:masters""#));
    assert!(!oncall.contains("builder"), "{oncall}");
}

#[test]
fn to_picks_the_target() {
    let admin = graph(&["--to", "cluster-admin"]);
    assert!(admin.contains(r#""t:cluster-admin""#));
    assert!(!admin.contains(r#""t:node""#), "{admin}");
    let err = kubesim()
        .args(["graph", "-f", FIXTURE, "--to", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
}

#[test]
fn graphviz_draws_hop_edges_and_the_legend() {
    if !tool_available("dot", "check that Graphviz renders `kubesim graph`") {
        return;
    }
    let dot = graph(&[]);
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    let svg = String::from_utf8(out.stdout).unwrap();
    // The legend is a cluster; the hop edges carry their technique as text, drawn dashed.
    assert!(svg.contains(r#"<g id="clust1" class="cluster">"#), "{svg}");
    assert!(svg.contains(">Legend</text>"), "{svg}");
    for technique in ["pods/exec", "nodes/proxy", "impersonate"] {
        assert!(svg.contains(&format!(">{technique}</text>")), "{technique}");
    }
    assert!(svg.contains(r#"stroke-dasharray="5,2""#));
    // Line breaks are drawn as two lines, not as a backslash and an n.
    assert!(svg.contains(">ClusterRoleBinding</text>"));
    assert!(!svg.contains(r"\n"), "a literal \\n in the drawing");
    // A name holding markup stays text.
    assert!(!svg.contains("<script>"));
}
