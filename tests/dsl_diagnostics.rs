//! One test per class of diagnostic, each snapshotting the plain rendering (file, line,
//! column, message, the source line with a caret, help). Also checks that every error of a
//! file is reported at once, and that the parser's work is bounded.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use kubesim::dsl::{CheckContext, check, parse_file};
use kubesim::scenario::resolve::FileResolver;
use kubesim::source::render_all_plain;

/// Parses and checks `text` (loads resolve against an empty temp dir) and renders every
/// diagnostic.
fn diagnose_with(text: &str, known_namespaces: Option<&[&str]>) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    match parse_file("test.ksim", text) {
        Err(errors) => render_all_plain(&errors),
        Ok(file) => {
            let resolver = FileResolver::new(dir.path());
            let mut context = CheckContext::new(&resolver);
            context.known_namespaces =
                known_namespaces.map(|k| k.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>());
            let (_, diagnostics) = check(&file, &context);
            render_all_plain(&diagnostics)
        }
    }
}

fn diagnose(text: &str) -> String {
    diagnose_with(text, None)
}

#[test]
fn syntax_error_names_what_was_expected() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect user:alice cna get pods\n}\n"
    ));
}

#[test]
fn syntax_error_at_top_level() {
    insta::assert_snapshot!(diagnose("scenaro \"s\" {}\n"));
}

#[test]
fn syntax_error_missing_subject() {
    insta::assert_snapshot!(diagnose("scenario \"s\" {\n  expect can get pods\n}\n"));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(diagnose("scenario \"s {\n}\n"));
}

#[test]
fn unknown_escape() {
    insta::assert_snapshot!(diagnose("scenario \"s\" {\n  load \"a\\tb.yaml\"\n}\n"));
}

#[test]
fn unknown_identity() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect bob can get pods in payments\n}\n"
    ));
}

#[test]
fn unknown_level() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect pod payments/web meets strict\n}\n"
    ));
}

#[test]
fn unknown_version() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect pod payments/web meets baseline at 1.25\n}\n"
    ));
}

#[test]
fn future_version_is_a_warning() {
    insta::assert_snapshot!(diagnose("scenario \"s\" {\n  defaults v1.99\n}\n"));
}

#[test]
fn show_diff_outside_whatif() {
    insta::assert_snapshot!(diagnose("scenario \"s\" {\n  show diff\n}\n"));
}

#[test]
fn duplicate_scenario_name() {
    insta::assert_snapshot!(diagnose("scenario \"s\" {}\nscenario \"s\" {}\n"));
}

#[test]
fn duplicate_identity_name() {
    insta::assert_snapshot!(diagnose("identity a = user:a\nidentity a = user:b\n"));
}

#[test]
fn load_matches_no_file() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  load \"manifests/**/*.yaml\"\n}\n"
    ));
}

#[test]
fn invalid_subject() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect sa:ci can get pods\n}\n"
    ));
}

#[test]
fn unknown_subject_kind() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect usr:alice can get pods\n}\n"
    ));
}

#[test]
fn pattern_where_one_subject_is_needed() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect any sa cannot get pods\n}\n"
    ));
}

#[test]
fn invalid_resource() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect user:a can get Pods in payments\n}\n"
    ));
}

#[test]
fn partial_glob_in_resource() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect user:a can get po* in payments\n}\n"
    ));
}

#[test]
fn namespace_pattern_with_no_match_is_a_warning() {
    insta::assert_snapshot!(diagnose_with(
        "policy \"p\" {\n  require workloads in prod-* meet restricted\n}\n",
        Some(&["payments", "staging"])
    ));
}

#[test]
fn unknown_workload_kind() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  expect deploymnet payments/api meets baseline\n}\n"
    ));
}

#[test]
fn role_binding_needs_a_namespace() {
    insta::assert_snapshot!(diagnose(
        "scenario \"s\" {\n  whatif \"w\" {\n    bind user:bob to role:deployer\n  }\n}\n"
    ));
}

#[test]
fn unknown_severity() {
    insta::assert_snapshot!(diagnose("policy \"p\" severity urgent {}\n"));
}

#[test]
fn exception_of_the_wrong_kind() {
    insta::assert_snapshot!(diagnose(
        "policy \"p\" {\n  forbid any sa can get secrets except [deployment a/b]\n}\n"
    ));
}

#[test]
fn every_error_is_reported_at_once() {
    let rendered = diagnose(
        "scenario \"s\" {\n  expect bob can get pods\n  expect pod a/b meets strict\n  show diff\n  load \"nothing.yaml\"\n}\n",
    );
    assert_eq!(rendered.matches(": error: ").count(), 4, "{rendered}");
}

#[test]
fn graphical_rendering_names_the_file() {
    let file = parse_file("test.ksim", "scenario \"s\" {\n  show diff\n}\n").expect("parses");
    let (_, diagnostics) = check(&file, &CheckContext::new(&FileResolver::new(".")));
    let rendered = diagnostics[0].render_graphical(false, 80);
    assert!(rendered.contains("test.ksim:2:3"), "{rendered}");
    assert!(rendered.contains("show diff"), "{rendered}");
}

#[test]
fn pathological_input_finishes_in_bounded_steps() {
    kubesim::dsl::install_parser_limits();
    // A very long line of repeated statements, and deep bracket nesting.
    let long_line = format!(
        "scenario \"s\" {{ {} }}",
        "expect user:a can get pods in ns ".repeat(200_000)
    );
    let nested = format!(
        "policy \"p\" {{ forbid any sa can get pods except {} }}",
        "[".repeat(100_000)
    );
    let started = Instant::now();
    let errors = parse_file("big.ksim", &long_line).expect_err("over the step limit");
    assert_eq!(
        errors[0].code.map(|c| c.as_str()).unwrap_or_default(),
        "kubesim::dsl::too-complex"
    );
    let errors = parse_file("nested.ksim", &nested).expect_err("not the language");
    assert_eq!(
        errors[0].code.map(|c| c.as_str()).unwrap_or_default(),
        "kubesim::dsl::syntax"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
