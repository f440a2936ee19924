//! Text helpers that reproduce upstream's message building byte for byte: `joinQuote`,
//! `pluralize`, Go's `strconv.Quote` (`%q`), the "setters" phrase, and the quoting of map keys
//! in field paths.

use std::fmt::Write as _;

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

/// Go `strconv.Quote`: double quotes; `\a \b \f \n \r \t \v \\ \"` escaped; other
/// non-printable runes as `\xNN` (below U+0020 and U+007F), `\uNNNN` or `\UNNNNNNNN`.
pub(crate) fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint` for non-ASCII runes: letters, marks, numbers, punctuation and
/// symbols. Rust's debug escaping uses the same category rule (it escapes other/separator
/// categories), so a rune is printable iff it survives `escape_debug` unchanged when it is not
/// the first char (where grapheme extenders, which are printable marks, would be escaped too).
fn is_go_printable(c: char) -> bool {
    let mut probe = String::with_capacity(8);
    probe.push('a');
    probe.push(c);
    probe.escape_debug().eq(probe.chars())
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
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote(""), "\"\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\n\t\u{7}\u{1b}\u{7f}"), "\"\\n\\t\\a\\x1b\\x7f\"");
        assert_eq!(go_quote("é☃"), "\"é☃\"");
        assert_eq!(go_quote("\u{a0}\u{200b}"), "\"\\u00a0\\u200b\"");
        assert_eq!(go_quote("e\u{301}"), "\"e\u{301}\"");
        assert_eq!(go_quote("\u{e0001}"), "\"\\U000e0001\"");
        assert_eq!(go_quote("😀"), "\"😀\"");
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
