//! Every upstream conformance case of `tests/data/rbac/conformance.json` (transcribed from
//! the upstream Kubernetes tests; see the file's SOURCE note), run through the real engine.
//! Each failure names its case id.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
    Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    FieldsV1, LabelSelector, ManagedFieldsEntry, ObjectMeta,
};
use kubesim::index::RbacIndex;
use kubesim::index::catalog::{ApiResource, Catalog};
use kubesim::model::identity::UserInfo;
use kubesim::model::{Action, Request};
use kubesim::model::{Cluster, Located, Origin};
use kubesim::rbac::access::{kubectl_list_rules, render_kubectl_list, rules_for};
use kubesim::rbac::authorize::{authorize, first_applying_subject};
use kubesim::rbac::covers::{covers, non_resource_url_covers};
use kubesim::rbac::matching::{resource_matches, rule_allows};
use kubesim::rbac::query::{ResourceSpec, parse_resource};
use kubesim::rbac::validate::rule_problems;
use kubesim::rbac::who_can::allowed_subjects;
use serde_json::Value;

fn data() -> Value {
    let text = include_str!("data/rbac/conformance.json");
    serde_json::from_str(text).expect("conformance.json parses")
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(s).collect())
        .unwrap_or_default()
}

fn opt_list(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).map(strings)
}

fn rule(v: &Value) -> PolicyRule {
    PolicyRule {
        verbs: strings(&v["verbs"]),
        api_groups: opt_list(v, "apiGroups"),
        resources: opt_list(v, "resources"),
        resource_names: opt_list(v, "resourceNames"),
        non_resource_urls: opt_list(v, "nonResourceURLs"),
    }
}

fn rules(v: &Value) -> Vec<PolicyRule> {
    v.as_array()
        .map(|a| a.iter().map(rule).collect())
        .unwrap_or_default()
}

fn origin() -> Origin {
    Origin::at("conformance", 1, 1)
}

fn meta(name: &Value, namespace: Option<&Value>) -> ObjectMeta {
    ObjectMeta {
        name: Some(s(name)),
        namespace: namespace.map(s),
        ..ObjectMeta::default()
    }
}

fn subject(v: &Value) -> Subject {
    let a = v.as_array().expect("subject array");
    Subject {
        kind: s(&a[0]),
        name: s(&a[1]),
        namespace: a.get(2).map(s),
        api_group: None,
    }
}

