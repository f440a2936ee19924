//! Escalation benchmark on the generated RBAC-heavy cluster (`Shape::rbac_benchmark()`: 5,000
//! namespaces, 20,000 Roles, 50,000 RoleBindings, 2,000 ClusterRoles, 5,000
//! ClusterRoleBindings), with the RBAC index built once outside the measured loops: building
//! the escalation graph, finding the paths of every known subject to cluster-admin with their
//! cuts on a built graph, and both together with the sources, which is what
//! `kubesim escalations --to cluster-admin` computes after loading.
//!
//! `KUBESIM_ESCALATE_OBJECTS=N` runs on `Shape::scaled(N)` instead, to see how the analysis
//! grows; the set-up prints how long the first graph build and analysis took.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kubesim::escalate::{
    EscalationGraph, EscalationOptions, Target, find_escalations, known_sources,
};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let shape = match std::env::var("KUBESIM_ESCALATE_OBJECTS") {
        Ok(n) => Shape::scaled(n.parse().expect("KUBESIM_ESCALATE_OBJECTS is a number")),
        Err(_) => Shape::rbac_benchmark(),
    };
    let text = cluster_text(&shape, 1, Format::Json);
    let loaded = load_str("bench.json", &text, &LoadOptions::default());
    assert!(loaded.diagnostics.is_empty());
    let index = RbacIndex::build(Arc::new(loaded.cluster));
    let options = EscalationOptions::default();
    let targets = [Target::ClusterAdmin];

    let start = Instant::now();
    let graph = EscalationGraph::build(&index, &options);
    let built = start.elapsed();
    let sources = known_sources(&index);
    let findings = find_escalations(&graph, &index, &sources, &targets, true).expect("analysis");
    eprintln!(
        "escalate: {} objects, {} sources, {} paths to cluster-admin; first graph build {:.2?}, \
         first analysis {:.2?}",
        shape.total(),
        sources.len(),
        findings.len(),
        built,
        start.elapsed() - built
    );

    let mut group = c.benchmark_group("escalate");
    group.sample_size(10);
    group.bench_function("graph_build", |b| {
        b.iter(|| EscalationGraph::build(black_box(&index), &options))
    });
    group.bench_function("paths_to_cluster_admin", |b| {
        b.iter(|| {
            find_escalations(&graph, &index, black_box(&sources), &targets, true)
                .expect("analysis")
                .len()
        })
    });
    group.bench_function("analysis_to_cluster_admin", |b| {
        b.iter(|| {
            let graph = EscalationGraph::build(black_box(&index), &options);
            let sources = known_sources(&index);
            find_escalations(&graph, &index, &sources, &targets, true)
                .expect("analysis")
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
