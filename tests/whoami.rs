//! `kubesim whoami` reports, pinned: the example scenario's kubeconfig (a client certificate and
//! a bound service-account token), with and without `--show-access` across ABAC and RBAC, and
//! the language's credential identities and authorization statement, including their errors.

use crate::util::kubesim;

const KUBECONFIG: &str = "scenarios/credentials/creds/kubeconfig.yaml";

fn stdout(args: &[&str], code: i32) -> String {
    let out = kubesim()
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn whoami_of_a_certificate_context_verified_against_the_client_ca() {
    insta::assert_snapshot!(stdout(
        &[
            "whoami",
            "--kubeconfig",
            KUBECONFIG,
            "--ca",
            "scenarios/credentials/creds/client-ca.crt",
        ],
        0
    ));
}

#[test]
fn whoami_of_a_token_context_with_access_across_the_chain() {
    insta::assert_snapshot!(stdout(
        &[
            "whoami",
            "--kubeconfig",
            KUBECONFIG,
            "--context",
            "ci",
            "--show-access",
            "-f",
            "scenarios/credentials/manifests",
            "-n",
            "payments",
            "--abac-policy",
            "scenarios/credentials/policies/abac.jsonl",
        ],
        0
    ));
}

#[test]
fn whoami_json_is_stable() {
    let text = stdout(
        &[
            "whoami",
            "--kubeconfig",
            KUBECONFIG,
            "--context",
            "ci",
            "-o",
            "json",
        ],
        0,
    );
    insta::assert_snapshot!(text);
}

fn check_ksim(source: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("creds")).unwrap();
    std::fs::copy(KUBECONFIG, dir.path().join("creds/kubeconfig.yaml")).unwrap();
    std::fs::write(dir.path().join("creds/broken.yaml"), "users: [\n").unwrap();
    let file = dir.path().join("t.ksim");
    std::fs::write(&file, source).unwrap();
    let report = kubesim::scenario::run_file(&file, &kubesim::scenario::RunOptions::default());
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(
            &d.to_string()
                .replace(&dir.path().to_string_lossy().to_string(), "DIR"),
        );
        out.push('\n');
    }
    out
}

#[test]
fn language_credential_errors_point_at_the_statement() {
    let text = check_ksim(
        "identity a = kubeconfig \"creds/kubeconfig.yaml\" context \"nope\"\nidentity b = kubeconfig \"creds/broken.yaml\"\nidentity c = cert \"creds/missing.crt\"\nscenario \"s\" {\n  authorization ABAC, RBAC\n  authorization Webhook\n}\n",
    );
    insta::assert_snapshot!(text);
}
