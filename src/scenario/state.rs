//! The state a statement is evaluated against: the objects, their source texts and the RBAC
//! index built from them, shared immutably across threads. A what-if derives a new state from
//! its parent by applying mutations to a copy.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::dsl::program::{Mutation, ObjectKind, RoleKind, Subject as DslSubject};
use crate::index::{Indexed, RbacIndex};
use crate::manifest::walk::{InputPath, WalkOptions, expand};
use crate::manifest::{InputFile, LoadOptions, load_files};
use crate::model::{Cluster, Located, Origin};
use crate::scenario::snapshot::slug;

/// Objects, sources and index, immutable once built.
pub type State = Indexed;

/// The state after `mutation`, or why it could not be applied. `origin` names the
/// statement, so objects it creates point back at it.
pub fn apply(
    state: &State,
    mutation: &Mutation,
    origin: &Origin,
    base_dir: &std::path::Path,
) -> Result<State, String> {
    let mut cluster = state.cluster().clone();
    let mut sources = (*state.sources).clone();
    // Only mutations that touch Roles or ClusterRoles need aggregation and role indexing
    // again; the others keep the roles and rebuild the bindings only.
    let mut roles_changed = false;
    match mutation {
        Mutation::Bind {
            subject,
            role_kind,
            role,
            namespace,
        } => {
            let subject = rbac_subject(subject);
            let role_ref = RoleRef {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: match role_kind {
                    RoleKind::Role => "Role".into(),
                    RoleKind::ClusterRole => "ClusterRole".into(),
                },
                name: role.clone(),
            };
            let name = format!("whatif-{}-{}", slug(&subject.name), slug(role));
            match namespace {
                Some(ns) => cluster.role_bindings.push(Located {
                    object: RoleBinding {
                        metadata: ObjectMeta {
                            name: Some(name),
                            namespace: Some(ns.clone()),
                            ..ObjectMeta::default()
                        },
                        role_ref,
                        subjects: Some(vec![subject]),
                    },
                    origin: origin.clone(),
                }),
                None => {
                    if *role_kind == RoleKind::Role {
                        return Err("a Role can only be bound in a namespace (`in NS`)".into());
                    }
                    cluster.cluster_role_bindings.push(Located {
                        object: ClusterRoleBinding {
                            metadata: ObjectMeta {
                                name: Some(name),
                                ..ObjectMeta::default()
                            },
                            role_ref,
                            subjects: Some(vec![subject]),
                        },
                        origin: origin.clone(),
                    });
                }
            }
        }
        Mutation::Apply { pattern, files } => {
            if files.is_empty() {
                return Err(format!("`{pattern}` matches no file"));
            }
            let inputs = read_inputs(files, base_dir);
            let loaded = load_files(inputs, &LoadOptions::default());
            if let Some(error) = loaded.diagnostics.iter().find(|d| d.is_error()) {
                return Err(error.to_string());
            }
            roles_changed =
                !loaded.cluster.roles.is_empty() || !loaded.cluster.cluster_roles.is_empty();
            replace_objects(&mut cluster, loaded.cluster);
            sources.merge(loaded.sources);
        }
        Mutation::Remove {
            kind,
            namespace,
            name,
        } => {
            let removed = remove_objects(&mut cluster, *kind, namespace.as_deref(), name);
            if removed == 0 {
                let shown = match namespace {
                    Some(ns) => format!("{ns}/{name}"),
                    None => name.clone(),
                };
                return Err(format!("there is no {} {shown} to remove", kind.kind()));
            }
        }
        Mutation::Label { namespace, labels } => {
            let existing = cluster
                .namespaces
                .iter_mut()
                .find(|n| n.metadata.name.as_deref() == Some(namespace));
            let target = match existing {
                Some(ns) => ns,
                None => {
                    cluster.namespaces.push(Located {
                        object: Namespace {
                            metadata: ObjectMeta {
                                name: Some(namespace.clone()),
                                ..ObjectMeta::default()
                            },
                            ..Namespace::default()
                        },
                        origin: origin.clone(),
                    });
                    let last = cluster.namespaces.len() - 1;
                    &mut cluster.namespaces[last]
                }
            };
            let map: &mut BTreeMap<String, String> = target
                .object
                .metadata
                .labels
                .get_or_insert_with(BTreeMap::new);
            for (k, v) in labels {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    let cluster = Arc::new(cluster);
    let index = if roles_changed {
        RbacIndex::build(cluster)
    } else {
        RbacIndex::rebuild_bindings(&state.rbac, cluster)
    };
    Ok(State::from_index(index, sources))
}

/// The manifests a `load` or `apply` reads from its matched paths: a file as it is, a
/// directory walked as `-f DIR` walks it (`*.yaml`, `*.yml` and `*.json`, recursively, in sorted
/// order). A directory without any manifest is an error at its name, as a pattern that matches
/// no file is.
pub fn read_inputs(paths: &[std::path::PathBuf], base_dir: &std::path::Path) -> Vec<InputFile> {
    let read = |path: &std::path::Path| -> InputFile {
        (
            display_path(path, base_dir).into(),
            crate::manifest::read_file(path, crate::manifest::DEFAULT_MAX_FILE_BYTES),
        )
    };
    let mut inputs = Vec::new();
    for path in paths {
        if !path.is_dir() {
            inputs.push(read(path));
            continue;
        }
        let (found, problems) = expand(
            &[path.to_string_lossy().into_owned()],
            WalkOptions::default(),
        );
        if found.is_empty() && problems.is_empty() {
            inputs.push((
                display_path(path, base_dir).into(),
                Err("the directory holds no manifest (*.yaml, *.yml or *.json)".to_string()),
            ));
        }
        for input in found {
            if let InputPath::File(file) = input {
                inputs.push(read(&file));
            }
        }
        for (name, message) in problems {
            inputs.push((
                display_path(std::path::Path::new(&name), base_dir).into(),
                Err(message),
            ));
        }
    }
    inputs
}

/// A file's name as reports show it: relative to the scenario's directory when inside it.
pub fn display_path(path: &std::path::Path, base_dir: &std::path::Path) -> String {
    path.strip_prefix(base_dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn rbac_subject(subject: &DslSubject) -> Subject {
    match subject {
        DslSubject::User(name) => Subject {
            kind: "User".into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            name: name.clone(),
            namespace: None,
        },
        DslSubject::Group(name) => Subject {
            kind: "Group".into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            name: name.clone(),
            namespace: None,
        },
        DslSubject::ServiceAccount { namespace, name } => Subject {
            kind: "ServiceAccount".into(),
            api_group: None,
            name: name.clone(),
            namespace: Some(namespace.clone()),
        },
    }
}

fn key(meta: &ObjectMeta) -> (String, String) {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// Adds `incoming` to `cluster`; an object with the same kind, namespace and name replaces
/// the existing one (as `kubectl apply` would).
fn replace_objects(cluster: &mut Cluster, incoming: Cluster) {
    fn merge<T>(
        existing: &mut Vec<Located<T>>,
        incoming: Vec<Located<T>>,
        key_of: impl Fn(&T) -> (String, String),
    ) {
        for object in incoming {
            let k = key_of(&object.object);
            existing.retain(|e| key_of(&e.object) != k);
            existing.push(object);
        }
    }
    merge(&mut cluster.roles, incoming.roles, |o| key(&o.metadata));
    merge(&mut cluster.cluster_roles, incoming.cluster_roles, |o| {
        key(&o.metadata)
    });
    merge(&mut cluster.role_bindings, incoming.role_bindings, |o| {
        key(&o.metadata)
    });
    merge(
        &mut cluster.cluster_role_bindings,
        incoming.cluster_role_bindings,
        |o| key(&o.metadata),
    );
    merge(
        &mut cluster.service_accounts,
        incoming.service_accounts,
        |o| key(&o.metadata),
    );
    merge(&mut cluster.namespaces, incoming.namespaces, |o| {
        key(&o.metadata)
    });
    merge(&mut cluster.secrets, incoming.secrets, |o| key(&o.metadata));
    for w in incoming.workloads {
        cluster
            .workloads
            .retain(|e| !(e.kind == w.kind && e.namespace == w.namespace && e.name == w.name));
        cluster.workloads.push(w);
    }
    cluster.custom_resources.extend(incoming.custom_resources);
    for (k, n) in incoming.skipped {
        *cluster.skipped.entry(k).or_insert(0) += n;
    }
}

fn remove_objects(
    cluster: &mut Cluster,
    kind: ObjectKind,
    namespace: Option<&str>,
    name: &str,
) -> usize {
    fn remove<T>(
        list: &mut Vec<Located<T>>,
        meta: impl Fn(&T) -> &ObjectMeta,
        namespace: Option<&str>,
        name: &str,
    ) -> usize {
        let before = list.len();
        list.retain(|o| {
            let m = meta(&o.object);
            let same_ns = namespace.is_none_or(|ns| m.namespace.as_deref() == Some(ns));
            !(same_ns && m.name.as_deref() == Some(name))
        });
        before - list.len()
    }
    match kind {
        ObjectKind::Role => remove(&mut cluster.roles, |o| &o.metadata, namespace, name),
        ObjectKind::ClusterRole => remove(&mut cluster.cluster_roles, |o| &o.metadata, None, name),
        ObjectKind::RoleBinding => {
            remove(&mut cluster.role_bindings, |o| &o.metadata, namespace, name)
        }
        ObjectKind::ClusterRoleBinding => remove(
            &mut cluster.cluster_role_bindings,
            |o| &o.metadata,
            None,
            name,
        ),
        ObjectKind::ServiceAccount => remove(
            &mut cluster.service_accounts,
            |o| &o.metadata,
            namespace,
            name,
        ),
        ObjectKind::Namespace => remove(&mut cluster.namespaces, |o| &o.metadata, None, name),
        ObjectKind::Secret => remove(&mut cluster.secrets, |o| &o.metadata, namespace, name),
        ObjectKind::Workload(w) => {
            let before = cluster.workloads.len();
            cluster.workloads.retain(|o| {
                !(o.kind == w && o.name == name && namespace.is_none_or(|ns| o.namespace == ns))
            });
            before - cluster.workloads.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::program::Subject as DslSubject;
    use crate::manifest::load_paths;

    #[test]
    fn a_binding_what_if_reuses_the_roles_and_matches_a_full_build() {
        let loaded = load_paths(
            &["scenarios/payments/manifests".into()],
            &LoadOptions::default(),
        );
        let base = State::new(loaded.cluster, loaded.sources);
        let bind = Mutation::Bind {
            subject: DslSubject::User("bob".into()),
            role_kind: RoleKind::Role,
            role: "deployer".into(),
            namespace: Some("payments".into()),
        };
        let origin = Origin::at("t.ksim", 1, 1);
        let derived = apply(&base, &bind, &origin, std::path::Path::new(".")).unwrap();
        let full = RbacIndex::build(derived.rbac.cluster.clone());
        let names = |i: &RbacIndex| {
            i.bindings
                .iter()
                .map(|b| (b.namespace.clone(), b.name.clone(), b.role.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&derived.rbac), names(&full));
        assert_eq!(derived.rbac.roles.len(), full.roles.len());
        assert_eq!(
            derived.rbac.candidate_bindings("bob", &[], "payments"),
            full.candidate_bindings("bob", &[], "payments")
        );
        assert_eq!(
            derived
                .rbac
                .candidate_bindings("bob", &[], "payments")
                .len(),
            1
        );
    }
}
