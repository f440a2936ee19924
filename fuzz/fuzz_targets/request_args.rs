//! The argument parsers of `can`/`who-can` (`SUBJECT`, `RESOURCE`, `VERB`) and the access
//! expression of the language must turn any text into a value or an error, never a panic.
#![no_main]

use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::rbac::query::{parse_resource, parse_subject, parse_verb};
use kubesim::scenario::resolve::FileResolver;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kubesim::dsl::install_parser_limits();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_subject(text);
    let _ = parse_resource(text);
    let _ = parse_verb(text);
    // A subject and an access, as `can` and `expect ... can ...` take them.
    if let Some((subject, access)) = text.split_once(' ') {
        let _ = parse_subject(subject);
        let (verb, resource) = access.split_once(' ').unwrap_or((access, ""));
        let _ = parse_verb(verb);
        let _ = parse_resource(resource);
    }
    if text.contains(['\n', '}', '#']) {
        return; // only the access expression itself, not the rest of the language
    }
    let scenario = format!(
        "scenario \"s\" {{\n  expect user:alice can {text}\n  expect who can {text} is [user:alice]\n  show who can {text}\n}}\n"
    );
    if let Ok(file) = parse_file("access.ksim", &scenario) {
        let base = std::env::temp_dir().join("kubesim-fuzz-empty");
        let _ = std::fs::create_dir_all(&base);
        let _ = check(&file, &CheckContext::new(&FileResolver::new(base)));
    }
});
