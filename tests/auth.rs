//! Offline authentication end to end: every identity source (client certificates, kubeconfig,
//! service-account and OIDC tokens, the static token file, bootstrap tokens, CSRs), with the
//! certificates and tokens generated here, and the errors for broken credentials.

use crate::util::kubesim;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{
    CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, string::BmpString,
};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

/// Runs kubesim and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = kubesim().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// A client certificate with `cn` (if any) and these O values, valid from `from` to `to`
/// days from now.
fn client_cert(ca: &Ca, cn: Option<&str>, orgs: &[&str], from: i64, to: i64) -> String {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    // rcgen names certificates by default; start from an empty subject.
    params.distinguished_name = rcgen::DistinguishedName::new();
    if let Some(cn) = cn {
        params.distinguished_name.push(DnType::CommonName, cn);
    }
    // rcgen keeps one value per attribute type; the second O goes in under its OID.
    if let Some(first) = orgs.first() {
        params
            .distinguished_name
            .push(DnType::OrganizationName, *first);
    }
    if let Some(second) = orgs.get(1) {
        params
            .distinguished_name
            .push(DnType::CustomDnType(vec![2, 5, 4, 10]), *second);
    }
    params.not_before = OffsetDateTime::now_utc() + Duration::days(from);
    params.not_after = OffsetDateTime::now_utc() + Duration::days(to);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.signed_by(&key, &ca.issuer).unwrap().pem()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An unsigned-looking JWT with these claims (kubesim never checks the signature).
fn jwt(claims: Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"test"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

fn in_an_hour() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp() + 3600
}

fn whoami_token(dir: &Path, token: &str, extra: &[&str]) -> (i32, Value, String) {
    let file = write(dir, "token", &format!("{token}\n"));
    let mut args = vec!["whoami", "--token-file", s(&file), "-o", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    (
        code,
        if out.is_empty() {
            Value::Null
        } else {
            json_of(&out)
        },
        err,
    )
}

#[test]
fn certificate_cn_with_spaces_and_unicode_and_several_organizations() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("test-ca");
    let cert = write(
        dir.path(),
        "jane.crt",
        &client_cert(
            &ca,
            Some("Jane Doe (Zürich) ✓"),
            &["dev", "on call"],
            -1,
            30,
        ),
    );
    let (code, out, err) = run(&["whoami", "--cert", s(&cert), "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["user"], "Jane Doe (Zürich) ✓");
    assert_eq!(
        v["groups"],
        json!(["dev", "on call", "system:authenticated"])
    );
    assert_eq!(v["method"], "client_certificate");
    assert_eq!(v["authenticated"], true);
    assert!(v["details"]["issuer"].as_str().unwrap().contains("test-ca"));
    assert!(
        v["warnings"][0].as_str().unwrap().contains("not verified"),
        "{v}"
    );
    // The table says the same, kubectl-style.
    let (_, table, _) = run(&["whoami", "--cert", s(&cert)]);
    assert!(
        table.contains("Username           Jane Doe (Zürich) ✓"),
        "{table}"
    );
    assert!(
        table.contains("[dev on call system:authenticated]"),
        "{table}"
    );
}

#[test]
fn a_bmp_string_common_name_is_decoded_as_go_decodes_it() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("test-ca");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(
        DnType::CommonName,
        rcgen::DnValue::BmpString(BmpString::try_from("Łukasz").unwrap()),
    );
    let cert = params.signed_by(&key, &ca.issuer).unwrap().pem();
    let path = write(dir.path(), "c.crt", &cert);
    let (code, out, _) = run(&["whoami", "--cert", s(&path), "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json_of(&out)["user"], "Łukasz");
}

#[test]
fn verification_against_the_ca_rejects_expired_and_foreign_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let ours = ca("cluster-ca");
    let theirs = ca("other-ca");
    let ca_file = write(dir.path(), "ca.crt", &ours.pem);
    let good = write(
        dir.path(),
        "good.crt",
        &client_cert(&ours, Some("alice"), &["dev"], -1, 30),
    );
    let expired = write(
        dir.path(),
        "expired.crt",
        &client_cert(&ours, Some("alice"), &["dev"], -30, -1),
    );
    let foreign = write(
        dir.path(),
        "foreign.crt",
        &client_cert(&theirs, Some("alice"), &["dev"], -1, 30),
    );

    let (code, out, _) = run(&[
        "whoami",
        "--cert",
        s(&good),
        "--ca",
        s(&ca_file),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let v = json_of(&out);
    assert_eq!(v["authenticated"], true);
    assert!(
        v["details"]["verified"]
            .as_str()
            .unwrap()
            .contains("ca.crt")
    );
    assert_eq!(v["warnings"], json!([]));

    // Without --ca an expired certificate is still mapped, with a warning.
    let (code, out, _) = run(&["whoami", "--cert", s(&expired), "-o", "json"]);
    assert_eq!(code, 0);
    let v = json_of(&out);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("expired at")),
        "{v}"
    );

    // With --ca it does not authenticate: exit 1, and the reason.
    let (code, out, _) = run(&[
        "whoami",
        "--cert",
        s(&expired),
        "--ca",
        s(&ca_file),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    let v = json_of(&out);
    assert_eq!(v["authenticated"], false);
    assert!(v["rejected"].as_str().unwrap().contains("expired"), "{v}");
    assert_eq!(v["user"], "alice");

    let (code, out, _) = run(&[
        "whoami",
        "--cert",
        s(&foreign),
        "--ca",
        s(&ca_file),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert!(
        json_of(&out)["rejected"]
            .as_str()
            .unwrap()
            .contains("unknown authority")
    );
}

#[test]
fn a_certificate_without_common_name_does_not_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("ca");
    let cert = write(
        dir.path(),
        "c.crt",
        &client_cert(&ca, None, &["dev"], -1, 30),
    );
    let (code, out, _) = run(&["whoami", "--cert", s(&cert), "-o", "json"]);
    assert_eq!(code, 1);
    assert!(
        json_of(&out)["rejected"]
            .as_str()
            .unwrap()
            .contains("no CommonName")
    );
}

fn kubeconfig(dir: &Path, users: &str, current: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n  - name: c\n    cluster:\n      server: https://example.invalid\ncontexts:\n  - name: dev\n    context:\n      cluster: c\n      user: dev-user\n      namespace: team\n  - name: ci\n    context:\n      cluster: c\n      user: ci-user\nusers:\n{users}"
    );
    write(dir, "kubeconfig.yaml", &text)
}

#[test]
fn kubeconfig_contexts_pick_the_certificate_or_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("ca");
    std::fs::create_dir(dir.path().join("pki")).unwrap();
    write(
        &dir.path().join("pki"),
        "dev.crt",
        &client_cert(&ca, Some("dev@example.com"), &["devs", "oncall"], -1, 30),
    );
    let token = jwt(json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": "ci",
        "kubernetes.io/serviceaccount/service-account.name": "builder",
        "kubernetes.io/serviceaccount/service-account.uid": "u-1",
        "kubernetes.io/serviceaccount/secret.name": "builder-token",
        "sub": "system:serviceaccount:ci:builder",
    }));
    // The certificate path is relative to the kubeconfig, as kubectl reads it.
    let users = format!(
        "  - name: dev-user\n    user:\n      client-certificate: pki/dev.crt\n      client-key: pki/dev.key\n  - name: ci-user\n    user:\n      token: {token}\n"
    );
    let config = kubeconfig(dir.path(), &users, "dev");

    let (code, out, err) = run(&["whoami", "--kubeconfig", s(&config), "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["user"], "dev@example.com");
    assert_eq!(
        v["groups"],
        json!(["devs", "oncall", "system:authenticated"])
    );
    assert_eq!(v["details"]["context namespace"], "team");
    assert!(
        v["source"]
            .as_str()
            .unwrap()
            .contains("context dev, user dev-user")
    );

    let (code, out, err) = run(&[
        "whoami",
        "--kubeconfig",
        s(&config),
        "--context",
        "ci",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["user"], "system:serviceaccount:ci:builder");
    assert_eq!(
        v["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:authenticated"
        ])
    );
    assert_eq!(v["method"], "service_account_token_legacy");
    assert_eq!(v["uid"], "u-1");
    assert!(v["warnings"][0].as_str().unwrap().contains("not verified"));
}

#[test]
fn a_corrupt_kubeconfig_is_reported_with_its_position_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: Config\nusers:\n  - name: a\n    user: {token: [unclosed\n",
    );
    let (code, out, err) = run(&["whoami", "--kubeconfig", s(&config)]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let prefix = format!("{}:", s(&config));
    assert!(err.starts_with(&prefix), "{err}");
    let rest = &err[prefix.len()..];
    let mut parts = rest.splitn(3, ':');
    assert!(parts.next().unwrap().parse::<u32>().unwrap() >= 5, "{err}");
    assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{err}");
    assert!(
        parts
            .next()
            .unwrap()
            .starts_with(" error: invalid kubeconfig"),
        "{err}"
    );
}

#[test]
fn kubeconfig_problems_point_at_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let users = "  - name: dev-user\n    user:\n      client-certificate-data: '%%%not base64'\n  - name: ci-user\n    user:\n      exec:\n        command: gke-gcloud-auth-plugin\n";
    let config = kubeconfig(dir.path(), users, "dev");
    let (code, _, err) = run(&["whoami", "--kubeconfig", s(&config)]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!(
            "{}:21:32: error: client-certificate-data is not base64",
            s(&config)
        )),
        "{err}"
    );
    let (code, _, err) = run(&["whoami", "--kubeconfig", s(&config), "--context", "ci"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":25:") && err.contains("exec plugin \"gke-gcloud-auth-plugin\""),
        "{err}"
    );
    let (code, _, err) = run(&["whoami", "--kubeconfig", s(&config), "--context", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("context \"nope\" does not exist"), "{err}");
    let missing = kubeconfig(
        dir.path(),
        "  - name: other\n    user:\n      token: x\n",
        "dev",
    );
    let (code, _, err) = run(&["whoami", "--kubeconfig", s(&missing)]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":12:13: error: user \"dev-user\" of context \"dev\" does not exist"),
        "{err}"
    );
}

#[test]
fn bound_service_account_tokens_carry_the_pod() {
    let dir = tempfile::tempdir().unwrap();
    let token = jwt(json!({
        "aud": ["https://kubernetes.default.svc"],
        "exp": in_an_hour(),
        "iss": "https://kubernetes.default.svc",
        "jti": "abc",
        "kubernetes.io": {
            "namespace": "payments",
            "serviceaccount": {"name": "api", "uid": "sa-uid"},
            "pod": {"name": "api-0", "uid": "pod-uid"},
            "node": {"name": "node-1", "uid": "node-uid"}
        },
        "sub": "system:serviceaccount:payments:api"
    }));
    let (code, v, err) = whoami_token(dir.path(), &token, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["user"], "system:serviceaccount:payments:api");
    assert_eq!(
        v["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:payments",
            "system:authenticated"
        ])
    );
    assert_eq!(v["method"], "service_account_token");
    assert_eq!(v["uid"], "sa-uid");
    assert_eq!(
        v["extra"]["authentication.kubernetes.io/pod-name"],
        json!(["api-0"])
    );
    assert_eq!(
        v["extra"]["authentication.kubernetes.io/node-name"],
        json!(["node-1"])
    );
    assert_eq!(
        v["extra"]["authentication.kubernetes.io/credential-id"],
        json!(["JTI=abc"])
    );
    assert_eq!(v["details"]["bound to pod"], "payments/api-0");
}

#[test]
fn an_expired_token_is_mapped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let token = jwt(json!({
        "iss": "https://kubernetes.default.svc",
        "exp": 1_000_000_000,
        "kubernetes.io": {"namespace": "a", "serviceaccount": {"name": "b"}}
    }));
    let (code, v, _) = whoami_token(dir.path(), &token, &[]);
    assert_eq!(code, 0);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "the token expired at 2001-09-09T01:46:40Z"),
        "{v}"
    );
}

