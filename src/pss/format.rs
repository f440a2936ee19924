//! Text helpers that reproduce upstream's message building byte for byte: `joinQuote`,
//! `pluralize`, Go's `strconv.Quote` (`%q`), the "setters" phrase, and the quoting of map keys
//! in field paths.

pub(crate) use crate::source::go_quote;

/// Upstream `joinQuote`: `"a", "b"`; no escaping; an empty list gives an empty string.
pub(crate) fn join_quote<'a, I>(items: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let mut out = String::new();
    push_join_quote(&mut out, items);
    out
}

/// [`join_quote`] appended to `out`.
pub(crate) fn push_join_quote<'a, I>(out: &mut String, items: I)
where
    I: IntoIterator<Item = &'a str>,
{
    let mut any = false;
    for item in items {
        out.push_str(if any { "\", \"" } else { "\"" });
        out.push_str(item);
        any = true;
    }
    if any {
        out.push('"');
    }
}

/// Upstream `pluralize`: the singular form only for exactly one item.
pub(crate) const fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 { singular } else { plural }
}

/// The setters phrase: `pod`, then `container(s) "a", "b"`, joined by ` and `.
pub(crate) fn pod_and_containers(pod: bool, containers: &[&str]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(2);
    if pod {
        parts.push("pod".to_owned());
    }
    if !containers.is_empty() {
        parts.push(containers_phrase(containers));
    }
    parts.join(" and ")
}

/// `container "a"` or `containers "a", "b"`.
pub(crate) fn containers_phrase(containers: &[&str]) -> String {
    let noun = pluralize("container", "containers", containers.len());
    let names_len: usize = containers.iter().map(|n| n.len() + 4).sum();
    let mut out = String::with_capacity(noun.len() + 1 + names_len);
    out.push_str(noun);
    out.push(' ');
    push_join_quote(&mut out, containers.iter().copied());
    out
}

/// A map key in a field path: `["key"]`, with `\` and `"` backslash-escaped.
pub(crate) fn path_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    out.push_str("[\"");
    for c in key.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("\"]");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_quote_matches_upstream() {
        assert_eq!(join_quote([]), "");
        assert_eq!(join_quote(["a"]), "\"a\"");
        assert_eq!(join_quote(["a", "b", "c"]), "\"a\", \"b\", \"c\"");
        assert_eq!(join_quote(["x\"y"]), "\"x\"y\"");
    }

    #[test]
    fn setters_phrase() {
        assert_eq!(pod_and_containers(true, &[]), "pod");
        assert_eq!(pod_and_containers(false, &["a"]), "container \"a\"");
        assert_eq!(
            pod_and_containers(true, &["a", "b"]),
            "pod and containers \"a\", \"b\""
        );
    }

    #[test]
    fn path_keys_are_quoted() {
        assert_eq!(path_key("a/b"), "[\"a/b\"]");
        assert_eq!(path_key("a\"b"), "[\"a\\\"b\"]");
    }
}
