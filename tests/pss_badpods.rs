//! `kubesim pss` on the BishopFox badPods manifests (MIT; see tests/data/corpus/SOURCE.md):
//! 8 scenarios × 8 resource kinds × {exec, revshell}, pinned as a reviewed snapshot.

use crate::util::kubesim;

#[test]
fn badpods_report_is_pinned() {
    let out = kubesim()
        .args([
            "pss",
            "-f",
            "tests/data/corpus/badpods",
            "-q",
            "--level",
            "baseline",
        ])
        .output()
        .unwrap();
    // Warnings only (removed CronJob versions), and most badpods fail baseline.
    assert_eq!(out.status.code(), Some(1));
    let out = kubesim()
        .args(["pss", "-f", "tests/data/corpus/badpods"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!(text);
}
