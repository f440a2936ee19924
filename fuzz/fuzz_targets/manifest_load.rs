//! Bytes → objects + diagnostics: the manifest loader must never panic or hang, whatever the
//! bytes, and every diagnostic it returns must point inside the file it read.
#![no_main]

use std::sync::Arc;

use kubesim::manifest::{LoadOptions, load_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The file name decides YAML or JSON; the first byte picks one so both paths are fuzzed.
    let (name, bytes) = match data.split_first() {
        Some((b, rest)) if b % 2 == 1 => ("input.json", rest),
        Some((_, rest)) => ("input.yaml", rest),
        None => ("input.yaml", data),
    };
    let loaded = load_files(
        vec![(Arc::from(name), Ok(bytes.to_vec()))],
        &LoadOptions::default(),
    );
    // An upper bound on the lines of the file, whichever line breaks YAML counts.
    let lines = 1 + bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() as u32;
    for diagnostic in &loaded.diagnostics {
        let location = &diagnostic.location;
        assert_eq!(&*location.file, name);
        assert!(
            location.line <= lines,
            "diagnostic line {} past the end ({} lines): {}",
            location.line,
            lines,
            diagnostic.message
        );
    }
});