fn subjects(v: &Value) -> Vec<Subject> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    if x.is_array() {
                        subject(x)
                    } else {
                        Subject {
                            kind: s(&x["kind"]),
                            name: s(&x["name"]),
                            namespace: x.get("namespace").map(s),
                            api_group: None,
                        }
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn role_ref(v: &Value) -> RoleRef {
    RoleRef {
        api_group: Some("rbac.authorization.k8s.io".into()),
        kind: s(&v[0]),
        name: s(&v[1]),
    }
}

fn cluster(f: &Value) -> RbacIndex {
    let mut c = Cluster::default();
    for r in f["cluster_roles"].as_array().into_iter().flatten() {
        c.cluster_roles.push(Located {
            object: ClusterRole {
                metadata: meta(&r["name"], None),
                rules: Some(rules(&r["rules"])),
                aggregation_rule: None,
            },
            origin: origin(),
        });
    }
    for r in f["roles"].as_array().into_iter().flatten() {
        c.roles.push(Located {
            object: Role {
                metadata: meta(&r["name"], Some(&r["namespace"])),
                rules: Some(rules(&r["rules"])),
            },
            origin: origin(),
        });
    }
    for b in f["cluster_role_bindings"].as_array().into_iter().flatten() {
        c.cluster_role_bindings.push(Located {
            object: ClusterRoleBinding {
                metadata: meta(&b["name"], None),
                role_ref: role_ref(&b["role_ref"]),
                subjects: Some(subjects(&b["subjects"])),
            },
            origin: origin(),
        });
    }
    for b in f["role_bindings"].as_array().into_iter().flatten() {
        c.role_bindings.push(Located {
            object: RoleBinding {
                metadata: meta(&b["name"], Some(&b["namespace"])),
                role_ref: role_ref(&b["role_ref"]),
                subjects: Some(subjects(&b["subjects"])),
            },
            origin: origin(),
        });
    }
    RbacIndex::build(Arc::new(c))
}

fn action(c: &Value) -> Action {
    match c.get("path") {
        Some(p) => Action::non_resource(&s(&c["verb"]), &s(p)),
        None => Action::resource(
            &s(&c["verb"]),
            &s(&c["group"]),
            &s(&c["resource"]),
            &s(&c["subresource"]),
            &s(&c["namespace"]),
            &s(&c["name"]),
        ),
    }
}

#[test]
fn authorizer_cases() {
    let d = data();
    let cases = d["authorize"].as_array().expect("cases");
    assert_eq!(cases.len(), 40);
    for c in cases {
        let id = s(&c["id"]);
        let index = cluster(&d["fixtures"][s(&c["fixture"])]);
        let request = Request::new(
            UserInfo::new(s(&c["user"]), strings(&c["groups"])),
            action(c),
        );
        let decision = authorize(&index, &request);
        assert_eq!(decision.allowed, c["expect"].as_bool().unwrap(), "{id}");
        if let Some(reason) = c.get("reason") {
            assert_eq!(decision.reason(&index), s(reason), "{id}");
        }
    }
}

#[test]
fn rule_match_cases() {
    let d = data();
    let cases = d["rule_matches"].as_array().expect("cases");
    assert_eq!(cases.len(), 70);
    for c in cases {
        let id = s(&c["id"]);
        let mut c = c.clone();
        for k in ["group", "resource", "subresource", "namespace", "name"] {
            if c.get("path").is_none() && c.get(k).is_none() {
                c[k] = Value::from("");
            }
        }
        assert_eq!(
            rule_allows(&rule(&c["rule"]), &action(&c)),
            c["expect"].as_bool().unwrap(),
            "{id}"
        );
    }
}

#[test]
fn subject_locator_cases() {
    let d = data();
    for c in d["who_can"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let index = cluster(&d["fixtures"][s(&c["fixture"])]);
        let a = Action::resource(
            &s(&c["verb"]),
            "",
            &s(&c["resource"]),
            "",
            &s(&c["namespace"]),
            "",
        );
        let super_user = c.get("super_user").map(s);
        let got = allowed_subjects(&index, &a, super_user.as_deref());
        assert!(got.errors.is_empty(), "{id}");
        let got: Vec<(String, String)> = got
            .subjects
            .iter()
            .map(|x| (x.kind.clone(), x.name.clone()))
            .collect();
        let want: Vec<(String, String)> = c["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (s(&x[0]), s(&x[1])))
            .collect();
        assert_eq!(got, want, "{id}");
    }
}

#[test]
fn rule_resolver_cases() {
    let d = data();
    let index = cluster(&d["fixtures"]["E"]);
    for c in d["rules_for"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let user = UserInfo::new(s(&c["user"]), strings(&c["groups"]));
        let got = rules_for(&index, &user, &s(&c["namespace"]));
        assert!(got.errors.is_empty(), "{id}");
        let mut got: Vec<String> = got.policy_rules(&index).map(|r| format!("{r:?}")).collect();
        let mut want: Vec<String> = rules(&c["expect"])
            .iter()
            .map(|r| format!("{r:?}"))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{id}");
    }
    for c in d["applies_to"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let user = UserInfo::new(s(&c["user"]), strings(&c["groups"]));
        let got = first_applying_subject(&subjects(&c["subjects"]), &user, &s(&c["namespace"]));
        assert_eq!(got, c["expect"].as_u64().map(|n| n as usize), "{id}");
    }
}

#[test]
fn helper_cases() {
    let d = data();
    for c in d["resource_matches"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let got = resource_matches(
            &strings(&c["rule_resources"]),
            &s(&c["combined"]),
            &s(&c["subresource"]),
        );
        assert_eq!(got, c["expect"].as_bool().unwrap(), "{id}");
        // The request-shaped matcher agrees with the combined-string one.
        let combined = s(&c["combined"]);
        let sub = s(&c["subresource"]);
        let resource = combined.split('/').next().unwrap_or_default().to_string();
        let a = Action::resource("get", "", &resource, &sub, "", "");
        let r = PolicyRule {
            verbs: vec!["*".into()],
            api_groups: Some(vec!["*".into()]),
            resources: Some(strings(&c["rule_resources"])),
            ..PolicyRule::default()
        };
        assert_eq!(rule_allows(&r, &a), got, "{id} (request form)");
    }
    for c in d["rule_valid"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let problems = rule_problems(&rule(&c["rule"]), false);
        assert_eq!(
            problems.is_empty(),
            c["valid"].as_bool().unwrap(),
            "{id}: {problems:?}"
        );
    }
}

fn rule_key(r: &PolicyRule) -> String {
    let l = |v: &Option<Vec<String>>| v.clone().unwrap_or_default();
    format!(
        "{:?}",
        (
            &r.verbs,
            l(&r.api_groups),
            l(&r.resources),
            l(&r.resource_names),
            l(&r.non_resource_urls)
        )
    )
}

#[test]
fn escalation_coverage_cases() {
    let d = data();
    for c in d["covers"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let (covered, uncovered) = covers(&rules(&c["owner"]), &rules(&c["servant"]));
        assert_eq!(covered, c["covered"].as_bool().unwrap(), "{id}");
        let mut got: Vec<String> = uncovered.iter().map(rule_key).collect();
        let mut want: Vec<String> = rules(&c["uncovered"]).iter().map(rule_key).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{id}");
    }
    for c in d["url_covers"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let got = non_resource_url_covers(&s(&c["owner"]), &s(&c["requested"]));
        assert_eq!(got, c["expect"].as_bool().unwrap(), "{id}");
        // The authorizer's URL matcher behaves identically.
        let r = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: Some(vec![s(&c["owner"])]),
            ..PolicyRule::default()
        };
        assert_eq!(
            rule_allows(&r, &Action::non_resource("get", &s(&c["requested"]))),
            got,
            "{id} (authorizer)"
        );
    }
}

#[test]
fn aggregation_cases() {
    let d = data();
    for c in d["aggregation"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let mut cluster = Cluster::default();
        for r in c["roles"].as_array().unwrap() {
            let labels: BTreeMap<String, String> = r["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), s(v)))
                .collect();
            cluster.cluster_roles.push(Located {
                object: ClusterRole {
                    metadata: ObjectMeta {
                        name: Some(s(&r["name"])),
                        labels: Some(labels),
                        ..ObjectMeta::default()
                    },
                    rules: Some(rules(&r["rules"])),
                    aggregation_rule: None,
                },
                origin: origin(),
            });
        }
        let selectors = c["selectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| LabelSelector {
                match_labels: Some(
                    m.as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), s(v)))
                        .collect(),
                ),
                match_expressions: None,
            })
            .collect();
        cluster.cluster_roles.push(Located {
            object: ClusterRole {
                metadata: ObjectMeta {
                    name: Some("combined".into()),
                    // Who wrote the initial rules: an empty aggregation strips only rules the
                    // controller's own server-side apply owns.
                    managed_fields: c.get("initial_manager").map(|m| {
                        vec![ManagedFieldsEntry {
                            manager: Some(s(m)),
                            operation: Some("Apply".into()),
                            fields_type: Some("FieldsV1".into()),
                            fields_v1: Some(FieldsV1(serde_json::json!({"f:rules": {}}))),
                            ..ManagedFieldsEntry::default()
                        }]
                    }),
                    ..ObjectMeta::default()
                },
                rules: Some(rules(&c["initial"])),
                aggregation_rule: Some(AggregationRule {
                    cluster_role_selectors: Some(selectors),
                }),
            },
            origin: origin(),
        });
        let index = RbacIndex::build(Arc::new(cluster));
        let combined = &index.roles[index.cluster_role_by_name["combined"]];
        let got: Vec<String> = combined.rules.iter().map(|r| rule_key(&r.rule)).collect();
        let want: Vec<String> = rules(&c["expect"]).iter().map(rule_key).collect();
        assert_eq!(got, want, "{id}");
    }
}