#[test]
fn oidc_tokens_follow_the_apiserver_flags() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = "https://issuer.example.com";
    let token = jwt(json!({
        "iss": issuer,
        "aud": "kubernetes",
        "sub": "12345",
        "email": "jane@example.com",
        "email_verified": true,
        "groups": ["admins", "devs"],
        "role": "ops",
        "exp": in_an_hour(),
    }));
    let base = ["--oidc-issuer-url", issuer];
    // Default claim sub: prefixed with the issuer URL and #.
    let (code, v, _) = whoami_token(dir.path(), &token, &base);
    assert_eq!(code, 0);
    assert_eq!(v["user"], "https://issuer.example.com#12345");
    assert_eq!(v["groups"], json!(["system:authenticated"]));
    assert_eq!(v["method"], "oidc_token");
    // email is not prefixed.
    let (_, v, _) = whoami_token(
        dir.path(),
        &token,
        &[base[0], base[1], "--oidc-username-claim", "email"],
    );
    assert_eq!(v["user"], "jane@example.com");
    // "-" disables the prefix; a given prefix replaces it.
    let (_, v, _) = whoami_token(
        dir.path(),
        &token,
        &[base[0], base[1], "--oidc-username-prefix", "-"],
    );
    assert_eq!(v["user"], "12345");
    let (_, v, _) = whoami_token(
        dir.path(),
        &token,
        &[
            base[0],
            base[1],
            "--oidc-username-prefix",
            "oidc:",
            "--oidc-groups-claim",
            "groups",
            "--oidc-groups-prefix",
            "oidc:",
            "--oidc-client-id",
            "kubernetes",
        ],
    );
    assert_eq!(v["user"], "oidc:12345");
    assert_eq!(
        v["groups"],
        json!(["oidc:admins", "oidc:devs", "system:authenticated"])
    );
    // A single string is one group.
    let (_, v, _) = whoami_token(
        dir.path(),
        &token,
        &[base[0], base[1], "--oidc-groups-claim", "role"],
    );
    assert_eq!(v["groups"], json!(["ops", "system:authenticated"]));
    // Another issuer or audience: no authenticator accepts it.
    let (code, v, _) = whoami_token(
        dir.path(),
        &token,
        &["--oidc-issuer-url", "https://other.example.com"],
    );
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("is not --oidc-issuer-url")
    );
    let (code, _, _) = whoami_token(
        dir.path(),
        &token,
        &[base[0], base[1], "--oidc-client-id", "someone-else"],
    );
    assert_eq!(code, 1);
    // Without the flag, the token's own issuer is assumed, and the report says so.
    let (code, v, _) = whoami_token(dir.path(), &token, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["user"], "https://issuer.example.com#12345");
    assert!(v["warnings"].to_string().contains("its own issuer"));
}

