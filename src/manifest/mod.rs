//! Reading manifests: paths → files → YAML/JSON documents → typed objects with their origin.
//!
//! [`load_paths`] is the one entry point the commands use: it expands paths, parses files in
//! parallel, and merges the results in file order, so the outcome never depends on threads.

mod decode;
pub mod walk;
pub mod yaml;

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

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
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".to_string(),
            walk: WalkOptions::default(),
        }
    }
}

/// The text of every file read, kept to find the line of a field when a report needs it.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    texts: BTreeMap<Arc<str>, Arc<str>>,
}

impl Sources {
    pub fn insert(&mut self, file: Arc<str>, text: Arc<str>) {
        self.texts.insert(file, text);
    }

    pub fn text(&self, file: &str) -> Option<&str> {
        self.texts.get(file).map(|t| &**t)
    }

    /// Where the field at `path` of the object at `origin` is written; the object's own
    /// position when the field is absent from the manifest.
    pub fn locate(&self, origin: &Origin, path: &FieldPath) -> Location {
        match self.text(&origin.file) {
            Some(text) => locate_field(text, origin, path),
            None => origin.location(),
        }
    }

    /// Like [`Sources::locate`], but `None` when the field itself is not in the manifest.
    pub fn line_of(&self, origin: &Origin, path: &FieldPath) -> Option<u32> {
        let text = self.text(&origin.file)?;
        let full = full_path(origin, path);
        yaml::locate_exact(text, origin.offset, origin.offset_line, &full).map(|(line, _)| line)
    }

    pub fn merge(&mut self, other: Sources) {
        self.texts.extend(other.texts);
    }
}

fn full_path(origin: &Origin, path: &FieldPath) -> Vec<PathSegment> {
    let mut full = Vec::with_capacity(path.0.len() + 2);
    if let Some(i) = origin.item {
        full.push(PathSegment::Key("items".into()));
        full.push(PathSegment::Index(i as usize));
    }
    full.extend(path.0.iter().cloned());
    full
}

pub(crate) fn locate_field(text: &str, origin: &Origin, path: &FieldPath) -> Location {
    let full = full_path(origin, path);
    let (line, column) = yaml::locate(text, origin.offset, origin.offset_line, &full)
        .unwrap_or((origin.line, origin.column));
    Location::new(origin.file.clone(), line, column)
}

/// Where the key of the field at `path` is written (for fields that should not be there).
pub(crate) fn locate_key(text: &str, origin: &Origin, path: &FieldPath) -> Location {
    let full = full_path(origin, path);
    let (line, column) = yaml::locate_key(text, origin.offset, origin.offset_line, &full)
        .unwrap_or((origin.line, origin.column));
    Location::new(origin.file.clone(), line, column)
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
    let (inputs, problems) = walk::expand(paths, options.walk);
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|(path, message)| Diagnostic::error(Location::new(path.into(), 0, 0), message))
        .collect();
    let files: Vec<InputFile> = inputs
        .into_iter()
        .map(|input| match input {
            InputPath::Stdin => {
                let mut bytes = Vec::new();
                let read = std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map(|_| bytes)
                    .map_err(|e| e.to_string());
                (Arc::from("<stdin>"), read)
            }
            InputPath::File(path) => {
                let name: Arc<str> = path.to_string_lossy().into();
                (name, std::fs::read(&path).map_err(|e| io_message(&e)))
            }
        })
        .collect();
    let count = files.len();
    let mut loaded = load_files_with_progress(files, options, progress);
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded.files = count;
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

/// [`load_files`], counting the files parsed on `progress` (stage `"loading"`).
pub fn load_files_with_progress(
    files: Vec<InputFile>,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Loaded {
    let count = files.len();
    progress.begin("loading", count as u64);
    let parts: Vec<Loaded> = files
        .into_par_iter()
        .map(|(name, bytes)| {
            let part = match bytes {
                Ok(bytes) => load_file(name, bytes, options),
                Err(message) => Loaded {
                    diagnostics: vec![Diagnostic::error(Location::new(name, 0, 0), message)],
                    ..Loaded::default()
                },
            };
            progress.advance(1);
            part
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

fn load_file(name: Arc<str>, bytes: Vec<u8>, options: &LoadOptions) -> Loaded {
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
    let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(&text));
    let is_json = name.ends_with(".json") || text.trim_start().starts_with(['{', '[']);
    let stream = if is_json {
        parse_json(&text)
    } else {
        yaml::parse_stream(&text)
    };
    for err in &stream.errors {
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
    let ctx = decode::FileContext {
        file: &name,
        text: &text,
        default_namespace: &options.default_namespace,
    };
    // Documents decode independently, so a large file decodes in parallel; the pieces are
    // merged back in document order.
    let decoded: Vec<(Cluster, Vec<Diagnostic>)> = stream
        .documents
        .into_par_iter()
        .with_min_len(64)
        .map(|doc| {
            let mut part = Cluster::default();
            let mut found = Vec::new();
            decode::decode_document(&ctx, doc, &mut part, &mut found);
            (part, found)
        })
        .collect();
    for (part, found) in decoded {
        cluster.extend(part);
        diagnostics.extend(found);
    }
    let mut sources = Sources::default();
    sources.insert(name, text);
    Loaded {
        cluster,
        diagnostics,
        sources,
        files: 1,
    }
}

/// JSON input bypasses YAML entirely; a file may hold several concatenated JSON values.
fn parse_json(text: &str) -> yaml::ParsedStream {
    let mut stream = yaml::ParsedStream::default();
    let mut iter = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut index = 0u32;
    let mut cursor = LineCursor::new(text);
    loop {
        let start = iter.byte_offset();
        match iter.next() {
            None => break,
            Some(Ok(value)) => {
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
                    });
                }
                index += 1;
            }
            Some(Err(err)) => {
                stream.errors.push(yaml::SyntaxError {
                    line: u32::try_from(err.line()).unwrap_or(u32::MAX),
                    column: u32::try_from(err.column()).unwrap_or(u32::MAX),
                    message: strip_json_position(&err.to_string()),
                });
                break;
            }
        }
    }
    stream
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
