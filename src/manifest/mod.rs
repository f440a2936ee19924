//! Reading manifests: paths → files → YAML/JSON documents → typed objects with their origin.
//!
//! [`load_paths`] is the one entry point the commands use: it expands paths, parses files in
//! parallel, and merges the results in file order, so the outcome never depends on threads.
#![doc(hidden)]

mod decode;
pub mod git;
pub mod walk;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use serde_json::Value;

use crate::model::{Cluster, Origin};
use crate::progress::{Progress, Silent};
use crate::source::{Diagnostic, FieldPath, LineCursor, Location, PathSegment, line_col};
pub use walk::{InputPath, WalkOptions};

/// How manifests are read.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The namespace given to namespaced objects that name none (`-n`, default `default`).
    pub default_namespace: String,
    pub walk: WalkOptions,
    /// The largest file (or standard input) read; a larger one is an error (`--max-file-size`).
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".to_string(),
            walk: WalkOptions::default(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// The largest manifest file read unless `--max-file-size` says otherwise: far above any
/// real manifest, and far below what would exhaust memory (`-f /dev/zero`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// Why [`read_limited`] read nothing.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// More than this many bytes.
    TooLarge(u64),
}

/// Reads all of `reader` if it holds at most `limit` bytes, never more than `limit + 1`.
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_limited_sized(reader, limit, 0)
}

/// [`read_limited`] into a buffer that starts with room for `expected` bytes (a file's size),
/// so a large file is read without the buffer growing and copying itself on the way.
fn read_limited_sized(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    // One byte more than expected lets the read see the end without growing the buffer.
    let room = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(room);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// `256 MiB`, `1 GiB`, `512 bytes`: a byte count as a person reads it.
pub fn byte_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Reads a manifest file of at most `limit` bytes; the error is ready to print after its name.
pub fn read_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path);
    // A regular file's size is known up front (a pipe's or a device's is not).
    let expected = file
        .as_ref()
        .ok()
        .and_then(|f| f.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map_or(0, |m| m.len());
    read_input(file, limit, expected)
}

fn read_input(
    reader: std::io::Result<impl Read>,
    limit: u64,
    expected: u64,
) -> Result<Vec<u8>, String> {
    match reader
        .map_err(ReadError::Io)
        .and_then(|r| read_limited_sized(r, limit, expected))
    {
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Io(e)) => Err(io_message(&e)),
        Err(ReadError::TooLarge(limit)) => Err(format!(
            "the input is larger than the limit of {} (--max-file-size raises it)",
            byte_size(limit)
        )),
    }
}

/// The text of every file read, kept to find the line of a field when a report needs it.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    texts: BTreeMap<Arc<str>, Arc<str>>,
    /// The field positions of documents holding a `List`, parsed once for all their items:
    /// re-parsing the whole List for each item would make a List quadratic.
    lists: Arc<Mutex<HashMap<DocumentKey, Arc<OnceLock<DocumentSpans>>>>>,
    /// Where each item of the Lists whose items were parsed apart is written: their fields
    /// are found by parsing the item's own text, as a document's are.
    list_items: HashMap<DocumentKey, Arc<[yaml::ItemText]>>,
}

/// A document of a file: the file's name and the byte offset of the document's text.
type DocumentKey = (Arc<str>, usize);

impl Sources {
    pub fn insert(&mut self, file: Arc<str>, text: Arc<str>) {
        self.texts.insert(file, text);
    }

    pub fn text(&self, file: &str) -> Option<&str> {
        self.texts.get(file).map(|t| &**t)
    }

    /// Where the field at `path` of the object at `origin` is written; the object's own
    /// position when the field is absent from the manifest. Re-parses the object's document:
    /// to find several fields of one object, use [`Sources::spans`] once.
    pub fn locate(&self, origin: &Origin, path: &FieldPath) -> Location {
        self.spans(origin).locate(origin, path)
    }

