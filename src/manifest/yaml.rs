//! YAML streams → JSON values, the way kubectl reads them (YAML 1.1 booleans, legacy octal,
//! merge keys, duplicate keys rejected). The only module that touches the YAML parser.
//!
//! Parsing is two-level: the whole stream is parsed at once; when it has a syntax error the
//! text is split at its document markers (`---` and `...`, on lines that may end in `\n`,
//! `\r\n` or a lone `\r`) and each document is parsed alone, so one broken document does not
//! hide the others. Each parse first tries the event reader ([`events`]), which builds values
//! straight from the parser's events for plain manifests, and falls back to serde-saphyr with
//! kubesim's visitor (the full path) for the rest. Field lines are found lazily by re-parsing
//! one document with a span on every node ([`locate`]), which keeps loading cheap.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options, Spanned};

use crate::source::PathSegment;

mod events;
mod list;

pub use list::ItemText;

/// One document of a stream: its value and where its root node starts.
#[derive(Debug)]
pub struct RawDocument {
    pub value: Value,
    /// 0-based index of the document in its file.
    pub index: u32,
    pub line: u32,
    pub column: u32,
    /// Byte offset of the first line of the document's text (for lazy field lookups).
    pub offset: usize,
    /// How many lines of the file come before `offset`.
    pub offset_line: u32,
    /// For a List whose items were parsed apart, where each item of `items` is written.
    pub items: Option<Vec<ItemText>>,
}

impl RawDocument {
    /// Moves every line of the document down by `lines` (for a piece parsed from the middle of
    /// its file).
    fn shift_lines(&mut self, lines: u32) {
        self.line += lines;
        self.offset_line += lines;
        for item in self.items.iter_mut().flatten() {
            item.line += lines;
            item.offset_line += lines;
        }
    }
}

/// A syntax error with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The documents of one file and the syntax errors that kept others from loading.
#[derive(Debug, Default)]
pub struct ParsedStream {
    pub documents: Vec<RawDocument>,
    pub errors: Vec<SyntaxError>,
}

fn options(text_len: usize) -> Options {
    let mut options = Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options.with_snippet = false;
    // Budgets scale with the input so a 100,000-document stream loads, while the alias
    // limits (the defence against alias bombs) keep their defaults.
    let mut budget = Budget::default();
    let scale = text_len.max(1 << 20);
    budget.max_documents = budget.max_documents.max(scale / 8);
    budget.max_nodes = budget.max_nodes.max(scale);
    budget.max_events = budget.max_events.max(scale * 2);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(scale * 2);
    // What aliases replay is bounded by the input's own size (a few times over, with a floor
    // for small files), so a 1 KB alias or merge-key bomb stops in milliseconds.
    budget.max_recorded_anchor_events =
        (text_len * 4).clamp(1 << 16, budget.max_recorded_anchor_events);
    budget.max_recorded_anchor_bytes =
        (text_len * 16).clamp(1 << 20, budget.max_recorded_anchor_bytes);
    options.budget = Some(budget);
    options
}

/// The documents of one piece of a stream, already handed to the caller's `decode`, and the
/// syntax errors met in the piece.
#[derive(Debug)]
pub struct Piece<R> {
    /// What `decode` made of the piece's documents.
    pub decoded: R,
    /// How many documents the piece kept (empty ones are skipped).
    pub kept: u32,
    /// Add this to the `index` of the piece's documents for their index in the file.
    pub index_base: u32,
    pub errors: Vec<SyntaxError>,
}

/// Parses every document of a YAML (or JSON-in-YAML) stream. Empty and comment-only
/// documents are skipped, as kubectl skips them.
pub fn parse_stream(text: &str) -> ParsedStream {
    let mut stream = ParsedStream::default();
    for piece in parse_stream_with(text, |documents, _| documents) {
        for mut doc in piece.decoded {
            doc.index += piece.index_base;
            stream.documents.push(doc);
        }
        stream.errors.extend(piece.errors);
    }
    stream
}

