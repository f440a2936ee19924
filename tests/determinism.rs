//! Reports do not depend on how the input is laid out or on the number of threads.
//!
//! A generated cluster is cut into documents, which are shuffled and spread over several YAML
//! and JSON files. For every layout, thread count and command-line file order:
//! - reports of the same files are byte-identical whatever the file order and thread count;
//! - with the positions (file and line) masked, they are byte-identical to the reports of the
//!   cluster as one file in generated order.
//!
//! Reports checked: `inventory -o json`, `pss -o json`, `who-can -o json` and a scenario run
//! (`run -o json -v` plus the snapshot files its `show` statements write). Set expectations
//! (`expect workloads in NS meet ...`) are not in the scenario: their evidence lists the
//! failing workloads in input order, so it changes with the layout.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use kubesim::generate::{Format, Shape, cluster_text};
use proptest::prelude::*;

const SEED: u64 = 11;

/// The scenario run in every layout: expectations whose evidence names objects and rules,
/// and shows whose reports are written as snapshot files.
const SCENARIO: &str = r#"scenario "determinism" {
  load "manifests/*"
  expect user:user-28 can get pods in team-00000
  expect group:group-1 cannot delete secrets in team-00001
  expect who can get secrets in team-00001 includes [group:system:masters]
  expect pod team-00000/pod-0 meets restricted
  show who can get pods in team-00000
  show access group:group-1 in team-00001
  show pss in team-00001
}
"#;

/// The generated documents, each in its YAML and its JSON form (same order).
fn documents() -> &'static [(String, String)] {
    static DOCS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let shape = Shape::scaled(300);
        let yaml = cluster_text(&shape, SEED, Format::Yaml);
        let json = cluster_text(&shape, SEED, Format::Json);
        let yaml_docs: Vec<String> = yaml
            .split("---\n")
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let json_docs: Vec<String> = json.lines().map(str::to_string).collect();
        assert_eq!(yaml_docs.len(), json_docs.len());
        assert!(yaml_docs.len() >= 300);
        yaml_docs.into_iter().zip(json_docs).collect()
    })
}

/// One way of writing the cluster: which documents go to which file, in which order.
#[derive(Debug, Clone)]
struct Layout {
    /// Per file: is it JSON, and the indices of its documents in order.
    files: Vec<(bool, Vec<usize>)>,
}

impl Layout {
    fn canonical() -> Self {
        Layout {
            files: vec![(false, (0..documents().len()).collect())],
        }
    }

    fn write(&self, dir: &Path) -> Vec<String> {
        let manifests = dir.join("manifests");
        fs::create_dir_all(&manifests).unwrap();
        let mut names = Vec::new();
        for (i, (is_json, docs)) in self.files.iter().enumerate() {
            let name = format!("manifests/f{i}.{}", if *is_json { "json" } else { "yaml" });
            let mut text = String::new();
            for &d in docs {
                let (yaml, json) = &documents()[d];
                if *is_json {
                    text.push_str(json);
                    text.push('\n');
                } else {
                    text.push_str("---\n");
                    text.push_str(yaml);
                }
            }
            fs::write(dir.join(&name), text).unwrap();
            names.push(name);
        }
        fs::write(dir.join("determinism.ksim"), SCENARIO).unwrap();
        names
    }
}

fn layout() -> impl Strategy<Value = Layout> {
    let n = documents().len();
    (
        Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        proptest::collection::vec(any::<bool>(), 1..5),
        proptest::collection::vec(0..5usize, n),
    )
        .prop_map(|(order, kinds, assignment)| {
            let mut files: Vec<(bool, Vec<usize>)> =
                kinds.iter().map(|&json| (json, Vec::new())).collect();
            for doc in order {
                let file = assignment[doc] % files.len();
                files[file].1.push(doc);
            }
            Layout { files }
        })
}

