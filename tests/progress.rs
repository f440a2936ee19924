//! The progress bar appears on a terminal's stderr only: never on a pipe, in CI, with
//! `--quiet` or with machine-readable output. A terminal is provided by util-linux `script`.

use std::process::Command;

/// Runs `kubesim ARGS` with stdin/stdout/stderr on a pseudo-terminal and the bar's delay set
/// to zero; returns everything written to the terminal. `None` when `script` is missing.
fn on_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_kubesim");
    let mut command = Command::new("script");
    command
        .args(["-qec", &format!("{bin} {args} >/dev/null"), "/dev/null"])
        .env("KUBESIM_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .env_remove("CI");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn script_available() -> bool {
    let found = Command::new("script").arg("--version").output().is_ok();
    if !found {
        eprintln!("`script` (util-linux) is not installed; the terminal cases are skipped");
    }
    found
}

#[test]
fn a_terminal_shows_the_loading_and_pod_security_stages() {
    if !script_available() {
        return;
    }
    let seen = on_terminal("pss -f scenarios/payments/manifests", &[]).unwrap();
    assert!(seen.contains("loading"), "{seen:?}");
    assert!(seen.contains("pod security"), "{seen:?}");
}

#[test]
fn no_bar_in_ci_with_quiet_or_with_json() {
    if !script_available() {
        return;
    }
    let manifests = "-f scenarios/payments/manifests";
    for (args, env) in [
        (format!("pss {manifests}"), vec![("CI", "true")]),
        (format!("pss -q {manifests}"), vec![]),
        (format!("pss -o json {manifests}"), vec![]),
        (format!("inventory -o json {manifests}"), vec![]),
        (
            "run -o junit scenarios/payments/payments.ksim".to_string(),
            vec![],
        ),
    ] {
        let seen = on_terminal(&args, &env).unwrap();
        assert!(!seen.contains("loading"), "{args}: {seen:?}");
        assert!(!seen.contains('\u{1b}'), "{args}: {seen:?}");
    }
}

#[test]
fn no_bar_when_stderr_is_a_pipe() {
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["pss", "-f", "scenarios/payments/manifests"])
        .env("KUBESIM_PROGRESS_DELAY_MS", "0")
        .env_remove("CI")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("loading"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}