/// [`parse_stream`] that hands the documents of each piece to `decode` as soon as the piece
/// is parsed (in parallel for large streams), so the parsed values of a whole file never
/// coexist. `decode` also gets how many bytes of `text` the piece covers (the pieces add up
/// to the whole, for progress by bytes). Lines and offsets are those of the file; document
/// indexes are relative to the piece (see [`Piece::index_base`]). Pieces come back in file
/// order.
pub fn parse_stream_with<R, F>(text: &str, decode: F) -> Vec<Piece<R>>
where
    R: Send,
    F: Fn(Vec<RawDocument>, usize) -> R + Sync,
{
    let whole = text.len();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() >= PARALLEL_CHUNK_BYTES * 2 {
        return parse_parallel(text, &decode);
    }
    let stream = match parse_whole(text, 0, 0) {
        Ok(documents) => ParsedStream {
            documents,
            errors: Vec::new(),
        },
        Err(_) => parse_split(text),
    };
    vec![Piece {
        kept: to_u32(stream.documents.len()),
        decoded: decode(stream.documents, whole),
        index_base: 0,
        errors: stream.errors,
    }]
}

/// Streams larger than two of these are cut at document markers and parsed in parallel.
pub(crate) const PARALLEL_CHUNK_BYTES: usize = 1 << 19;

/// Parses a large stream in parallel pieces. A line that starts with `---` at column 0 always
/// begins a new document (YAML forbids it inside content), and anchors never cross documents,
/// so the pieces parse exactly as the whole would. The documents of the file are numbered in
/// order across the pieces.
fn parse_parallel<R, F>(text: &str, decode: &F) -> Vec<Piece<R>>
where
    R: Send,
    F: Fn(Vec<RawDocument>, usize) -> R + Sync,
{
    use rayon::prelude::*;
    // (start, end, lines of the file before start)
    let mut pieces: Vec<(usize, usize, u32)> = Vec::new();
    let mut piece_start = 0;
    let mut piece_lines = 0u32;
    let mut offset = 0;
    let mut lines = 0u32;
    for line in text.split_inclusive('\n') {
        if is_document_marker(line) && offset - piece_start >= PARALLEL_CHUNK_BYTES {
            pieces.push((piece_start, offset, piece_lines));
            piece_start = offset;
            piece_lines = lines;
        }
        offset += line.len();
        // Every line but the last ends with a newline.
        lines = lines.saturating_add(1);
    }
    pieces.push((piece_start, text.len(), piece_lines));
    let mut parsed: Vec<Piece<R>> = pieces
        .into_par_iter()
        .map(|(start, end, lines_before)| {
            let piece = text.get(start..end).unwrap_or("");
            let mut stream = match parse_whole(piece, start, 0) {
                Ok(documents) => ParsedStream {
                    documents,
                    errors: Vec::new(),
                },
                Err(_) => parse_split_at(piece, start),
            };
            // Lines of the piece are relative to it; shift them by the lines before it.
            for (index, doc) in stream.documents.iter_mut().enumerate() {
                doc.shift_lines(lines_before);
                doc.index = to_u32(index);
            }
            for err in &mut stream.errors {
                err.line += lines_before;
            }
            Piece {
                kept: to_u32(stream.documents.len()),
                decoded: decode(stream.documents, end - start),
                index_base: 0,
                errors: stream.errors,
            }
        })
        .collect();
    let mut next_index = 0u32;
    for piece in &mut parsed {
        piece.index_base = next_index;
        next_index = next_index.saturating_add(piece.kept);
    }
    parsed
}

/// Parses every document of `text` (a stream, or a piece of one that starts at byte
/// `base_offset` of its file); the first is numbered `first_index`. A List document whose
/// items can be told apart from its text has them parsed apart and in parallel
/// ([`list`]), exactly as the whole would parse; every other document is parsed as before.
pub(crate) fn parse_whole(
    text: &str,
    base_offset: usize,
    first_index: u32,
) -> Result<Vec<RawDocument>, SyntaxError> {
    let options = options(text.len());
    let chunks = match list::may_hold_list(text) {
        true => document_chunks(text),
        false => Vec::new(),
    };
    let layouts: Vec<Option<list::Layout>> = chunks
        .iter()
        .map(|&(start, end, _)| text.get(start..end).and_then(list::Layout::find))
        .collect();
    if layouts.iter().all(Option::is_none) {
        return parse_documents(text, base_offset, first_index, &options);
    }
    let mut out = Vec::new();
    let mut next_index = first_index;
    let mut i = 0;
    while let Some(&(start, _, first_line)) = chunks.get(i) {
        // A run of documents that are not split Lists is parsed in one go.
        let run = layouts[i..]
            .iter()
            .take_while(|l| l.is_none())
            .count()
            .max(1);
        let end = chunks[i + run - 1].1;
        let piece = text.get(start..end).unwrap_or("");
        let lines_before = to_u32(first_line - 1);
        let whole = || {
            parse_documents(piece, base_offset + start, 0, &options).map_err(|mut err| {
                err.line += lines_before;
                err
            })
        };
        let docs = match &layouts[i] {
            Some(layout) => match list::parse(piece, layout, base_offset + start, text.len()) {
                Some(doc) => vec![doc],
                None => whole()?,
            },
            None => whole()?,
        };
        let mut last = None;
        for mut doc in docs {
            doc.index += next_index;
            last = Some(doc.index);
            doc.shift_lines(lines_before);
            out.push(doc);
        }
        next_index = last.map_or(next_index, |l| l + 1);
        i += run;
    }
    Ok(out)
}

