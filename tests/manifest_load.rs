//! Loading manifests the way kubectl reads them: every bad-input class reported with its
//! position while the valid documents around it still load; Lists, JSON, stdin, removed API
//! versions, namespace defaulting and YAML 1.1 scalars.

use std::collections::BTreeMap;

use kubesim::manifest::{LoadOptions, Loaded, load_paths};
use kubesim::model::WorkloadKind;
use kubesim::source::FieldPath;

use crate::util::service_account_names;

fn load(path: &str) -> Loaded {
    load_paths(
        &[format!("tests/data/manifests/{path}")],
        &LoadOptions::default(),
    )
}

fn messages(loaded: &Loaded) -> Vec<String> {
    let mut all = loaded.diagnostics.clone();
    all.sort();
    all.iter().map(ToString::to_string).collect()
}

#[test]
fn every_bad_input_class_is_reported_with_its_position() {
    let loaded = load("bad");
    insta::assert_snapshot!(messages(&loaded).join("\n"));
    assert!(loaded.has_errors());
}

#[test]
fn a_syntax_error_costs_only_its_document() {
    let loaded = load("bad/syntax-error.yaml");
    assert_eq!(service_account_names(&loaded), vec!["before", "after"]);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].location.line, 10);
}

#[test]
fn a_tab_in_indentation_is_an_error_and_the_next_document_loads() {
    let loaded = load("bad/tab-indent.yaml");
    assert_eq!(service_account_names(&loaded), vec!["fine"]);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].location.line, 4);
}

#[test]
fn type_errors_name_the_field_path_and_its_line() {
    let loaded = load("bad/wrong-type.yaml");
    assert!(loaded.cluster.workloads.is_empty());
    assert_eq!(
        messages(&loaded),
        vec![
            "tests/data/manifests/bad/wrong-type.yaml:6:16: error: spec.hostNetwork: invalid type: string \"maybe\", expected a boolean",
            "tests/data/manifests/bad/wrong-type.yaml:20:19: error: spec.containers[0].securityContext.privileged: invalid type: string \"definitely\", expected a boolean",
        ]
    );
}

#[test]
fn unknown_fields_are_warnings_with_their_path() {
    let loaded = load("bad/typo.yaml");
    assert_eq!(loaded.cluster.workloads.len(), 1);
    assert!(!loaded.has_errors());
    assert_eq!(
        messages(&loaded),
        vec![
            "tests/data/manifests/bad/typo.yaml:10:7: warning: unknown field `spec.containers[0].securityContext.privilegd`"
        ]
    );
}

#[test]
fn invalid_utf8_is_reported_and_the_rest_is_read() {
    let loaded = load("bad/invalid-utf8.yaml");
    assert_eq!(service_account_names(&loaded), vec!["ok"]);
    assert_eq!(loaded.cluster.skipped.get("ConfigMap"), Some(&1));
    assert_eq!(
        (
            loaded.diagnostics[0].location.line,
            loaded.diagnostics[0].location.column
        ),
        (12, 12)
    );
}

#[test]
fn unrendered_helm_templates_fail_cleanly_with_a_hint() {
    let loaded = load_paths(
        &["tests/data/corpus/_unrendered".to_string()],
        &LoadOptions::default(),
    );
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 3, "{:?}", errors);
    for e in errors {
        assert!(e.message.contains("unrendered template"), "{e}");
        assert!(e.location.line > 0, "{e}");
    }
}