#[test]
fn oidc_email_must_be_verified_when_the_claim_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let token =
        jwt(json!({"iss": "https://i", "sub": "1", "email": "x@y", "email_verified": false}));
    let (code, v, _) = whoami_token(
        dir.path(),
        &token,
        &[
            "--oidc-issuer-url",
            "https://i",
            "--oidc-username-claim",
            "email",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(v["rejected"], "oidc: email not verified");
    let token = jwt(json!({"iss": "https://i", "sub": "1"}));
    let (code, v, _) = whoami_token(
        dir.path(),
        &token,
        &[
            "--oidc-issuer-url",
            "https://i",
            "--oidc-username-claim",
            "email",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("claim not present")
    );
}

#[test]
fn a_malformed_token_is_a_located_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "token",
        "  eyJhbGciOiJSUzI1NiJ9.@@@notbase64.sig\n",
    );
    let (code, out, err) = run(&["whoami", "--token-file", s(&file)]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with(&format!(
            "{}:1:24: error: malformed token: the payload is not base64url",
            s(&file)
        )),
        "{err}"
    );
    let file = write(dir.path(), "token2", "a.b.c.d\n");
    let (code, _, err) = run(&["whoami", "--token-file", s(&file)]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":1:1: error: malformed token: a JWT has three parts"),
        "{err}"
    );
    let file = write(dir.path(), "token3", "just-some-opaque-value\n");
    let (code, _, err) = run(&["whoami", "--token-file", s(&file)]);
    assert_eq!(code, 2);
    assert!(err.contains("--token-auth-file"), "{err}");
}

