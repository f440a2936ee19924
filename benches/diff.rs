//! `kubesim diff` speed: two generated trees of 10,000 objects (`Shape::scaled(10_000)`,
//! seed 1). The head is the base with every document in reverse order (which must not count as
//! a change) plus a new ClusterRole and two bindings of it (which must). Measured: loading and
//! indexing both trees (what `kubesim diff` does before comparing), the whole comparison
//! (`compare::diff`: effective access, escalation paths, Pod Security), and the effective
//! access part alone; also the access comparison of two unrelated trees (seeds 1 and 2), where
//! nearly every subject changes.
//!
//! `KUBESIM_DIFF_OBJECTS=N` runs on `Shape::scaled(N)` instead.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kubesim::compare::{access_changes, diff};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::Indexed;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::pss::assess::AssessOptions;

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ADDED: &str = "---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bench-added}
rules:
- apiGroups: ['']
  resources: [pods/exec, secrets]
  verbs: [create, get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bench-added}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-added}
subjects: [{kind: User, name: bench-user}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bench-added, namespace: team-00001}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-added}
subjects: [{kind: ServiceAccount, name: bench-sa, namespace: team-00001}]
";

/// The base's documents in reverse order, then the added ones.
fn head_of(base: &str) -> String {
    let mut docs: Vec<&str> = base.split("---\n").filter(|d| !d.is_empty()).collect();
    docs.reverse();
    let mut out = String::with_capacity(base.len() + ADDED.len());
    for d in docs {
        out.push_str("---\n");
        out.push_str(d);
    }
    out.push_str(ADDED);
    out
}

fn load(name: &str, text: &str) -> Indexed {
    let loaded = load_str(name, text, &LoadOptions::default());
    assert!(
        !loaded.has_errors(),
        "{:?}",
        loaded.diagnostics.first().map(|d| d.to_string())
    );
    Indexed::new(loaded.cluster, loaded.sources)
}

fn bench(c: &mut Criterion) {
    let shape = match std::env::var("KUBESIM_DIFF_OBJECTS") {
        Ok(n) => Shape::scaled(n.parse().expect("KUBESIM_DIFF_OBJECTS is a number")),
        Err(_) => Shape::scaled(10_000),
    };
    let base_text = cluster_text(&shape, 1, Format::Yaml);
    let head_text = head_of(&base_text);
    let other_text = cluster_text(&shape, 2, Format::Yaml);
    let base = load("base.yaml", &base_text);
    let head = load("head.yaml", &head_text);
    let other = load("other.yaml", &other_text);
    // What `kubesim diff` passes.
    let options = AssessOptions {
        locate_fields: false,
        ..AssessOptions::default()
    };
    let changes = diff(&base, &head, &options);
    eprintln!(
        "diff: {} objects a side; {} access changes gained, {} lost, {} paths gained, {} lost, {} pod security",
        shape.total(),
        changes.access_gained.len(),
        changes.access_lost.len(),
        changes.paths_gained.len(),
        changes.paths_lost.len(),
        changes.pod_security.len()
    );
    assert!(changes.access_lost.is_empty() && !changes.access_gained.is_empty());
    let (gained, lost) = access_changes(&base, &other);
    eprintln!(
        "diff: unrelated trees: {} access changes gained, {} lost",
        gained.len(),
        lost.len()
    );

    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.bench_function("load and index both trees", |b| {
        b.iter(|| {
            black_box(load("base.yaml", &base_text));
            black_box(load("head.yaml", &head_text));
        })
    });
    group.bench_function("compare (access, paths, pod security)", |b| {
        b.iter(|| black_box(diff(&base, &head, &options)))
    });
    group.bench_function("compare effective access", |b| {
        b.iter(|| black_box(access_changes(&base, &head)))
    });
    group.bench_function("compare effective access, unrelated trees", |b| {
        b.iter(|| black_box(access_changes(&base, &other)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
