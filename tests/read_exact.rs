//! Reading manifests exactly as kubectl and the apiserver read them, case by case; each test
//! names the upstream behaviour it follows.

use kubesim::manifest::{LoadOptions, Loaded, load_paths};
use kubesim::model::WorkloadKind;

use crate::util::{kubesim, service_account_names};

/// Runs kubesim: exit code, stdout, stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = kubesim().args(args).output().expect("kubesim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DIR: &str = "tests/data/manifests/upstream-reading";

fn load(file: &str) -> Loaded {
    load_paths(&[format!("{DIR}/{file}")], &LoadOptions::default())
}

fn messages(loaded: &Loaded) -> Vec<String> {
    loaded.diagnostics.iter().map(ToString::to_string).collect()
}

/// kubectl's resource builder flattens Lists with `FlattenListVisitor`, which recurses: a
/// List inside a List is flattened too, items in order.
#[test]
fn a_list_inside_a_list_is_flattened() {
    let loaded = load("nested-list.yaml");
    assert_eq!(messages(&loaded), Vec::<String>::new());
    let binding = &loaded.cluster.cluster_role_bindings[0];
    assert_eq!(binding.metadata.name.as_deref(), Some("mallory-admin"));
    assert_eq!(binding.origin.item.as_deref(), Some(&[0, 0][..]));
    assert_eq!(binding.origin.line, 8);
    let pod = &loaded.cluster.workloads[0];
    assert_eq!((pod.kind, pod.name.as_str()), (WorkloadKind::Pod, "outer"));
    assert_eq!(pod.origin.item.as_deref(), Some(&[1][..]));
    assert!(
        loaded.cluster.skipped.is_empty(),
        "{:?}",
        loaded.cluster.skipped
    );

    let file = format!("{DIR}/nested-list.yaml");
    let (code, out, _) = run(&[
        "can",
        "user:mallory",
        "delete",
        "secrets",
        "--defaults",
        "latest",
        "-f",
        &file,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("yes\n"), "{out}");
}

/// A field of an object in a nested List is located inside that object (its line in the file).
#[test]
fn a_field_of_a_nested_list_item_has_its_own_line() {
    let (_, out, _) = run(&["pss", "-f", &format!("{DIR}/nested-list.yaml")]);
    assert!(
        out.contains("nested-list.yaml:20) meets privileged"),
        "{out}"
    );
    assert!(
        out.contains("spec.containers[0].securityContext.privileged at line 30"),
        "{out}"
    );
}

/// apimachinery's `unstructuredJSONScheme.decodeToList` unmarshals `items` into a slice: a
/// List whose `items` is not a sequence is an error, not a skipped kind; the next document
/// still loads.
#[test]
fn list_items_that_are_not_a_sequence_are_an_error() {
    let loaded = load("items-not-a-sequence.yaml");
    assert_eq!(
        messages(&loaded),
        [format!(
            "{DIR}/items-not-a-sequence.yaml:4:3: error: the items of a List must be a sequence, found a mapping"
        )]
    );
    assert_eq!(service_account_names(&loaded), ["kept"]);
    assert!(loaded.cluster.skipped.is_empty());
}

/// The apiserver's `ValidateObjectMeta` refuses an object with neither `metadata.name` nor
/// `metadata.generateName` ("name or generateName is required"): it is reported and not used.
/// `generateName` alone is accepted (`kubectl create` gives it a name).
#[test]
fn an_object_without_a_name_is_refused() {
    let loaded = load("unnamed.yaml");
    assert_eq!(
        messages(&loaded),
        [format!(
            "{DIR}/unnamed.yaml:3:1: error: ClusterRoleBinding: metadata.name: Required value: name or generateName is required"
        )]
    );
    assert!(loaded.cluster.cluster_role_bindings.is_empty());
    assert_eq!(loaded.cluster.service_accounts.len(), 2);

    // A kind kubesim does not evaluate is not judged: the file may not be an API object at all.
    let kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n";
    let loaded =
        kubesim::manifest::load_str("kubeconfig.yaml", kubeconfig, &LoadOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    assert_eq!(loaded.cluster.skipped.get("Config"), Some(&1));

    let file = format!("{DIR}/unnamed.yaml");
    let (code, out, err) = run(&[
        "can",
        "user:nameless",
        "delete",
        "secrets",
        "--defaults",
        "latest",
        "-f",
        &file,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.starts_with("no\n"), "{out}");
    assert!(err.contains("name or generateName is required"), "{err}");
}

/// The apiserver decodes JSON strictly (sigs.k8s.io/json): a field given twice in one object
/// is `duplicate field "…"`, not "the last one wins". The object is refused; the stream goes on.
#[test]
fn a_json_field_given_twice_is_an_error() {
    let loaded = load("duplicate-fields.json");
    let file = format!("{DIR}/duplicate-fields.json");
    assert_eq!(
        messages(&loaded),
        [
            format!("{file}:1:185: error: duplicate field \"privileged\""),
            format!("{file}:2:50: error: duplicate field \"kind\""),
        ]
    );
    assert!(loaded.cluster.workloads.is_empty());
    assert!(loaded.cluster.namespaces.is_empty());
    assert_eq!(service_account_names(&loaded), ["after"]);
}

/// kubectl reads a file as a stream of documents; a broken one costs only itself: a JSON
/// value that does not parse, YAML documents ended by `...`, and lines broken by a lone `\r`
/// (a YAML line break) are each recovered at the next document.
#[test]
fn a_broken_document_costs_only_itself() {
    let cases = [
        ("json-stream-broken.json", vec!["first", "third"], "4:0"),
        ("document-end-markers.yaml", vec!["second", "third"], "3:11"),
        ("carriage-returns.yaml", vec!["second"], "3:11"),
    ];
    for (file, kept, at) in cases {
        let loaded = load(file);
        assert_eq!(service_account_names(&loaded), kept, "{file}");
        let errors = messages(&loaded);
        assert_eq!(errors.len(), 1, "{file}: {errors:?}");
        assert!(
            errors[0].starts_with(&format!("{DIR}/{file}:{at}: error: ")),
            "{errors:?}"
        );
    }
}

/// Only the tree's own `.gitignore` files decide what a walk skips (as `git ls-files` of a
/// fresh clone would): a user's global excludes and `.git/info/exclude` are machine state, so
/// they are not read. What ignore rules left out is counted; a file given twice is read once.
#[test]
fn only_the_trees_own_ignore_rules_count_and_a_file_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join(".git/info")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let sa = |name: &str| {
        format!("apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: x}}\n")
    };
    std::fs::write(root.join("sub/kept.yaml"), sa("kept")).unwrap();
    std::fs::write(root.join("ignored.yaml"), sa("ignored")).unwrap();
    std::fs::write(root.join(".gitignore"), "ignored.yaml\n").unwrap();
    std::fs::write(root.join(".git/info/exclude"), "*\n").unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/git")).unwrap();
    std::fs::write(home.join(".config/git/ignore"), "*\n").unwrap();

    let root_arg = root.to_string_lossy().to_string();
    let kept = root.join("sub/kept.yaml").to_string_lossy().to_string();
    let out = kubesim()
        .args(["inventory", "-f", &root_arg, "-f", &kept])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "\n1 files (1 left out by .gitignore/.ignore rules; --no-ignore reads them), 1 objects evaluated, 0 skipped, 0 errors, 0 warnings\n"
        ),
        "{stdout}"
    );
}

