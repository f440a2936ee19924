//! Go's `%q` quoting, which the apiserver's messages use for names and which kubesim's
//! messages repeat so that they read exactly as upstream's.

use std::fmt::Write as _;

/// Go `strconv.Quote`: double quotes; `\a \b \f \n \r \t \v \\ \"` escaped; other
/// non-printable runes as `\xNN` (below U+0020 and U+007F), `\uNNNN` or `\UNNNNNNNN`.
pub fn go_quote(value: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