/// [`parse_whole`] without looking for Lists: one parse of all of `text`.
fn parse_documents(
    text: &str,
    base_offset: usize,
    first_index: u32,
    options: &Options,
) -> Result<Vec<RawDocument>, SyntaxError> {
    read_documents(text, base_offset, first_index, options, ReadWith::Events)
}

/// Which reader [`read_documents`] starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadWith {
    /// The event reader ([`events`]), falling back to the full path where it gives up.
    Events,
    /// The full path only: serde-saphyr with kubesim's visitor.
    Full,
}

fn read_documents(
    text: &str,
    base_offset: usize,
    first_index: u32,
    options: &Options,
    with: ReadWith,
) -> Result<Vec<RawDocument>, SyntaxError> {
    // Each document's (value, line, column of its root), and whether mixed-case booleans need
    // restoring (the event reader resolves them itself). Where the event reader gives up, the
    // full path reads the whole text and reports what it finds.
    let (docs, mixed_case): (Vec<(Value, u32, u32)>, bool) = match with {
        ReadWith::Events => match events::parse(text, options) {
            Some(docs) => (
                docs.into_iter()
                    .map(|d| (d.value, d.line, d.column))
                    .collect(),
                false,
            ),
            None => {
                return read_documents(text, base_offset, first_index, options, ReadWith::Full);
            }
        },
        ReadWith::Full => (
            serde_saphyr::from_multiple_with_options::<Spanned<JsonNode>>(text, options.clone())
                .map_err(|e| syntax_error(&e))?
                .into_iter()
                .map(|d| {
                    (
                        d.value.0,
                        to_u32(d.referenced.line()),
                        to_u32(d.referenced.column()),
                    )
                })
                .collect(),
            has_mixed_case_boolean(text),
        ),
    };
    let starts = document_starts(text);
    let line_starts: Vec<usize> = if mixed_case {
        std::iter::once(0)
            .chain(lines(text).scan(0, |end, line| {
                *end += line.len();
                Some(*end)
            }))
            .collect()
    } else {
        Vec::new()
    };
    let mut out = Vec::with_capacity(docs.len());
    for (i, (mut value, line, column)) in docs.into_iter().enumerate() {
        if value.is_null() {
            continue;
        }
        // The document's text begins after the last `---` at or before its root node.
        let root_line = line.max(1) as usize;
        let at = starts.partition_point(|(l, _)| *l <= root_line);
        let (start_line, offset) = at
            .checked_sub(1)
            .and_then(|i| starts.get(i))
            .copied()
            .unwrap_or((1, 0));
        // Only a document holding such a word pays for the positions parse.
        let document = text.get(offset..).map(|t| &t[..document_end(t)]);
        if mixed_case
            && document.is_some_and(has_mixed_case_boolean)
            && let Some(tree) = SpanTree::parse(text, offset, to_u32(start_line - 1))
        {
            restore_strings(&mut value, &mut Vec::new(), &tree, text, &line_starts);
        }
        out.push(RawDocument {
            value,
            index: first_index + to_u32(i),
            line,
            column,
            offset: base_offset + offset,
            offset_line: to_u32(start_line - 1),
            items: None,
        });
    }
    Ok(out)
}

/// (1-based line, byte offset) of the start of each document's text: the beginning of the
/// file and the line after every `---` marker.
fn document_starts(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![(1, 0)];
    let mut offset = 0;
    for (i, line) in lines(text).enumerate() {
        offset += line.len();
        if marker(line).is_some() {
            starts.push((i + 2, offset));
        }
    }
    starts
}

