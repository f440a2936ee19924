//! The library's stages import only lower stages: source → model → manifest → index → the
//! engines (rbac, pss, then authn, authz) → escalate → compare and dsl → scenario → report.
//! This reads every `crate::` path under `src/` (unit tests excluded) and fails on an import
//! that points up or sideways. Within a stage, no files import each other round a circle:
//! the edges are every `crate::` and `super::` path resolved to the file that defines it (a
//! module file's `pub use` re-exports are its facade, not imports).

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module's floor; a module may import modules on lower floors only.
const FLOORS: &[(&str, u32)] = &[
    ("source", 1),
    ("progress", 1),
    ("model", 2),
    ("manifest", 3),
    ("index", 4),
    ("rbac", 5),
    ("pss", 5),
    ("authn", 6),
    ("authz", 7),
    ("escalate", 8),
    ("compare", 9),
    ("dsl", 9),
    ("scenario", 10),
    ("report", 11),
    ("generate", 11),
];

fn floor(module: &str) -> Option<u32> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source text names through `crate::`, unit tests left out.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| floor(m).is_some())
        .collect()
}

#[test]
fn every_import_points_to_a_lower_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|c| c.trim_end_matches(".rs"))
            .unwrap_or_default();
        let Some(own) = floor(top) else {
            // lib.rs and main.rs sit above every stage.
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for module in imported_modules(&text) {
            let allowed = module == top || floor(&module).is_some_and(|f| f < own);
            if !allowed {
                upward.push(format!("{} imports crate::{module}", relative.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} source files were checked");
    assert!(
        upward.is_empty(),
        "imports pointing up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let text = "use crate::report::x;\nuse crate::model::y;\n#[cfg(test)]\nmod tests {\n    use crate::cli::z;\n}\n";
    let modules = imported_modules(text);
    assert_eq!(modules.into_iter().collect::<Vec<_>>(), ["model", "report"]);
}

/// A file's module path: `src/index/compiled.rs` is `index::compiled`, `src/index/mod.rs` is
/// `index`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The file that defines module `path`, if there is one.
fn module_file(src: &Path, path: &[String]) -> Option<std::path::PathBuf> {
    if path.is_empty() {
        return None;
    }
    let joined = path.join("/");
    [
        src.join(format!("{joined}.rs")),
        src.join(&joined).join("mod.rs"),
    ]
    .into_iter()
    .find(|f| f.is_file())
}

/// The longest module prefix of `base` + `segments`: the file a `use` path lands in.
fn resolve(src: &Path, base: &[String], segments: &[String]) -> Option<std::path::PathBuf> {
    let mut path = base.to_vec();
    let mut found = module_file(src, &path);
    for segment in segments {
        path.push(segment.clone());
        match module_file(src, &path) {
            Some(file) => found = Some(file),
            None => break,
        }
    }
    found
}

/// The first identifier of each path that follows `prefix` in `code`, braces opened one level
/// (`super::{a::X, b}` names `a` and `b`), each with the segment after it when there is one.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|seg| {
                seg.trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|seg| !seg.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    for (i, m) in code.match_indices(prefix) {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[i + m.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Split at the group's own commas, not those of a nested group.
            let (mut depth, mut start) = (0, 0);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.push(ident(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

#[test]
fn no_two_files_import_each_other_round_a_circle() {
    use petgraph::graph::DiGraph;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut graph = DiGraph::<String, ()>::new();
    let nodes: Vec<_> = files
        .iter()
        .map(|f| graph.add_node(f.strip_prefix(&src).unwrap().display().to_string()))
        .collect();
    let node_of = |file: &Path| files.iter().position(|f| f == file).map(|i| nodes[i]);
    for (i, file) in files.iter().enumerate() {
        let relative = file.strip_prefix(&src).expect("under src/");
        let own = module_path(relative);
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or(&text);
        // A module file's `pub use` lines re-export its children; they are its facade, not
        // an import.
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("pub use"))
            .collect::<Vec<_>>()
            .join("\n");
        let parent = own[..own.len().saturating_sub(1)].to_vec();
        let targets = paths_after(&code, "crate::")
            .into_iter()
            .map(|p| resolve(&src, &[], &p))
            .chain(
                paths_after(&code, "super::")
                    .into_iter()
                    .map(|p| resolve(&src, &parent, &p)),
            );
        for target in targets.flatten() {
            if &target != file
                && let Some(to) = node_of(&target)
            {
                graph.update_edge(nodes[i], to, ());
            }
        }
    }
    assert!(
        graph.edge_count() > 100,
        "only {} file edges",
        graph.edge_count()
    );
    let circles: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut names: Vec<String> = scc.iter().map(|n| graph[*n].clone()).collect();
            names.sort();
            names
        })
        .collect();
    assert!(
        circles.is_empty(),
        "files importing round a circle: {circles:?}"
    );
}

#[test]
fn the_circle_checker_reads_grouped_imports() {
    let paths = paths_after("use super::{compiled::{A, B}, rbac_index::C};", "super::");
    assert_eq!(paths, [vec!["compiled"], vec!["rbac_index", "C"]]);
}

/// What marks a file as touching the file system or the layers that do: the language
/// checker is pure, and the scenario runner hands it the files and credentials it needs.
const SIDE_EFFECTS: &[&str] = &[
    "std::fs",
    "crate::authn",
    "crate::manifest",
    "read_dir",
    "globset",
];

#[test]
fn the_language_touches_no_file_system() {
    let dsl = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dsl");
    let mut files = Vec::new();
    rust_files(&dsl, &mut files);
    files.sort();
    assert!(files.len() > 5, "only {} files under src/dsl", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for marker in SIDE_EFFECTS {
            if text.contains(marker) {
                let relative = file.strip_prefix(&dsl).expect("under src/dsl");
                found.push(format!("dsl/{} mentions {marker}", relative.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the language reaches outside itself:\n{}",
        found.join("\n")
    );
}
