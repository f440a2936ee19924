//! A deterministic synthetic cluster for benchmarks: namespaces, roles, bindings, service
//! accounts, pods and workloads in realistic proportions, with some aggregation, wildcards and
//! pod-security variety. The same seed and shape always give the same bytes.
#![doc(hidden)]

use std::io::{self, Write};

use serde_json::{Value, json};

/// How many objects of each kind to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub namespaces: usize,
    pub cluster_roles: usize,
    pub cluster_role_bindings: usize,
    pub roles: usize,
    pub role_bindings: usize,
    pub service_accounts: usize,
    pub pods: usize,
    pub workloads: usize,
}

impl Shape {
    /// About `objects` objects in the proportions of a large multi-tenant cluster.
    pub fn scaled(objects: usize) -> Shape {
        let part = |per_thousand: usize| (objects * per_thousand).div_ceil(1000).max(1);
        Shape {
            namespaces: part(25),
            cluster_roles: part(10),
            cluster_role_bindings: part(25),
            roles: part(100),
            role_bindings: part(250),
            service_accounts: part(90),
            pods: part(400),
            workloads: part(100),
        }
    }

    /// The RBAC-heavy cluster of the RBAC benchmark: 5,000 namespaces, 20,000 Roles,
    /// 50,000 RoleBindings, 2,000 ClusterRoles and 5,000 ClusterRoleBindings.
    pub fn rbac_benchmark() -> Shape {
        Shape {
            namespaces: 5_000,
            cluster_roles: 2_000,
            cluster_role_bindings: 5_000,
            roles: 20_000,
            role_bindings: 50_000,
            service_accounts: 10_000,
            pods: 0,
            workloads: 0,
        }
    }

    pub fn total(&self) -> usize {
        self.namespaces
            + self.cluster_roles
            + self.cluster_role_bindings
            + self.roles
            + self.role_bindings
            + self.service_accounts
            + self.pods
            + self.workloads
    }
}

/// YAML documents separated by `---`, or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// splitmix64: a tiny, well-known deterministic generator; quality is ample for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const VERBS: &[&str] = crate::rbac::matrix::DEFAULT_VERBS;
const RESOURCES: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "pods/log"),
    ("", "pods/exec"),
    ("", "services"),
    ("", "configmaps"),
    ("", "secrets"),
    ("", "serviceaccounts"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("apps", "deployments/scale"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "networkpolicies"),
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("coordination.k8s.io", "leases"),
    ("example.com", "widgets"),
];

fn namespace_name(i: usize) -> String {
    format!("team-{i:05}")
}

