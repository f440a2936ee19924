//! How a diagnostic reads: the deterministic plain form (`FILE:LINE:COL: error: message`, then
//! for a language diagnostic the source line with a caret under the words, notes and help), for
//! logs and snapshots; miette's graphical form for terminals; and the order lists are shown in.
//! Both forms are strings: the library never prints.

use std::fmt;

use super::{Diagnostic, Severity, Span};

impl Diagnostic {
    /// The deterministic text form: the header, then (when the diagnostic quotes its source)
    /// the source line with a caret underline, notes and help. No colours and no terminal-width
    /// wrapping, so it suits snapshots.
    pub fn render_plain(&self) -> String {
        let mut out = self.to_string();
        out.push('\n');
        let Some(excerpt) = &self.excerpt else {
            return out;
        };
        let source = &excerpt.source;
        let (line_number, _) = source.line_col(excerpt.span.start);
        let gutter = line_number.to_string().len();
        let (line_text, caret_start, caret_len) = caret_line(&source.text, excerpt.span);
        out.push_str(&format!("{:gutter$} |\n", ""));
        out.push_str(&format!("{line_number:>gutter$} | {line_text}\n"));
        out.push_str(&format!(
            "{:gutter$} | {}{}",
            "",
            " ".repeat(caret_start),
            "^".repeat(caret_len)
        ));
        if let Some(label) = &excerpt.label {
            out.push(' ');
            out.push_str(label);
        }
        out.push('\n');
        for (span, note) in &excerpt.notes {
            let (line, column) = source.line_col(span.start);
            out.push_str(&format!(
                "{:gutter$} = note: {note} at {line}:{column}\n",
                ""
            ));
        }
        if let Some(help) = &excerpt.help {
            out.push_str(&format!("{:gutter$} = help: {help}\n", ""));
        }
        out
    }

    /// miette's graphical form, for terminals. `color` adds ANSI colours; `width` wraps text.
    pub fn render_graphical(&self, color: bool, width: usize) -> String {
        if self.excerpt.is_none() {
            return self.render_plain();
        }
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let l = &self.location;
        let mut out = format!("{}:{}:{}:\n", l.file, l.line, l.column);
        // Writing into a String cannot fail; an error here would only come from our own
        // `miette::Diagnostic` impl, in which case the plain form is still useful.
        if handler.render_report(&mut out, &Graphical(self)).is_err() {
            return self.render_plain();
        }
        out
    }
}

/// Renders a list the way a terminal user or a snapshot wants it: plain forms joined.
pub fn render_all_plain(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::render_plain)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sorts diagnostics by file, position, then message, so output never depends on the order in
/// which checks ran.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    let key = |d: &Diagnostic| {
        let span = d.excerpt.as_ref().map(|e| (e.span.start, e.span.end));
        (d.location.file.clone(), span, d.message.clone())
    };
    diagnostics.sort_by_key(key);
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

/// A diagnostic as miette reads it: its message alone is the headline (the location is said
/// above it).
#[derive(Debug)]
struct Graphical<'a>(&'a Diagnostic);

impl fmt::Display for Graphical<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Graphical<'_> {}

impl miette::Diagnostic for Graphical<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display + 'a>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let excerpt = self.0.excerpt.as_ref()?;
        excerpt
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0
            .excerpt
            .as_ref()
            .map(|e| &*e.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let excerpt = self.0.excerpt.as_ref()?;
        let span = excerpt.span;
        let primary = miette::LabeledSpan::new_primary_with_span(
            excerpt.label.clone(),
            span.start..span.end.max(span.start),
        );
        let notes = excerpt.notes.iter().map(|(span, note)| {
            miette::LabeledSpan::new_with_span(Some(note.clone()), span.start..span.end)
        });
        Some(Box::new(std::iter::once(primary).chain(notes)))
    }
}
