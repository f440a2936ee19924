//! SARIF 2.1.0 for GitHub code scanning, shared by the reports that write it (`check`,
//! `diff`): rules with their help, results located at manifest lines relative to the
//! repository root (`uriBaseId` `%SRCROOT%`, percent-encoded as RFC 3986 asks), stable
//! fingerprints that survive a line moving, and input problems as the run's tool-execution
//! notifications. Code scanning matches results across runs by fingerprint and shows them at
//! `%SRCROOT%`-relative paths.

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use crate::source::{Diagnostic, Severity};

/// The `uriBaseId` every relative location uses.
pub const SOURCE_ROOT: &str = "%SRCROOT%";

/// Where paths are made relative to. The log names no `originalUriBaseIds`: it would hold
/// this machine's path and make the log differ from one checkout to the next; code scanning
/// resolves `%SRCROOT%` to the checkout itself.
#[derive(Debug, Clone)]
pub struct SarifRoot {
    /// The repository root, absolute.
    pub root: PathBuf,
    /// The working directory the paths as given are relative to, absolute.
    pub cwd: PathBuf,
}

impl SarifRoot {
    /// An `artifactLocation` for `file` as kubesim names it: relative to the root with
    /// `%SRCROOT%` when the file is inside it, else an absolute `file://` URI. `None` for
    /// the built-in defaults (`<defaults:…>`) and `<stdin>`, which are no files.
    pub fn artifact(&self, file: &str) -> Option<Value> {
        if file.starts_with('<') {
            return None;
        }
        let absolute = normalise(&self.cwd.join(file));
        Some(match absolute.strip_prefix(&self.root) {
            Ok(relative) => json!({
                "uri": encode_path(&relative.to_string_lossy()),
                "uriBaseId": SOURCE_ROOT,
            }),
            Err(_) => {
                json!({"uri": format!("file://{}", encode_path(&absolute.to_string_lossy()))})
            }
        })
    }

    /// A `physicalLocation` at `file:line`; line 0 is the file as a whole.
    pub fn location(&self, file: &str, line: u32) -> Option<Value> {
        let artifact = self.artifact(file)?;
        Some(if line == 0 {
            json!({"physicalLocation": {"artifactLocation": artifact}})
        } else {
            json!({"physicalLocation": {
                "artifactLocation": artifact,
                "region": {"startLine": line},
            }})
        })
    }

    /// The input problems of a run as its one `invocation`: each an error or warning
    /// notification at its file and line, and the run successful when none is an error.
    pub fn invocation(&self, diagnostics: &[Diagnostic]) -> Value {
        let notifications: Vec<Value> = diagnostics
            .iter()
            .map(|d| {
                let mut n = json!({
                    "level": match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    "message": {"text": d.message},
                });
                if let Some(location) = self.location(&d.location.file, d.location.line) {
                    n["locations"] = json!([location]);
                }
                n
            })
            .collect();
        json!({
            "executionSuccessful": !diagnostics.iter().any(Diagnostic::is_error),
            "toolExecutionNotifications": notifications,
        })
    }
}

/// A SARIF rule (`reportingDescriptor`): what it finds, its help (text and a link to the
/// upstream documentation of what it checks) and GitHub's `security-severity` score.
#[derive(Debug, Clone)]
pub struct SarifRule<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub help: &'a str,
    pub help_uri: &'a str,
    /// `error`, `warning` or `note`.
    pub level: &'a str,
    pub security_severity: &'a str,
}

impl SarifRule<'_> {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "shortDescription": {"text": self.name},
            "fullDescription": {"text": self.description},
            "help": {"text": self.help},
            "helpUri": self.help_uri,
            "defaultConfiguration": {"level": self.level},
            "properties": {
                "security-severity": self.security_severity,
                "tags": ["security", "kubernetes"],
            },
        })
    }
}

/// One SARIF result before it is placed: `location` is the manifest line of the offending
/// object, else `fallback` (the rule that found it, say); `identity` is what the fingerprint
/// is made of (what is found and in whom, not where, so that it survives a line moving).
#[derive(Debug, Clone)]
pub struct SarifResult<'a> {
    pub rule_id: &'a str,
    pub level: &'a str,
    pub message: String,
    pub location: Option<(&'a str, u32)>,
    pub fallback: Option<(&'a str, u32)>,
    pub identity: Vec<String>,
}

/// The key of kubesim's fingerprints in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "kubesim/v1";

impl SarifRoot {
    /// A SARIF 2.1.0 log of one kubesim run: its rules, its results and the input problems
    /// (`diagnostics`) as the invocation's notifications.
    pub fn log(
        &self,
        rules: &[SarifRule],
        results: &[SarifResult],
        diagnostics: &[Diagnostic],
    ) -> String {
        // Two results of one identity (one offender breaking a rule through two bindings)
        // are told apart by their order.
        let mut seen: std::collections::HashMap<&[String], usize> = Default::default();
        let results: Vec<Value> = results
            .iter()
            .map(|r| {
                let count = seen.entry(&r.identity).or_insert(0);
                *count += 1;
                self.result(r, *count)
            })
            .collect();
        let sarif = json!({
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{
                "tool": {"driver": {
                    "name": "kubesim",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(SarifRule::to_json).collect::<Vec<_>>(),
                }},
                "invocations": [self.invocation(diagnostics)],
                "results": results,
            }],
        });
        let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
        text.push('\n');
        text
    }

    fn result(&self, r: &SarifResult, occurrence: usize) -> Value {
        let mut parts: Vec<&str> = r.identity.iter().map(String::as_str).collect();
        let occurrence = occurrence.to_string();
        if occurrence != "1" {
            parts.push(&occurrence);
        }
        let mut result = json!({
            "ruleId": r.rule_id,
            "level": r.level,
            "message": {"text": r.message},
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(&parts)},
        });
        let located = [r.location, r.fallback]
            .into_iter()
            .flatten()
            .find_map(|(file, line)| self.location(file, line));
        if let Some(location) = located {
            result["locations"] = json!([location]);
        }
        result
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file may not exist here).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Percent-encodes a path for a URI: RFC 3986's unreserved characters and `/` stay, every
/// other byte of the UTF-8 becomes `%XX`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A fingerprint of a result from what identifies it (rule, offender, file), not where it
/// is: 16 hex digits of the 64-bit FNV-1a hash of the parts, stable across runs and
/// versions.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> SarifRoot {
        SarifRoot {
            root: PathBuf::from("/repo"),
            cwd: PathBuf::from("/repo/sub"),
        }
    }

    #[test]
    fn paths_become_relative_to_the_repository_root() {
        let r = root();
        assert_eq!(
            r.artifact("./manifests/a b.yaml").unwrap(),
            json!({"uri": "sub/manifests/a%20b.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            r.artifact("../top.yaml").unwrap(),
            json!({"uri": "top.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            r.artifact("/repo/x/ü.yaml").unwrap(),
            json!({"uri": "x/%C3%BC.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            r.artifact("/elsewhere/c.yaml").unwrap(),
            json!({"uri": "file:///elsewhere/c.yaml"})
        );
        assert_eq!(r.artifact("<defaults:v1.37>/cluster-roles.yaml"), None);
    }

    #[test]
    fn fingerprints_depend_on_every_part_and_on_their_boundaries() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["ab", ""]));
        assert_eq!(fingerprint(&["a", "b"]).len(), 16);
    }
}
