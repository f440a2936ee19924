//! Where the snapshots of `show` reports are stored and what comparing one found. A snapshot
//! is named by its statement, not its position, so adding a `show` renames nothing:
//! `snapshots/<file-stem>/<scenario>/[<whatif>/]<statement>.snap` beside the `.ksim` file
//! (`show who can create pods/exec in payments` → `who-can-create-pods-exec-in-payments.snap`).
//! Scenario and what-if names that share a slug get a hash of their exact name, so two
//! blocks never share a folder. Each file starts with a header naming its statement, file and
//! line; only the body after it is compared. The comparing itself happens after the run, in
//! `report::snapshot`.

use std::collections::BTreeMap;
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
    /// The report could not be produced.
    Error(String),
    /// The snapshot could not be read (or is not a snapshot), or not be written: an input or
    /// file-system problem, which makes the run exit 2.
    Unreadable(String),
}

impl SnapshotStatus {
    pub fn passed(&self) -> bool {
        matches!(self, SnapshotStatus::Matches | SnapshotStatus::Accepted)
    }
}

pub use crate::model::names::slug;

/// The folder of each of `names` (the scenarios of one file, or the what-ifs of one
/// scenario): its slug, with a hash of the exact name where two different names share a slug.
pub fn folder_names(names: &[&str]) -> Vec<String> {
    let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in names {
        let entry = by_slug.entry(slug(name)).or_default();
        if !entry.contains(name) {
            entry.push(name);
        }
    }
    names
        .iter()
        .map(|name| {
            let base = slug(name);
            match by_slug.get(&base) {
                Some(sharing) if sharing.len() > 1 => format!("{base}-{}", short_hash(name)),
                _ => base,
            }
        })
        .collect()
}

/// The longest statement slug kept whole; longer ones are cut and given a hash.
const MAX_SLUG: usize = 80;

/// Names the snapshots of one folder after their statements; the same statement written again
/// in the folder gets `-2`, `-3`.
#[derive(Debug, Default)]
pub struct StatementNames {
    used: BTreeMap<String, usize>,
}

impl StatementNames {
    /// The file name of a snapshot labelled `as "LABEL"`; the checker has made sure no other
    /// show of the block has it, and a statement named like it gets `-2`.
    pub fn label(&mut self, label: &str) -> String {
        self.next(&format!("show {label}"))
    }

    /// The file name of the snapshot of `statement` (as written, `show` included).
    pub fn next(&mut self, statement: &str) -> String {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let text = words.strip_prefix(&["show"]).unwrap_or(&words).join(" ");
        let mut name = slug(&text);
        if name.len() > MAX_SLUG {
            let cut = name
                .char_indices()
                .take_while(|(i, _)| *i < MAX_SLUG)
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8());
            name = format!(
                "{}-{}",
                name[..cut].trim_end_matches('-'),
                short_hash(&text)
            );
        }
        let count = self.used.entry(name.clone()).or_insert(0);
        *count += 1;
        match *count {
            1 => format!("{name}.snap"),
            n => format!("{name}-{n}.snap"),
        }
    }
}

/// Where the snapshots of a block are stored: `snapshots/<file-stem>/<folders...>` beside the
/// `.ksim` file.
pub fn folder(ksim_file: &Path, folders: &[&str]) -> PathBuf {
    let mut dir = snapshots_of(ksim_file);
    for f in folders {
        dir.push(f);
    }
    dir
}

/// The folder holding every snapshot of `ksim_file`.
pub fn snapshots_of(ksim_file: &Path) -> PathBuf {
    let dir = ksim_file.parent().unwrap_or(Path::new("."));
    let stem = ksim_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join("snapshots").join(stem)
}

/// Eight hex digits of the 32-bit FNV-1a hash of `text`: stable across runs, platforms and
/// versions, unlike the standard library's hasher.
fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// The header written before a snapshot's body: what made it and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The statement as written, on one line.
    pub statement: String,
    /// The `.ksim` file's name (its directory holds `snapshots/`).
    pub file: String,
    pub line: u32,
}

const FENCE: &str = "---\n";

impl Header {
    /// The header and `body` as stored.
    pub fn wrap(&self, body: &str) -> String {
        format!(
            "{FENCE}statement: {}\nfile: {}\nline: {}\n{FENCE}{body}",
            self.statement, self.file, self.line
        )
    }
}

/// The body of a stored snapshot, after its header; `None` when the text is not a snapshot
/// (no header).
pub fn body(stored: &str) -> Option<&str> {
    let rest = stored.strip_prefix(FENCE)?;
    let end = rest.find(&format!("\n{FENCE}"))?;
    Some(&rest[end + 1 + FENCE.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_named_by_their_statement_and_never_collide() {
        let mut names = StatementNames::default();
        assert_eq!(
            names.next("show who can create pods/exec in payments"),
            "who-can-create-pods-exec-in-payments.snap"
        );
        assert_eq!(
            names.next("show   pss\n  in payments"),
            "pss-in-payments.snap"
        );
        assert_eq!(names.next("show pss in payments"), "pss-in-payments-2.snap");
        let long = format!("show access {}", "a".repeat(200));
        let name = names.next(&long);
        assert!(name.len() < 100 && name.ends_with(".snap"), "{name}");
        let folders = folder_names(&["a b", "a-b", "A B", "other", "a b"]);
        assert_eq!(folders[4], folders[0], "the same name is the same folder");
        assert_eq!(folders[3], "other");
        let distinct: std::collections::BTreeSet<&String> = folders[..3].iter().collect();
        assert_eq!(distinct.len(), 3, "{folders:?}");
        assert!(folders[0].starts_with("a-b-"), "{folders:?}");
    }

    #[test]
    fn a_header_is_written_and_only_the_body_compared() {
        let header = Header {
            statement: "show pss".into(),
            file: "x.ksim".into(),
            line: 3,
        };
        let stored = header.wrap("body\n---\nmore\n");
        assert_eq!(body(&stored), Some("body\n---\nmore\n"));
        assert_eq!(body("no header\n"), None);
        assert_eq!(body("---\nunterminated\n"), None);
    }
}
