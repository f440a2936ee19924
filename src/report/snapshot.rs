//! Comparing `show` reports with their snapshots, after the scenarios have run (never inside
//! the parallel evaluation), their tables tab-separated so a longer cell changes only its own
//! row: a missing snapshot is written as `.snap.new` and fails; a
//! different one fails with a unified diff; `--accept` (or `--accept FILTER`) writes them. A
//! stored file that is not a snapshot, and any read or write failure, is an error of the run.
//! Snapshot files no statement writes any more are found (and, with `--prune`, deleted) here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::scenario::snapshot::{Header, body, snapshots_of};
use crate::scenario::{ResultKind, RunReport, SnapshotStatus};

use super::evidence::show_text;
use super::table::tab_separated;

/// Which snapshots a run writes instead of comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accept {
    /// Compare every snapshot.
    None,
    /// `--accept`: write every snapshot.
    All,
    /// `--accept FILTER`: write the snapshots of one `.ksim` file (as given), one statement
    /// (`FILE:LINE`), or one scenario (its name); compare the others.
    Matching(String),
}

impl Accept {
    fn covers(&self, file: &str, line: u32, scenario: &str) -> bool {
        match self {
            Accept::None => false,
            Accept::All => true,
            Accept::Matching(filter) => {
                filter == file || *filter == format!("{file}:{line}") || filter == scenario
            }
        }
    }
}

/// Renders every `show` of `report` and compares it with its snapshot (or writes it when
/// `accept` covers it), in source order.
pub fn settle(report: &mut RunReport, accept: &Accept) {
    for file in &mut report.files {
        let file_name = Path::new(&file.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for scenario in &mut file.scenarios {
            for result in &mut scenario.results {
                let line = result.line;
                let statement = result.text.split_whitespace().collect::<Vec<_>>().join(" ");
                if let ResultKind::Show {
                    path,
                    report: Ok(show),
                    status,
                    ..
                } = &mut result.kind
                    && *status == SnapshotStatus::Pending
                {
                    let header = Header {
                        statement,
                        file: file_name.clone(),
                        line,
                    };
                    let write = accept.covers(&file.file, line, &scenario.name);
                    let body = tab_separated(|| show_text(show));
                    *status = compare(path, &header, &body, write);
                }
            }
        }
    }
}

/// Compares `report` with the body of the snapshot at `path` (or writes it, under `header`,
/// when `accept`).
pub fn compare(path: &Path, header: &Header, report: &str, accept: bool) -> SnapshotStatus {
    let new_path = path.with_extension("snap.new");
    let write = |target: &Path| {
        target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(target, header.wrap(report)))
            .map_err(|e| {
                SnapshotStatus::Unreadable(format!("cannot write {}: {e}", target.display()))
            })
    };
    if accept {
        if let Err(status) = write(path) {
            return status;
        }
        let _ = std::fs::remove_file(&new_path);
        return SnapshotStatus::Accepted;
    }
    let stored = match std::fs::read_to_string(path) {
        Ok(stored) => stored,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match write(&new_path) {
                Ok(()) => SnapshotStatus::Missing { written: new_path },
                Err(status) => status,
            };
        }
        Err(e) => {
            return SnapshotStatus::Unreadable(format!("cannot read {}: {e}", path.display()));
        }
    };
    let Some(stored) = body(&stored) else {
        return SnapshotStatus::Unreadable(format!(
            "{} is not a kubesim snapshot (it has no `---` header); delete it or run with --accept",
            path.display()
        ));
    };
    if stored == report {
        let _ = std::fs::remove_file(&new_path);
        return SnapshotStatus::Matches;
    }
    if let Err(status) = write(&new_path) {
        return status;
    }
    let diff = TextDiff::from_lines(stored, report)
        .unified_diff()
        .context_radius(3)
        .header("stored", "actual")
        .to_string();
    SnapshotStatus::Differs { diff }
}