fn is_document_marker(line: &str) -> bool {
    marker(line) == Some(Marker::Start)
}

/// The YAML document markers, on a line of their own (a comment may follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `---`: a document starts on this line.
    Start,
    /// `...`: the document ends with this line.
    End,
}

fn marker(line: &str) -> Option<Marker> {
    let line = line.trim_end_matches(['\n', '\r']);
    let (found, rest) = if let Some(rest) = line.strip_prefix("---") {
        (Marker::Start, rest)
    } else {
        (Marker::End, line.strip_prefix("...")?)
    };
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(found)
}

/// The lines of `text` with their breaks, which YAML lets be `\n`, `\r\n` or a lone `\r`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let mut end = start;
        while end < bytes.len() {
            match bytes[end] {
                b'\n' => {
                    end += 1;
                    break;
                }
                b'\r' if bytes.get(end + 1) != Some(&b'\n') => {
                    end += 1;
                    break;
                }
                _ => end += 1,
            }
        }
        let line = text.get(start..end);
        start = end;
        line
    })
}

/// Splits at document markers and parses each chunk alone, so a syntax error costs one document.
fn parse_split(text: &str) -> ParsedStream {
    parse_split_at(text, 0)
}

/// [`parse_split`] for a piece that starts at byte `base` of its file (lines stay relative to
/// the piece; offsets become absolute).
fn parse_split_at(text: &str, base: usize) -> ParsedStream {
    let mut stream = ParsedStream::default();
    for (index, (start, end, first_line)) in document_chunks(text).into_iter().enumerate() {
        let chunk = text.get(start..end).unwrap_or("");
        let index = to_u32(index);
        match parse_whole(chunk, base + start, index) {
            Ok(docs) => {
                for mut doc in docs {
                    doc.index = index;
                    doc.shift_lines(to_u32(first_line - 1));
                    stream.documents.push(doc);
                }
            }
            Err(mut err) => {
                err.line += to_u32(first_line - 1);
                stream.errors.push(err);
            }
        }
    }
    stream
}

/// The text of each document of `text` as (start, end, 1-based first line): cut before each
/// `---` marker and after each `...` marker.
fn document_chunks(text: &str) -> Vec<(usize, usize, usize)> {
    let mut chunk_start = 0;
    let mut chunk_line = 1usize;
    let mut line_no = 0usize;
    let mut offset = 0;
    let mut chunks = Vec::new();
    for line in lines(text) {
        line_no += 1;
        let found = marker(line);
        if found == Some(Marker::Start) && offset > chunk_start {
            chunks.push((chunk_start, offset, chunk_line));
            chunk_start = offset;
            chunk_line = line_no;
        }
        offset += line.len();
        if found == Some(Marker::End) {
            chunks.push((chunk_start, offset, chunk_line));
            chunk_start = offset;
            chunk_line = line_no + 1;
        }
    }
    chunks.push((chunk_start, text.len(), chunk_line));
    chunks
}

fn syntax_error(err: &serde_saphyr::Error) -> SyntaxError {
    let (line, column) = err
        .location()
        .map_or((0, 0), |l| (to_u32(l.line()), to_u32(l.column())));
    SyntaxError {
        line,
        column,
        message: clean_message(&err.to_string()),
    }
}

/// serde-saphyr appends "at line L column C" to its messages; the position is printed by our
/// own diagnostic prefix, so it is removed here.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let trimmed = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // Advice aimed at programmers embedding the parser is not for manifest authors.
    let trimmed = trimmed
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(trimmed);
    let trimmed = trimmed.trim_end_matches(':');
    match trimmed.strip_prefix("budget breached: ") {
        Some(breach) => budget_message(breach),
        None => explain_limit(trimmed),
    }
}

/// The parsers' own word for too deep a nesting, with what it means for the manifest.
pub(crate) fn explain_limit(message: &str) -> String {
    if message == "recursion limit exceeded" {
        "the document nests deeper than the safety limit (recursion limit exceeded)".to_string()
    } else {
        message.to_string()
    }
}

