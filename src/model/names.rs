//! Name rules the apiserver validates, as `k8s.io/apimachinery/pkg/util/validation` writes
//! them: DNS-1123 labels (namespaces), DNS-1123 subdomains (most object names), label keys and
//! values (qualified names).

/// `IsDNS1123Label`: at most 63 of `[a-z0-9-]`, starting and ending alphanumeric.
pub fn is_dns1123_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(is_lower_alphanumeric)
        && bytes.last().is_some_and(is_lower_alphanumeric)
        && bytes.iter().all(|b| is_lower_alphanumeric(b) || *b == b'-')
}

/// `IsDNS1123Subdomain`: at most 253 characters of `.`-separated parts, each of `[a-z0-9-]`
/// starting and ending alphanumeric (the parts have no length limit of their own).
pub fn is_dns1123_subdomain(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|part| {
            let bytes = part.as_bytes();
            bytes.first().is_some_and(is_lower_alphanumeric)
                && bytes.last().is_some_and(is_lower_alphanumeric)
                && bytes.iter().all(|b| is_lower_alphanumeric(b) || *b == b'-')
        })
}

/// `IsQualifiedName` (label keys, annotation keys): `[PREFIX/]NAME`, the prefix a DNS-1123
/// subdomain and the name at most 63 of `[A-Za-z0-9-_.]` starting and ending alphanumeric.
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(|p| !p.is_empty() && is_dns1123_subdomain(p))
        && !name.is_empty()
        && is_label_value(name)
}

/// `IsValidLabelValue`: empty, or at most 63 of `[A-Za-z0-9-_.]` starting and ending
/// alphanumeric.
pub fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// `ValidatePathSegmentName`, which Role and ClusterRole names follow: anything but empty, `.`,
/// `..`, and names containing `/` or `%` (so `system:controller:job-controller` is valid).
pub fn is_path_segment_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
}

fn is_lower_alphanumeric(b: &u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `payments team access` → `payments-team-access`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "scenario".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_apimachinery_validation() {
        // (value, label, subdomain, label value)
        let long_part = "a".repeat(64);
        let cases: &[(&str, bool, bool, bool)] = &[
            ("default", true, true, true),
            ("a-b", true, true, true),
            ("a.b", false, true, true),
            (long_part.as_str(), false, true, false),
            ("", false, false, true),
            ("-a", false, false, false),
            ("a-", false, false, false),
            ("a..b", false, false, true),
            ("a.-b", false, false, true),
            ("A", false, false, true),
            ("a_b", false, false, true),
        ];
        for &(value, label, subdomain, label_value) in cases {
            assert_eq!(is_dns1123_label(value), label, "label {value:?}");
            assert_eq!(
                is_dns1123_subdomain(value),
                subdomain,
                "subdomain {value:?}"
            );
            assert_eq!(is_label_value(value), label_value, "label value {value:?}");
        }
        assert!(is_qualified_name("app.kubernetes.io/name"));
        assert!(!is_qualified_name("a/b/c"));
        assert!(!is_qualified_name("/name"));
        assert!(!is_qualified_name("Example.com/name"));
        assert!(is_path_segment_name("system:controller:job-controller"));
        assert!(!is_path_segment_name(".."));
        assert!(!is_path_segment_name("a/b"));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("payments team access"), "payments-team-access");
        assert_eq!(slug("  Bob joins the admins! "), "bob-joins-the-admins");
        assert_eq!(slug("***"), "scenario");
    }
}
