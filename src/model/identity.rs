//! Who a request is made as: the user name and groups an authenticator hands the authorizers,
//! the well-known users and groups, and the one implementation of service-account user names
//! (`system:serviceaccount:NS:NAME`) that every stage uses.
//!
//! Upstream: `k8s.io/apiserver/pkg/authentication/user` (the well-known names) and
//! `k8s.io/apiserver/pkg/authentication/serviceaccount` (`MakeUsername`, `SplitUsername`,
//! `MatchesUsername`).

use super::names::{is_dns1123_label, is_dns1123_subdomain};

/// Group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";
/// Group of anonymous requests.
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// User name of anonymous requests.
pub const ANONYMOUS: &str = "system:anonymous";
/// Group that bypasses authorization entirely.
pub const SUPERUSER_GROUP: &str = "system:masters";
/// Group of every service account.
pub const SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
/// The prefix of every service account's user name.
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

/// The user name a service account authenticates as (upstream `MakeUsername`).
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}")
}

/// The group of every service account in `namespace` (upstream `MakeNamespaceGroupName`).
pub fn service_account_namespace_group(namespace: &str) -> String {
    format!("{SERVICE_ACCOUNTS}:{namespace}")
}

/// The groups a service account's token authenticates it in, besides `system:authenticated`.
pub fn service_account_groups(namespace: &str) -> Vec<String> {
    vec![
        SERVICE_ACCOUNTS.to_string(),
        service_account_namespace_group(namespace),
    ]
}

/// The (namespace, name) of a service-account user name, as upstream `SplitUsername` reads it:
/// exactly two `:`-separated parts after the prefix, the namespace a DNS-1123 label and the name
/// a DNS-1123 subdomain. `None` for anything else, which is then an ordinary user name.
pub fn split_service_account_user(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?;
    let (namespace, name) = rest.split_once(':')?;
    if name.contains(':') || !is_dns1123_label(namespace) || !is_dns1123_subdomain(name) {
        return None;
    }
    Some((namespace, name))
}

/// The identity a request is made as: a user name and the groups the authenticator gave it.
///
/// Service-account user names are pre-split once here, so the authorizer's index lookups need
/// no allocation per decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    name: String,
    groups: Vec<String>,
    /// Every (namespace, name) pair whose service account authenticates as `name`.
    service_account_keys: Vec<(String, String)>,
}

impl UserInfo {
    /// A user with exactly these groups (SubjectAccessReview semantics: nothing added).
    pub fn new(name: impl Into<String>, groups: Vec<String>) -> Self {
        let name = name.into();
        let service_account_keys = service_account_splits(&name)
            .map(|(namespace, name)| (namespace.to_string(), name.to_string()))
            .collect();
        Self {
            name,
            groups,
            service_account_keys,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// True when the user is in `system:masters`, which the apiserver lets do anything.
    pub fn is_superuser(&self) -> bool {
        self.groups.iter().any(|g| g == SUPERUSER_GROUP)
    }

    /// The (namespace, name) keys of service-account subjects that match this user.
    pub fn service_account_keys(&self) -> &[(String, String)] {
        &self.service_account_keys
    }
}

/// Every (namespace, name) whose service-account subject RBAC matches to `user`.
///
/// RBAC compares `system:serviceaccount:NS:NAME` byte for byte (upstream `MatchesUsername`), so a
/// name with several colons matches every split of it whose namespace is non-empty.
pub fn service_account_splits(user: &str) -> impl Iterator<Item = (&str, &str)> {
    let rest = user
        .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)
        .unwrap_or_default();
    rest.match_indices(':')
        .filter(|(i, _)| *i > 0)
        .map(move |(i, _)| (&rest[..i], &rest[i + 1..]))
}

/// True when `user` is the user name of service account `namespace`/`name` (upstream
/// `MatchesUsername`), without building that name.
pub fn is_service_account_user(user: &str, namespace: &str, name: &str) -> bool {
    user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)
        .and_then(|rest| rest.strip_prefix(namespace))
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_split_every_way() {
        let u = UserInfo::new("system:serviceaccount:a:b:c", vec![]);
        assert_eq!(
            u.service_account_keys(),
            [("a".into(), "b:c".into()), ("a:b".into(), "c".into())]
        );
        assert!(
            UserInfo::new("alice", vec![])
                .service_account_keys()
                .is_empty()
        );
    }

    #[test]
    fn service_account_user_names_split_as_upstream() {
        assert_eq!(
            split_service_account_user("system:serviceaccount:kube-system:default"),
            Some(("kube-system", "default"))
        );
        assert_eq!(
            split_service_account_user(&service_account_user("ns", "a.b")),
            Some(("ns", "a.b"))
        );
        for rejected in [
            "system:serviceaccount:a:b:c",
            "system:serviceaccount::b",
            "system:serviceaccount:a:",
            "system:serviceaccount:a",
            "system:serviceaccount:Upper:b",
            "system:serviceaccount:a.b:c",
            "system:serviceaccount:a:B",
            "alice",
        ] {
            assert_eq!(split_service_account_user(rejected), None, "{rejected}");
        }
    }
}
