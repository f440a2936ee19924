//! The static token file (`--token-auth-file`): CSV lines `token,user,uid[,"group1,group2"]`,
//! read as the apiserver's tokenfile authenticator reads them — at least three columns, an
//! empty token skipped, a repeated token replaced by its last line, groups split on commas.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Identity, Method};
use crate::source::{Diagnostic, Location};

/// The tokens of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaticTokens {
    pub file: String,
    /// token → (line, user, uid, groups)
    entries: HashMap<String, (u64, String, String, Vec<String>)>,
    pub warnings: Vec<Diagnostic>,
}

impl StaticTokens {
    pub fn read(path: &str) -> Result<StaticTokens, Diagnostic> {
        let text = crate::authn::read_text(path).map_err(|e| super::file_error(path, &e))?;
        StaticTokens::parse(path, &text)
    }

    /// Parses the CSV text of `file`.
    pub fn parse(file: &str, text: &str) -> Result<StaticTokens, Diagnostic> {
        let name: Arc<str> = Arc::from(file);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut tokens = StaticTokens {
            file: file.to_string(),
            ..StaticTokens::default()
        };
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Diagnostic::error(
                    Location::new(name.clone(), u32::try_from(line).unwrap_or(0), 1),
                    format!("invalid CSV: {e}"),
                )
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let at = Location::new(name.clone(), u32::try_from(line).unwrap_or(0), 1);
            if record.len() < 3 {
                return Err(Diagnostic::error(
                    at,
                    format!(
                        "a token file must have at least 3 columns (token, user name, user uid), found {}",
                        record.len()
                    ),
                ));
            }
            if record[0].is_empty() {
                tokens
                    .warnings
                    .push(Diagnostic::warning(at, "empty token; the line is skipped"));
                continue;
            }
            if tokens.entries.contains_key(&record[0]) {
                tokens.warnings.push(Diagnostic::warning(
                    at,
                    "duplicate token; this line replaces the earlier one",
                ));
            }
            let groups = match record.get(3) {
                Some(g) => g.split(',').map(str::to_string).collect(),
                None => Vec::new(),
            };
            tokens.entries.insert(
                record[0].to_string(),
                (line, record[1].to_string(), record[2].to_string(), groups),
            );
        }
        Ok(tokens)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The identity of `token`, if a line of the file holds it.
    pub fn authenticate(&self, token: &str, source: &str) -> Option<Identity> {
        let (line, user, uid, groups) = self.entries.get(token)?;
        let mut identity = Identity::new(Method::StaticToken, source, user.clone());
        identity.uid = uid.clone();
        identity.groups = groups.clone();
        identity.detail("token file", format!("{}:{line}", self.file));
        Some(identity)
    }
}
