//! Pod Security throughput: 100,000 generated pods evaluated at one level (restricted, the
//! level that runs every check), at 1 and 2 threads.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::pss::{Evaluator, Level, Version};
use rayon::prelude::*;

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pss(c: &mut Criterion) {
    let shape = Shape {
        namespaces: 100,
        cluster_roles: 0,
        cluster_role_bindings: 0,
        roles: 0,
        role_bindings: 0,
        service_accounts: 0,
        pods: 100_000,
        workloads: 0,
    };
    let loaded = load_str(
        "pods.json",
        &cluster_text(&shape, 1, Format::Json),
        &LoadOptions::default(),
    );
    let pods: Vec<_> = loaded.cluster.workloads.iter().map(|w| w.pod()).collect();
    let pods: Vec<_> = pods.iter().map(|p| (&p.metadata, &p.spec)).collect();
    assert_eq!(pods.len(), 100_000);
    let evaluator = Evaluator::new();
    let mut group = c.benchmark_group("pss");
    group.sample_size(10);
    group.throughput(Throughput::Elements(pods.len() as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("allows/100k-pods/{threads}-threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    pods.par_iter()
                        .filter(|(meta, spec)| {
                            evaluator.allows(Level::Restricted, Version::Latest, meta, spec)
                        })
                        .count()
                })
            })
        });
        group.bench_function(
            format!("evaluate-results/100k-pods/{threads}-threads"),
            |b| {
                b.iter(|| {
                    pool.install(|| {
                        pods.par_iter()
                            .map(|(meta, spec)| {
                                evaluator
                                    .evaluate(Level::Restricted, Version::Latest, meta, spec)
                                    .len()
                            })
                            .sum::<usize>()
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, pss);
criterion_main!(benches);
