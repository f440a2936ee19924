//! The subject, resource and verb syntax the command line and the language share, parsed as
//! kubectl reads them: `user:alice`, `group:dev`, `sa:ns/name`, `deployments.apps/scale`,
//! `/healthz`. A subject becomes the identity the apiserver would authenticate it as.

use thiserror::Error;

use crate::model::identity::{
    ANONYMOUS, AUTHENTICATED, SERVICE_ACCOUNTS, UNAUTHENTICATED, UserInfo, service_account_groups,
    service_account_user, split_service_account_user,
};

/// A parse error in a subject or resource written by a user.
#[derive(Debug, Clone, PartialEq, Eq, Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum RequestError {
    #[error("empty subject; write user:NAME, group:NAME or sa:NAMESPACE/NAME")]
    EmptySubject,
    #[error("unknown subject kind `{0}`; write user:NAME, group:NAME or sa:NAMESPACE/NAME")]
    UnknownSubjectKind(String),
    #[error("`{0}` names no kind of subject; write user:{0}, group:{0} or sa:NAMESPACE/NAME")]
    BareName(String),
    #[error(
        "`{0}` may be a user or a group; write user:{0} or group:{0} (service accounts are \
         system:serviceaccount:NAMESPACE:NAME)"
    )]
    SystemName(String),
    #[error("subject `{0}` has no name")]
    MissingName(String),
    #[error("service account `{0}` must be written sa:NAMESPACE/NAME")]
    ServiceAccountForm(String),
    #[error("unterminated quoted name in `{0}`")]
    UnterminatedQuote(String),
    #[error("unexpected text after the quoted name in `{0}`")]
    TrailingText(String),
    #[error("empty resource")]
    EmptyResource,
    #[error("empty verb")]
    EmptyVerb,
    #[error("resource `{0}` has an empty part")]
    EmptyResourcePart(String),
}

/// A subject as written in the language and on the command line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectSpec {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

impl SubjectSpec {
    /// The identity the apiserver would authenticate this subject as, plus `extra_groups`:
    /// users are in `system:authenticated` (the anonymous user in `system:unauthenticated`
    /// only), service accounts in `system:serviceaccounts`, `system:serviceaccounts:NS` and
    /// `system:authenticated`, and `group:G` is a nameless member of G alone.
    pub fn user_info(&self, extra_groups: &[String]) -> UserInfo {
        let mut groups: Vec<String> = Vec::new();
        let name = match self {
            SubjectSpec::User(name) => name.clone(),
            SubjectSpec::Group(group) => {
                groups.push(group.clone());
                String::new()
            }
            SubjectSpec::ServiceAccount { namespace, name } => {
                groups.extend(service_account_groups(namespace));
                service_account_user(namespace, name)
            }
        };
        for g in extra_groups {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if !matches!(self, SubjectSpec::Group(_)) {
            let has = |g: &str| groups.iter().any(|x| x == g);
            if name == ANONYMOUS {
                if !has(UNAUTHENTICATED) {
                    groups.push(UNAUTHENTICATED.to_string());
                }
            } else if !has(AUTHENTICATED) && !has(UNAUTHENTICATED) {
                groups.push(AUTHENTICATED.to_string());
            }
        }
        UserInfo::new(name, groups)
    }

    /// The RBAC subject kind (`User`, `Group`, `ServiceAccount`).
    pub fn kind(&self) -> &'static str {
        match self {
            SubjectSpec::User(_) => "User",
            SubjectSpec::Group(_) => "Group",
            SubjectSpec::ServiceAccount { .. } => "ServiceAccount",
        }
    }
}

impl std::fmt::Display for SubjectSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn part(s: &str) -> String {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:@*".contains(c));
            if plain {
                s.to_string()
            } else {
                format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
            }
        }
        match self {
            SubjectSpec::User(n) => write!(f, "user:{}", part(n)),
            SubjectSpec::Group(n) => write!(f, "group:{}", part(n)),
            SubjectSpec::ServiceAccount { namespace, name } => {
                write!(f, "sa:{}/{}", part(namespace), part(name))
            }
        }
    }
}