#[test]
fn lists_are_flattened_and_items_keep_their_own_lines() {
    let loaded = load("good/list.yaml");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let c = &loaded.cluster;
    assert_eq!(
        (
            c.service_accounts.len(),
            c.roles.len(),
            c.role_bindings.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(c.roles[0].origin.line, 10);
    assert_eq!(c.roles[0].origin.item.as_deref(), Some(&[1][..]));
    assert_eq!(c.role_bindings[0].origin.line, 23);
    // A field of a List item is found inside the item.
    let rule = loaded
        .sources
        .locate(&c.roles[0].origin, &FieldPath::parse("rules[0].verbs"));
    assert_eq!(rule.line, 18);
}

#[test]
fn json_streams_load_without_yaml() {
    let loaded = load("good/objects.json");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(service_account_names(&loaded), vec!["json-one"]);
    let pod = &loaded.cluster.workloads[0];
    assert_eq!(
        (pod.name.as_str(), pod.namespace.as_str(), pod.origin.line),
        ("json-pod", "default", 6)
    );
    let line = loaded.sources.line_of(
        &pod.origin,
        &FieldPath::parse("spec.containers[0].securityContext.privileged"),
    );
    assert_eq!(line, Some(7));
}

#[test]
fn bom_and_crlf_files_load() {
    let loaded = load("good/bom-crlf.yaml");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(service_account_names(&loaded), vec!["windows", "second"]);
    assert_eq!(loaded.cluster.service_accounts[1].origin.line, 7);
}

#[test]
fn removed_api_versions_are_read_as_current_with_a_warning() {
    let loaded = load("good/removed-apis.yaml");
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    insta::assert_snapshot!(messages(&loaded).join("\n"));
    let c = &loaded.cluster;
    assert_eq!(c.cluster_roles.len(), 1);
    let kinds: Vec<WorkloadKind> = c.workloads.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, vec![WorkloadKind::Deployment, WorkloadKind::CronJob]);
    assert_eq!(c.skipped.get("PodSecurityPolicy"), Some(&1));
}

#[test]
fn namespaced_objects_without_namespace_get_the_default_or_dash_n() {
    let loaded = load("good/objects.json");
    assert_eq!(loaded.cluster.workloads[0].namespace, "default");
    let options = LoadOptions {
        default_namespace: "payments".into(),
        ..LoadOptions::default()
    };
    let loaded = load_paths(&["tests/data/manifests/good/objects.json".into()], &options);
    assert_eq!(loaded.cluster.workloads[0].namespace, "payments");
    // An explicit namespace is kept.
    assert_eq!(
        loaded.cluster.service_accounts[0]
            .metadata
            .namespace
            .as_deref(),
        Some("app")
    );
}

#[test]
fn yaml_1_1_booleans_octal_merge_keys_and_empty_documents() {
    let loaded = load("good/yaml-1-1.yaml");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let pod = loaded.cluster.workloads[0].pod();
    let container_sc = pod.spec.containers[0].security_context.as_ref().unwrap();
    assert_eq!(
        container_sc.run_as_non_root,
        Some(true),
        "merged from the pod's anchor"
    );
    assert_eq!(container_sc.allow_privilege_escalation, Some(false));
    let mode = pod.spec.volumes.as_ref().unwrap()[0]
        .config_map
        .as_ref()
        .unwrap()
        .default_mode;
    assert_eq!(mode, Some(420));
    assert_eq!(loaded.cluster.workloads[0].origin.line, 5);
    // Secret data is never kept.
    let secret = &loaded.cluster.secrets[0];
    assert!(secret.data.is_none() && secret.string_data.is_none());
    assert_eq!(
        secret.type_.as_deref(),
        Some("kubernetes.io/service-account-token")
    );
}

#[test]
fn missing_paths_and_empty_globs_are_errors() {
    let loaded = load_paths(
        &[
            "tests/data/manifests/nope.yaml".into(),
            "tests/data/manifests/**/*.nothing".into(),
        ],
        &LoadOptions::default(),
    );
    assert_eq!(
        messages(&loaded),
        vec![
            "tests/data/manifests/**/*.nothing: error: the pattern matches no file",
            "tests/data/manifests/nope.yaml: error: no such file or directory",
        ]
    );
}

#[test]
fn globs_match_recursively_and_in_order() {
    let loaded = load_paths(
        &["tests/data/manifests/good/*.json".into()],
        &LoadOptions::default(),
    );
    assert_eq!(loaded.files, 1);
    let loaded = load_paths(
        &["tests/data/manifests/**/l*.yaml".into()],
        &LoadOptions::default(),
    );
    assert_eq!(loaded.files, 1);
    assert_eq!(loaded.cluster.roles.len(), 1);
}

/// Per-kind counts of a copy of part of the real-manifest corpus (see tests/data/corpus/SOURCE.md).
#[test]
fn corpus_subset_counts_are_pinned() {
    let loaded = load_paths(&["tests/data/corpus".to_string()], &LoadOptions::default());
    let counts: BTreeMap<String, usize> = loaded.cluster.counts();
    let expected: BTreeMap<String, usize> = [
        ("ClusterRole", 50),
        ("ClusterRoleBinding", 10),
        ("CronJob", 32),
        ("DaemonSet", 23),
        ("Deployment", 127),
        ("Job", 17),
        ("Namespace", 5),
        ("Pod", 106),
        ("ReplicaSet", 16),
        ("ReplicationController", 16),
        ("Role", 14),
        ("RoleBinding", 21),
        ("Secret", 3),
        ("ServiceAccount", 12),
        ("StatefulSet", 41),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(counts, expected);
    let errors: Vec<String> = messages(&loaded)
        .into_iter()
        .filter(|m| m.contains(": error: "))
        .collect();
    insta::assert_snapshot!(errors.join("\n"));
}

#[test]
fn hidden_paths_are_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let sa =
        |name: &str| format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n");
    std::fs::create_dir(dir.path().join(".hidden")).unwrap();
    std::fs::write(dir.path().join(".hidden/a.yaml"), sa("hidden")).unwrap();
    std::fs::write(dir.path().join("b.yml"), sa("visible")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a manifest").unwrap();
    let root = dir.path().to_string_lossy().to_string();
    let loaded = load_paths(std::slice::from_ref(&root), &LoadOptions::default());
    assert_eq!(service_account_names(&loaded), vec!["visible"]);
    let mut options = LoadOptions::default();
    options.walk.hidden = true;
    let loaded = load_paths(&[root], &options);
    assert_eq!(service_account_names(&loaded), vec!["hidden", "visible"]);
}