#[test]
fn the_static_token_file_maps_user_uid_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "tokens.csv",
        "t0k3n,alice,uid-1,\"dev,ops\"\nother,bob,uid-2\nt0k3n,carol,uid-3,\"admins\"\n",
    );
    let (code, v, err) = whoami_token(dir.path(), "other", &["--token-auth-file", s(&csv)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["user"], "bob");
    assert_eq!(v["uid"], "uid-2");
    assert_eq!(v["groups"], json!(["system:authenticated"]));
    assert_eq!(v["method"], "static_token");
    // A repeated token: the last line wins, with a warning.
    let (code, v, err) = whoami_token(dir.path(), "t0k3n", &["--token-auth-file", s(&csv)]);
    assert_eq!(code, 0);
    assert_eq!(v["user"], "carol");
    assert_eq!(v["groups"], json!(["admins", "system:authenticated"]));
    assert!(
        err.contains("tokens.csv:3:1: warning: duplicate token"),
        "{err}"
    );
    let bad = write(dir.path(), "bad.csv", "ok,u,1\nshort,u\n");
    let (code, _, err) = whoami_token(dir.path(), "ok", &["--token-auth-file", s(&bad)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.csv:2:1: error: a token file must have at least 3 columns"),
        "{err}"
    );
    // Groups split on commas exactly.
    let groups = write(dir.path(), "g.csv", "tok,u,1,\"a, b,c\"\n");
    let (_, v, _) = whoami_token(dir.path(), "tok", &["--token-auth-file", s(&groups)]);
    assert_eq!(v["groups"], json!(["a", " b", "c", "system:authenticated"]));
}

fn bootstrap_secret(id: &str, secret: &str, extra: &str) -> String {
    let b = |s: &str| STANDARD.encode(s);
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bootstrap-token-{id}\n  namespace: kube-system\ntype: bootstrap.kubernetes.io/token\ndata:\n  token-id: {}\n  token-secret: {}\n{extra}",
        b(id),
        b(secret)
    )
}

