//! Every console example in README.md is run against the binary and must print what the README
//! shows, so the README cannot drift from the product.
//!
//! An example is a `$ kubesim ARGS` line inside a ```` ```text ```` or ```` ```console ````
//! block (a trailing `\` continues it), followed by the output a terminal shows (stderr and
//! stdout through one pipe, in the order written). A line `…` or `...` (indented or not)
//! stands for any lines; a last line `exit N` is the expected exit code, which is 0 when it is
//! not given. Commands run from the repository root. A ```` ```terminal ```` block shows what
//! only a terminal prints (colour, wrapping to its width); `tests/colour.rs` runs those under
//! a pseudo-terminal.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

/// One console example of the README.
#[derive(Debug)]
struct Example {
    /// The README line of its `$`.
    line: usize,
    args: Vec<String>,
    expected: Vec<String>,
    exit: i32,
}

/// The `$ kubesim` examples of a markdown text, in order.
fn examples(markdown: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut in_console_block = false;
    let mut current: Option<(usize, String, Vec<String>)> = None;
    let mut lines = markdown.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            if in_console_block {
                found.extend(current.take().map(finish));
                in_console_block = false;
            } else {
                in_console_block = matches!(info.trim(), "text" | "console");
            }
            continue;
        }
        if !in_console_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            found.extend(current.take().map(finish));
            let mut command = command.to_string();
            while command.ends_with('\\') {
                command.pop();
                match lines.next() {
                    Some((_, next)) => command.push_str(next),
                    None => break,
                }
            }
            current = Some((index + 1, command, Vec::new()));
        } else if let Some((_, _, output)) = current.as_mut() {
            output.push(line.trim_end().to_string());
        }
    }
    found
}

fn finish((line, command, mut expected): (usize, String, Vec<String>)) -> Example {
    while expected.last().is_some_and(|l| l.is_empty()) {
        expected.pop();
    }
    let mut exit = 0;
    if let Some(code) = expected.last().and_then(|l| l.strip_prefix("exit ")) {
        exit = code
            .parse()
            .unwrap_or_else(|_| panic!("README.md:{line}: `exit {code}` is not a number"));
        expected.pop();
    }
    // Arguments are split at white space; no example needs shell quoting.
    assert!(
        !command.contains(['"', '\'', '|', '<', '>']),
        "README.md:{line}: quote-free, pipe-free examples only: `{command}`"
    );
    let words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
    assert!(
        words.first().is_some_and(|w| w == "kubesim"),
        "README.md:{line}: an example runs kubesim, not `{command}`"
    );
    Example {
        line,
        args: words[1..].to_vec(),
        expected,
        exit,
    }
}

/// Whether `actual` is `expected` with each `…`/`...` line standing for any lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if matches!(first.trim(), "…" | "...") => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line == first && matches(rest, more)),
    }
}

/// Runs `kubesim ARGS` from the repository root with stderr and stdout in one pipe, as a
/// terminal shows them; returns the output lines and the exit code.
fn run(args: &[String]) -> (String, i32) {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kubesim"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("CI", "1")
        .stdin(Stdio::null())
        .stderr(writer.try_clone().expect("a second pipe end"))
        .stdout(writer);
    let mut child = command.spawn().expect("kubesim runs");
    // The command holds the write ends; drop them so the read ends at the child's exit.
    drop(command);
    let mut output = String::new();
    reader.read_to_string(&mut output).expect("utf-8 output");
    let status = child.wait().expect("kubesim exits");
    (output, status.code().unwrap_or(-1))
}

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&readme).expect("README.md");
    let examples = examples(&text);
    assert!(
        examples.len() >= 15,
        "only {} examples found in README.md",
        examples.len()
    );
    let mut failures = Vec::new();
    for example in &examples {
        let (output, code) = run(&example.args);
        let actual: Vec<&str> = output.lines().map(str::trim_end).collect();
        if !matches(&example.expected, &actual) || code != example.exit {
            failures.push(format!(
                "README.md:{}: kubesim {}\n--- README (exit {})\n{}\n--- binary (exit {code})\n{}",
                example.line,
                example.args.join(" "),
                example.exit,
                example.expected.join("\n"),
                actual.join("\n"),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn an_elision_stands_for_any_lines_and_nothing_else_is_loose() {
    let expected: Vec<String> = ["a", "…", "d"].map(String::from).to_vec();
    assert!(matches(&expected, &["a", "b", "c", "d"]));
    assert!(matches(&expected, &["a", "d"]));
    assert!(!matches(&expected, &["a", "b", "c"]));
    assert!(!matches(&expected, &["a", "d", "e"]));
    let exact: Vec<String> = ["a", "b"].map(String::from).to_vec();
    assert!(!matches(&exact, &["a", "b", "c"]));
    assert!(!matches(&exact, &["a"]));
}

#[test]
fn examples_are_read_with_their_continuations_and_exit_codes() {
    let markdown = "```text\n$ kubesim can \\\n    user:a get pods\nno\nexit 1\n\n$ kubesim inventory\nok\n```\n```sh\n$ kubesim not-an-example\n```\n";
    let found = examples(markdown);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].args, ["can", "user:a", "get", "pods"]);
    assert_eq!(found[0].expected, ["no"]);
    assert_eq!(found[0].exit, 1);
    assert_eq!(found[1].args, ["inventory"]);
    assert_eq!(found[1].exit, 0);
}