    /// Like [`Sources::locate`], but `None` when the field itself is not in the manifest.
    pub fn line_of(&self, origin: &Origin, path: &FieldPath) -> Option<u32> {
        self.spans(origin).line_of(origin, path)
    }

    /// The positions of every field of the document the object at `origin` comes from, parsed
    /// once for all the lookups that follow.
    pub fn spans(&self, origin: &Origin) -> DocumentSpans {
        let Some(text) = self.text(&origin.file) else {
            return DocumentSpans {
                tree: None,
                within_item: false,
            };
        };
        let Some(item) = origin.item.as_deref() else {
            return DocumentSpans::parse(text, origin);
        };
        let key = (origin.file.clone(), origin.offset);
        if let Some(items) = self.list_items.get(&key) {
            return match item.first().and_then(|&i| items.get(i as usize)) {
                Some(at) => DocumentSpans::parse_item(text, at),
                None => DocumentSpans {
                    tree: None,
                    within_item: false,
                },
            };
        }
        let cell = {
            // A poisoned lock only means another thread panicked; the map is still sound.
            let mut lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
            lists.entry(key).or_default().clone()
        };
        cell.get_or_init(|| DocumentSpans::parse(text, origin))
            .clone()
    }

    pub fn merge(&mut self, other: Sources) {
        self.texts.extend(other.texts);
        self.list_items.extend(other.list_items);
        if Arc::ptr_eq(&self.lists, &other.lists) {
            return;
        }
        let theirs = other.lists.lock().unwrap_or_else(|e| e.into_inner());
        let mut ours = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        ours.extend(theirs.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    /// Keeps the positions the loader parsed for the Lists of `file` (by document offset), so
    /// that reports locating the fields of their items do not parse the Lists again.
    /// Keeps where the items of the Lists of `file` parsed apart are written (by document
    /// offset).
    fn keep_list_items(&mut self, file: &Arc<str>, items: Vec<(usize, Arc<[yaml::ItemText]>)>) {
        for (offset, texts) in items {
            self.list_items.insert((file.clone(), offset), texts);
        }
    }

    fn keep_list_spans(&self, file: &Arc<str>, spans: Vec<(usize, DocumentSpans)>) {
        let mut lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        for (offset, parsed) in spans {
            lists.insert((file.clone(), offset), Arc::new(OnceLock::from(parsed)));
        }
    }
}

/// The positions of the fields of one document (see [`Sources::spans`]). Every object of the
/// document (the items of a `List` share theirs) is looked up in the same tree; a document
/// that cannot be parsed again gives no field a position, so lookups fall back to the
/// object's own.
#[derive(Clone)]
pub struct DocumentSpans {
    tree: Option<Arc<yaml::SpanTree>>,
    /// The tree is of one List item's own text (a sequence of that item), not of the whole
    /// document.
    within_item: bool,
}

impl std::fmt::Debug for DocumentSpans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSpans")
            .field("parsed", &self.tree.is_some())
            .finish()
    }
}

impl DocumentSpans {
    /// Parses the document of the object at `origin` out of its file's `text`.
    pub fn parse(text: &str, origin: &Origin) -> DocumentSpans {
        DocumentSpans {
            tree: yaml::SpanTree::parse(text, origin.offset, origin.offset_line).map(Arc::new),
            within_item: false,
        }
    }

    /// Parses the text of the List item at `item` out of its file's `text`.
    pub(crate) fn parse_item(text: &str, item: &yaml::ItemText) -> DocumentSpans {
        DocumentSpans {
            tree: yaml::SpanTree::parse_item(text, item).map(Arc::new),
            within_item: true,
        }
    }

    /// Where the field at `path` of the object at `origin` (an object of this document) is
    /// written; the object's own position when the field is absent from the manifest.
    pub fn locate(&self, origin: &Origin, path: &FieldPath) -> Location {
        let (line, column) = match &self.tree {
            Some(tree) => tree.locate(&self.full_path(origin, path)),
            None => (origin.line, origin.column),
        };
        Location::new(origin.file.clone(), line, column)
    }