/// The snapshot files (`.snap`, `.snap.new`) beside the files of `report` that no statement
/// of this run writes: left behind by a renamed or removed `show` or scenario. Files that did
/// not parse or check are left out, since their statements did not run.
pub fn stale(report: &RunReport) -> Vec<PathBuf> {
    let mut stale = Vec::new();
    for file in &report.files {
        if file.diagnostics.iter().any(|d| d.is_error()) || file.scenarios.is_empty() {
            continue;
        }
        let mut live: BTreeSet<PathBuf> = BTreeSet::new();
        for result in file.scenarios.iter().flat_map(|s| &s.results) {
            if let ResultKind::Show { path, status, .. } = &result.kind {
                live.insert(path.clone());
                if matches!(
                    status,
                    SnapshotStatus::Missing { .. } | SnapshotStatus::Differs { .. }
                ) {
                    live.insert(path.with_extension("snap.new"));
                }
            }
        }
        let root = snapshots_of(Path::new(&file.file));
        let mut found = Vec::new();
        snapshot_files(&root, &mut found);
        stale.extend(found.into_iter().filter(|p| !live.contains(p)));
    }
    stale.sort();
    stale.dedup();
    stale
}

/// Every `.snap` and `.snap.new` file under `dir`.
fn snapshot_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => snapshot_files(&path, out),
            Ok(t) if t.is_file() => {
                let name = path.to_string_lossy();
                if name.ends_with(".snap") || name.ends_with(".snap.new") {
                    out.push(path);
                }
            }
            _ => {}
        }
    }
}

/// Deletes `files` and the folders they leave empty; the ones that could not be deleted, with
/// why.
pub fn prune(files: &[PathBuf]) -> Vec<(PathBuf, std::io::Error)> {
    let mut failed = Vec::new();
    for file in files {
        match std::fs::remove_file(file) {
            Ok(()) => {
                // Folders left empty go too (`remove_dir` refuses a folder that is not).
                let mut dir = file.parent();
                while let Some(d) = dir {
                    if d.file_name().is_some_and(|n| n == "snapshots")
                        || std::fs::remove_dir(d).is_err()
                    {
                        break;
                    }
                    dir = d.parent();
                }
            }
            Err(e) => failed.push((file.clone(), e)),
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            statement: "show pss".into(),
            file: "a.ksim".into(),
            line: 3,
        }
    }

    #[test]
    fn missing_different_and_accepted_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/pss.snap");
        assert!(matches!(
            compare(&p, &header(), "one\n", false),
            SnapshotStatus::Missing { .. }
        ));
        assert!(p.with_extension("snap.new").exists());
        assert_eq!(
            compare(&p, &header(), "one\n", true),
            SnapshotStatus::Accepted
        );
        assert!(!p.with_extension("snap.new").exists());
        let stored = std::fs::read_to_string(&p).unwrap();
        assert!(stored.starts_with("---\nstatement: show pss\nfile: a.ksim\nline: 3\n---\none\n"));
        assert_eq!(
            compare(&p, &header(), "one\n", false),
            SnapshotStatus::Matches
        );
        // The line moved: the body still matches.
        let moved = Header {
            line: 9,
            ..header()
        };
        assert_eq!(compare(&p, &moved, "one\n", false), SnapshotStatus::Matches);
        match compare(&p, &header(), "two\n", false) {
            SnapshotStatus::Differs { diff } => {
                assert!(diff.contains("-one") && diff.contains("+two"), "{diff}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_a_snapshot_is_an_error_not_a_missing_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pss.snap");
        std::fs::write(&p, "one\n").unwrap();
        assert!(matches!(
            compare(&p, &header(), "one\n", false),
            SnapshotStatus::Unreadable(m) if m.contains("is not a kubesim snapshot")
        ));
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            compare(&p, &header(), "one\n", false),
            SnapshotStatus::Unreadable(m) if m.contains("cannot read")
        ));
    }
}
