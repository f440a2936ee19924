//! Parses and checks the reference examples of the language (copied from dsl.md) and a file
//! holding every form, against a scratch directory with the files their `load`s name.

use std::path::Path;

use kubesim::dsl::program::{Expectation, StatementKind};
use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::scenario::resolve::FileResolver;

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dsl")
        .join(name);
    std::fs::read_to_string(path).expect("test data is readable")
}

/// A directory holding the manifests and patches the examples load.
fn scratch_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "manifests/payments/ns.yaml",
        "manifests/payments/apps/api.yaml",
        "patches/relax-legacy.yaml",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, "kind: List\n").expect("write");
    }
    dir
}

fn parse_and_check(name: &str) -> kubesim::dsl::Program {
    let text = data(name);
    let file = match parse_file(name, &text) {
        Ok(file) => file,
        Err(errors) => panic!("{}", kubesim::source::render_all_plain(&errors)),
    };
    let dir = scratch_dir();
    let (program, diagnostics) = check(&file, &CheckContext::new(&FileResolver::new(dir.path())));
    assert!(
        diagnostics.is_empty(),
        "{}",
        kubesim::source::render_all_plain(&diagnostics)
    );
    program
}

#[test]
fn identities_example_parses() {
    let program = parse_and_check("identities.ksim");
    assert_eq!(program.identities.len(), 2);
    assert_eq!(
        program.identities[0].principal.groups,
        ["dev", "oncall", "system:authenticated"]
    );
}

#[test]
fn scenario_example_parses_with_every_statement_in_order() {
    let program = parse_and_check("scenario.ksim");
    let scenario = &program.scenarios[0];
    assert_eq!(scenario.name, "payments team access");
    assert_eq!(scenario.loads.len(), 1);
    assert_eq!(scenario.loads[0].files.len(), 2);
    assert_eq!(scenario.statements.len(), 17);
    let first = &scenario.statements[0];
    assert_eq!(
        first.origin.text,
        "expect user:alice can get pods in payments"
    );
    assert_eq!((first.origin.line, first.origin.column), (5, 3));
    assert!(matches!(
        first.kind,
        StatementKind::Expect(Expectation::Access { allowed: true, .. })
    ));
    let StatementKind::WhatIf(whatif) = &scenario.statements[16].kind else {
        panic!("the last statement is the what-if");
    };
    assert_eq!(whatif.steps.len(), 7);
}

#[test]
fn policies_example_parses_with_severities() {
    let program = parse_and_check("policies.ksim");
    let severities: Vec<&str> = program
        .policies
        .iter()
        .map(|p| p.severity.as_str())
        .collect();
    assert_eq!(severities, ["high", "critical", "critical"]);
    assert_eq!(program.policies[0].rules[0].exceptions.len(), 3);
}

#[test]
fn every_form_parses_and_checks() {
    let program = parse_and_check("all_forms.ksim");
    assert_eq!(program.identities.len(), 4);
    assert_eq!(program.scenarios[0].statements.len(), 32);
    assert_eq!(program.policies[0].severity.as_str(), "medium");
    assert_eq!(program.policies[0].rules.len(), 7);
}

#[test]
fn statement_text_is_recoverable_from_spans() {
    let text = data("all_forms.ksim");
    let file = parse_file("all_forms.ksim", &text).expect("parses");
    let kubesim::dsl::ast::Item::Scenario(block) = &file.items[4].node else {
        panic!("the fifth item is the scenario");
    };
    assert_eq!(
        file.text_of(block.body[0].span),
        "load \"manifests/payments/**/*.yaml\""
    );
    assert_eq!(file.text_of(block.name.span), "\"every form\"");
}

#[test]
fn formatting_does_not_change_the_tree() {
    let compact = "scenario \"s\" { expect user:a can get pods in ns show pss }";
    let spread = "# comment\nscenario   \"s\"\n{\n  expect user:a\n    can get pods in ns # trailing\n  show pss\n}\n";
    let a = parse_file("a.ksim", compact).expect("parses");
    let b = parse_file("b.ksim", spread).expect("parses");
    assert_eq!(a.items, b.items);
}

#[test]
fn statement_text_stops_at_its_last_token() {
    // Each of these statements ends where an optional part (`at V`, `in NS`, `to T`) could
    // follow, so the parser looks past it; the comments and blank lines it skipped there are
    // not the statement's text. A `#` inside a string stays.
    let text = "scenario \"s\" {\n  load \"a#b.yaml\"  # the file\n  expect user:dana cannot list nodes\n  # a comment\n  expect pod app/web meets baseline\n\n  # another\n  show access user:dana   # why\n  show escalations for user:dana\n  # last\n}\n";
    let file = parse_file("t.ksim", text).expect("parses");
    let kubesim::dsl::ast::Item::Scenario(block) = &file.items[0].node else {
        panic!("the item is a scenario");
    };
    let texts: Vec<&str> = block.body.iter().map(|s| file.text_of(s.span)).collect();
    assert_eq!(
        texts,
        [
            "load \"a#b.yaml\"",
            "expect user:dana cannot list nodes",
            "expect pod app/web meets baseline",
            "show access user:dana",
            "show escalations for user:dana",
        ]
    );
}
