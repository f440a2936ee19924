//! Snapshot files: named by their statement (so inserting a `show` renames nothing), never
//! shared between scenarios whose names share a slug, headed by their statement, file and
//! line, accepted one file, statement or scenario at a time, listed when pending, reported
//! (and pruned) when no statement writes them, and an error of the run (exit 2) when they
//! cannot be read or written.

use std::path::Path;

use crate::util::{kubesim, scratch};

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = kubesim().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TWO_SHOWS: &str = "scenario \"s\" {
  load \"rbac.yaml\"
  show who can get pods in app
  show access user:dana in app
}
";

#[test]
fn inserting_a_show_renames_no_snapshot() {
    let dir = scratch(TWO_SHOWS);
    assert_eq!(run(dir.path(), &["run", "--accept", "test.ksim"]).0, 0);
    let stored = dir
        .path()
        .join("snapshots/test/s/access-user-dana-in-app.snap");
    let text = std::fs::read_to_string(&stored).unwrap();
    assert!(
        text.starts_with(
            "---\nstatement: show access user:dana in app\nfile: test.ksim\nline: 4\n---\n"
        ),
        "{text}"
    );
    // A new show before both, which also moves them down a line.
    std::fs::write(
        dir.path().join("test.ksim"),
        TWO_SHOWS.replace("  load", "  load \"rbac.yaml\"\n  show pss in app\n  #"),
    )
    .unwrap();
    let (code, out, _) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 1, "only the new show has no snapshot: {out}");
    assert_eq!(out.matches('✗').count(), 1, "{out}");
    assert!(out.contains("✗ show pss in app"), "{out}");
}

#[test]
fn scenarios_whose_names_share_a_slug_keep_their_own_snapshots() {
    let body = |name: &str, user: &str| {
        format!(
            "scenario \"{name}\" {{\n  load \"rbac.yaml\"\n  show access user:{user} in app\n}}\n"
        )
    };
    let dir = scratch(
        &[
            body("a b", "dana"),
            body("a-b", "dana"),
            body("A B", "dana"),
        ]
        .concat(),
    );
    assert_eq!(run(dir.path(), &["run", "--accept", "test.ksim"]).0, 0);
    let (code, out, err) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 0, "{out}{err}");
    let folders = std::fs::read_dir(dir.path().join("snapshots/test"))
        .unwrap()
        .count();
    assert_eq!(folders, 3);
}

#[test]
fn accept_takes_a_file_a_statement_or_a_scenario() {
    let dir = scratch(TWO_SHOWS);
    let (code, out, _) = run(dir.path(), &["run", "--pending", "test.ksim"]);
    assert_eq!(code, 1);
    assert!(out.contains("2 pending snapshot(s)"), "{out}");
    assert!(
        out.contains("new\tsnapshots/test/s/who-can-get-pods-in-app.snap\ttest.ksim:3\tshow who can get pods in app"),
        "{out}"
    );
    // One statement.
    let (code, _, _) = run(dir.path(), &["run", "--accept=test.ksim:3", "test.ksim"]);
    assert_eq!(code, 1, "the other show is still pending");
    let (_, out, _) = run(dir.path(), &["run", "--pending", "test.ksim"]);
    assert!(out.contains("1 pending snapshot(s)"), "{out}");
    assert!(out.contains("test.ksim:4"), "{out}");
    // A scenario that is not this one accepts nothing; this one accepts the rest.
    assert_eq!(
        run(dir.path(), &["run", "--accept=other", "test.ksim"]).0,
        1
    );
    assert_eq!(run(dir.path(), &["run", "--accept=s", "test.ksim"]).0, 0);
    let (code, out, _) = run(dir.path(), &["run", "--pending", "test.ksim"]);
    assert_eq!((code, out.as_str()), (0, "0 pending snapshot(s)\n"));
}

#[test]
fn a_snapshot_no_statement_writes_is_reported_and_pruned() {
    let dir = scratch(TWO_SHOWS);
    assert_eq!(run(dir.path(), &["run", "--accept", "test.ksim"]).0, 0);
    std::fs::write(
        dir.path().join("test.ksim"),
        TWO_SHOWS.replace("  show access user:dana in app\n", ""),
    )
    .unwrap();
    let orphan = "snapshots/test/s/access-user-dana-in-app.snap";
    let (code, _, err) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 0);
    assert!(
        err.contains(&format!(
            "warning: stale snapshot {orphan}: no statement writes it (--prune deletes it)"
        )),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["run", "--prune", "test.ksim"]);
    assert_eq!(code, 0);
    assert!(err.contains(&format!("pruned {orphan}")), "{err}");
    assert!(!dir.path().join(orphan).exists());
    assert!(
        dir.path()
            .join("snapshots/test/s/who-can-get-pods-in-app.snap")
            .exists()
    );
}

#[test]
fn a_snapshot_that_cannot_be_read_or_written_is_an_error() {
    let dir = scratch(TWO_SHOWS);
    assert_eq!(run(dir.path(), &["run", "--accept", "test.ksim"]).0, 0);
    let stored = dir
        .path()
        .join("snapshots/test/s/who-can-get-pods-in-app.snap");
    std::fs::write(&stored, "not a snapshot\n").unwrap();
    let (code, out, _) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is not a kubesim snapshot"), "{out}");
    // A file where the snapshot folder should be: nothing can be written.
    let blocked = scratch(TWO_SHOWS);
    std::fs::write(blocked.path().join("snapshots"), "").unwrap();
    let (code, out, _) = run(blocked.path(), &["run", "--accept", "test.ksim"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot write"), "{out}");
}

#[test]
fn a_label_names_the_snapshot_whatever_the_statement_says() {
    let dir = scratch(
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  show who can get pods in app as \"pod-readers\"\n}\n",
    );
    assert_eq!(run(dir.path(), &["run", "--accept", "test.ksim"]).0, 0);
    assert!(
        dir.path()
            .join("snapshots/test/s/pod-readers.snap")
            .exists()
    );
    // The statement changes, the label stays: the same snapshot is compared.
    std::fs::write(
        dir.path().join("test.ksim"),
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  show who can list pods in app as \"pod-readers\"\n}\n",
    )
    .unwrap();
    let (code, out, _) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 0, "{out}");
    // Two shows cannot share a label.
    std::fs::write(
        dir.path().join("test.ksim"),
        "scenario \"s\" {\n  load \"rbac.yaml\"\n  show pss as \"x\"\n  show pss in app as \"X\"\n}\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["run", "test.ksim"]);
    assert_eq!(code, 2);
    assert!(err.contains("test.ksim:4:"), "{err}");
    assert!(
        err.contains("snapshot label `X` is used twice in this block"),
        "{err}"
    );
}
