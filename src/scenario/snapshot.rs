//! Where the snapshots of `show` reports are stored (beside the `.ksim` file, as
//! `snapshots/<file-stem>/<scenario-slug>/<n>-<what>.snap`) and what comparing one found.
//! The comparing itself happens after the run, in `report::snapshot`.

use std::path::{Path, PathBuf};

/// What comparing a report with its stored snapshot found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStatus {
    /// Not compared yet: the run has produced the report, `report::snapshot` compares it.
    Pending,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("payments team access"), "payments-team-access");
        assert_eq!(slug("  Bob joins the admins! "), "bob-joins-the-admins");
        assert_eq!(slug("***"), "scenario");
    }
}
