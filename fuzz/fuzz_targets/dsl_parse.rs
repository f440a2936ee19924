//! The `.ksim` parser and checker must never panic or hang, whatever the text; every
//! diagnostic must point inside the text and render.
#![no_main]

use kubesim::dsl::ast::{Item, ScenarioStmt, WhatIfStmt};
use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::scenario::resolve::FileResolver;
use kubesim::source::render_all_plain;
use libfuzzer_sys::fuzz_target;

/// `load` and `apply` paths that leave the (empty) base directory would make the checker walk
/// the machine's file system: slow, and not what is being fuzzed.
fn stays_inside(file: &kubesim::dsl::File) -> bool {
    let inside = |path: &str| !path.starts_with('/') && !path.contains("..");
    file.items.iter().all(|item| match &item.node {
        Item::Scenario(block) => block.body.iter().all(|stmt| match &stmt.node {
            ScenarioStmt::Load(path) => inside(path),
            ScenarioStmt::WhatIf(whatif) => whatif.body.iter().all(|stmt| match &stmt.node {
                WhatIfStmt::Mutate(kubesim::dsl::ast::Mutation::Apply(path)) => inside(path),
                _ => true,
            }),
            _ => true,
        }),
        _ => true,
    })
}

fuzz_target!(|data: &[u8]| {
    kubesim::dsl::install_parser_limits();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_file("fuzz.ksim", text) {
        Ok(file) => {
            if stays_inside(&file) {
                let base = std::env::temp_dir().join("kubesim-fuzz-empty");
                let _ = std::fs::create_dir_all(&base);
                let (_program, diagnostics) =
                    check(&file, &CheckContext::new(&FileResolver::new(base)));
                for d in &diagnostics {
                    assert!(d.location.line as usize <= text.lines().count() + 1);
                }
                let _ = render_all_plain(&diagnostics);
            }
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(d.location.line as usize <= text.lines().count() + 1);
            }
            let _ = render_all_plain(&diagnostics);
        }
    }
});
