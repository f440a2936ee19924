//! The `.ksim` language: scenarios and policies over Kubernetes manifests.
//!
//! The pipeline has three steps, each in its own module: [`parser`] turns text into the
//! [`ast`] (every node with its span), [`check`] validates the tree, collecting every problem,
//! and lowers it into the typed [`program`] the runner evaluates; [`diagnostic`] renders the
//! problems. Nothing here prints or touches manifests.
#![doc(hidden)]

pub mod ast;
pub mod check;
pub mod parser;
pub mod program;

use std::num::NonZeroUsize;
use std::sync::Arc;

use crate::source::Diagnostic;

pub use ast::{File, FileId, SourceText, Span};
pub use check::{CheckContext, Resolve, check};
pub use program::Program;

/// The most pest calls one parse may make. Generous for real files (a few hundred calls per
/// statement) yet small enough that a pathological input fails within a second or so.
pub const PARSER_CALL_LIMIT: usize = 20_000_000;

/// Bounds the work of every later parse in this process. pest keeps the limit in a global, so
/// the binary calls this once at start-up instead of the library setting it on each parse.
pub fn install_parser_limits() {
    pest::set_call_limit(NonZeroUsize::new(PARSER_CALL_LIMIT));
}

/// Parses one file given its display name and text (file id 0). Use [`parse_source`] when
/// several files need distinct ids.
pub fn parse_file(name: &str, text: &str) -> Result<File, Vec<Diagnostic>> {
    parse_source(Arc::new(SourceText::new(FileId::default(), name, text)))
}

/// Parses one file.
pub fn parse_source(source: Arc<SourceText>) -> Result<File, Vec<Diagnostic>> {
    parser::parse(source)
}
