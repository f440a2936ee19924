//! Field paths inside a manifest, written as users read them:
//! `spec.containers[1].securityContext.privileged`, `metadata.annotations["a/b"]`.

use std::fmt;

/// One step of a field path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSegment {
    /// A mapping key (`spec`, `containers`).
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path from a document's root to one of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(pub Vec<PathSegment>);

impl FieldPath {
    /// This path followed by a mapping key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSegment::Key(key.into()));
        self
    }

    /// This path followed by a sequence index.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSegment::Index(index));
        self
    }

    /// Parses the display form back into segments. Keys that are not plain identifiers are
    /// written `["..."]`.
    pub fn parse(text: &str) -> FieldPath {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("[\"") {
                let end = find_closing_quote(after);
                segments.push(PathSegment::Key(unescape(&after[..end])));
                rest = after.get(end + 2..).unwrap_or("");
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').unwrap_or(after.len());
                if let Ok(i) = after[..end].parse() {
                    segments.push(PathSegment::Index(i));
                }
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
                let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
                if end > 0 {
                    segments.push(PathSegment::Key(rest_trimmed[..end].to_string()));
                }
                rest = &rest_trimmed[end..];
                if end == 0 && !rest.starts_with('[') {
                    rest = rest.get(1..).unwrap_or("");
                }
            }
        }
        FieldPath(segments)
    }
}

fn find_closing_quote(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' if bytes.get(i + 1) == Some(&b']') => return i,
            _ => i += 1,
        }
    }
    s.len()
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(n) => write!(f, "[{n}]")?,
                PathSegment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSegment::Key(k) => {
                    write!(f, "[\"{}\"]", k.replace('\\', "\\\\").replace('"', "\\\""))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "spec.containers[1].securityContext.privileged",
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/c1\"]",
            "items[3]",
            "spec.volumes[0].hostPath",
        ] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        assert_eq!(
            FieldPath::parse("spec.containers[1].name").0,
            vec![
                PathSegment::Key("spec".into()),
                PathSegment::Key("containers".into()),
                PathSegment::Index(1),
                PathSegment::Key("name".into())
            ]
        );
    }
}
