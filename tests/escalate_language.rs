//! The escalation statements of the language: `expect S can|cannot escalate to T`,
//! `show escalations [for S] [to T]` (pinned snapshots beside the `.ksim` file), failing
//! expectations that show the path, and `forbid ... can escalate to ...` policies.

use crate::util::kubesim;
use std::path::PathBuf;

use kubesim::report::scenario::render_text;
use kubesim::scenario::{RunOptions, run_files};

const KSIM: &str = "tests/data/escalate/language.ksim";

#[test]
fn escalation_expectations_and_shows_evaluate() {
    let mut report = run_files(&[PathBuf::from(KSIM)], &RunOptions::default());
    kubesim::report::snapshot::settle(&mut report, &kubesim::report::snapshot::Accept::None);
    let (passed, failed) = report.counts();
    let text = render_text(&report, true);
    // The second scenario holds the two expectations meant to fail.
    assert_eq!((passed, failed), (13, 2), "{text}");
    assert!(!report.has_errors(), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn escalation_policies_name_each_offender_with_its_path() {
    let out = kubesim()
        .args(["check", KSIM, "-f", "tests/data/escalate/multi-hop.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    // sa:platform/* is excepted; sa:ci/builder is not.
    assert!(text.contains("sa:ci/builder"), "{text}");
    assert!(!text.contains("✗ sa:platform/ops"), "{text}");
    insta::assert_snapshot!(text);
}
