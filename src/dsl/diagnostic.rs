//! Diagnostics of the `.ksim` language: syntax and semantic errors (and warnings) with the
//! span they point at.
//!
//! A [`DslDiagnostic`] holds a shared handle to its file's text, so it renders on its own:
//! [`DslDiagnostic::render_plain`] gives the deterministic `FILE:LINE:COL: error: message` form
//! with the source line and a caret underline (for logs and snapshots), and
//! [`DslDiagnostic::render_graphical`] gives miette's graphical form for terminals. Both return
//! strings; the library never prints. Messages follow the project's style: lowercase, no final
//! period, user input in backticks, guidance in `help`.

use std::fmt;
use std::sync::Arc;

use crate::dsl::ast::{SourceText, Span};
use crate::source::code::Code;
use crate::source::{Diagnostic, Location, Severity};

/// One problem in a `.ksim` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DslDiagnostic {
    pub severity: Severity,
    /// A stable identifier of the kind of problem, e.g. `kubesim::dsl::unknown-identity`.
    pub code: Code,
    pub message: String,
    /// A short text under the caret; omitted when the message says it all.
    pub label: Option<String>,
    pub help: Option<String>,
    pub span: Span,
    /// Other places involved (e.g. the first declaration of a duplicate name).
    pub notes: Vec<(Span, String)>,
    pub source: Arc<SourceText>,
}

impl DslDiagnostic {
    pub fn error(
        source: &Arc<SourceText>,
        span: Span,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            label: None,
            help: None,
            span,
            notes: Vec::new(),
            source: Arc::clone(source),
        }
    }

    pub fn warning(
        source: &Arc<SourceText>,
        span: Span,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(source, span, code, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Self {
        self.notes.push((span, note.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// File, 1-based line and column of the start of the span.
    pub fn location(&self) -> Location {
        let (line, column) = self.source.line_col(self.span.start);
        Location::new(Arc::clone(&self.source.name), line, column)
    }

    /// The project-wide diagnostic form used by the CLI and the JSON output.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic {
            location: self.location(),
            severity: self.severity,
            message: self.message.clone(),
        }
    }

    /// `FILE:LINE:COL: error: message`
    pub fn header(&self) -> String {
        let location = self.location();
        format!(
            "{}:{}:{}: {}: {}",
            location.file, location.line, location.column, self.severity, self.message
        )
    }

    /// The deterministic text form: header, the source line with a caret underline, then
    /// notes and help. No colours and no terminal-width wrapping, so it suits snapshots.
    pub fn render_plain(&self) -> String {
        let mut out = self.header();
        out.push('\n');
        let (line_number, _) = self.source.line_col(self.span.start);
        let gutter = line_number.to_string().len();
        let (line_text, caret_start, caret_len) = caret_line(&self.source.text, self.span);
        out.push_str(&format!("{:gutter$} |\n", ""));
        out.push_str(&format!("{line_number:>gutter$} | {line_text}\n"));
        out.push_str(&format!(
            "{:gutter$} | {}{}",
            "",
            " ".repeat(caret_start),
            "^".repeat(caret_len)
        ));
        if let Some(label) = &self.label {
            out.push(' ');
            out.push_str(label);
        }
        out.push('\n');
        for (span, note) in &self.notes {
            let (line, column) = self.source.line_col(span.start);
            out.push_str(&format!(
                "{:gutter$} = note: {note} at {line}:{column}\n",
                ""
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{:gutter$} = help: {help}\n", ""));
        }
        out
    }

    /// miette's graphical form, for terminals. `color` adds ANSI colours; `width` wraps text.
    pub fn render_graphical(&self, color: bool, width: usize) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let mut out = format!("{}:\n", self.location_prefix());
        // Writing into a String cannot fail; an error here would only come from our own
        // `Diagnostic` impl, in which case the plain form is still useful.
        if handler.render_report(&mut out, self).is_err() {
            return self.render_plain();
        }
        out
    }

    fn location_prefix(&self) -> String {
        let location = self.location();
        format!("{}:{}:{}", location.file, location.line, location.column)
    }
}

/// Renders a list the way a terminal user or a snapshot wants it: plain forms joined.
pub fn render_all_plain(diagnostics: &[DslDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(DslDiagnostic::render_plain)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sorts diagnostics by file, position, then message, so output never depends on the order in
/// which checks ran.
pub fn sort_diagnostics(diagnostics: &mut [DslDiagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&*a.source.name, a.span.start, a.span.end, &a.message).cmp(&(
            &*b.source.name,
            b.span.start,
            b.span.end,
            &b.message,
        ))
    });
}

/// The line holding `span.start` (tabs shown as one space each, so carets line up), the caret
/// offset in characters and the caret length (at least 1, at most the rest of the line).
fn caret_line(text: &str, span: Span) -> (String, usize, usize) {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(start..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| start + i);
    let line = text.get(line_start..line_end).unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let shown: String = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let caret_start = text.get(line_start..start).map_or(0, |t| t.chars().count());
    // The span may start past the shown line (on a `\r` before the end of the text, say):
    // then the caret is one column wide where it starts.
    let end = span.end.min(line_start + line.len()).max(start);
    let end = floor_char_boundary(text, end);
    let caret_len = text.get(start..end).map_or(0, |t| t.chars().count()).max(1);
    (shown, caret_start, caret_len)
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for DslDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DslDiagnostic {}

impl miette::Diagnostic for DslDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = miette::LabeledSpan::new_primary_with_span(
            self.label.clone(),
            self.span.start..self.span.end.max(self.span.start),
        );
        let notes = self.notes.iter().map(|(span, note)| {
            miette::LabeledSpan::new_with_span(Some(note.clone()), span.start..span.end)
        });
        Some(Box::new(std::iter::once(primary).chain(notes)))
    }
}

impl miette::SourceCode for SourceText {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
