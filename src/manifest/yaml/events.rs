//! The fast path of the YAML reader: values built straight from the parser's events, for the
//! plain YAML that manifests are written in. It reads only what it can read exactly as the full
//! path (serde-saphyr over the same parser, with kubesim's visitor) would: mappings with
//! string keys, sequences, quoted and block scalars, and plain scalars that are plainly
//! strings, null, `true`/`false` or decimal integers; any other plain scalar is resolved by the
//! full path on its own. On anything else (a syntax error, an anchor, alias, tag or directive,
//! a key that is not a plain string, a key given twice, deep nesting, a budget approached) it
//! gives up, and the caller reads the text with the full path, which then decides and reports.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Budget, Options};

use super::{JsonNode, is_mixed_case_boolean, to_u32};

/// One document read by the fast path, with the 1-based position of its root node.
pub(super) struct FastDocument {
    pub(super) value: Value,
    pub(super) line: u32,
    pub(super) column: u32,
}

/// Nesting deeper than this is left to the full path (its own limit is 64).
const MAX_DEPTH: usize = 48;

/// The documents of `text` that hold a value, in order, or `None` where the full path must
/// read it.
pub(super) fn parse(text: &str, options: &Options) -> Option<Vec<FastDocument>> {
    let default_budget = Budget::default();
    let budget = options.budget.as_ref().unwrap_or(&default_budget);
    // Half of each budget: the full path counts a little differently, and only hostile input
    // comes near them (they scale with the input).
    let max_nodes = budget.max_nodes / 2;
    let max_events = budget.max_events / 2;
    let max_documents = budget.max_documents / 2;
    let max_scalar_bytes = budget.max_total_scalar_bytes / 2;

    let mut reader = Reader {
        options,
        stack: Vec::new(),
        root: None,
    };
    let mut documents = Vec::new();
    let (mut nodes, mut events, mut scalar_bytes) = (0usize, 0usize, 0usize);
    let mut root_at: Option<(u32, u32)> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        events += 1;
        if events > max_events {
            return None;
        }
        let starts_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        );
        if starts_node {
            nodes += 1;
            if nodes > max_nodes {
                return None;
            }
            if reader.stack.is_empty() && root_at.is_none() {
                root_at = Some((
                    to_u32(span.start.line()),
                    to_u32(span.start.col().saturating_add(1)),
                ));
            }
        }
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_, version) => {
                if version.is_some() || documents.len() >= max_documents {
                    return None;
                }
            }
            Event::DocumentEnd => {
                let (line, column) = root_at.take().unwrap_or((0, 0));
                // The full path hands on no document whose value is null (empty, comment-only
                // or `~`), so they take no index.
                match reader.root.take() {
                    None | Some(Value::Null) => {}
                    Some(value) => documents.push(FastDocument {
                        value,
                        line,
                        column,
                    }),
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                scalar_bytes += text.len();
                if scalar_bytes > max_scalar_bytes {
                    return None;
                }
                reader.scalar(&text, style)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                reader.open(Frame::Sequence(Vec::new()))?;
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                reader.open(Frame::Mapping(Map::new(), None))?;
            }
            Event::SequenceEnd | Event::MappingEnd => reader.close()?,
            // Aliases, anchors and anything a newer parser may add.
            #[allow(unreachable_patterns)]
            _ => return None,
        }
    }
    reader.stack.is_empty().then_some(documents)
}

/// A collection being read: a sequence's items, or a mapping's entries and the key whose
/// value comes next.
enum Frame {
    Sequence(Vec<Value>),
    Mapping(Map<String, Value>, Option<String>),
}

struct Reader<'o> {
    options: &'o Options,
    stack: Vec<Frame>,
    root: Option<Value>,
}

