//! What a request asks, as the apiserver hands it to the authorizers: resource attributes (verb,
//! API group, resource, subresource, name, namespace) or a non-resource URL and verb, and the
//! user who asks.

use super::identity::UserInfo;

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

#[cfg(test)]
mod tests {
    use super::*;

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