fn random_rule(rng: &mut Rng) -> Value {
    if rng.chance(3) {
        return json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
    }
    let (group, _) = RESOURCES[rng.below(RESOURCES.len())];
    let mut resources: Vec<&str> = RESOURCES
        .iter()
        .filter(|(g, _)| *g == group)
        .map(|(_, r)| *r)
        .collect();
    resources.truncate(1 + rng.below(resources.len()));
    let verbs: Vec<&str> = if rng.chance(10) {
        vec!["*"]
    } else {
        let n = 1 + rng.below(4);
        let mut v: Vec<&str> = (0..n).map(|_| rng.pick(VERBS)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut rule = json!({"apiGroups": [group], "resources": resources, "verbs": verbs});
    if rng.chance(10) {
        rule["resourceNames"] = json!([format!("object-{}", rng.below(20))]);
    }
    rule
}

fn subject(rng: &mut Rng, shape: &Shape, home_ns: Option<&str>) -> Value {
    match rng.below(10) {
        0..=3 => {
            json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": format!("user-{}", rng.below(shape.namespaces * 4 + 1))})
        }
        4..=5 => {
            json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": format!("group-{}", rng.below(shape.namespaces + 1))})
        }
        _ => {
            let ns = home_ns.map_or_else(
                || namespace_name(rng.below(shape.namespaces.max(1))),
                str::to_string,
            );
            json!({"kind": "ServiceAccount", "name": format!("sa-{}", rng.below(3)), "namespace": ns})
        }
    }
}

fn container(rng: &mut Rng, name: &str, profile: usize) -> Value {
    let mut c = json!({"name": name, "image": format!("registry.example.com/app/{name}:1.{}", rng.below(9))});
    match profile {
        // restricted
        0 => {
            c["securityContext"] = json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "runAsNonRoot": true,
                "seccompProfile": {"type": "RuntimeDefault"}
            });
        }
        // baseline but not restricted
        1 => {}
        // privileged
        _ => {
            c["securityContext"] =
                json!({"privileged": true, "capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}});
        }
    }
    c
}

fn pod_spec(rng: &mut Rng, sa: &str) -> Value {
    let profile = match rng.below(10) {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    };
    let containers: Vec<Value> = (0..1 + rng.below(2))
        .map(|i| container(rng, &format!("c{i}"), profile))
        .collect();
    let mut spec = json!({"serviceAccountName": sa, "containers": containers});
    if profile == 2 && rng.chance(50) {
        spec["hostNetwork"] = json!(true);
        spec["volumes"] = json!([{"name": "host", "hostPath": {"path": "/var/run"}}]);
    }
    spec
}

/// Writes the cluster described by `shape` to `out`.
pub fn write_cluster(
    shape: &Shape,
    seed: u64,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut rng = Rng(seed);
    let mut emit = |value: Value| -> io::Result<()> {
        match format {
            Format::Json => {
                serde_json::to_writer(&mut *out, &value)?;
                out.write_all(b"\n")
            }
            Format::Yaml => {
                out.write_all(b"---\n")?;
                let text = serde_saphyr::to_string(&value).map_err(io::Error::other)?;
                out.write_all(text.as_bytes())
            }
        }
    };
    let ns_count = shape.namespaces.max(1);
    for i in 0..shape.namespaces {
        let mut ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace_name(i)}});
        match i % 3 {
            0 => {
                ns["metadata"]["labels"] =
                    json!({"pod-security.kubernetes.io/enforce": "restricted"})
            }
            1 => {
                ns["metadata"]["labels"] = json!({"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"})
            }
            _ => {}
        }
        emit(ns)?;
    }
    for i in 0..shape.cluster_roles {
        let name = format!("cluster-role-{i:05}");
        let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}});
        if i % 50 == 0 {
            // An aggregated role collecting everything labelled for its bucket.
            role["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to": format!("bucket-{}", i / 50)}}]});
            role["rules"] = Value::Null;
        } else {
            role["metadata"]["labels"] =
                json!({"example.com/aggregate-to": format!("bucket-{}", i / 50)});
            let rules: Vec<Value> = (0..1 + rng.below(4))
                .map(|_| random_rule(&mut rng))
                .collect();
            role["rules"] = Value::Array(rules);
        }
        emit(role)?;
    }
    for i in 0..shape.cluster_role_bindings {
        let subjects: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| subject(&mut rng, shape, None))
            .collect();
        emit(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("cluster-binding-{i:05}")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cluster-role-{:05}", rng.below(shape.cluster_roles.max(1)))},
            "subjects": subjects
        }))?;
    }
    for i in 0..shape.roles {
        let ns = namespace_name(i % ns_count);
        let rules: Vec<Value> = (0..1 + rng.below(4))
            .map(|_| random_rule(&mut rng))
            .collect();
        emit(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": format!("role-{}", i / ns_count), "namespace": ns},
            "rules": rules
        }))?;
    }
    let roles_per_ns = shape.roles.div_ceil(ns_count).max(1);
    for i in 0..shape.role_bindings {
        let ns = namespace_name(i % ns_count);
        let role_ref = if rng.chance(30) || shape.roles == 0 {
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cluster-role-{:05}", rng.below(shape.cluster_roles.max(1)))})
        } else {
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("role-{}", rng.below(roles_per_ns))})
        };
        let subjects: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| subject(&mut rng, shape, Some(&ns)))
            .collect();
        emit(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": format!("binding-{}", i / ns_count), "namespace": ns},
            "roleRef": role_ref,
            "subjects": subjects
        }))?;
    }
    for i in 0..shape.service_accounts {
        emit(json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": format!("sa-{}", i / ns_count), "namespace": namespace_name(i % ns_count)}
        }))?;
    }
    for i in 0..shape.pods {
        let sa = format!("sa-{}", rng.below(3));
        emit(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{}", i / ns_count), "namespace": namespace_name(i % ns_count)},
            "spec": pod_spec(&mut rng, &sa)
        }))?;
    }
    for i in 0..shape.workloads {
        let ns = namespace_name(i % ns_count);
        let name = format!("app-{}", i / ns_count);
        let sa = format!("sa-{}", rng.below(3));
        let template =
            json!({"metadata": {"labels": {"app": name}}, "spec": pod_spec(&mut rng, &sa)});
        let object = match rng.below(4) {
            0 => {
                json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": ns},
                        "spec": {"serviceName": name, "selector": {"matchLabels": {"app": name}}, "template": template}})
            }
            1 => {
                json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name, "namespace": ns},
                        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}})
            }
            _ => {
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
                        "spec": {"selector": {"matchLabels": {"app": name}}, "template": template}})
            }
        };
        emit(object)?;
    }
    Ok(())
}

/// The generated cluster as a string (benchmarks and tests).
pub fn cluster_text(shape: &Shape, seed: u64, format: Format) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_cluster(shape, seed, format, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_loadable() {
        let shape = Shape::scaled(400);
        let a = cluster_text(&shape, 7, Format::Yaml);
        assert_eq!(a, cluster_text(&shape, 7, Format::Yaml));
        assert_ne!(a, cluster_text(&shape, 8, Format::Yaml));
        let options = crate::manifest::LoadOptions::default();
        for format in [Format::Yaml, Format::Json] {
            let loaded =
                crate::manifest::load_str("gen", &cluster_text(&shape, 7, format), &options);
            assert!(
                loaded.diagnostics.is_empty(),
                "{:?}",
                &loaded.diagnostics[..3.min(loaded.diagnostics.len())]
            );
            let total: usize = loaded.cluster.counts().values().sum();
            assert_eq!(total, shape.total());
        }
    }
}
