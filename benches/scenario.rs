//! A scenario of 10,000 expectations (RBAC decisions and pod-security levels) over a generated
//! 20,000-object cluster, run end to end with `kubesim::scenario::run_files`: parse, check,
//! load, index, evaluate in parallel, report.

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::scenario::{RunOptions, run_files};

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn scenario(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let shape = Shape::scaled(20_000);
    std::fs::write(
        dir.path().join("cluster.json"),
        cluster_text(&shape, 1, Format::Json),
    )
    .expect("write");
    let verbs = ["get", "list", "create", "delete", "update", "watch"];
    let resources = [
        "pods",
        "secrets",
        "deployments",
        "configmaps",
        "jobs",
        "pods/exec",
    ];
    let mut ksim = String::from("scenario \"large\" {\n  load \"cluster.json\"\n");
    for i in 0..10_000usize {
        let ns = format!("team-{:05}", (i * 7919) % shape.namespaces);
        let line = match i % 5 {
            0 => format!(
                "  expect user:user-{} can {} {} in {ns}\n",
                i % 400,
                verbs[i % 6],
                resources[i % 6]
            ),
            1 => format!(
                "  expect sa:{ns}/sa-{} cannot {} {} in {ns}\n",
                i % 3,
                verbs[(i / 5) % 6],
                resources[i % 6]
            ),
            2 => format!(
                "  expect group:group-{} can {} {} cluster-wide\n",
                i % 500,
                verbs[i % 6],
                resources[(i / 3) % 6]
            ),
            3 => format!("  expect pod {ns}/pod-{} meets baseline\n", i % 8),
            _ => format!(
                "  expect pod {ns}/pod-{} fails restricted at v1.25\n",
                i % 8
            ),
        };
        ksim.push_str(&line);
    }
    let _ = writeln!(ksim, "}}");
    let file = dir.path().join("large.ksim");
    std::fs::write(&file, ksim).expect("write");

    let files = vec![file];
    let report = run_files(&files, &RunOptions::default());
    let (passed, failed) = report.counts();
    assert_eq!(passed + failed, 10_000, "every expectation is evaluated");
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.bench_function("10k-expectations/20k-objects", |b| {
        b.iter(|| run_files(&files, &RunOptions::default()).counts())
    });
    group.finish();
}

criterion_group!(benches, scenario);
criterion_main!(benches);
