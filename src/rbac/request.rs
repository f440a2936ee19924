//! Authorization requests as the apiserver hands them to RBAC: a user (name and groups) plus
//! either resource attributes (verb, API group, resource, subresource, name, namespace) or a
//! non-resource URL and verb. Also the parsers for the subject and resource syntax the command
//! line and the language share (`user:alice`, `sa:ns/name`, `deployments.apps/scale`, `/healthz`).

use thiserror::Error;

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

/// A parse error in a subject or resource written by a user.
#[derive(Debug, Clone, PartialEq, Eq, Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum RequestError {
    #[error("empty subject; write user:NAME, group:NAME or sa:NAMESPACE/NAME")]
    EmptySubject,
    #[error("unknown subject kind `{0}`; write user:NAME, group:NAME or sa:NAMESPACE/NAME")]
    UnknownSubjectKind(String),
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
        let service_account_keys = service_account_keys(&name);
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

/// RBAC compares `system:serviceaccount:NS:NAME` byte for byte, so a name with several colons
/// matches every split of it whose namespace is non-empty.
fn service_account_keys(user: &str) -> Vec<(String, String)> {
    let Some(rest) = user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX) else {
        return Vec::new();
    };
    rest.match_indices(':')
        .filter(|(i, _)| *i > 0)
        .map(|(i, _)| (rest[..i].to_string(), rest[i + 1..].to_string()))
        .collect()
}

const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

/// The attributes of a request on an API resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceAttributes {
    pub verb: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    /// `""` for a cluster-scoped request.
    pub namespace: String,
}

impl ResourceAttributes {
    /// Applies a list/watch field selector as the apiserver does: when it requires
    /// `metadata.name` to equal a value, the request carries that name. Other verbs ignore it.
    pub fn apply_field_selector(&mut self, selector: &str) {
        if self.verb != "list" && self.verb != "watch" {
            return;
        }
        if let Some(name) = exact_name_in_selector(selector) {
            self.name = name;
        }
    }

    /// `resource[/subresource]`, as RBAC compares it with rule resources.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// The value a field selector requires `metadata.name` to equal (`=` or `==`), if any.
/// Terms are separated by unescaped commas; `\` escapes `,`, `=`, `!` and `\` in values.
pub fn exact_name_in_selector(selector: &str) -> Option<String> {
    for term in split_unescaped(selector, ',') {
        let term = term.trim();
        if let Some(value) = term
            .strip_prefix("metadata.name==")
            .or_else(|| term.strip_prefix("metadata.name="))
        {
            return Some(unescape_selector_value(value));
        }
    }
    None
}

fn split_unescaped(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unescape_selector_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        if !escaped && c == '\\' {
            escaped = true;
        } else {
            escaped = false;
            out.push(c);
        }
    }
    out
}

/// The attributes of a request on a non-resource URL (`/healthz`, `/apis`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NonResourceAttributes {
    pub verb: String,
    pub path: String,
}

/// What is asked, without who asks (the subject locator ignores the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Resource(ResourceAttributes),
    NonResource(NonResourceAttributes),
}

impl Action {
    pub fn verb(&self) -> &str {
        match self {
            Action::Resource(r) => &r.verb,
            Action::NonResource(n) => &n.verb,
        }
    }

    /// The namespace of the request; `""` for cluster scope and for non-resource URLs.
    pub fn namespace(&self) -> &str {
        match self {
            Action::Resource(r) => &r.namespace,
            Action::NonResource(_) => "",
        }
    }

    /// A resource action from a parsed resource (group already resolved).
    pub fn resource(
        verb: &str,
        api_group: &str,
        resource: &str,
        subresource: &str,
        namespace: &str,
        name: &str,
    ) -> Action {
        Action::Resource(ResourceAttributes {
            verb: verb.to_string(),
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.to_string(),
            name: name.to_string(),
            namespace: namespace.to_string(),
        })
    }

    pub fn non_resource(verb: &str, path: &str) -> Action {
        Action::NonResource(NonResourceAttributes {
            verb: verb.to_string(),
            path: path.to_string(),
        })
    }

    /// A short human description: `get pods.apps/scale named "x" in ns "y"`, `get /healthz`.
    pub fn describe(&self) -> String {
        match self {
            Action::NonResource(n) => format!("{} {}", n.verb, n.path),
            Action::Resource(r) => {
                let mut s = format!("{} {}", r.verb, r.resource);
                if !r.api_group.is_empty() {
                    s.push('.');
                    s.push_str(&r.api_group);
                }
                if !r.subresource.is_empty() {
                    s.push('/');
                    s.push_str(&r.subresource);
                }
                if !r.name.is_empty() {
                    s.push_str(&format!(" named {}", crate::source::go_quote(&r.name)));
                }
                if r.namespace.is_empty() {
                    s.push_str(" cluster-wide");
                } else {
                    s.push_str(&format!(
                        " in namespace {}",
                        crate::source::go_quote(&r.namespace)
                    ));
                }
                s
            }
        }
    }
}

/// An authorization request: who asks, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub user: UserInfo,
    pub action: Action,
}

impl Request {
    pub fn new(user: UserInfo, action: Action) -> Self {
        Self { user, action }
    }
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
                groups.push(SERVICE_ACCOUNTS.to_string());
                groups.push(format!("{SERVICE_ACCOUNTS}:{namespace}"));
                format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}")
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
        return Err(RequestError::UnknownSubjectKind(text.to_string()));
    };
    match kind {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn field_selector_sets_name_for_list_and_watch() {
        let mut r = ResourceAttributes {
            verb: "list".into(),
            ..Default::default()
        };
        r.apply_field_selector("status.phase=Running,metadata.name=web");
        assert_eq!(r.name, "web");
        let mut r = ResourceAttributes {
            verb: "watch".into(),
            ..Default::default()
        };
        r.apply_field_selector("metadata.name!=web");
        assert_eq!(r.name, "");
        let mut r = ResourceAttributes {
            verb: "get".into(),
            ..Default::default()
        };
        r.apply_field_selector("metadata.name=web");
        assert_eq!(r.name, "");
    }
}