fn cani_catalog() -> Catalog {
    // The kubectl test's RESTMapper: replicasets in extensions, pods in core, jobs in batch.
    let r = |group: &str, plural: &str, singular: &str, kind: &str| ApiResource {
        group: group.into(),
        plural: plural.into(),
        singular: singular.into(),
        kind: kind.into(),
        short_names: vec![],
        namespaced: true,
        subresources: vec![],
        custom: false,
    };
    Catalog::from_resources(vec![
        r("", "pods", "pod", "Pod"),
        r("", "users", "user", "User"),
        r("extensions", "replicasets", "replicaset", "ReplicaSet"),
        r("extensions", "deployments", "deployment", "Deployment"),
        r("batch", "jobs", "job", "Job"),
    ])
}

#[test]
fn kubectl_can_i_cases() {
    let d = data();
    let catalog = cani_catalog();
    for c in d["kubectl_request"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let args = strings(&c["args"]);
        let ns = s(&c["namespace"]);
        let want = &c["expect"];
        match parse_resource(&args[1]).unwrap() {
            ResourceSpec::Url(path) => {
                assert_eq!(
                    (args[0].as_str(), path.as_str()),
                    (s(&want["verb"]).as_str(), s(&want["path"]).as_str()),
                    "{id}"
                );
            }
            ResourceSpec::Resource {
                resource,
                group,
                subresource,
            } => {
                // kubectl's TYPE/NAME form: the part after the slash is the name here.
                let (name, sub) = (subresource, c.get("subresource").map(s).unwrap_or_default());
                let resolved = catalog
                    .resolve(&resource, group.as_deref(), &sub, &ns)
                    .unwrap()
                    .resource;
                let a = Action::resource(
                    &args[0],
                    &resolved.group,
                    &resolved.resource,
                    &resolved.subresource,
                    &ns,
                    &name,
                );
                let Action::Resource(r) = &a else {
                    panic!("{id}")
                };
                let got = (
                    r.namespace.as_str(),
                    r.verb.as_str(),
                    r.api_group.as_str(),
                    r.resource.as_str(),
                    r.subresource.as_str(),
                    r.name.as_str(),
                );
                let w = (
                    s(&want["namespace"]),
                    s(&want["verb"]),
                    s(&want["group"]),
                    s(&want["resource"]),
                    s(&want["subresource"]),
                    s(&want["name"]),
                );
                assert_eq!(
                    got,
                    (
                        w.0.as_str(),
                        w.1.as_str(),
                        w.2.as_str(),
                        w.3.as_str(),
                        w.4.as_str(),
                        w.5.as_str()
                    ),
                    "{id}"
                );
                if c.get("allowed").is_some() {
                    // I1.4: the server says no; with no bindings RBAC says no too.
                    let index = RbacIndex::build(Arc::new(Cluster::default()));
                    let req = Request::new(UserInfo::new("u", vec![]), a);
                    assert!(!authorize(&index, &req).allowed, "{id}");
                }
            }
        }
    }
    let real = Catalog::default();
    for c in d["kubectl_resource"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let arg = s(&c["arg"]);
        let want = (s(&c["expect"]["group"]), s(&c["expect"]["resource"]));
        match real.resolve(&arg, None, "", "") {
            Ok(r) => {
                assert!(c["warning"].is_null(), "{id}");
                assert!(r.warnings.is_empty(), "{id}");
                assert_eq!((r.resource.group, r.resource.resource), want, "{id}");
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with(&s(&c["warning"])), "{id}: {msg}");
                let f = e.fallback("");
                assert_eq!((f.group, f.resource), want, "{id}");
            }
        }
    }
    let l = &d["kubectl_list"];
    let list = kubectl_list_rules(
        &rules(&l["resource_rules"]),
        &rules(&l["non_resource_rules"]),
    );
    assert_eq!(render_kubectl_list(&list, true), s(&l["expect"]), "I3");
}

#[test]
fn bootstrap_benchmark_inputs_deny_under_rbac_alone() {
    let d = data();
    let loaded = kubesim::index::defaults::load("latest").unwrap().unwrap();
    let index = RbacIndex::build(Arc::new(loaded.cluster));
    let user = UserInfo::new(
        "system:node:node1",
        vec!["system:nodes".into(), "system:authenticated".into()],
    );
    for c in d["bootstrap_benchmark"].as_array().expect("cases") {
        let id = s(&c["id"]);
        let mut c = c.clone();
        c["group"] = Value::from("");
        let req = Request::new(user.clone(), action(&c));
        assert!(!authorize(&index, &req).allowed, "{id}");
    }
}
