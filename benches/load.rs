//! Loading speed: a generated stream of ~20,000 documents as YAML and as JSON, parsed and
//! decoded into typed objects, then indexed; and 20,000 pods as one List against the same
//! pods as separate documents.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::pss::assess::{AssessOptions, assess};

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn load(c: &mut Criterion) {
    let shape = Shape::scaled(20_000);
    let options = LoadOptions::default();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for (name, format) in [("yaml", Format::Yaml), ("json", Format::Json)] {
        let text = cluster_text(&shape, 1, format);
        let loaded = load_str("bench", &text, &options);
        assert!(loaded.diagnostics.is_empty());
        eprintln!("{name}: {} documents, {} bytes", shape.total(), text.len());
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("{name}/{}-docs", shape.total()), |b| {
            b.iter(|| load_str("bench", &text, &options))
        });
        if format == Format::Json {
            group.bench_function(format!("serde_json-floor/{}-docs", shape.total()), |b| {
                b.iter(|| {
                    serde_json::Deserializer::from_str(&text)
                        .into_iter::<serde_json::Value>()
                        .filter_map(Result::ok)
                        .count()
                })
            });
            let cluster = Arc::new(loaded.cluster);
            group.throughput(Throughput::Elements(shape.total() as u64));
            group.bench_function("index", |b| b.iter(|| RbacIndex::build(cluster.clone())));
        }
    }
    group.finish();
}

/// The same pods as one `kind: List` and as a multi-document stream, loaded and judged by
/// Pod Security with field lines: a List must cost about what its documents cost.
fn list(c: &mut Criterion) {
    let pods = 20_000;
    let pod = |i: usize, indent: &str| {
        let body = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
        );
        body.lines()
            .enumerate()
            .map(|(n, l)| match n {
                0 if !indent.is_empty() => format!("- {l}\n"),
                _ => format!("{indent}{l}\n"),
            })
            .collect::<String>()
    };
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        (0..pods).map(|i| pod(i, "  ")).collect::<String>()
    );
    let stream: String = (0..pods).map(|i| format!("---\n{}", pod(i, ""))).collect();
    let options = LoadOptions::default();
    let assess_options = AssessOptions::default();
    let mut group = c.benchmark_group("list");
    group.sample_size(10);
    group.throughput(Throughput::Elements(pods as u64));
    for (name, text) in [("list", &list), ("documents", &stream)] {
        let loaded = load_str("bench", text, &options);
        assert_eq!(loaded.cluster.workloads.len(), pods, "{name}");
        group.bench_function(format!("{name}/{pods}-pods/load+pss"), |b| {
            b.iter(|| {
                let loaded = load_str("bench", text, &options);
                assess(&loaded.cluster, &loaded.sources, &assess_options, None)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load, list);
criterion_main!(benches);
