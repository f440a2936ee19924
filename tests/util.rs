//! Helpers the integration tests share.

use assert_cmd::Command;

/// The kubesim binary built for these tests, to run with arguments.
pub fn kubesim() -> Command {
    Command::cargo_bin("kubesim").expect("the kubesim binary is built for the tests")
}

/// The names of the loaded service accounts, in load order.
pub fn service_account_names(loaded: &kubesim::manifest::Loaded) -> Vec<String> {
    loaded
        .cluster
        .service_accounts
        .iter()
        .map(|s| s.metadata.name.clone().unwrap_or_default())
        .collect()
}

/// Whether an external program the test needs (`dot`, `chromium`) is on PATH. When it is
/// not, the test is skipped with a message on stderr, unless `KUBESIM_REQUIRE_TOOLS=1` (set
/// by `.ci/run`), where a missing tool fails the test instead.
pub fn tool_available(program: &str, purpose: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        let required = std::env::var("KUBESIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "`{program}` is not installed but KUBESIM_REQUIRE_TOOLS=1: it is needed to {purpose}"
        );
        eprintln!("SKIPPED: `{program}` is not installed, so this test cannot {purpose}");
    }
    found
}