    /// The line of the field at `path`, or `None` when the field is not in the manifest.
    pub fn line_of(&self, origin: &Origin, path: &FieldPath) -> Option<u32> {
        let tree = self.tree.as_ref()?;
        tree.locate_exact(&self.full_path(origin, path))
            .map(|(line, _)| line)
    }

    /// Where the key of the field at `path` is written (for fields that should not be there).
    pub fn locate_key(&self, origin: &Origin, path: &FieldPath) -> Location {
        let (line, column) = match &self.tree {
            Some(tree) => tree.locate_key(&self.full_path(origin, path)),
            None => (origin.line, origin.column),
        };
        Location::new(origin.file.clone(), line, column)
    }

    /// The path in the tree to the field at `path` of the object at `origin`.
    fn full_path(&self, origin: &Origin, path: &FieldPath) -> Vec<PathSegment> {
        let mut full: Vec<PathSegment> = match self.within_item {
            // The item is the tree's only entry; what follows is inside it.
            true => std::iter::once(PathSegment::Index(0))
                .chain(origin.item_path().skip(2))
                .collect(),
            false => origin.item_path().collect(),
        };
        full.extend(path.0.iter().cloned());
        full
    }
}

#[cfg(test)]
fn full_path(origin: &Origin, path: &FieldPath) -> Vec<PathSegment> {
    let mut full: Vec<PathSegment> = origin.item_path().collect();
    full.extend(path.0.iter().cloned());
    full
}

/// A file's name and its bytes, or why it could not be read.
pub type InputFile = (Arc<str>, Result<Vec<u8>, String>);

/// Everything read from the inputs: the objects, the problems, and the source texts.
#[derive(Debug, Default)]
pub struct Loaded {
    pub cluster: Cluster,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    /// How many files were read.
    pub files: usize,
    /// Manifest files in the directories walked that ignore rules left out.
    pub ignored_files: usize,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads every manifest under `paths` (files, directories, globs, `-`).
pub fn load_paths(paths: &[String], options: &LoadOptions) -> Loaded {
    load_paths_with_progress(paths, options, &Silent)
}

/// [`load_paths`], counting the files read and parsed on `progress` (stage `"loading"`).
pub fn load_paths_with_progress(
    paths: &[String],
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Loaded {
    let walk::Expansion {
        inputs,
        problems,
        ignored,
    } = walk::expand_counting(paths, options.walk);
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|(path, message)| Diagnostic::error(Location::new(path.into(), 0, 0), message))
        .collect();
    let files: Vec<InputFile> = inputs
        .into_iter()
        .map(|input| match input {
            InputPath::Stdin => (
                Arc::from("<stdin>"),
                read_input(Ok(std::io::stdin()), options.max_file_bytes, 0),
            ),
            InputPath::File(path) => {
                let name: Arc<str> = path.to_string_lossy().into();
                let read = read_file(&path, options.max_file_bytes);
                (name, read)
            }
        })
        .collect();
    let count = files.len();
    let mut loaded = load_files_with_progress(files, options, progress);
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded.files = count;
    loaded.ignored_files = ignored;
    loaded
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => {
            // "Too many levels of symbolic links (os error 40)" → "too many levels of ...".
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text);
            let mut chars = text.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
    }
}

/// Reads one in-memory file (tests, built-in defaults, what-if patches).
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Loaded {
    load_files(
        vec![(Arc::from(name), Ok(text.as_bytes().to_vec()))],
        options,
    )
}

/// Parses and decodes files in parallel, then merges them in input order.
pub fn load_files(files: Vec<InputFile>, options: &LoadOptions) -> Loaded {
    load_files_with_progress(files, options, &Silent)
}