impl Reader<'_> {
    fn scalar(&mut self, text: &str, style: ScalarStyle) -> Option<()> {
        if let Some(Frame::Mapping(_, key @ None)) = self.stack.last_mut() {
            *key = Some(mapping_key(text, style)?);
            return Some(());
        }
        let value = scalar_value(text, style, self.options)?;
        self.attach(value)
    }

    fn open(&mut self, frame: Frame) -> Option<()> {
        // A collection where a mapping key is due is a complex key.
        if matches!(self.stack.last(), Some(Frame::Mapping(_, None)))
            || self.stack.len() >= MAX_DEPTH
        {
            return None;
        }
        self.stack.push(frame);
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        let value = match self.stack.pop()? {
            Frame::Sequence(items) => Value::Array(items),
            Frame::Mapping(entries, None) => Value::Object(entries),
            Frame::Mapping(_, Some(_)) => return None,
        };
        self.attach(value)
    }

    fn attach(&mut self, value: Value) -> Option<()> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return None;
                }
                self.root = Some(value);
            }
            Some(Frame::Sequence(items)) => items.push(value),
            Some(Frame::Mapping(entries, key)) => {
                // A key given twice is the full path's error to report.
                match entries.entry(key.take()?) {
                    serde_json::map::Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    serde_json::map::Entry::Occupied(_) => return None,
                }
            }
        }
        Some(())
    }
}

/// The first characters with which a plain scalar may be something other than a string
/// (YAML 1.1's numbers, booleans, null, `.inf`/`.nan`, merge keys and their kin).
fn may_resolve(first: char) -> bool {
    matches!(
        first,
        '0'..='9'
            | '+'
            | '-'
            | '.'
            | '~'
            | '<'
            | '='
            | 'y'
            | 'Y'
            | 'n'
            | 'N'
            | 't'
            | 'T'
            | 'f'
            | 'F'
            | 'o'
            | 'O'
    )
}

/// A mapping key the fast path reads as the full path does: quoted, or a plain string.
fn mapping_key(text: &str, style: ScalarStyle) -> Option<String> {
    match style {
        ScalarStyle::Plain => plain_string(text).then(|| text.to_owned()),
        _ => Some(text.to_owned()),
    }
}

/// Whether a plain scalar is a string to every YAML 1.1 and 1.2 resolver: it starts with a
/// letter that begins no reserved word, or it is a word that only looks like one.
fn plain_string(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if !may_resolve(first) {
        return true;
    }
    first.is_ascii_alphabetic() && !is_reserved_word(text)
}

/// Words that some case of YAML 1.1's booleans and null are spelled as.
fn is_reserved_word(text: &str) -> bool {
    text.len() <= 5
        && matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "null"
        )
}

/// The value of a scalar node, or `None` where the full path must read the whole text.
fn scalar_value(text: &str, style: ScalarStyle, options: &Options) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::String(text.to_owned()));
    }
    match text {
        "" | "null" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if plain_string(text) {
        return Some(Value::String(text.to_owned()));
    }
    if let Some(n) = decimal_integer(text) {
        return Some(Value::Number(n));
    }
    if starts_like_number(text) && !could_be_number(text) {
        return Some(Value::String(text.to_owned()));
    }
    resolve_alone(text, options)
}

/// `0`, or a decimal integer without a leading zero or `+`, that fits an `i64`.
fn decimal_integer(text: &str) -> Option<Number> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain_digits = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !plain_digits || text == "-0" {
        return None;
    }
    text.parse::<i64>().ok().map(Number::from)
}

fn starts_like_number(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
}

/// Whether `text` holds only characters that some spelling of a number, infinity, NaN or
/// timestamp uses (digits, signs, separators, and the letters of hex digits, radix prefixes,
/// exponents, `inf`/`infinity`/`nan` and timestamps). Anything else makes it a string.
fn could_be_number(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_ascii_digit() || "+-._:".contains(c) || "abcdefinoptxyzABCDEFINOPTXYZ".contains(c)
    })
}

