//! A rough throughput probe for the evaluator (ignored by default; run with
//! `cargo test --release --test pss_throughput -- --ignored --nocapture`). It prints pod
//! evaluations per second at level restricted over all distinct upstream fixtures.

use std::path::Path;
use std::time::Instant;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubesim::pss::{Level, Version, all_allowed, evaluate};
use rayon::prelude::*;

fn fixtures() -> Vec<(ObjectMeta, PodSpec)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pss/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read");
            let value: serde_json::Value = serde_saphyr::from_str(&text).expect("yaml");
            let pod: Pod = serde_json::from_value(value).expect("pod");
            (pod.metadata, pod.spec.unwrap_or_default())
        })
        .collect()
}

#[test]
#[ignore = "performance probe; run explicitly in release mode"]
fn evaluations_per_second() {
    let all = fixtures();
    let (allowed_pods, denied_pods): (Vec<_>, Vec<_>) =
        all.iter().cloned().partition(|(meta, spec)| {
            all_allowed(&evaluate(Level::Restricted, Version::Latest, meta, spec))
        });
    for (set, pods) in [
        ("all", &all),
        ("allowed", &allowed_pods),
        ("denied", &denied_pods),
    ] {
        measure(set, pods);
    }
}

fn measure(set: &str, pods: &[(ObjectMeta, PodSpec)]) {
    let rounds = 400_000 / pods.len().max(1);
    let total = pods.len() * rounds;
    for (label, parallel) in [("1 thread", false), ("rayon", true)] {
        let start = Instant::now();
        let allowed: usize = if parallel {
            (0..rounds)
                .into_par_iter()
                .map(|_| count_allowed(pods))
                .sum()
        } else {
            (0..rounds).map(|_| count_allowed(pods)).sum()
        };
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{set}, {label}: {total} evaluations ({allowed} allowed) in {seconds:.3}s = {:.0}/s",
            total as f64 / seconds
        );
    }
}

fn count_allowed(pods: &[(ObjectMeta, PodSpec)]) -> usize {
    pods.iter()
        .filter(|(meta, spec)| {
            all_allowed(&evaluate(Level::Restricted, Version::Latest, meta, spec))
        })
        .count()
}