/// A plain sentence for a breached parser budget (`RecordedAnchorEvents { .. } at line ..`).
fn budget_message(breach: &str) -> String {
    let name = breach
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or(breach);
    let what = match name {
        "Aliases"
        | "AliasAnchorRatio"
        | "RecordedAnchorEvents"
        | "RecordedAnchorBytes"
        | "MergeKeys" => "aliases expand the document beyond the safety limit (an alias bomb?)",
        "Depth" => "the document nests deeper than the safety limit",
        "Documents" => "the stream holds more documents than the safety limit",
        "Nodes" | "Events" | "ScalarBytes" | "InputBytes" => {
            "the document is larger than the safety limit"
        }
        _ => "the document exceeds a parser safety limit",
    };
    format!("{what} ({name})")
}

fn to_u32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// A JSON value deserialized from YAML, where mapping keys of any scalar type become strings
/// (as sigs.k8s.io/yaml converts them). `STRICT` refuses a key given twice in one object, as
/// the apiserver's strict decoding does; the YAML parser refuses those itself.
pub(crate) struct JsonNode<const STRICT: bool = false>(pub(crate) Value);

impl<'de, const STRICT: bool> Deserialize<'de> for JsonNode<STRICT> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(JsonVisitor::<STRICT>)
            .map(JsonNode)
    }
}

struct JsonVisitor<const STRICT: bool>;

impl<'de, const STRICT: bool> Visitor<'de> for JsonVisitor<STRICT> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(v) => Ok(Value::Number(v.into())),
            Err(_) => Ok(Value::String(v.to_string())),
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(v) => Ok(Value::Number(v.into())),
            Err(_) => Ok(Value::String(v.to_string())),
        }
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float_as_json(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor::<STRICT>)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor::<STRICT>)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(JsonNode::<STRICT>(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(JsonNode::<STRICT>(key)) = map.next_key()? {
            let JsonNode::<STRICT>(value) = map.next_value()?;
            let key = key_string(key);
            if STRICT && out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate field {key:?}")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// A YAML float as sigs.k8s.io/yaml hands it on: Go's `json.Marshal` writes a whole number
/// below 1e21 without a fraction or exponent (`0.0`, `1e3`, `1.` and go-yaml's float `08` are
/// `0`, `1000`, `1`, `8`), so integer fields accept it. JSON has no NaN or infinity; such a
/// value can only be a string to Kubernetes.
fn float_as_json(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e21 {
        // The casts are exact: the value is whole and checked to be in range.
        // 2^64: the first whole number past u64::MAX.
        if (0.0..18_446_744_073_709_551_616.0).contains(&v) {
            return Value::Number((v as u64).into());
        }
        if (i64::MIN as f64..0.0).contains(&v) {
            return Value::Number((v as i64).into());
        }
    }
    Number::from_f64(v).map_or_else(|| Value::String(v.to_string()), Value::Number)
}

/// The spellings go-yaml v2 (under sigs.k8s.io/yaml) reads as booleans; the YAML parser reads
/// every case of these words as one, so `tRue` or `yEs` must be turned back into strings.
const GO_YAML_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
];

/// Whether `word` is a boolean to the YAML parser but a string to go-yaml v2.
fn is_mixed_case_boolean(word: &str) -> bool {
    word.len() <= 5
        && matches!(
            word.to_ascii_lowercase().as_str(),
            "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off"
        )
        && !GO_YAML_BOOLEANS.contains(&word)
}

/// A cheap scan of a document's text for a word that would need [`restore_strings`].
fn has_mixed_case_boolean(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(is_mixed_case_boolean)
}

/// Turns the booleans of `value` that are written in a spelling go-yaml v2 does not read as a
/// boolean back into the string written. `tree` holds the positions of the document's nodes,
/// `line_starts` the byte offset of each line of `text`.
fn restore_strings(
    value: &mut Value,
    path: &mut Vec<PathSegment>,
    tree: &SpanTree,
    text: &str,
    line_starts: &[usize],
) {
    match value {
        Value::Bool(_) => {
            let written = tree.locate_exact(path).and_then(|(line, column)| {
                let start = *line_starts.get((line as usize).checked_sub(1)?)?;
                let rest = text.get(start..)?;
                let from = rest
                    .char_indices()
                    .nth((column as usize).checked_sub(1)?)?
                    .0;
                let word = rest.get(from..)?;
                let end = word
                    .find(|c: char| c.is_whitespace() || ",]}#".contains(c))
                    .unwrap_or(word.len());
                word.get(..end)
            });
            if let Some(word) = written.filter(|w| is_mixed_case_boolean(w)) {
                *value = Value::String(word.to_string());
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(PathSegment::Index(i));
                restore_strings(item, path, tree, text, line_starts);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                path.push(PathSegment::Key(key.clone()));
                restore_strings(item, path, tree, text, line_starts);
                path.pop();
            }
        }
        _ => {}
    }
}

fn key_string(key: Value) -> String {
    match key {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// A YAML node with its position, used only to find the line of a field.
struct SpanNode {
    line: u32,
    column: u32,
    kind: SpanKind,
}

enum SpanKind {
    Leaf,
    Seq(Vec<SpanNode>),
    /// Each entry: the key, where the key is written, and the value.
    Map(Vec<(String, (u32, u32), SpanNode)>),
}

impl<'de> Deserialize<'de> for SpanNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned: Spanned<SpanKindNode> = Spanned::deserialize(deserializer)?;
        Ok(SpanNode {
            line: to_u32(spanned.referenced.line()),
            column: to_u32(spanned.referenced.column()),
            kind: spanned.value.0,
        })
    }
}

struct SpanKindNode(SpanKind);

impl<'de> Deserialize<'de> for SpanKindNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpanVisitor).map(SpanKindNode)
    }
}

