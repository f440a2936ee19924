//! Colour on a terminal: `--color always|never|auto`, `NO_COLOR`, machine-readable output left
//! alone, and `who-can-run`'s VIA column wrapped to the terminal's width. The terminal cases
//! run the binary under `script` (util-linux), which gives it a pseudo-terminal.

use std::process::Command;

use kubesim::report::colour::colourize;

use crate::util::kubesim;

const PAYMENTS: &str = "scenarios/payments/manifests";

fn stdout(args: &[&str]) -> String {
    let out = kubesim().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn always_colours_levels_and_never_and_pipes_do_not() {
    let pss = ["pss", "-f", PAYMENTS, "-n", "payments"];
    let always = stdout(&[&["--color", "always"][..], &pss].concat());
    assert!(always.contains("\x1b[31mprivileged\x1b[0m"), "{always}");
    assert!(always.contains("\x1b[32mrestricted\x1b[0m"), "{always}");
    let never = stdout(&[&["--color", "never"][..], &pss].concat());
    // A pipe gets exactly the uncoloured text.
    assert_eq!(stdout(&pss), never);
    assert_eq!(
        always
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[0m", ""),
        never
    );
}

#[test]
fn answers_and_severities_are_coloured() {
    let can = stdout(&[
        "can",
        "user:alice",
        "delete",
        "secrets",
        "-n",
        "payments",
        "-f",
        PAYMENTS,
        "--defaults",
        "latest",
        "--color",
        "always",
    ]);
    assert!(can.starts_with("\x1b[32myes\x1b[0m\n"), "{can}");
    let check = stdout(&[
        "check",
        "policies/secrets.ksim",
        "-f",
        PAYMENTS,
        "--defaults",
        "latest",
        "--color",
        "always",
    ]);
    assert!(check.contains("\x1b[31m[high]\x1b[0m"), "{check}");
    assert!(check.contains("\x1b[31m✗\x1b[0m"), "{check}");
}

#[test]
fn machine_readable_output_is_never_coloured() {
    let pss = ["pss", "-f", PAYMENTS, "-o", "json"];
    let who_can_run = ["who-can-run", "privileged", "-f", PAYMENTS, "-o", "json"];
    for args in [&pss[..], &who_can_run[..]] {
        let plain = stdout(args);
        // Words colour would mark are there, and stay plain.
        assert_ne!(colourize(&plain), plain);
        assert_eq!(stdout(&[args, &["--color", "always"]].concat()), plain);
    }
    let graph = ["graph", "-f", PAYMENTS, "--defaults", "latest"];
    assert_eq!(
        stdout(&[&graph[..], &["--color", "always"]].concat()),
        stdout(&graph)
    );
}

/// The output of kubesim on a pseudo-terminal `columns` wide, or `None` without `script`.
fn on_terminal(args: &str, columns: u16, no_color: bool) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed, so no pseudo-terminal");
        return None;
    }
    let binary = assert_cmd::cargo::cargo_bin("kubesim");
    let mut command = Command::new("script");
    command.args([
        "-qec",
        &format!("stty cols {columns} rows 50; {} {args}", binary.display()),
        "/dev/null",
    ]);
    command.env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let out = command.output().unwrap();
    Some(String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"))
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let args = format!("pss -f {PAYMENTS} -n payments");
    let Some(coloured) = on_terminal(&args, 120, false) else {
        return;
    };
    assert!(
        coloured.contains("\x1b[31mprivileged\x1b[0m"),
        "{coloured:?}"
    );
    let plain = on_terminal(&args, 120, true).unwrap();
    assert_eq!(plain, stdout(&["pss", "-f", PAYMENTS, "-n", "payments"]));
}

#[test]
fn who_can_run_wraps_its_via_column_on_a_terminal() {
    let args = format!(
        "who-can-run privileged -f {PAYMENTS} --defaults latest -n monitoring --color never"
    );
    let Some(wrapped) = on_terminal(&args, 100, false) else {
        return;
    };
    let piped = stdout(&[
        "who-can-run",
        "privileged",
        "-f",
        PAYMENTS,
        "--defaults",
        "latest",
        "-n",
        "monitoring",
    ]);
    assert!(piped.lines().any(|l| l.chars().count() > 300), "{piped}");
    for line in wrapped.lines() {
        assert!(line.chars().count() <= 100, "{line:?}");
    }
    // Every grant is still there.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(wrapped.contains("create statefulsets.apps:"));
    assert_eq!(
        words(&wrapped).matches("create ").count(),
        words(&piped).matches("create ").count()
    );
}
