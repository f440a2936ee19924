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

/// Records what a load reports, stage by stage.
#[derive(Default)]
struct Recorder {
    stages: std::sync::Mutex<Vec<(String, u64, bool)>>,
    advances: std::sync::Mutex<Vec<u64>>,
}

impl kubesim::progress::Progress for Recorder {
    fn begin(&self, stage: &str, total: u64) {
        self.stages
            .lock()
            .unwrap()
            .push((stage.into(), total, false));
    }
    fn begin_bytes(&self, stage: &str, total: u64) {
        self.stages
            .lock()
            .unwrap()
            .push((stage.into(), total, true));
    }
    fn advance(&self, units: u64) {
        self.advances.lock().unwrap().push(units);
    }
    fn end(&self) {}
}

/// Loading counts bytes, not files: one large YAML or JSON file moves the stage piece by
/// piece, and the pieces add up to exactly the bytes read (a byte order mark and a broken
/// document included).
#[test]
fn loading_is_counted_in_bytes_so_one_large_file_moves_it() {
    use kubesim::generate::{Format, Shape, cluster_text};
    for format in [Format::Yaml, Format::Json] {
        let text = cluster_text(&Shape::scaled(8_000), 1, format);
        let small = "\u{feff}apiVersion: v1\nkind: Namespace\nmetadata: {name: [a}\n";
        let files = vec![
            (std::sync::Arc::from("big"), Ok(text.clone().into_bytes())),
            (
                std::sync::Arc::from("small.yaml"),
                Ok(small.as_bytes().to_vec()),
            ),
        ];
        let recorder = Recorder::default();
        let loaded = kubesim::manifest::load_files_with_progress(
            files,
            &kubesim::manifest::LoadOptions::default(),
            &recorder,
        );
        assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
        let total = (text.len() + small.len()) as u64;
        assert_eq!(
            *recorder.stages.lock().unwrap(),
            [("loading".to_string(), total, true)]
        );
        let advances = recorder.advances.lock().unwrap();
        assert_eq!(advances.iter().sum::<u64>(), total, "{format:?}");
        let pieces_of_the_big_file = advances.iter().filter(|&&n| n > 100_000).count();
        assert!(pieces_of_the_big_file >= 4, "{format:?}: {advances:?}");
    }
}
