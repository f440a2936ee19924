//! Source files, locations and diagnostics: where every object and every message comes from.
//!
//! Every stage reports problems as [`Diagnostic`] values that carry a [`Location`]; nothing in the
//! library prints. The CLI renders them as `FILE:LINE:COL: error: message`.

pub mod code;
mod path;
mod quote;
pub mod render;
pub mod text;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use code::Code;
pub use path::{FieldPath, PathSegment};
pub use quote::go_quote;
pub use render::{render_all_plain, sort_diagnostics};
pub use text::{SourceText, Span};

/// A position in an input file (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The file's name as given (or `<stdin>`).
    pub file: Arc<str>,
    /// The 1-based line; 0 for the file as a whole.
    pub line: u32,
    /// The 1-based column in characters; 0 when unknown.
    pub column: u32,
}

impl Location {
    /// A position in `file`.
    pub fn new(file: Arc<str>, line: u32, column: u32) -> Self {
        Self { file, line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", file_name(&self.file), self.line)
    }
}

/// A file name as printed before `:LINE`: quoted Go-style when it holds a control character,
/// so a name with a newline cannot pass for a line of output of its own.
pub fn file_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.chars().any(char::is_control) {
        go_quote(name).into()
    } else {
        name.into()
    }
}

/// How bad a diagnostic is. Errors make the process exit with code 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input, or part of it, could not be used; the process exits with code 2.
    Error,
    /// The input is used, but something in it is probably not what was meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in the input, with where it is: in a manifest, a credential, a policy
/// file or a `.ksim` file. A problem of the language also names its kind (a [`Code`]) and
/// quotes the words that caused it ([`Excerpt`]), with a caret, notes and help.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, in lowercase words.
    pub message: String,
    /// The kind of problem, for the language's diagnostics (`kubesim::dsl::...`).
    pub code: Option<Code>,
    /// The words it is about, with notes and help, when it quotes its source (boxed: most
    /// diagnostics have none, and a `Result<_, Diagnostic>` stays small).
    pub excerpt: Option<Box<Excerpt>>,
}

/// The source text a diagnostic quotes, the span under its caret, and what is said around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The whole file, shared with its syntax tree.
    pub source: Arc<SourceText>,
    /// The words under the caret.
    pub span: Span,
    /// A short text under the caret; omitted when the message says it all.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places involved (e.g. the first declaration of a duplicate name).
    pub notes: Vec<(Span, String)>,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Self {
            location,
            severity: Severity::Error,
            message: message.into(),
            code: None,
            excerpt: None,
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(location, message)
        }
    }

    /// An error about the words under `span` of `source`, of kind `code`.
    pub fn error_in(
        source: &Arc<SourceText>,
        span: Span,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = source.line_col(span.start);
        Self {
            code: Some(code),
            excerpt: Some(Box::new(Excerpt {
                source: Arc::clone(source),
                span,
                label: None,
                help: None,
                notes: Vec::new(),
            })),
            ..Self::error(
                Location::new(Arc::clone(&source.name), line, column),
                message,
            )
        }
    }

    /// A warning about the words under `span` of `source`, of kind `code`.
    pub fn warning_in(
        source: &Arc<SourceText>,
        span: Span,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error_in(source, span, code, message)
        }
    }

    /// Says `help` under the excerpt (a diagnostic without one has nowhere to say it).
    pub fn set_help(&mut self, help: String) {
        if let Some(e) = &mut self.excerpt {
            e.help = Some(help);
        }
    }

    /// Puts `label` under the caret.
    pub fn set_label(&mut self, label: String) {
        if let Some(e) = &mut self.excerpt {
            e.label = Some(label);
        }
    }

    /// Adds a note pointing at another place of the excerpt's text.
    pub fn add_note(&mut self, (span, note): (Span, String)) {
        if let Some(e) = &mut self.excerpt {
            e.notes.push((span, note));
        }
    }

    /// With `help` said under it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.set_help(help.into());
        self
    }

    /// With `label` under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.set_label(label.into());
        self
    }

    /// With a note pointing at another place.
    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Self {
        self.add_note((span, note.into()));
        self
    }

    /// Whether this is an error (and the exit code is 2).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// What orders, compares and hashes diagnostics: where, how bad, what.
    fn key(&self) -> (&Location, Severity, &str, Option<Code>) {
        (&self.location, self.severity, &self.message, self.code)
    }
}

impl PartialEq for Diagnostic {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Diagnostic {}

impl PartialOrd for Diagnostic {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Diagnostic {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl std::hash::Hash for Diagnostic {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.location;
        if l.line == 0 {
            // A problem with the file as a whole (missing, unreadable) has no position.
            write!(
                f,
                "{}: {}: {}",
                file_name(&l.file),
                self.severity,
                self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                file_name(&l.file),
                l.line,
                l.column,
                self.severity,
                self.message
            )
        }
    }
}

/// The JSON shape of a diagnostic in `-o json` output (cli.md).
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticJson<'a> {
    /// The file's name.
    pub file: &'a str,
    /// The 1-based line; 0 for the file as a whole.
    pub line: u32,
    /// The 1-based column; 0 when unknown.
    pub column: u32,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong.
    pub message: &'a str,
}

impl<'a> From<&'a Diagnostic> for DiagnosticJson<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        Self {
            file: &d.location.file,
            line: d.location.line,
            column: d.location.column,
            severity: d.severity,
            message: &d.message,
        }
    }
}

/// Turns a byte offset into a 1-based (line, column) pair, counting columns in characters.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (to_u32(line), to_u32(column))
}

/// Turns increasing byte offsets into (line, column) pairs in one pass over the text, for
/// streams of many documents where [`line_col`] per document would be quadratic.
#[derive(Debug)]
pub struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The position of `offset`, which must not be smaller than the previous one asked for
    /// (a smaller one is answered from the start of the text).
    pub fn position(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = LineCursor::new(self.text);
        }
        let passed = self
            .text
            .as_bytes()
            .get(self.offset..offset)
            .unwrap_or_default();
        // Counting is a tight loop the compiler vectorizes; the last newline is near the end.
        let newlines = passed.iter().filter(|&&b| b == b'\n').count();
        if let Some(last) = passed.iter().rposition(|&b| b == b'\n') {
            self.line += newlines;
            self.line_start = self.offset + last + 1;
        }
        self.offset = offset;
        let column = self
            .text
            .get(self.line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (to_u32(self.line), to_u32(column))
    }
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_cursor_answers_as_line_col_forward_and_back() {
        let text = "ab\ncé\n\nxyz\r\nlast";
        let mut cursor = LineCursor::new(text);
        // Forward in order, then back to the start and forward again (a reset).
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .collect();
        for &offset in offsets.iter().chain(&[0, 4, text.len()]) {
            assert_eq!(
                cursor.position(offset),
                line_col(text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(cursor.position(text.len() + 10), line_col(text, text.len()));
    }
}
