//! Which files to read: explicit files, directories walked recursively for `*.yaml`, `*.yml`
//! and `*.json` (honouring `.gitignore` and skipping hidden paths unless told otherwise, as
//! ripgrep does), glob patterns, and `-` for standard input. Always in sorted order.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use ignore::WalkBuilder;

/// A place to read manifests from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputPath {
    File(PathBuf),
    Stdin,
}

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Also read hidden files and directories (`--hidden`).
    pub hidden: bool,
    /// Do not honour `.gitignore`, `.ignore` and similar files (`--no-ignore`).
    pub no_ignore: bool,
}

/// Expands the command-line paths into the files to read, in a deterministic order, plus the
/// problems found (a path that does not exist, a glob that matches nothing).
pub fn expand(paths: &[String], options: WalkOptions) -> (Vec<InputPath>, Vec<(String, String)>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for raw in paths {
        if raw == "-" {
            inputs.push(InputPath::Stdin);
            continue;
        }
        let path = Path::new(raw);
        if path.is_dir() {
            let mut found = walk_dir(path, options, None);
            found.sort();
            inputs.extend(found.into_iter().map(InputPath::File));
        } else if path.exists() {
            inputs.push(InputPath::File(path.to_path_buf()));
        } else if is_glob(raw) {
            match glob_files(raw, options) {
                Ok(found) if found.is_empty() => {
                    problems.push((raw.clone(), "the pattern matches no file".to_string()))
                }
                Ok(found) => inputs.extend(found.into_iter().map(InputPath::File)),
                Err(e) => problems.push((raw.clone(), format!("invalid pattern: {e}"))),
            }
        } else {
            problems.push((raw.clone(), "no such file or directory".to_string()));
        }
    }
    (inputs, problems)
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

fn is_manifest_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn walk_dir(dir: &Path, options: WalkOptions, glob: Option<&GlobMatcher>) -> Vec<PathBuf> {
    let mut builder = WalkBuilder::new(dir);
    builder
        .hidden(!options.hidden)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .follow_links(false);
    let mut files = Vec::new();
    for entry in builder.build().flatten() {
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let wanted = match glob {
            Some(m) => m.is_match(path),
            None => is_manifest_file(path),
        };
        if wanted {
            files.push(path.to_path_buf());
        }
    }
    files
}

/// Expands a glob such as `manifests/**/*.yaml` by walking its literal prefix directory.
pub fn glob_files(pattern: &str, options: WalkOptions) -> Result<Vec<PathBuf>, globset::Error> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !is_glob(&c.as_os_str().to_string_lossy()))
        .collect();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    // Patterns written relative to "." must match walked paths that start with "./".
    let matcher = if base == Path::new(".") && !pattern.starts_with("./") {
        GlobBuilder::new(&format!("./{pattern}"))
            .literal_separator(true)
            .build()?
            .compile_matcher()
    } else {
        matcher
    };
    let mut files = walk_dir(&base, options, Some(&matcher));
    files.sort();
    Ok(files)
}