/// Kinds are case-sensitive: the apiserver answers `no matches for kind "deployment"`. The
/// object is refused with the spelling it meant, not counted as a kind kubesim skips.
#[test]
fn a_kind_in_the_wrong_case_is_refused_with_a_suggestion() {
    let loaded = load("kind-case.yaml");
    assert_eq!(
        messages(&loaded),
        [format!(
            "{DIR}/kind-case.yaml:2:7: error: no matches for kind \"deployment\" in version \"apps/v1\"; kinds are case-sensitive: did you mean `Deployment`?"
        )]
    );
    assert!(loaded.cluster.skipped.is_empty());
    assert_eq!(service_account_names(&loaded), ["kept"]);
}

/// A file name is data: one holding a newline is printed quoted (as Go's `%q`), so it cannot
/// forge a diagnostic line of its own.
#[test]
fn a_file_name_with_a_newline_is_printed_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("evil\nx.yaml:1:1: error: forged.yaml");
    std::fs::write(
        &name,
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [\n",
    )
    .unwrap();
    let out = kubesim()
        .args(["inventory", "-f", &dir.path().to_string_lossy()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains(r#"evil\nx.yaml:1:1: error: forged.yaml":3:"#),
        "{stderr}"
    );
}

/// One pod per row: the scalar as written in a pod field, what Kubernetes makes of it, and the
/// upstream rule that decides. kubectl reads YAML with sigs.k8s.io/yaml over go-yaml v2:
/// go-yaml resolves the scalar (its `resolve.go` table), then the value goes through
/// `json.Marshal` before the apiserver decodes it into the typed field.
#[test]
fn yaml_scalars_resolve_as_kubernetes_resolves_them() {
    use kubesim::manifest::load_str;
    // (label value or field as written, expected label value or user id; None = refused)
    let labels: [(&str, Option<&str>, &str); 6] = [
        (
            "tRue",
            Some("tRue"),
            "go-yaml v2 booleans are only y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON and their negatives: mixed case is a string",
        ),
        ("yEs", Some("yEs"), "the same table: `yEs` is not in it"),
        ("oN", Some("oN"), "the same table: `oN` is not in it"),
        (
            "fAlSe",
            Some("fAlSe"),
            "the same table: `fAlSe` is not in it",
        ),
        (
            "yes",
            None,
            "`yes` is in the table: a boolean, which a string field (a label) refuses",
        ),
        ("'yes'", Some("yes"), "a quoted scalar is always a string"),
    ];
    for (written, expected, rule) in labels {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: x, labels: {{a: {written}}}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n"
        );
        let loaded = load_str("pod.yaml", &text, &LoadOptions::default());
        let got = loaded.cluster.workloads.first().map(|w| {
            w.pod()
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("a"))
                .cloned()
                .unwrap_or_default()
        });
        assert_eq!(got.as_deref(), expected, "label {written}: {rule}");
    }
    let users: [(&str, Option<i64>, &str); 8] = [
        (
            "0.0",
            Some(0),
            "go-yaml resolves a float; json.Marshal writes whole float64 0.0 as `0`, an int64 field takes it",
        ),
        (
            "1e3",
            Some(1000),
            "json.Marshal writes 1e3 as `1000` (no exponent below 1e21)",
        ),
        (
            "1.",
            Some(1),
            "`1.` is a float to go-yaml (its float pattern allows an empty fraction), written as `1`",
        ),
        (
            "08",
            Some(8),
            "`08` is not octal, so strconv.ParseInt fails and go-yaml's float pattern reads 8",
        ),
        (
            "010",
            Some(8),
            "go-yaml v2 reads a leading 0 as octal (YAML 1.1): 8",
        ),
        (
            "0o10",
            Some(8),
            "go-yaml v2 hands the digits to Go's strconv.ParseInt with base 0, which reads a 0o prefix: 8",
        ),
        (
            "1.5",
            None,
            "`1.5` is written as 1.5: an int64 field refuses a fraction",
        ),
        (
            "-0.0",
            Some(0),
            "json.Marshal writes -0.0 as `-0`, which is 0",
        ),
    ];
    for (written, expected, rule) in users {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: x}}\nspec:\n  securityContext: {{runAsUser: {written}}}\n  containers: [{{name: c, image: i}}]\n"
        );
        let loaded = load_str("pod.yaml", &text, &LoadOptions::default());
        let got = loaded.cluster.workloads.first().map(|w| {
            w.pod()
                .spec
                .security_context
                .as_ref()
                .and_then(|s| s.run_as_user)
                .unwrap_or(-1)
        });
        assert_eq!(got, expected, "runAsUser: {written}: {rule}");
    }
}