/// Every report, by name, for the files of `dir` given in `file_order` with `threads` workers.
fn reports(dir: &Path, file_order: &[String], threads: usize) -> BTreeMap<String, String> {
    let threads = threads.to_string();
    let mut files: Vec<&str> = Vec::new();
    for f in file_order {
        files.extend(["-f", f.as_str()]);
    }
    let run = |args: &[&str]| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .current_dir(dir)
            .args(args)
            .args(["-j", &threads])
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let mut reports = BTreeMap::new();
    let with_files = |command: &[&str]| -> Vec<String> {
        command
            .iter()
            .chain(files.iter())
            .map(|s| s.to_string())
            .collect()
    };
    for (name, command) in [
        ("inventory", vec!["inventory", "-o", "json"]),
        ("pss", vec!["pss", "-o", "json"]),
        (
            "who-can",
            vec![
                "who-can",
                "get",
                "secrets",
                "-n",
                "team-00001",
                "-o",
                "json",
            ],
        ),
    ] {
        let args = with_files(&command);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        reports.insert(name.to_string(), run(&args));
    }
    let _ = fs::remove_dir_all(dir.join("snapshots"));
    reports.insert(
        "run".to_string(),
        run(&["run", "determinism.ksim", "-o", "json", "-v"]),
    );
    for entry in walk(&dir.join("snapshots")) {
        let name = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        reports.insert(name, fs::read_to_string(&entry).unwrap());
    }
    reports
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The reports with every position masked: `manifests/fN.EXT:LINE` → `<at>`, `line N` →
/// `line <n>`, and the values of `line`/`column`/`source`/`file` fields of JSON reports.
fn masked(reports: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    reports
        .iter()
        .map(|(name, text)| {
            let text = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(mut json) => {
                    mask_fields(&mut json);
                    serde_json::to_string_pretty(&json).unwrap()
                }
                Err(_) => text.clone(),
            };
            (name.clone(), mask_text(&text))
        })
        .collect()
}

fn mask_fields(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if matches!(key.as_str(), "line" | "column" | "source" | "file") && !v.is_null() {
                    *v = serde_json::Value::String("<masked>".into());
                } else {
                    mask_fields(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_fields),
        _ => {}
    }
}

fn mask_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next_path = rest.find("manifests/f");
        let next_line = rest
            .match_indices("line ")
            .map(|(i, _)| i)
            .find(|&i| rest[i + "line ".len()..].starts_with(|c: char| c.is_ascii_digit()));
        let at = match (next_path, next_line) {
            (None, None) => break,
            (Some(a), None) | (None, Some(a)) => a,
            (Some(a), Some(b)) => a.min(b),
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("line ") {
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            out.push_str("line <n>");
            rest = &after[digits..];
        } else {
            // `manifests/fN.yaml:LINE` or `manifests/fN.json:LINE`
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/._:".contains(c)))
                .unwrap_or(rest.len());
            out.push_str("<at>");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// The reports of the cluster as one file in generated order, one thread.
fn baseline() -> &'static BTreeMap<String, String> {
    static BASELINE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    BASELINE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let files = Layout::canonical().write(dir.path());
        let reports = reports(dir.path(), &files, 1);
        assert!(reports.len() >= 4 + 3, "{:?}", reports.keys());
        // The reports are not empty, so equality below means something.
        assert!(reports["pss"].contains("team-00001"));
        assert!(reports["who-can"].contains("cluster-role-00002"));
        assert!(reports["run"].contains("near misses"));
        assert!(reports["run"].contains("allowed by RoleBinding"));
        masked(&reports)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn reports_do_not_depend_on_layout_file_order_or_threads(
        layout in layout(),
        threads in (1..=4usize, 1..=4usize),
        reversed in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let files = layout.write(dir.path());
        let first = reports(dir.path(), &files, threads.0);
        let mut other_order = files.clone();
        if reversed {
            other_order.reverse();
        } else {
            other_order.rotate_left(1);
        }
        let second = reports(dir.path(), &other_order, threads.1);
        let changed = difference(&first, &second);
        prop_assert!(changed.is_none(), "file order or thread count changed a report:\n{}", changed.unwrap_or_default());
        let changed = difference(baseline(), &masked(&first));
        prop_assert!(changed.is_none(), "the layout changed a report:\n{}", changed.unwrap_or_default());
    }
}

/// The first report that differs, as a short unified diff.
fn difference(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Option<String> {
    if a.keys().ne(b.keys()) {
        return Some(format!("reports {:?} vs {:?}", a.keys(), b.keys()));
    }
    let (name, left) = a.iter().find(|(name, text)| b[*name] != **text)?;
    let diff = similar::TextDiff::from_lines(left.as_str(), b[name].as_str())
        .unified_diff()
        .context_radius(3)
        .to_string();
    Some(format!(
        "{name}:\n{}",
        diff.lines().take(80).collect::<Vec<_>>().join("\n")
    ))
}

#[test]
fn masking_hides_positions_only() {
    assert_eq!(
        mask_text("RoleBinding a/b (manifests/f3.yaml:1523) -> x (line 12), y"),
        "RoleBinding a/b (<at>) -> x (line <n>), y"
    );
    assert_eq!(
        mask_text("baseline x: add[0] at line 5580\n"),
        "baseline x: add[0] at line <n>\n"
    );
}
