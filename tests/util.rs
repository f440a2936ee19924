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
