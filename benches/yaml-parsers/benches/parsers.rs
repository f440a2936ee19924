//! YAML parsers available as crates against kubesim's loader, on one generated cluster of
//! 20,000 documents (`Shape::scaled(20_000)`, seed 1, 7.2 MB): throughput in bytes of YAML.
//! Every parser runs on one thread; kubesim's reader runs on one and on two.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim_yaml_parsers as parsers;

// The allocator of the `kubesim` binary, so figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A parser under test: the stream in, how many documents it read out.
type Parse = fn(&str) -> usize;

fn compare(c: &mut Criterion) {
    let shape = Shape::scaled(20_000);
    let text = cluster_text(&shape, 1, Format::Yaml);
    let mut group = c.benchmark_group("yaml");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let two_threads = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    let single: [(&str, Parse); 8] = [
        ("granit-parser events", parsers::granit_events),
        ("saphyr-parser events", parsers::saphyr_events),
        ("yaml-rust2 tree", parsers::yaml_rust2_tree),
        ("serde-saphyr to Value", parsers::serde_saphyr_value),
        ("serde_yaml to Value", parsers::serde_yaml_value),
        ("serde_yaml ignored", parsers::serde_yaml_ignored),
        ("yaml_serde to Value", parsers::yaml_serde_value),
        (
            "kubesim parse_stream, 1 thread",
            parsers::kubesim_parse_stream,
        ),
    ];
    for (name, parse) in single {
        group.bench_function(name, |b| b.iter(|| one_thread.install(|| parse(&text))));
    }
    group.bench_function("kubesim parse_stream, 2 threads", |b| {
        b.iter(|| two_threads.install(|| parsers::kubesim_parse_stream(&text)))
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