#[test]
fn bootstrap_tokens_are_checked_against_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let future = "2999-01-01T00:00:00Z";
    let docs = [
        bootstrap_secret(
            "abcdef",
            "0123456789abcdef",
            &format!(
                "  usage-bootstrap-authentication: {}\n  auth-extra-groups: {}\nstringData:\n  expiration: \"{future}\"\n",
                STANDARD.encode("true"),
                STANDARD.encode(
                    "system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:workers"
                )
            ),
        ),
        bootstrap_secret(
            "expird",
            "0123456789abcdef",
            "stringData:\n  usage-bootstrap-authentication: \"true\"\n  expiration: \"2001-01-01T00:00:00Z\"\n",
        ),
        bootstrap_secret("nouse0", "0123456789abcdef", ""),
        bootstrap_secret(
            "badgrp",
            "0123456789abcdef",
            "stringData:\n  usage-bootstrap-authentication: \"true\"\n  auth-extra-groups: system:masters\n",
        ),
    ];
    let manifests = write(dir.path(), "secrets.yaml", &docs.join("---\n"));
    let ask = |token: &str| {
        let (code, v, err) = whoami_token(dir.path(), token, &["-f", s(&manifests)]);
        assert!(code != 2, "{err}");
        (code, v)
    };
    let (code, v) = ask("abcdef.0123456789abcdef");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["user"], "system:bootstrap:abcdef");
    assert_eq!(
        v["groups"],
        json!([
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
            "system:bootstrappers:workers",
            "system:authenticated"
        ])
    );
    assert_eq!(v["method"], "bootstrap_token");
    let (code, v) = ask("abcdef.0000000000000000");
    assert_eq!(code, 1);
    assert!(v["rejected"].as_str().unwrap().contains("token-secret"));
    let (code, v) = ask("expird.0123456789abcdef");
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("expired at 2001-01-01"),
        "{v}"
    );
    let (code, v) = ask("nouse0.0123456789abcdef");
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("usage-bootstrap-authentication")
    );
    let (code, v) = ask("badgrp.0123456789abcdef");
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("auth-extra-groups")
    );
    let (code, v) = ask("zzzzzz.0123456789abcdef");
    assert_eq!(code, 1);
    assert!(
        v["rejected"]
            .as_str()
            .unwrap()
            .contains("no Secret kube-system/bootstrap-token-zzzzzz")
    );
}

fn csr_object(name: &str, pem: &str, usages: &[&str], status: &str) -> String {
    format!(
        "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: {name}\nspec:\n  request: {}\n  signerName: kubernetes.io/kube-apiserver-client\n  usages: [{}]\n  username: admin\n{status}",
        STANDARD.encode(pem),
        usages.join(", ")
    )
}

fn csr_pem(cn: &str, orgs: &[&str]) -> String {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, orgs[0]);
    params
        .distinguished_name
        .push(DnType::CustomDnType(vec![2, 5, 4, 10]), orgs[1]);
    params.serialize_request(&key).unwrap().pem().unwrap()
}

