//! Inputs the fuzz targets (`fuzz/`) once crashed on, each replayed through the same checks as
//! its target: the `.ksim` parser and checker render every diagnostic inside the text, and
//! the manifest loader points every diagnostic inside the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::manifest::{LoadOptions, load_files};
use kubesim::scenario::resolve::FileResolver;
use kubesim::source::render_all_plain;

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn dsl_parse_regressions_render_every_diagnostic() {
    let files = inputs("dsl_parse");
    assert!(!files.is_empty());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let diagnostics = match parse_file("fuzz.ksim", text) {
            Ok(file) => {
                let base = tempfile::tempdir().unwrap();
                check(&file, &CheckContext::new(&FileResolver::new(base.path()))).1
            }
            Err(diagnostics) => diagnostics,
        };
        assert!(!diagnostics.is_empty(), "{}", path.display());
        for d in &diagnostics {
            assert!(d.location.line as usize <= text.lines().count() + 1);
        }
        let rendered = render_all_plain(&diagnostics);
        assert!(rendered.contains("fuzz.ksim:"), "{rendered}");
    }
}

#[test]
fn manifest_load_regressions_point_inside_the_file() {
    for path in inputs("manifest_load") {
        let data = std::fs::read(&path).unwrap();
        let (name, bytes) = match data.split_first() {
            Some((b, rest)) if b % 2 == 1 => ("input.json", rest),
            Some((_, rest)) => ("input.yaml", rest),
            None => ("input.yaml", &data[..]),
        };
        let loaded = load_files(
            vec![(Arc::from(name), Ok(bytes.to_vec()))],
            &LoadOptions::default(),
        );
        let lines = 1 + bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() as u32;
        for d in &loaded.diagnostics {
            assert_eq!(&*d.location.file, name);
            assert!(
                d.location.line <= lines,
                "{}: {}",
                path.display(),
                d.message
            );
        }
    }
}