/// Parses `user:NAME`, `group:NAME` or `sa:NAMESPACE/NAME`; names may be double-quoted with
/// `\"` and `\\` escapes (`user:"Jane Doe"`, `sa:"ns"/"name"`).
pub fn parse_subject(text: &str) -> Result<SubjectSpec, RequestError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RequestError::EmptySubject);
    }
    let Some((kind, rest)) = text.split_once(':') else {
        return Err(RequestError::BareName(text.to_string()));
    };
    match kind {
        // The names the apiserver gives service accounts, read with upstream's one split.
        "system" => {
            if let Some((namespace, name)) = split_service_account_user(text) {
                return Ok(SubjectSpec::ServiceAccount {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                });
            }
            if text == SERVICE_ACCOUNTS
                || text
                    .strip_prefix(SERVICE_ACCOUNTS)
                    .and_then(|r| r.strip_prefix(':'))
                    .is_some_and(|ns| !ns.is_empty() && !ns.contains(':'))
            {
                return Ok(SubjectSpec::Group(text.to_string()));
            }
            Err(RequestError::SystemName(text.to_string()))
        }
        "user" => Ok(SubjectSpec::User(whole_name(text, rest)?)),
        "group" => Ok(SubjectSpec::Group(whole_name(text, rest)?)),
        "sa" | "serviceaccount" => {
            let (namespace, after) = name_part(text, rest, Some('/'))?;
            let Some(after) = after.strip_prefix('/') else {
                return Err(RequestError::ServiceAccountForm(text.to_string()));
            };
            let (name, tail) = name_part(text, after, None)?;
            if !tail.is_empty() {
                return Err(RequestError::TrailingText(text.to_string()));
            }
            if namespace.is_empty() || name.is_empty() {
                return Err(RequestError::ServiceAccountForm(text.to_string()));
            }
            Ok(SubjectSpec::ServiceAccount { namespace, name })
        }
        other => Err(RequestError::UnknownSubjectKind(other.to_string())),
    }
}

fn whole_name(text: &str, rest: &str) -> Result<String, RequestError> {
    let (name, tail) = name_part(text, rest, None)?;
    if !tail.is_empty() {
        return Err(RequestError::TrailingText(text.to_string()));
    }
    if name.is_empty() {
        return Err(RequestError::MissingName(text.to_string()));
    }
    Ok(name)
}

/// Reads one name (quoted, or bare up to `stop`), returning it and the unread rest.
fn name_part<'a>(
    text: &str,
    rest: &'a str,
    stop: Option<char>,
) -> Result<(String, &'a str), RequestError> {
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e)) => name.push(e),
                    None => return Err(RequestError::UnterminatedQuote(text.to_string())),
                },
                '"' => return Ok((name, &quoted[i + 1..])),
                c => name.push(c),
            }
        }
        return Err(RequestError::UnterminatedQuote(text.to_string()));
    }
    match stop.and_then(|s| rest.find(s)) {
        Some(i) => Ok((rest[..i].to_string(), &rest[i..])),
        None => Ok((rest.to_string(), "")),
    }
}

/// A resource as written: `RESOURCE[.GROUP][/SUBRESOURCE]`, or a non-resource URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceSpec {
    /// `group` is `None` when the user wrote a bare name (the catalogue resolves it).
    Resource {
        resource: String,
        group: Option<String>,
        subresource: String,
    },
    /// A path starting with `/`.
    Url(String),
}

/// Parses `pods`, `pods/log`, `deployments.apps`, `deployments.apps/scale`, `*`, `*/scale`,
/// `widgets.example.com`, or a non-resource URL (`/healthz`, `/apis/*`).
pub fn parse_resource(text: &str) -> Result<ResourceSpec, RequestError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RequestError::EmptyResource);
    }
    if text.starts_with('/') {
        return Ok(ResourceSpec::Url(text.to_string()));
    }
    let (main, subresource) = match text.split_once('/') {
        Some((m, s)) => (m, s),
        None => (text, ""),
    };
    if text.contains('/') && subresource.is_empty() {
        return Err(RequestError::EmptyResourcePart(text.to_string()));
    }
    let (resource, group) = match main.split_once('.') {
        Some((r, g)) => (r, Some(g.to_string())),
        None => (main, None),
    };
    if resource.is_empty() || group.as_deref() == Some("") {
        return Err(RequestError::EmptyResourcePart(text.to_string()));
    }
    Ok(ResourceSpec::Resource {
        resource: resource.to_string(),
        group,
        subresource: subresource.to_string(),
    })
}

/// Checks a verb is present (RBAC compares verbs literally, so nothing else is checked).
pub fn parse_verb(text: &str) -> Result<String, RequestError> {
    let verb = text.trim();
    if verb.is_empty() {
        Err(RequestError::EmptyVerb)
    } else {
        Ok(verb.to_string())
    }
}

