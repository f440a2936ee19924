//! Snapshots of `show` reports, stored beside the `.ksim` file as
//! `snapshots/<file-stem>/<scenario-slug>/<n>-<what>.snap`: a missing one is written as
//! `.snap.new` and fails; a different one fails with a unified diff; `--accept` writes them.

use std::path::{Path, PathBuf};

use similar::TextDiff;

/// What comparing a report with its stored snapshot found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStatus {
    Matches,
    /// No snapshot was stored; the report was written beside it as `.snap.new`.
    Missing {
        written: PathBuf,
    },
    /// The stored snapshot differs (unified diff, stored → actual).
    Differs {
        diff: String,
    },
    /// `--accept` wrote the report as the snapshot.
    Accepted,
    /// The report could not be produced or the file not read or written.
    Error(String),
}

impl SnapshotStatus {
    pub fn passed(&self) -> bool {
        matches!(self, SnapshotStatus::Matches | SnapshotStatus::Accepted)
    }
}

/// `payments team access` → `payments-team-access`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "scenario".to_string()
    } else {
        out
    }
}

/// Where the snapshot of the `n`-th show of a scenario is stored.
pub fn path(ksim_file: &Path, scenario: &str, n: usize, what: &str) -> PathBuf {
    let dir = ksim_file.parent().unwrap_or(Path::new("."));
    let stem = ksim_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join("snapshots")
        .join(stem)
        .join(slug(scenario))
        .join(format!("{n}-{what}.snap"))
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
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("payments team access"), "payments-team-access");
        assert_eq!(slug("  Bob joins the admins! "), "bob-joins-the-admins");
        assert_eq!(slug("***"), "scenario");
    }

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