/// [`load_files`], counting the bytes parsed on `progress` (stage `"loading"`, in bytes, so
/// one large file moves it too).
pub fn load_files_with_progress(
    files: Vec<InputFile>,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Loaded {
    let count = files.len();
    let total: usize = files
        .iter()
        .map(|(_, bytes)| bytes.as_ref().map_or(0, Vec::len))
        .sum();
    progress.begin_bytes("loading", total as u64);
    let parts: Vec<Loaded> = files
        .into_par_iter()
        .map(|(name, bytes)| match bytes {
            Ok(bytes) => load_file(name, bytes, options, progress),
            Err(message) => Loaded {
                diagnostics: vec![Diagnostic::error(Location::new(name, 0, 0), message)],
                ..Loaded::default()
            },
        })
        .collect();
    progress.end();
    let mut loaded = Loaded {
        files: count,
        ..Loaded::default()
    };
    for part in parts {
        loaded.cluster.extend(part.cluster);
        loaded.diagnostics.extend(part.diagnostics);
        loaded.sources.merge(part.sources);
    }
    loaded
}

/// Loads one file, counting its bytes on `progress` as its pieces are decoded.
fn load_file(
    name: Arc<str>,
    bytes: Vec<u8>,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Loaded {
    let file_bytes = bytes.len();
    // What the pieces counted; the rest (a byte order mark, bytes replaced as invalid UTF-8)
    // is counted when the file is done, so the stage ends exactly at its total.
    let counted = AtomicUsize::new(0);
    let mut diagnostics = Vec::new();
    let text: String = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let (line, column) = line_col(&prefix, prefix.len());
            diagnostics.push(Diagnostic::error(
                Location::new(name.clone(), line, column),
                "invalid UTF-8; the bytes were replaced by U+FFFD and the rest of the file was read",
            ));
            lossy
        }
    };
    // The bytes read become the kept source text; the first copy is freed at once (the block
    // drops it: a shadowed binding would live to the end of the load).
    let text: Arc<str> = {
        let read = text;
        Arc::from(read.strip_prefix('\u{feff}').unwrap_or(&read))
    };
    let is_json = name.ends_with(".json") || text.trim_start().starts_with(['{', '[']);
    let ctx = decode::FileContext {
        file: &name,
        text: &text,
        default_namespace: &options.default_namespace,
    };
    // Each piece of the file is decoded as soon as it is parsed, so the parsed values of the
    // whole file never coexist; documents of a piece decode in parallel, and everything is
    // merged back in document order.
    let decode_piece = |documents: Vec<yaml::RawDocument>, bytes: usize| -> DecodedPiece {
        let mut piece = DecodedPiece::default();
        let mut units = Vec::with_capacity(documents.len());
        for doc in documents {
            let offset = doc.offset;
            if let Some(items) = decode::units(doc, &mut units) {
                piece.list_items.push((offset, items));
            }
        }
        let decoded: Vec<DecodedPiece> = units
            .into_par_iter()
            .with_min_len(64)
            .map(|unit| {
                let mut one = DecodedPiece::default();
                let offset = unit.offset();
                let spans =
                    decode::decode_document(&ctx, unit, &mut one.cluster, &mut one.diagnostics);
                one.list_spans.extend(spans.map(|s| (offset, s)));
                one
            })
            .collect();
        for one in decoded {
            piece.cluster.extend(one.cluster);
            piece.diagnostics.extend(one.diagnostics);
            piece.list_spans.extend(one.list_spans);
        }
        let before = counted.fetch_add(bytes, Ordering::Relaxed);
        progress.advance(bytes.min(file_bytes.saturating_sub(before)) as u64);
        piece
    };
    let pieces = if is_json {
        parse_json_with(&text, decode_piece)
    } else {
        yaml::parse_stream_with(&text, decode_piece)
    };
    // Syntax errors come first, then what decoding found, each in file order.
    for err in pieces.iter().flat_map(|p| &p.errors) {
        let hint = if text.contains("{{") {
            " (the file contains an unrendered template `{{ … }}`; render it first, e.g. with `helm template`)"
        } else {
            ""
        };
        diagnostics.push(Diagnostic::error(
            Location::new(name.clone(), err.line, err.column),
            format!("{}{hint}", err.message),
        ));
    }
    let mut cluster = Cluster::default();
    let mut list_spans = Vec::new();
    let mut list_items = Vec::new();
    for piece in pieces {
        let DecodedPiece {
            cluster: mut part,
            diagnostics: found,
            list_spans: spans,
            list_items: items,
        } = piece.decoded;
        list_items.extend(items);
        if piece.index_base > 0 {
            shift_documents(&mut part, piece.index_base);
        }
        cluster.extend(part);
        diagnostics.extend(found);
        list_spans.extend(spans);
    }
    progress.advance(file_bytes.saturating_sub(counted.load(Ordering::Relaxed)) as u64);
    let mut sources = Sources::default();
    sources.insert(name.clone(), text);
    sources.keep_list_spans(&name, list_spans);
    sources.keep_list_items(&name, list_items);
    Loaded {
        cluster,
        diagnostics,
        sources,
        files: 1,
        ignored_files: 0,
    }
}