/// A plain scalar the fast path does not resolve itself, read by the full path as a document
/// of its own (as in place: the text holds no space, indicator or comment that could change
/// its meaning there, only a document marker or a `:` could, and those are refused).
fn resolve_alone(text: &str, options: &Options) -> Option<Value> {
    if text.starts_with("---") || text.starts_with("...") || text.contains(':') || text == "-" {
        return None;
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+-._~<=".contains(c))
    {
        return None;
    }
    let JsonNode::<false>(value) =
        serde_saphyr::from_str_with_options(text, options.clone()).ok()?;
    match value {
        Value::Array(_) | Value::Object(_) => None,
        Value::Bool(_) if is_mixed_case_boolean(text) => Some(Value::String(text.to_owned())),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{RawDocument, ReadWith, SyntaxError, options, read_documents};
    use super::*;

    fn read(text: &str, with: ReadWith) -> Result<Vec<RawDocument>, SyntaxError> {
        read_documents(text, 0, 0, &options(text.len()), with)
    }

    /// Asserts that the fast path reads `text` as the full path does; returns whether the fast
    /// path read it itself (rather than giving up).
    fn same_as_full(name: &str, text: &str) -> bool {
        let fast = read(text, ReadWith::Events);
        let full = read(text, ReadWith::Full);
        match (&fast, &full) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.len(), b.len(), "{name}: document count");
                for (x, y) in a.iter().zip(b) {
                    assert_eq!(x.value, y.value, "{name}: document {}", y.index);
                    assert_eq!(
                        (x.index, x.line, x.column, x.offset, x.offset_line),
                        (y.index, y.line, y.column, y.offset, y.offset_line),
                        "{name}: position of document {}",
                        y.index
                    );
                }
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!("{name}: fast {fast:?}, full {full:?}"),
        }
        parse(text, &options(text.len())).is_some()
    }

    #[test]
    fn reads_a_manifest_itself_with_the_full_paths_positions() {
        let text = "# c\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: x, 'n': \"1\"}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.2\n    ports: [{containerPort: 8080}]\n    resources: {limits: {cpu: 100m, memory: 128Mi}}\n    args:\n    - |\n      literal\n    - >-\n      folded\n      text\n  hostNetwork: false\n  priority: -5\n  x:\n---\n---\n  # only a comment\n...\n---\nkind: B\n";
        assert!(same_as_full("manifest", text), "the fast path gave up");
        for text in [
            "a: 1\n---\nnull\n---\nb: 2\n",
            "~\n---\nb: 1\n",
            "---\n---\n",
            "",
            "# only\n",
            "- a\n---\n[]\n---\n{}\n---\n''\n",
            "a: 1\n...\n---\nb: 1\n...\n",
            "a: 1\r\nb: [x, y]\r\n---\r\nc: 2\r\n",
            "a: 1\rb: 2\r---\rc: 3\r",
            "a:\tb\nc: \"tab\\there\"\n",
            "a: \u{e9}t\u{e9}\nb: 'it''s'\nc: \"\\u00e9\"\n",
            "  a: 1\n  b:\n  - 1\n  - 2\n",
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"n\": [1, -2, 0]}\n",
        ] {
            assert!(
                same_as_full(text, text),
                "the fast path gave up on {text:?}"
            );
        }
    }

    /// Plain scalars of every shape the resolvers treat specially, each read in place by both
    /// paths (YAML 1.1 as sigs.k8s.io/yaml resolves it is the full path's, tested elsewhere).
    #[test]
    fn plain_scalars_resolve_as_in_the_full_path() {
        let words = [
            "nginx",
            "8080",
            "0",
            "-0",
            "-12",
            "+12",
            "012",
            "08",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "1e3",
            "1E3",
            "1.",
            "1.5",
            ".5",
            "-.5",
            "1.5e3",
            "10.0.0.1",
            "1.2.3",
            "1:30",
            "190:20:30",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "100m",
            "128Mi",
            "2Gi",
            "30s",
            "1h",
            ".inf",
            "-.inf",
            "+.inf",
            ".Inf",
            ".INF",
            ".nan",
            ".NaN",
            "inf",
            "Inf",
            "infinity",
            "Infinity",
            "-infinity",
            "+inf",
            "nan",
            "NaN",
            "NAN",
            "y",
            "Y",
            "yes",
            "Yes",
            "YES",
            "yEs",
            "n",
            "N",
            "no",
            "No",
            "NO",
            "nO",
            "true",
            "True",
            "TRUE",
            "tRue",
            "false",
            "False",
            "FALSE",
            "fAlSe",
            "on",
            "On",
            "ON",
            "oN",
            "off",
            "Off",
            "OFF",
            "null",
            "Null",
            "NULL",
            "nUll",
            "~",
            "~x",
            "<<x",
            "=",
            "-",
            "--",
            "-x",
            "+",
            ".",
            "..",
            "e5",
            "E5",
            "x1",
            "0x",
            "0xg",
            "1e",
            "1e+3",
            "1e-3",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "18446744073709551616",
            "123456789012345678901234567890",
            "0.0",
            "00",
            "007",
            "1__0",
            "_1",
            "1_",
            "0x_1",
            "1,000",
            "a b",
            "1 2",
            "yes please",
            "truex",
            "nullable",
            "Never",
            "IfNotPresent",
            "None",
            "TCP",
            "t",
            "f",
            "o",
            "offset",
            "ontology",
        ];
        let mut fast = 0;
        for word in words {
            for text in [
                format!("k: {word}\n"),
                format!("k: [{word}]\n"),
                format!("- {word}\n"),
            ] {
                fast += usize::from(same_as_full(word, &text));
            }
        }
        // The table is not vacuous: most of it is read by the fast path itself.
        assert!(
            fast > words.len(),
            "{fast} of {} read fast",
            words.len() * 3
        );
    }

    /// Random plain scalars over the characters numbers are written with, plus letters that
    /// make them strings: the fast path never disagrees with the full one.
    #[test]
    fn random_number_like_scalars_resolve_as_in_the_full_path() {
        let alphabet: Vec<char> = "0123456789+-._eExXoObBinfINFaAtTyYzZpPmMGKis~"
            .chars()
            .collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut text = String::new();
        for _ in 0..4_000 {
            let len = 1 + (next() % 6) as usize;
            let word: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            text.clear();
            text.push_str("k: ");
            text.push_str(&word);
            text.push('\n');
            same_as_full(&word, &text);
        }
    }

    #[test]
    fn gives_up_where_the_full_path_must_decide() {
        for text in [
            "a: 1\na: 2\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "%YAML 1.1\n---\na: 1\n",
            "? [a]\n: 1\n",
            "<<: {a: 1}\n",
            "8080: port\n",
            "yes: 1\n",
            "a: [1\n",
        ] {
            assert!(parse(text, &options(text.len())).is_none(), "{text:?}");
            same_as_full(text, text);
        }
    }

    fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                out.push(path);
            }
        }
    }

    /// Every manifest the repository holds (test data, scenarios, policies) and a generated
    /// cluster read the same by both paths, and most of them by the fast path itself.
    #[test]
    fn every_file_of_the_repository_reads_as_in_the_full_path() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/data", "scenarios", "policies"] {
            yaml_files(&root.join(dir), &mut files);
        }
        files.sort();
        let (mut read_fast, mut total) = (0, 0);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            total += 1;
            read_fast += usize::from(same_as_full(&file.display().to_string(), text));
        }
        assert!(total > 500, "{total} files");
        assert!(
            read_fast * 2 > total,
            "{read_fast} of {total} files read fast"
        );

        use crate::generate::{Format, Shape, cluster_text};
        let text = cluster_text(&Shape::scaled(2_000), 5, Format::Yaml);
        assert!(same_as_full("generated", &text), "the fast path gave up");
    }
}
