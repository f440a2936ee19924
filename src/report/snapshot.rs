//! Comparing `show` reports with their snapshots, after the scenarios have run (never inside
//! the parallel evaluation): a missing snapshot is written as `.snap.new` and fails; a
//! different one fails with a unified diff; `--accept` writes them.

use std::path::Path;

use similar::TextDiff;

use crate::scenario::{ResultKind, RunReport, SnapshotStatus};

use super::evidence::show_text;

/// Renders every `show` of `report` and compares it with its snapshot (or writes it when
/// `accept`), in source order.
pub fn settle(report: &mut RunReport, accept: bool) {
    let shows = report
        .files
        .iter_mut()
        .flat_map(|f| &mut f.scenarios)
        .flat_map(|s| &mut s.results);
    for result in shows {
        if let ResultKind::Show {
            path,
            report: Ok(show),
            status,
            ..
        } = &mut result.kind
            && *status == SnapshotStatus::Pending
        {
            *status = compare(path, &show_text(show), accept);
        }
    }
}

/// Compares `report` with the snapshot at `path` (or writes it when `accept`).
pub fn compare(path: &Path, report: &str, accept: bool) -> SnapshotStatus {
    let new_path = path.with_extension("snap.new");
    if accept {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, report));
        let _ = std::fs::remove_file(&new_path);
        return match written {
            Ok(()) => SnapshotStatus::Accepted,
            Err(e) => SnapshotStatus::Error(format!("cannot write {}: {e}", path.display())),
        };
    }
    match std::fs::read_to_string(path) {
        Ok(stored) if stored == report => {
            let _ = std::fs::remove_file(&new_path);
            SnapshotStatus::Matches
        }
        Ok(stored) => {
            let _ = std::fs::write(&new_path, report);
            let diff = TextDiff::from_lines(stored.as_str(), report)
                .unified_diff()
                .context_radius(3)
                .header("stored", "actual")
                .to_string();
            SnapshotStatus::Differs { diff }
        }
        Err(_) => {
            let written = new_path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&new_path, report));
            match written {
                Ok(()) => SnapshotStatus::Missing { written: new_path },
                Err(e) => {
                    SnapshotStatus::Error(format!("cannot write {}: {e}", new_path.display()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_different_and_accepted_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/1-pss.snap");
        assert!(matches!(
            compare(&p, "one\n", false),
            SnapshotStatus::Missing { .. }
        ));
        assert!(p.with_extension("snap.new").exists());
        assert_eq!(compare(&p, "one\n", true), SnapshotStatus::Accepted);
        assert!(!p.with_extension("snap.new").exists());
        assert_eq!(compare(&p, "one\n", false), SnapshotStatus::Matches);
        match compare(&p, "two\n", false) {
            SnapshotStatus::Differs { diff } => {
                assert!(diff.contains("-one") && diff.contains("+two"), "{diff}")
            }
            other => panic!("{other:?}"),
        }
    }
}
