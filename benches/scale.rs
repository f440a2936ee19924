//! End-to-end scale, stage by stage, on generated clusters (`Shape::scaled`): the YAML parse
//! alone and the plain `serde_json` parse (the floors), loading YAML and JSON into typed
//! objects, building the RBAC index, a full Pod Security pass, and who-can over the catalogue.
//!
//! Sizes come from `KUBESIM_SCALE_SIZES` (comma-separated object counts, default `10000`;
//! `10000,100000` for the BENCHMARKS.md table). The who-can sweep asks every (verb, resource,
//! namespace) of the catalogue: tens of thousands of questions even at 10k objects, so one
//! iteration takes a deterministic sample of `WHO_CAN_SAMPLE` of them spread evenly over the
//! sweep, and the table extrapolates to the whole sweep.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::index::RbacIndex;
use kubesim::manifest::{LoadOptions, load_str, yaml};
use kubesim::pss::assess::{AssessOptions, assess};
use kubesim::rbac::{Action, Catalog, who_can};

const VERBS: &[&str] = kubesim::rbac::matrix::DEFAULT_VERBS;

/// Questions asked per iteration of the who-can stage.
const WHO_CAN_SAMPLE: usize = 1_000;

fn sizes() -> Vec<usize> {
    std::env::var("KUBESIM_SCALE_SIZES")
        .unwrap_or_else(|_| "10000".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Every (verb, group, resource, namespace) of the catalogue: namespaced resources in every
/// namespace of the cluster, cluster-scoped ones once.
fn sweep(catalog: &Catalog, namespaces: &[String]) -> Vec<Action> {
    let mut actions = Vec::new();
    for resource in catalog.resources() {
        let scopes: Vec<&str> = if resource.namespaced {
            namespaces.iter().map(String::as_str).collect()
        } else {
            vec![""]
        };
        for namespace in scopes {
            for verb in VERBS {
                actions.push(Action::resource(
                    verb,
                    &resource.group,
                    &resource.plural,
                    "",
                    namespace,
                    "",
                ));
            }
        }
    }
    actions
}

fn scale(c: &mut Criterion) {
    let options = LoadOptions::default();
    for objects in sizes() {
        let shape = Shape::scaled(objects);
        let yaml_text = cluster_text(&shape, 1, Format::Yaml);
        let json_text = cluster_text(&shape, 1, Format::Json);
        let mut group = c.benchmark_group(format!("scale/{objects}"));
        group.sample_size(10);

        group.throughput(Throughput::Bytes(yaml_text.len() as u64));
        group.bench_function("floor/yaml-parse", |b| {
            b.iter(|| yaml::parse_stream(&yaml_text).documents.len())
        });
        group.bench_function("load/yaml", |b| {
            b.iter(|| load_str("bench.yaml", &yaml_text, &options))
        });
        group.throughput(Throughput::Bytes(json_text.len() as u64));
        group.bench_function("floor/serde_json", |b| {
            b.iter(|| {
                serde_json::Deserializer::from_str(&json_text)
                    .into_iter::<serde_json::Value>()
                    .filter_map(Result::ok)
                    .count()
            })
        });
        group.bench_function("load/json", |b| {
            b.iter(|| load_str("bench.json", &json_text, &options))
        });

        let loaded = load_str("bench.yaml", &yaml_text, &options);
        assert!(loaded.diagnostics.is_empty());
        let total: usize = loaded.cluster.counts().values().sum();
        assert_eq!(total, shape.total());
        eprintln!(
            "{objects}: {} objects, YAML {} bytes, JSON {} bytes",
            total,
            yaml_text.len(),
            json_text.len()
        );
        let cluster = Arc::new(loaded.cluster);
        group.throughput(Throughput::Elements(total as u64));
        group.bench_function("index", |b| b.iter(|| RbacIndex::build(cluster.clone())));

        let assess_options = AssessOptions::default();
        group.throughput(Throughput::Elements(cluster.workloads.len() as u64));
        group.bench_function("pss/all-workloads", |b| {
            b.iter(|| assess(&cluster, &loaded.sources, &assess_options, None))
        });

        let index = RbacIndex::build(cluster.clone());
        let catalog = Catalog::new(&cluster.custom_resources);
        let namespaces: Vec<String> = cluster
            .namespaces
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        let actions = sweep(&catalog, &namespaces);
        let step = (actions.len() / WHO_CAN_SAMPLE).max(1);
        let sample: Vec<&Action> = actions.iter().step_by(step).collect();
        eprintln!(
            "{objects}: who-can sweep of {} questions, {} per iteration",
            actions.len(),
            sample.len()
        );
        group.throughput(Throughput::Elements(sample.len() as u64));
        group.bench_function("who-can/catalogue-sample", |b| {
            b.iter(|| {
                sample
                    .iter()
                    .map(|action| who_can(&index, action, false).subjects.len())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
