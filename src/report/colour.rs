//! Colour for the human-readable reports on a terminal: a pass over the rendered text that
//! wraps the words carrying a verdict in ANSI colours — `yes`/`no` answers, allowed/denied,
//! passed (✓) and failed (✗) checks, Pod Security levels and `[severity]` tags. It runs after
//! the layout, so columns stay aligned, and only the CLI decides whether to call it (a
//! terminal, `--color`, `NO_COLOR`); the text given to pipes and files is never touched.

const RESET: &str = "\x1b[0m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const BOLD_RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";

/// Whole words and the colour each gets.
const WORDS: &[(&str, &str)] = &[
    ("allowed", GREEN),
    ("denied", RED),
    ("privileged", RED),
    ("baseline", YELLOW),
    ("restricted", GREEN),
];

/// Tags and marks matched anywhere.
const MARKS: &[(&str, &str)] = &[
    ("[critical]", BOLD_RED),
    ("[high]", RED),
    ("[medium]", YELLOW),
    ("[low]", CYAN),
    ("✓", GREEN),
    ("✗", RED),
];

/// Whether `text` is machine-readable (JSON, XML, HTML, DOT, mermaid), which is never
/// coloured.
pub fn is_machine_readable(text: &str) -> bool {
    let start = text.trim_start();
    start.starts_with(['{', '[', '<'])
        || start.starts_with("digraph ")
        || start.starts_with("flowchart ")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

fn paint(out: &mut String, colour: &str, text: &str) {
    out.push_str(colour);
    out.push_str(text);
    out.push_str(RESET);
}

fn colour_line(line: &str, out: &mut String) {
    match line {
        "yes" => return paint(out, GREEN, line),
        "no" => return paint(out, RED, line),
        _ => {}
    }
    let mut rest = line;
    let mut previous: Option<char> = None;
    'scan: while let Some(c) = rest.chars().next() {
        for (mark, colour) in MARKS {
            if rest.starts_with(mark) {
                paint(out, colour, mark);
                rest = &rest[mark.len()..];
                previous = mark.chars().last();
                continue 'scan;
            }
        }
        if previous.is_none_or(|p| !is_word_char(p)) {
            for (word, colour) in WORDS {
                if let Some(after) = rest.strip_prefix(word)
                    && after.chars().next().is_none_or(|n| !is_word_char(n))
                {
                    paint(out, colour, word);
                    rest = after;
                    previous = word.chars().last();
                    continue 'scan;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        previous = Some(c);
    }
}

/// `text` with its verdict words coloured.
pub fn colourize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        colour_line(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_levels_and_severities_are_coloured() {
        assert_eq!(colourize("yes\nrequest"), "\x1b[32myes\x1b[0m\nrequest");
        assert_eq!(
            colourize("pod/debug   privileged   no (baseline:v1.37)"),
            "pod/debug   \x1b[31mprivileged\x1b[0m   no (\x1b[33mbaseline\x1b[0m:v1.37)"
        );
        assert_eq!(
            colourize("  ✗ user:ops-bot [high]"),
            "  \x1b[31m✗\x1b[0m user:ops-bot \x1b[31m[high]\x1b[0m"
        );
    }

    #[test]
    fn only_whole_words() {
        let text = "node-privileged unrestricted baselines system:nodes no escalation path\n";
        assert_eq!(colourize(text), text);
    }

    #[test]
    fn machine_formats_are_recognised() {
        for text in [
            "{\"a\": 1}",
            "[]",
            "<?xml",
            "digraph access {",
            "flowchart LR",
        ] {
            assert!(is_machine_readable(text), "{text}");
        }
        assert!(!is_machine_readable("yes\n"));
        assert!(!is_machine_readable("WORKLOAD   LEVEL\n"));
    }
}
