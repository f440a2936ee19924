//! Helpers the integration tests share.

use assert_cmd::Command;

/// The kubesim binary built for these tests, to run with arguments.
pub fn kubesim() -> Command {
    Command::cargo_bin("kubesim").expect("the kubesim binary is built for the tests")
}