/// Every reader has a limit with a clear error, so an endless input (`/dev/zero`) or a huge
/// file stops at once instead of exhausting memory; `--max-file-size` moves the manifest limit.
#[test]
fn every_reader_stops_at_its_size_limit() {
    let (code, _, err) = run(&["inventory", "-f", "/dev/zero"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "/dev/zero: error: the input is larger than the limit of 256 MiB (--max-file-size raises it)\n"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.yaml");
    let sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n";
    std::fs::write(&file, sa.repeat(40)).unwrap();
    let path = file.to_string_lossy().to_string();
    let (code, _, err) = run(&["inventory", "-f", &path, "--max-file-size", "2K"]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with(
            "error: the input is larger than the limit of 2 KiB (--max-file-size raises it)\n"
        ),
        "{err}"
    );
    let (code, out, _) = run(&["inventory", "-f", &path, "--max-file-size", "1M"]);
    assert_eq!(code, 0, "{out}");
    // The reader scenarios load their manifests with.
    assert_eq!(
        kubesim::manifest::read_file(&file, 2048).unwrap_err(),
        "the input is larger than the limit of 2 KiB (--max-file-size raises it)"
    );

    let (code, _, err) = run(&["whoami", "--token-file", "/dev/zero"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/dev/zero: error: the file is larger than 16 MiB"),
        "{err}"
    );
}

/// A bare name a CRD shares with a built-in resource (Longhorn's `nodes.longhorn.io`) means the
/// built-in, as kubectl's priority RESTMapper orders the built-in groups before every CRD's;
/// a note says so, and the CRD is reached with its group. The language reads it the same way.
#[test]
fn a_name_shared_with_a_crd_means_the_built_in_resource() {
    let file = format!("{DIR}/crd-shares-builtin.yaml");
    let (code, out, err) = run(&["can", "user:a", "delete", "nodes", "-f", &file]);
    assert_eq!((code, out.lines().next()), (0, Some("yes")), "{err}");
    assert_eq!(
        err,
        "note: `nodes` is the built-in nodes (core group), as kubectl reads it; the custom resource is `nodes.longhorn.io`\n"
    );
    let (code, out, _) = run(&["can", "user:b", "delete", "nodes", "-f", &file]);
    assert_eq!((code, out.lines().next()), (1, Some("no")));
    let (code, out, err) = run(&[
        "can",
        "user:b",
        "delete",
        "nodes.longhorn.io",
        "-n",
        "x",
        "-f",
        &file,
    ]);
    assert_eq!((code, out.lines().next()), (0, Some("yes")));
    // A qualified name is not read as the built-in, so there is no note about it.
    assert!(!err.contains("note:"), "{err}");
    let (code, _, err) = run(&["who-can", "create", "volumeattachments", "-f", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the built-in volumeattachments.storage.k8s.io"),
        "{err}"
    );
}

/// `kubectl auth can-i` warns on a verb outside its known lists (`resourceVerbs`,
/// `nonResourceURLVerbs`: "verb 'gte' is not a known verb") and still asks; kubesim adds the
/// nearest known verb.
#[test]
fn an_unknown_verb_is_warned_about_and_still_asked() {
    let manifests = "scenarios/payments/manifests";
    let (code, out, err) = run(&["can", "user:alice", "gte", "pods", "-f", manifests]);
    assert_eq!((code, out.lines().next()), (1, Some("no")));
    assert_eq!(
        err,
        "Warning: verb 'gte' is not a known verb; did you mean 'get'?\n"
    );
    let (_, _, err) = run(&["can", "user:alice", "post", "/healthz", "-f", manifests]);
    assert_eq!(err, "");
    let (_, _, err) = run(&["can", "user:alice", "escalate", "roles", "-f", manifests]);
    assert_eq!(err, "");
}

/// A UTF-8 byte-order mark at the start of a `.ksim` file is not text (YAML and Go's readers
/// skip it too): the file parses, and positions count from its first visible character.
#[test]
fn a_byte_order_mark_starts_no_statement() {
    let text = "\u{feff}scenario \"bom\" {\n  expect user:a can get pods\n}\n";
    let file = kubesim::dsl::parse_file("bom.ksim", text).expect("parses");
    assert_eq!(file.items.len(), 1);
    let broken = kubesim::dsl::parse_file("bom.ksim", "\u{feff}scenari \"bom\" {}\n").unwrap_err();
    assert!(
        broken[0].to_string().starts_with("bom.ksim:1:1: error: "),
        "{}",
        broken[0].to_string()
    );
}

/// A generated directory of valid and broken documents in every shape kubectl reads (YAML
/// streams with `---` and `...`, LF, CRLF and lone-CR line breaks, JSON streams, Lists and
/// nested Lists, duplicate keys) loads every valid object: the per-kind counts equal what the
/// generator itself counted while writing.
#[test]
fn a_mixed_directory_loses_no_valid_document() {
    // A small deterministic generator, so the test is the same on every run.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let dir = tempfile::tempdir().unwrap();
    let mut expected: std::collections::BTreeMap<String, usize> = Default::default();
    let unique = std::cell::Cell::new(0usize);
    let name = || {
        unique.set(unique.get() + 1);
        unique.get()
    };
    let object = |kind: &str, expected: &mut std::collections::BTreeMap<String, usize>| {
        let unique = name();
        *expected.entry(kind.to_string()).or_default() += 1;
        match kind {
            "ServiceAccount" => format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: sa{unique}, namespace: ns}}\n"
            ),
            _ => format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r{unique}, namespace: ns}}\nrules: []\n"
            ),
        }
    };
    for file in 0..60 {
        let json = next(4) == 0;
        let mut text = String::new();
        for _ in 0..(1 + next(6)) {
            let kind = if next(2) == 0 {
                "ServiceAccount"
            } else {
                "Role"
            };
            if json {
                match next(3) {
                    0 => text.push_str("{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\":\n"),
                    1 => text.push_str("{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"kind\": \"Role\", \"metadata\": {\"name\": \"dup\"}}\n"),
                    _ => {
                        let unique = name();
                        *expected.entry("ServiceAccount".into()).or_default() += 1;
                        text.push_str(&format!("{{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {{\"name\": \"j{unique}\", \"namespace\": \"ns\"}}}}\n"));
                    }
                }
                continue;
            }
            let doc = match next(6) {
                0 => "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [broken\n".to_string(),
                1 => "apiVersion: v1\nkind: ServiceAccount\nkind: Role\nmetadata: {name: dup}\n"
                    .to_string(),
                2 => {
                    let items: String = (0..1 + next(3))
                        .map(|_| {
                            let item = object(kind, &mut expected);
                            let mut lines = item.lines();
                            let first = lines.next().unwrap_or("");
                            let rest: String = lines.map(|l| format!("  {l}\n")).collect();
                            format!("- {first}\n{rest}")
                        })
                        .collect();
                    let inner = object("ServiceAccount", &mut expected);
                    let inner: String = inner.lines().map(|l| format!("      {l}\n")).collect();
                    let inner = inner.replacen("      ", "    - ", 1);
                    format!(
                        "apiVersion: v1\nkind: List\nitems:\n{items}- apiVersion: v1\n  kind: List\n  items:\n{inner}"
                    )
                }
                _ => object(kind, &mut expected),
            };
            text.push_str(&doc);
            text.push_str(if next(3) == 0 { "...\n" } else { "---\n" });
        }
        let text = match (json, next(3)) {
            (false, 1) => text.replace('\n', "\r\n"),
            (false, 2) => text.replace('\n', "\r"),
            _ => text,
        };
        let name = format!("f{file:02}.{}", if json { "json" } else { "yaml" });
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let loaded = load_paths(
        &[dir.path().to_string_lossy().to_string()],
        &LoadOptions::default(),
    );
    let counts = loaded.cluster.counts();
    assert!(expected.values().sum::<usize>() > 150, "{expected:?}");
    assert_eq!(counts, expected, "{:#?}", messages(&loaded));
    assert!(loaded.has_errors(), "the broken documents are reported");
}

/// A binding whose role is missing keeps upstream's error text (`clusterrole… "view" not
/// found`), and the reports say which binding it comes from, with its file and line.
#[test]
fn a_missing_role_is_traced_to_its_binding() {
    let file = format!("{DIR}/missing-role.yaml");
    let (_, out, _) = run(&["who-can", "get", "pods", "-f", &file]);
    assert!(out.ends_with(&format!(
        "warning: clusterrole.rbac.authorization.k8s.io \"view\" not found (roleRef of ClusterRoleBinding b ({file}:1))\n"
    )), "{out}");
    let (_, out, _) = run(&["access", "user:u", "-f", &file]);
    assert!(out.starts_with(&format!(
        "Warning: the list may be incomplete: clusterrole.rbac.authorization.k8s.io \"view\" not found\n  clusterrole.rbac.authorization.k8s.io \"view\" not found: roleRef of ClusterRoleBinding b ({file}:1)\n"
    )), "{out}");
}
