//! Loading speed: a generated stream of ~20,000 documents as YAML and as JSON, parsed and
//! decoded into typed objects, then indexed.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str};

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

criterion_group!(benches, load);
criterion_main!(benches);