/// What the documents of one piece of a file decoded to.
#[derive(Default)]
struct DecodedPiece {
    cluster: Cluster,
    diagnostics: Vec<Diagnostic>,
    /// The field positions parsed for each List, by the byte offset of its document.
    list_spans: Vec<(usize, DocumentSpans)>,
    /// Where the items of each List parsed apart are written, by its document's offset.
    list_items: Vec<(usize, Arc<[yaml::ItemText]>)>,
}

/// Adds `by` to the document index of every object of `cluster` (decoded from a piece whose
/// documents were numbered from 0).
fn shift_documents(cluster: &mut Cluster, by: u32) {
    for origin in cluster.origins_mut() {
        origin.document = origin.document.saturating_add(by);
    }
}

/// Text of JSON documents parsed before they are handed on to be decoded.
const JSON_BATCH_BYTES: usize = 1 << 19;

/// JSON input bypasses YAML entirely; a file may hold several concatenated JSON values.
fn parse_json(text: &str) -> yaml::ParsedStream {
    let mut stream = yaml::ParsedStream::default();
    for piece in parse_json_with(text, |documents, _| documents) {
        stream.documents.extend(piece.decoded);
        stream.errors.extend(piece.errors);
    }
    stream
}

/// [`parse_json`] that hands each batch of about [`JSON_BATCH_BYTES`] of documents to
/// `decode` before parsing the next, so the parsed values of a whole file never coexist.
/// Document indexes are those of the file.
fn parse_json_with<R, F>(text: &str, decode: F) -> Vec<yaml::Piece<R>>
where
    F: Fn(Vec<yaml::RawDocument>, usize) -> R,
{
    let mut pieces = Vec::new();
    let mut stream = yaml::ParsedStream::default();
    let mut batch_start = 0usize;
    let flush = |stream: &mut yaml::ParsedStream, pieces: &mut Vec<yaml::Piece<R>>, bytes| {
        let stream = std::mem::take(stream);
        pieces.push(yaml::Piece {
            kept: u32::try_from(stream.documents.len()).unwrap_or(u32::MAX),
            decoded: decode(stream.documents, bytes),
            index_base: 0,
            errors: stream.errors,
        });
    };
    let mut index = 0u32;
    let mut cursor = LineCursor::new(text);
    // Where the stream being read starts in `text`: after a bad value, reading resumes past it.
    let mut base = 0usize;
    'resume: while let Some(rest) = text.get(base..) {
        let base_position = cursor.position(base);
        let mut iter = serde_json::Deserializer::from_str(rest).into_iter::<yaml::JsonNode<true>>();
        loop {
            let start = base + iter.byte_offset();
            match iter.next() {
                None => break 'resume,
                Some(Ok(yaml::JsonNode(value))) => {
                    let skipped = text
                        .get(start..)
                        .map_or(0, |t| t.len() - t.trim_start().len());
                    let offset_line = cursor.position(start).0.saturating_sub(1);
                    let (line, column) = cursor.position(start + skipped);
                    if !value.is_null() {
                        stream.documents.push(yaml::RawDocument {
                            value,
                            index,
                            line,
                            column,
                            offset: start,
                            offset_line,
                            items: None,
                        });
                    }
                    index += 1;
                    let end = base + iter.byte_offset();
                    if end - batch_start >= JSON_BATCH_BYTES {
                        flush(&mut stream, &mut pieces, end - batch_start);
                        batch_start = end;
                    }
                }
                Some(Err(err)) => {
                    // serde_json counts from the start of `rest`.
                    let line = u32::try_from(err.line()).unwrap_or(u32::MAX);
                    let column = u32::try_from(err.column()).unwrap_or(u32::MAX);
                    stream.errors.push(yaml::SyntaxError {
                        line: base_position.0 + line.saturating_sub(1),
                        column: if line <= 1 {
                            base_position.1 + column.saturating_sub(1)
                        } else {
                            column
                        },
                        message: strip_json_position(&err.to_string()),
                    });
                    index += 1;
                    match next_json_value(text, start) {
                        Some(next) => {
                            base = next;
                            continue 'resume;
                        }
                        None => break 'resume,
                    }
                }
            }
        }
    }
    flush(
        &mut stream,
        &mut pieces,
        text.len().saturating_sub(batch_start),
    );
    pieces
}