#[test]
fn a_csr_names_the_identity_its_certificate_would_carry() {
    let dir = tempfile::tempdir().unwrap();
    let pending = csr_object(
        "bob-access",
        &csr_pem("bob", &["reviewers", "dev"]),
        &["client auth", "digital signature"],
        "",
    );
    let denied = csr_object(
        "denied",
        &csr_pem("mallory", &["system:masters", "x"]),
        &["client auth"],
        "status:\n  conditions:\n    - type: Denied\n      status: \"True\"\n",
    );
    let serving = csr_object(
        "serving",
        &csr_pem("web", &["a", "b"]),
        &["server auth"],
        "",
    );
    let rbac = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reviewers-view\n  namespace: team\nsubjects:\n  - kind: Group\n    name: reviewers\n    apiGroup: rbac.authorization.k8s.io\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\n";
    let manifests = write(
        dir.path(),
        "csrs.yaml",
        &[pending, denied, serving, rbac.to_string()].join("---\n"),
    );
    let (code, out, err) = run(&[
        "whoami",
        "--csr",
        "bob-access",
        "-f",
        s(&manifests),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["user"], "bob");
    assert_eq!(
        v["groups"],
        json!(["reviewers", "dev", "system:authenticated"])
    );
    assert_eq!(
        v["details"]["signer"],
        "kubernetes.io/kube-apiserver-client"
    );
    assert_eq!(v["details"]["usages"], "client auth, digital signature");
    assert_eq!(v["details"]["requested by"], "admin");
    assert!(v["warnings"].to_string().contains("not approved yet"));

    // Access can be answered before approval.
    let (code, out, err) = run(&[
        "can",
        "get",
        "pods",
        "--as-csr",
        "bob-access",
        "-f",
        s(&manifests),
        "-n",
        "team",
        "--defaults",
        "latest",
    ]);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.starts_with("yes\n"), "{out}");
    assert!(out.contains("RoleBinding team/reviewers-view"), "{out}");

    let (code, out, _) = run(&[
        "whoami",
        "--csr",
        "denied",
        "-f",
        s(&manifests),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(json_of(&out)["rejected"], "the request was denied");
    let (code, out, _) = run(&[
        "whoami",
        "--csr",
        "serving",
        "-f",
        s(&manifests),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert!(
        json_of(&out)["rejected"]
            .as_str()
            .unwrap()
            .contains("client auth")
    );
    let (code, _, err) = run(&["whoami", "--csr", "nope", "-f", s(&manifests)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the input holds bob-access, denied, serving"),
        "{err}"
    );
}

#[test]
fn can_and_access_answer_for_a_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("ca");
    let pem = client_cert(&ca, Some("jane"), &["team-devs", "x"], -1, 30);
    let users = format!(
        "  - name: dev-user\n    user:\n      client-certificate-data: {}\n  - name: ci-user\n    user:\n      token: x\n",
        STANDARD.encode(pem)
    );
    let config = kubeconfig(dir.path(), &users, "dev");
    let rbac = write(
        dir.path(),
        "rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: devs\n  namespace: team\nsubjects:\n  - kind: Group\n    name: team-devs\n    apiGroup: rbac.authorization.k8s.io\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\n",
    );
    let base = [
        "--as-kubeconfig",
        s(&config),
        "-f",
        s(&rbac),
        "--defaults",
        "latest",
    ];
    let mut args = vec!["can", "delete", "pods", "-n", "team"];
    args.extend_from_slice(&base);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("as user \"jane\" groups [team-devs x system:authenticated]"),
        "{out}"
    );
    let mut args = vec!["can", "delete", "pods", "-n", "other"];
    args.extend_from_slice(&base);
    assert_eq!(run(&args).0, 1);
    let mut args = vec!["access", "-n", "team", "-o", "json"];
    args.extend_from_slice(&base);
    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    let v = json_of(&out);
    assert_eq!(v["user"], "jane");
    assert!(v["resourceRules"].as_array().unwrap().len() > 5);
    // A subject and a credential together are a usage error.
    let mut args = vec!["can", "user:x", "get", "pods"];
    args.extend_from_slice(&base);
    assert_eq!(run(&args).0, 2);
    // whoami --show-access appends the access report.
    let (code, out, _) = run(&[
        "whoami",
        "--kubeconfig",
        s(&config),
        "--show-access",
        "-f",
        s(&rbac),
        "--defaults",
        "latest",
        "-n",
        "team",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\nAccess in namespace team:\n"), "{out}");
    assert!(out.contains("deployments.apps "), "{out}");
}
