//! The library's stages import only lower stages: source → model → manifest → index → the
//! engines (rbac, pss, then authn, authz) → escalate → compare and dsl → scenario → report.
//! This reads every `crate::` path under `src/` (unit tests excluded) and fails on an import
//! that points up or sideways.

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

/// Edges still pointing up, each with the reason it remains: the scenario runner still
/// renders evidence as text through `report`.
const KNOWN_UPWARD: &[(&str, &str)] = &[("scenario", "report")];

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
            let allowed = module == top
                || floor(&module).is_some_and(|f| f < own)
                || KNOWN_UPWARD.contains(&(top, module.as_str()));
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