/// Where reading resumes after the bad value that starts at `start`: past its end when it is
/// well formed (a duplicate field, say), else at the next line that opens a value, so one bad
/// document costs only itself. `None` when nothing follows.
fn next_json_value(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let mut values = serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
    if let Some(Ok(_)) = values.next() {
        return Some(start + values.byte_offset());
    }
    let rest = text.get(start + 1..)?;
    rest.match_indices('\n')
        .map(|(i, _)| start + 1 + i + 1)
        .find(|&at| text.get(at..).is_some_and(opens_json_value))
}

/// Text that can begin a JSON object or array: `{` then a key or `}` (the `{{ … }}` of a
/// template is not one), or `[`.
fn opens_json_value(line: &str) -> bool {
    match line.strip_prefix('{') {
        Some(rest) => rest.trim_start().starts_with(['"', '}']),
        None => line.starts_with('['),
    }
}

fn strip_json_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    yaml::explain_limit(message)
}

/// Reads one configuration document (YAML or JSON) from a file, e.g. an admission
/// configuration. Errors are ready to print.
pub fn read_document(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {}", io_message(&e)))?;
    let stream = if text.trim_start().starts_with('{') {
        parse_json(&text)
    } else {
        yaml::parse_stream(&text)
    };
    if let Some(err) = stream.errors.first() {
        return Err(format!(
            "{path}:{}:{}: error: {}",
            err.line, err.column, err.message
        ));
    }
    stream
        .documents
        .into_iter()
        .next()
        .map(|d| d.value)
        .ok_or_else(|| format!("{path}: error: the file holds no document"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Format, Shape, cluster_text};

    /// A List read whole (here its items are a flow sequence, which is never cut) has its
    /// field positions parsed once, while loading, and every item's lookups share them:
    /// re-parsing the List per item made reports on a List quadratic.
    #[test]
    fn the_items_of_a_list_share_the_positions_parsed_while_loading() {
        let text = "apiVersion: v1\nkind: List\nitems: [\n {apiVersion: v1, kind: ServiceAccount, metadata: {name: a, namespace: x}},\n {apiVersion: v1, kind: ServiceAccount, metadata: {name: b, namespace: x}}]\n";
        let loaded = load_str("list.yaml", text, &LoadOptions::default());
        let [a, b] = [0, 1].map(|i| loaded.cluster.service_accounts[i].origin.clone());
        let key = (a.file.clone(), a.offset);
        let kept = loaded.sources.lists.lock().unwrap().get(&key).cloned();
        let kept = kept.and_then(|cell| cell.get().and_then(|s| s.tree.clone()));
        let (from_a, from_b) = (loaded.sources.spans(&a).tree, loaded.sources.spans(&b).tree);
        assert!(kept.is_some(), "the loader kept the List's positions");
        assert!(Arc::ptr_eq(
            kept.as_ref().unwrap(),
            from_a.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(
            from_a.as_ref().unwrap(),
            from_b.as_ref().unwrap()
        ));
        assert_eq!(
            loaded
                .sources
                .spans(&b)
                .locate(&b, &FieldPath::default())
                .line,
            5
        );
    }

    /// The items of a List whose items were parsed apart are placed, and their fields found,
    /// where a parse of the whole List places them.
    #[test]
    fn the_items_of_a_list_parsed_apart_are_where_the_whole_list_puts_them() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: a, namespace: x}}\n# between\n-\n  apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: b, namespace: x, labels: {k: v}}\nmetadata: {}\n";
        let loaded = load_str("list.yaml", text, &LoadOptions::default());
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        assert!(
            loaded.sources.lists.lock().unwrap().is_empty(),
            "no whole parse"
        );
        let whole = yaml::SpanTree::parse(text, 0, 0).unwrap();
        let paths = [
            "",
            "metadata.name",
            "metadata.labels.k",
            "kind",
            "spec.absent",
        ];
        for (i, account) in loaded.cluster.service_accounts.iter().enumerate() {
            let origin = &account.origin;
            assert_eq!(origin.item.as_deref(), Some(&[i as u32][..]));
            let spans = loaded.sources.spans(origin);
            assert!(spans.within_item);
            for path in paths {
                let path = FieldPath::parse(path);
                let full = full_path(origin, &path);
                let (line, column) = whole.locate(&full);
                assert_eq!(
                    spans.locate(origin, &path),
                    Location::new(origin.file.clone(), line, column),
                    "{i} {path}"
                );
                assert_eq!(
                    spans.line_of(origin, &path),
                    whole.locate_exact(&full).map(|(l, _)| l)
                );
                assert_eq!(
                    spans.locate_key(origin, &path).line,
                    whole.locate_key(&full).0
                );
            }
            let root = full_path(origin, &FieldPath::default());
            assert_eq!((origin.line, origin.column), whole.locate(&root));
        }
    }

    /// Every object's origin, in the order of the documents.
    fn origins(cluster: &Cluster) -> Vec<Origin> {
        let mut cluster = cluster.clone();
        let mut all: Vec<Origin> = cluster.origins_mut().map(|o| o.clone()).collect();
        all.sort_by_key(|o| (o.document, o.item.clone()));
        all
    }

    /// A file large enough to be parsed (YAML) or decoded (JSON) in several pieces keeps
    /// the document index, line and offset of every object as one whole parse gives them.
    #[test]
    fn pieces_keep_every_origin() {
        for (name, format) in [("big.yaml", Format::Yaml), ("big.json", Format::Json)] {
            let text = cluster_text(&Shape::scaled(5_000), 3, format);
            assert!(
                text.len() > 2 * yaml::PARALLEL_CHUNK_BYTES,
                "{}",
                text.len()
            );
            let loaded = load_str(name, &text, &LoadOptions::default());
            assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
            let expected = match format {
                Format::Json => parse_json(&text).documents,
                Format::Yaml => yaml::parse_whole(&text, 0, 0).unwrap_or_default(),
            };
            let found = origins(&loaded.cluster);
            assert_eq!(found.len(), expected.len(), "{name}");
            for (origin, doc) in found.iter().zip(&expected) {
                assert_eq!(
                    (origin.document, origin.line, origin.column),
                    (doc.index, doc.line, doc.column),
                    "{name}"
                );
                assert_eq!(
                    (origin.offset, origin.offset_line),
                    (doc.offset, doc.offset_line),
                    "{name}"
                );
            }
        }
    }

    /// A JSON syntax error after several batches is reported once, after every document
    /// before it was loaded.
    #[test]
    fn json_error_after_several_batches() {
        let mut text = cluster_text(&Shape::scaled(5_000), 3, Format::Json);
        let documents = parse_json(&text).documents.len();
        let lines = text.lines().count();
        text.push_str("{\"kind\": \n");
        let loaded = load_str("broken.json", &text, &LoadOptions::default());
        assert_eq!(origins(&loaded.cluster).len(), documents);
        assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
        let error = &loaded.diagnostics[0];
        assert!(error.is_error());
        assert!(error.location.line as usize > lines, "{error:?}");
    }

    /// The fields of one document found in one parse are where one parse per field finds
    /// them, for the items of a List and for the later documents of a file.
    #[test]
    fn several_fields_of_one_document_in_one_parse() {
        let text = "\
apiVersion: v1
kind: ServiceAccount
metadata: {name: first}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    hostNetwork: true
    containers:
    - name: c
      image: nginx
      securityContext:
        privileged: true
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
  spec:
    containers:
    - name: d
      image: busybox
      securityContext:
        runAsUser: 0
        capabilities:
          add: [NET_ADMIN]
";
        let loaded = load_str("list.yaml", text, &LoadOptions::default());
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let pods = &loaded.cluster.workloads;
        assert_eq!(pods.len(), 2);
        let paths = [
            "spec.hostNetwork",
            "spec.containers[0].securityContext.privileged",
            "spec.containers[0].securityContext.runAsUser",
            "spec.containers[0].securityContext.capabilities.add",
            "spec.containers[0].image",
            "spec.securityContext.runAsNonRoot",
            "metadata.name",
        ];
        let expected: [[Option<u32>; 7]; 2] = [
            [Some(13), Some(18), None, None, Some(16), None, Some(11)],
            [None, None, Some(28), Some(30), Some(26), None, Some(22)],
        ];
        for (pod, want) in pods.iter().zip(expected) {
            let spans = loaded.sources.spans(&pod.origin);
            for (path, want) in paths.iter().zip(want) {
                let path = FieldPath::parse(path);
                let once = spans.line_of(&pod.origin, &path);
                assert_eq!(once, want, "{} {path}", pod.name);
                // The same as a parse of its own for this field.
                assert_eq!(once, loaded.sources.line_of(&pod.origin, &path));
                let full = full_path(&pod.origin, &path);
                let alone = yaml::locate(text, pod.origin.offset, pod.origin.offset_line, &full)
                    .map(|(line, column)| Location::new(pod.origin.file.clone(), line, column));
                assert_eq!(Some(spans.locate(&pod.origin, &path)), alone);
            }
        }
        // A field absent from the manifest falls back to its deepest ancestor (`spec`, whose
        // value starts on the line of `hostNetwork`).
        let spans = loaded.sources.spans(&pods[0].origin);
        let absent = FieldPath::parse("spec.securityContext.runAsNonRoot");
        assert_eq!(spans.locate(&pods[0].origin, &absent).line, 13);
        // A file not among the sources gives the object's own position.
        let mut elsewhere = pods[1].origin.clone();
        elsewhere.file = Arc::from("other.yaml");
        let spans = loaded.sources.spans(&elsewhere);
        assert_eq!(spans.line_of(&elsewhere, &absent), None);
        assert_eq!(
            spans.locate(&elsewhere, &absent),
            Location::new(elsewhere.file.clone(), 19, 3)
        );
    }
}