struct SpanVisitor;

impl<'de> Visitor<'de> for SpanVisitor {
    type Value = SpanKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_i64<E>(self, _: i64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_u64<E>(self, _: u64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_i128<E>(self, _: i128) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_u128<E>(self, _: u128) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_f64<E>(self, _: f64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_str<E>(self, _: &str) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_unit<E>(self) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_none<E>(self) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SpanKind, D::Error> {
        d.deserialize_any(SpanVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SpanKind, A::Error> {
        let mut items = Vec::new();
        while let Some(node) = seq.next_element::<SpanNode>()? {
            items.push(node);
        }
        Ok(SpanKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpanKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<JsonNode>>()? {
            let at = (
                to_u32(key.referenced.line()),
                to_u32(key.referenced.column()),
            );
            let node = map.next_value::<SpanNode>()?;
            entries.push((key_string(key.value.0), at, node));
        }
        Ok(SpanKind::Map(entries))
    }
}

/// The positions of every node of one document, parsed once so that the lines of many fields
/// of the document cost a single re-parse.
pub struct SpanTree {
    root: SpanNode,
    /// How many lines of the file come before the document's text.
    offset_line: u32,
}

impl SpanTree {
    /// Parses the document whose text starts at byte `offset` of `text`; `None` when it cannot
    /// be parsed again (then no field has a position).
    pub fn parse(text: &str, offset: usize, offset_line: u32) -> Option<SpanTree> {
        let rest = text.get(offset..)?;
        let end = document_end(rest);
        let doc_text = rest.get(..end)?;
        let root: SpanNode =
            serde_saphyr::from_str_with_options(doc_text, options(doc_text.len())).ok()?;
        Some(SpanTree { root, offset_line })
    }

    /// Parses the text of one List item alone (see [`ItemText`]): a sequence of that one item,
    /// found at index 0.
    pub fn parse_item(text: &str, item: &ItemText) -> Option<SpanTree> {
        let item_text = text.get(item.start..item.end)?;
        let root: SpanNode =
            serde_saphyr::from_str_with_options(item_text, options(item_text.len())).ok()?;
        Some(SpanTree {
            root,
            offset_line: item.offset_line,
        })
    }

    /// The 1-based (line, column) of the node at `path`, or of its deepest ancestor present in
    /// the manifest.
    pub fn locate(&self, path: &[PathSegment]) -> (u32, u32) {
        self.find(path, false, false).unwrap_or((0, 0))
    }

    /// The 1-based (line, column) of the node at `path`, or `None` when it is not in the
    /// manifest.
    pub fn locate_exact(&self, path: &[PathSegment]) -> Option<(u32, u32)> {
        self.find(path, true, false)
    }

    /// Like [`SpanTree::locate`], but for a path ending in a mapping key, the position of the
    /// key itself (where an unknown field is written) rather than of its value.
    pub fn locate_key(&self, path: &[PathSegment]) -> (u32, u32) {
        self.find(path, false, true).unwrap_or((0, 0))
    }

    fn find(&self, path: &[PathSegment], exact: bool, want_key: bool) -> Option<(u32, u32)> {
        let mut current = &self.root;
        let mut position = (current.line, current.column);
        for segment in path {
            let next = match (&current.kind, segment) {
                (SpanKind::Map(entries), PathSegment::Key(k)) => entries
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .map(|(_, at, n)| (n, if want_key { *at } else { (n.line, n.column) })),
                (SpanKind::Seq(items), PathSegment::Index(i)) => {
                    items.get(*i).map(|n| (n, (n.line, n.column)))
                }
                _ => None,
            };
            match next {
                Some((n, at)) => {
                    current = n;
                    position = at;
                }
                None if exact => return None,
                None => break,
            }
        }
        Some((position.0 + self.offset_line, position.1))
    }
}

/// Finds the 1-based (line, column) of the node at `path` inside the document whose text starts
/// at `offset` of `text`, or of its deepest ancestor present in the manifest. Parses the
/// document; to find several fields of one document, parse it once with [`SpanTree::parse`].
pub fn locate(
    text: &str,
    offset: usize,
    offset_line: u32,
    path: &[PathSegment],
) -> Option<(u32, u32)> {
    SpanTree::parse(text, offset, offset_line).map(|tree| tree.locate(path))
}

/// The length of the first document of `text`: one JSON value, or YAML up to the next `---`
/// marker line.
pub(crate) fn document_end(text: &str) -> usize {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let mut values =
            serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
        if let Some(Ok(_)) = values.next() {
            return values.byte_offset();
        }
    }
    let mut offset = 0;
    for (i, line) in lines(text).enumerate() {
        match marker(line) {
            Some(Marker::Start) if i > 0 => return offset,
            Some(Marker::End) => return offset + line.len(),
            _ => {}
        }
        offset += line.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_empty_and_comment_documents() {
        let text = "---\n# Source: x\n---\napiVersion: v1\nkind: Pod\n---\n---\nkind: B\n";
        let s = parse_stream(text);
        assert!(s.errors.is_empty());
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.documents[0].line, 4);
        assert_eq!(s.documents[1].line, 8);
    }

    #[test]
    fn yaml_1_1_scalars() {
        let s = parse_stream("a: on\nb: 0644\nc: yes\n8080: port\n");
        assert_eq!(
            s.documents[0].value,
            serde_json::json!({"a": true, "b": 420, "c": true, "8080": "port"})
        );
    }

    #[test]
    fn merge_keys_are_honoured() {
        let s = parse_stream("base: &b {x: 1}\nm:\n  <<: *b\n  z: 2\n");
        assert_eq!(
            s.documents[0].value["m"],
            serde_json::json!({"x": 1, "z": 2})
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let s = parse_stream("a: 1\na: 2\n");
        assert_eq!(s.documents.len(), 0);
        assert_eq!(s.errors.len(), 1);
    }

    #[test]
    fn syntax_error_costs_one_document() {
        let s = parse_stream("a: 1\n---\nb: [1\n---\nc: 3\n");
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].line, 3, "{:?}", s.errors);
    }

    #[test]
    fn large_streams_parse_in_parallel_exactly_as_a_whole() {
        use crate::generate::{Format, Shape, cluster_text};
        let text = cluster_text(&Shape::scaled(5_000), 3, Format::Yaml);
        assert!(text.len() > 2 * PARALLEL_CHUNK_BYTES, "{}", text.len());
        let parallel = parse_stream(&text);
        let whole = parse_whole(&text, 0, 0).unwrap();
        assert!(parallel.errors.is_empty());
        assert_eq!(parallel.documents.len(), whole.len());
        for (a, b) in parallel.documents.iter().zip(&whole) {
            assert_eq!(
                (a.index, a.line, a.column, a.offset),
                (b.index, b.line, b.column, b.offset)
            );
            assert_eq!(a.value, b.value);
        }
    }

    #[test]
    fn locate_finds_nested_fields() {
        let text = "a: 1\n---\nspec:\n  containers:\n  - name: x\n    securityContext:\n      privileged: true\n";
        let s = parse_stream(text);
        let doc = &s.documents[1];
        let path = [
            PathSegment::Key("spec".into()),
            PathSegment::Key("containers".into()),
            PathSegment::Index(0),
            PathSegment::Key("securityContext".into()),
            PathSegment::Key("privileged".into()),
        ];
        assert_eq!(
            locate(text, doc.offset, doc.offset_line, &path),
            Some((7, 19))
        );
    }
}
