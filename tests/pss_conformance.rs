//! Conformance against the upstream pod-security-admission fixtures (see
//! `tests/data/pss/SOURCE.md`): every row of `expected.tsv` is evaluated at its level and
//! version, and every mismatch is collected so a failure lists all failing rows at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Pod;
use kubesim::manifest::{LoadOptions, load_str};
use kubesim::pss::admission::forbidden_pod_message;
use kubesim::pss::{
    Evaluator, Level, LevelVersion, Version, all_allowed, evaluate, forbidden_detail,
};

struct Row {
    path: String,
    fixture: String,
    level: Level,
    version: Version,
    expect_allowed: bool,
    upstream_substring: String,
    note: String,
    failing_checks: String,
    detail: String,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pss")
}

fn read_rows() -> Vec<Row> {
    let table = std::fs::read_to_string(data_dir().join("expected.tsv")).expect("expected.tsv");
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(
        header,
        [
            "path",
            "fixture",
            "level",
            "version",
            "expected",
            "check",
            "upstream_substring",
            "note",
            "failing_checks_computed",
            "detail_computed"
        ]
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 10, "malformed row: {line}");
            Row {
                path: f[0].to_owned(),
                fixture: f[1].to_owned(),
                level: f[2].parse().expect("level"),
                version: f[3].parse().expect("version"),
                expect_allowed: match f[4] {
                    "allowed" => true,
                    "denied" => false,
                    other => panic!("bad expected value {other}"),
                },
                upstream_substring: f[6].to_owned(),
                note: f[7].to_owned(),
                failing_checks: f[8].to_owned(),
                detail: f[9].to_owned(),
            }
        })
        .collect()
}

/// Reads a fixture through kubesim's own loader, as `kubesim pss` would.
fn load_pod(fixture: &str) -> Pod {
    let text = std::fs::read_to_string(data_dir().join(fixture)).expect("fixture");
    let loaded = load_str(fixture, &text, &LoadOptions::default());
    assert!(
        loaded.diagnostics.is_empty(),
        "{fixture}: {:?}",
        loaded.diagnostics
    );
    let [workload] = loaded.cluster.workloads.as_slice() else {
        panic!("{fixture}: expected exactly one pod");
    };
    let pod = workload.pod();
    Pod {
        metadata: pod.metadata,
        spec: Some(pod.spec),
        ..Pod::default()
    }
}

#[test]
fn every_upstream_fixture_matches() {
    let rows = read_rows();
    assert_eq!(rows.len(), 4537);
    let mut pods: HashMap<String, Pod> = HashMap::new();
    let mut failures: Vec<String> = Vec::new();
    let library_only = Evaluator::new().without_apiserver_defaults();
    let (mut allowed_rows, mut denied_rows) = (0, 0);

    for row in &rows {
        let pod = pods
            .entry(row.fixture.clone())
            .or_insert_with(|| load_pod(&row.fixture));
        let meta = &pod.metadata;
        let Some(spec) = pod.spec.as_ref() else {
            failures.push(format!("{}: no spec", row.path));
            continue;
        };
        let mut fail = |what: String| failures.push(format!("{}: {what}", row.path));

        let results = evaluate(row.level, row.version, meta, spec);
        let allowed = all_allowed(&results);
        if allowed != row.expect_allowed {
            fail(format!(
                "allowed={allowed}, expected {}; detail: {}",
                row.expect_allowed,
                forbidden_detail(&results)
            ));
            continue;
        }
        if allowed {
            allowed_rows += 1;
        } else {
            denied_rows += 1;
            let detail = forbidden_detail(&results);
            if detail != row.detail {
                fail(format!("detail\n   got: {detail}\n  want: {}", row.detail));
            }
            let failing: Vec<&str> = results
                .iter()
                .filter(|r| !r.allowed())
                .map(|r| r.check.as_str())
                .collect();
            if failing.join(",") != row.failing_checks {
                fail(format!(
                    "failing checks {:?}, want {}",
                    failing, row.failing_checks
                ));
            }
            let name = meta.name.as_deref().unwrap_or_default();
            let message =
                forbidden_pod_message(name, LevelVersion::new(row.level, row.version), &detail);
            if !message.contains(&row.upstream_substring) {
                fail(format!(
                    "message lacks {:?}: {message}",
                    row.upstream_substring
                ));
            }
            if message.contains("unknown forbidden reason") {
                fail(format!("unknown forbidden reason: {message}"));
            }
            if results
                .iter()
                .filter_map(|r| r.forbidden.as_ref())
                .any(|f| f.paths.is_empty())
            {
                fail("a failing check reported no field path".to_owned());
            }
        }

        if !evaluate(Level::Privileged, row.version, meta, spec).is_empty() {
            fail("privileged ran checks".to_owned());
        }
        let at_newest = evaluate(row.level, Version::V1(37), meta, spec);
        for newer in [Version::Latest, Version::V1(99)] {
            if evaluate(row.level, newer, meta, spec) != at_newest {
                fail(format!("{newer} differs from v1.37"));
            }
        }
        if Evaluator::new().allows(row.level, row.version, meta, spec) != allowed {
            fail("Evaluator::allows disagrees with evaluate".to_owned());
        }
        // The one fixture family that depends on API-server defaulting must fail without it.
        let undefaulted = all_allowed(&library_only.evaluate(row.level, row.version, meta, spec));
        let expect_undefaulted = allowed && row.note != "needs-volume-defaulting";
        if undefaulted != expect_undefaulted {
            fail(format!(
                "without defaulting allowed={undefaulted}, expected {expect_undefaulted}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    assert_eq!((allowed_rows, denied_rows), (1051, 3486));
}

/// Level monotonicity over every distinct fixture at every version: whatever restricted allows,
/// baseline allows; and at every version `level_met` agrees with the individual evaluations.
#[test]
fn restricted_allowed_implies_baseline_allowed() {
    let rows = read_rows();
    let mut fixtures: Vec<&str> = rows.iter().map(|r| r.fixture.as_str()).collect();
    fixtures.sort_unstable();
    fixtures.dedup();
    let mut failures = Vec::new();
    for fixture in fixtures {
        let pod = load_pod(fixture);
        let spec = pod.spec.clone().unwrap_or_default();
        for minor in 0..=40 {
            let version = Version::V1(minor);
            let allows = |level| all_allowed(&evaluate(level, version, &pod.metadata, &spec));
            let (baseline, restricted) = (allows(Level::Baseline), allows(Level::Restricted));
            if restricted && !baseline {
                failures.push(format!(
                    "{fixture} v1.{minor}: restricted allows, baseline denies"
                ));
            }
            let expected_level = if restricted {
                Level::Restricted
            } else if baseline {
                Level::Baseline
            } else {
                Level::Privileged
            };
            let report = kubesim::pss::level_met(version, &pod.metadata, &spec);
            if report.level != expected_level {
                failures.push(format!(
                    "{fixture} v1.{minor}: level_met {:?}",
                    report.level
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
