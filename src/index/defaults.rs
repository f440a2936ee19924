//! Kubernetes' own default roles and bindings (the apiserver's bootstrap RBAC policy), embedded
//! in the binary so that a repo binding `view`, `edit`, `admin` or `cluster-admin` gets real
//! answers. Data files and their provenance are in `src/graph/defaults/`.
#![doc(hidden)]

use crate::manifest::{LoadOptions, Loaded, load_files};

/// The newest embedded policy, which `latest` names.
pub const LATEST: &str = "v1.37";

/// Every version that can be asked for.
pub const VERSIONS: &[&str] = &["v1.37"];

const V1_37: &[(&str, &str)] = &[
    (
        "cluster-roles.yaml",
        include_str!("defaults/v1.37/cluster-roles.yaml"),
    ),
    (
        "cluster-role-bindings.yaml",
        include_str!("defaults/v1.37/cluster-role-bindings.yaml"),
    ),
    (
        "current-cluster-role-bindings.yaml",
        include_str!("defaults/v1.37/current-cluster-role-bindings.yaml"),
    ),
    (
        "controller-roles.yaml",
        include_str!("defaults/v1.37/controller-roles.yaml"),
    ),
    (
        "controller-role-bindings.yaml",
        include_str!("defaults/v1.37/controller-role-bindings.yaml"),
    ),
    (
        "namespace-roles.yaml",
        include_str!("defaults/v1.37/namespace-roles.yaml"),
    ),
    (
        "namespace-role-bindings.yaml",
        include_str!("defaults/v1.37/namespace-role-bindings.yaml"),
    ),
];

/// Resolves `--defaults` (`none`, `latest`, `v1.37`, `1.37`) to an embedded version.
pub fn resolve(version: &str) -> Result<Option<&'static str>, String> {
    let wanted = version.trim();
    if wanted == "none" {
        return Ok(None);
    }
    if wanted == "latest" {
        return Ok(Some(LATEST));
    }
    let normalized = if wanted.starts_with('v') {
        wanted.to_string()
    } else {
        format!("v{wanted}")
    };
    VERSIONS
        .iter()
        .find(|v| **v == normalized)
        .map(|v| Some(*v))
        .ok_or_else(|| {
            format!(
                "no built-in defaults for Kubernetes `{version}`; choose none, latest or one of {}",
                VERSIONS.join(", ")
            )
        })
}

/// Loads the built-in objects of `version`, or `None` for `none`. Their origin files are
/// named `<defaults:v1.37>/FILE`.
pub fn load(version: &str) -> Result<Option<Loaded>, String> {
    let Some(version) = resolve(version)? else {
        return Ok(None);
    };
    let files = V1_37
        .iter()
        .map(|(name, text)| {
            (
                format!("<defaults:{version}>/{name}").into(),
                Ok(text.as_bytes().to_vec()),
            )
        })
        .collect();
    Ok(Some(load_files(files, &LoadOptions::default())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_loads_without_diagnostics() {
        let loaded = load("latest").unwrap().unwrap();
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let c = &loaded.cluster;
        assert_eq!(c.cluster_roles.len(), 32 + 40);
        assert_eq!(c.cluster_role_bindings.len(), 10 + 2 + 40);
        assert_eq!(c.roles.len(), 7);
        assert_eq!(c.role_bindings.len(), 7);
    }

    #[test]
    fn versions_resolve() {
        assert_eq!(resolve("none").unwrap(), None);
        assert_eq!(resolve("latest").unwrap(), Some("v1.37"));
        assert_eq!(resolve("1.37").unwrap(), Some("v1.37"));
        assert!(resolve("v1.12").is_err());
    }
}