pub use crate::model::verbs::{STANDARD_VERBS, unknown_verb_warning};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::identity::SERVICE_ACCOUNTS;

    #[test]
    fn unknown_verbs_are_named_with_the_nearest_known_one() {
        assert_eq!(
            unknown_verb_warning("gte", false).as_deref(),
            Some("verb 'gte' is not a known verb; did you mean 'get'?")
        );
        assert_eq!(
            unknown_verb_warning("frobnicate", false).as_deref(),
            Some("verb 'frobnicate' is not a known verb")
        );
        assert_eq!(unknown_verb_warning("escalate", false), None);
        assert_eq!(unknown_verb_warning("post", true), None);
        assert!(unknown_verb_warning("post", false).is_some());
        assert!(unknown_verb_warning("list", true).is_some());
    }

    #[test]
    fn subjects_parse() {
        assert_eq!(
            parse_subject("user:alice"),
            Ok(SubjectSpec::User("alice".into()))
        );
        assert_eq!(
            parse_subject("group:system:authenticated"),
            Ok(SubjectSpec::Group("system:authenticated".into()))
        );
        assert_eq!(
            parse_subject("sa:kube-system/default"),
            Ok(SubjectSpec::ServiceAccount {
                namespace: "kube-system".into(),
                name: "default".into()
            })
        );
        assert_eq!(
            parse_subject(r#"user:"Jane \"JD\" Doe""#),
            Ok(SubjectSpec::User("Jane \"JD\" Doe".into()))
        );
        assert_eq!(
            parse_subject(r#"sa:"my ns"/"x""#),
            Ok(SubjectSpec::ServiceAccount {
                namespace: "my ns".into(),
                name: "x".into()
            })
        );
        assert!(parse_subject("sa:default").is_err());
        assert!(parse_subject("robot:x").is_err());
        // The names the apiserver gives service accounts and their groups.
        assert_eq!(
            parse_subject("system:serviceaccount:payments:ci"),
            Ok(SubjectSpec::ServiceAccount {
                namespace: "payments".into(),
                name: "ci".into()
            })
        );
        assert_eq!(
            parse_subject("system:serviceaccounts:payments"),
            Ok(SubjectSpec::Group("system:serviceaccounts:payments".into()))
        );
        assert_eq!(
            parse_subject("system:serviceaccounts"),
            Ok(SubjectSpec::Group("system:serviceaccounts".into()))
        );
        // Upstream's split refuses a third colon; such a name is no service account.
        assert_eq!(
            parse_subject("system:serviceaccount:payments:ci:x"),
            Err(RequestError::SystemName(
                "system:serviceaccount:payments:ci:x".into()
            ))
        );
        assert_eq!(
            parse_subject("system:masters"),
            Err(RequestError::SystemName("system:masters".into()))
        );
        assert_eq!(
            parse_subject("alice"),
            Err(RequestError::BareName("alice".into()))
        );
        assert!(parse_subject("user:").is_err());
        assert!(parse_subject("user:\"open").is_err());
    }

    #[test]
    fn groups_follow_authentication() {
        let u = SubjectSpec::User("alice".into()).user_info(&["dev".into()]);
        assert_eq!(u.groups(), ["dev", AUTHENTICATED]);
        let anon = SubjectSpec::User(ANONYMOUS.into()).user_info(&[]);
        assert_eq!(anon.groups(), [UNAUTHENTICATED]);
        let sa = SubjectSpec::ServiceAccount {
            namespace: "ns".into(),
            name: "n".into(),
        }
        .user_info(&[]);
        assert_eq!(sa.name(), "system:serviceaccount:ns:n");
        assert_eq!(
            sa.groups(),
            [SERVICE_ACCOUNTS, "system:serviceaccounts:ns", AUTHENTICATED]
        );
        assert_eq!(sa.service_account_keys(), [("ns".into(), "n".into())]);
        let g = SubjectSpec::Group("g".into()).user_info(&[]);
        assert_eq!((g.name(), g.groups()), ("", &["g".to_string()][..]));
    }

    #[test]
    fn resources_parse() {
        assert_eq!(
            parse_resource("deployments.apps/scale"),
            Ok(ResourceSpec::Resource {
                resource: "deployments".into(),
                group: Some("apps".into()),
                subresource: "scale".into()
            })
        );
        assert_eq!(
            parse_resource("widgets.example.com"),
            Ok(ResourceSpec::Resource {
                resource: "widgets".into(),
                group: Some("example.com".into()),
                subresource: String::new()
            })
        );
        assert_eq!(
            parse_resource("/healthz"),
            Ok(ResourceSpec::Url("/healthz".into()))
        );
        assert!(parse_resource("pods/").is_err());
        assert!(parse_resource("pods.").is_err());
        assert!(parse_resource("").is_err());
    }
}
