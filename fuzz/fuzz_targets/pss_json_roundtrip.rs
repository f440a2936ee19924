//! Differential: a pod's Pod Security result is the same after the pod is written as JSON and
//! read back through the loader. Catches decoding that depends on the input syntax and fields
//! that are lost or changed on the way.
#![no_main]

use kubesim::manifest::{LoadOptions, load_str};
use kubesim::pss::{Version, level_met};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // Check the newest policy and one older version picked by the input.
    let versions = [Version::Latest, Version::V1(u64::from(*selector % 40))];
    let options = LoadOptions::default();
    let first = load_str("pod.yaml", text, &options);
    for workload in &first.cluster.workloads {
        let decoded = workload.pod();
        let mut meta = decoded.metadata.clone();
        meta.name = Some(workload.name.clone());
        meta.namespace = Some(workload.namespace.clone());
        let pod = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": decoded.spec,
        });
        let json = serde_json::to_string_pretty(&pod).expect("a decoded pod serialises");
        let second = load_str("pod.json", &json, &options);
        assert!(
            !second.has_errors(),
            "the round trip of a decoded pod does not load: {:?}\n{json}",
            second.diagnostics
        );
        assert_eq!(second.cluster.workloads.len(), 1, "{json}");
        let again = second.cluster.workloads[0].pod();
        for version in versions {
            let before = level_met(version, &decoded.metadata, &decoded.spec);
            let after = level_met(version, &again.metadata, &again.spec);
            assert_eq!(before, after, "{json}");
        }
    }
});
