//! RBAC benchmark on the generated RBAC-heavy cluster (5,000 namespaces, 20,000 Roles, 50,000
//! RoleBindings, 2,000 ClusterRoles, 5,000 ClusterRoleBindings): index build, can-i decisions
//! at 1 and 2 threads, and one who-can.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::model::{Action, Request};
use kubesim::rbac::query::SubjectSpec;
use kubesim::rbac::{authorize, who_can};
use rayon::prelude::*;

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn requests(shape: &Shape) -> Vec<Request> {
    let verbs = ["get", "list", "create", "delete", "watch", "update"];
    let resources = [
        ("", "pods"),
        ("", "secrets"),
        ("apps", "deployments"),
        ("", "configmaps"),
        ("batch", "jobs"),
    ];
    (0..10_000usize)
        .map(|i| {
            let ns = format!("team-{:05}", (i * 7919) % shape.namespaces);
            let subject = match i % 3 {
                0 => SubjectSpec::User(format!("user-{}", (i * 31) % (shape.namespaces * 4))),
                1 => SubjectSpec::ServiceAccount {
                    namespace: ns.clone(),
                    name: format!("sa-{}", i % 3),
                },
                _ => SubjectSpec::User(format!("user-{}", i % 97)),
            };
            let groups = vec![format!("group-{}", (i * 13) % shape.namespaces)];
            let (group, resource) = resources[i % resources.len()];
            Request::new(
                subject.user_info(&groups),
                Action::resource(verbs[i % verbs.len()], group, resource, "", &ns, ""),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let shape = Shape::rbac_benchmark();
    let text = cluster_text(&shape, 1, Format::Json);
    let cluster = Arc::new(load_str("bench.json", &text, &LoadOptions::default()).cluster);

    let mut group = c.benchmark_group("rbac");
    group.sample_size(10);
    group.bench_function("index_build", |b| {
        b.iter(|| RbacIndex::build(black_box(cluster.clone())))
    });
    let index = RbacIndex::build(cluster);
    let reqs = requests(&shape);
    group.throughput(Throughput::Elements(reqs.len() as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_function(format!("can_i_{threads}_threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    reqs.par_iter()
                        .with_min_len(256)
                        .filter(|r| authorize(&index, r).allowed)
                        .count()
                })
            })
        });
    }
    group.throughput(Throughput::Elements(1));
    let action = Action::resource("get", "", "secrets", "", "team-00042", "");
    group.bench_function("who_can", |b| {
        b.iter(|| who_can(&index, black_box(&action), false).subjects.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
