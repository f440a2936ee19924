//! Which files to read: explicit files, directories walked recursively for `*.yaml`, `*.yml`
//! and `*.json` (honouring `.gitignore` and skipping hidden paths unless told otherwise, as
//! ripgrep does), glob patterns, and `-` for standard input. Always in sorted order.
//!
//! The language's `load` and `apply` patterns are globbed here too ([`glob_under`]), relative
//! to the `.ksim` file and without ignore files: a scenario names exactly what it reads.

use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use ignore::WalkBuilder;

/// A place to read manifests from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputPath {
    File(PathBuf),
    Stdin,
}

/// A path that could not be walked or read, with why: `(path, message)`.
pub type Problem = (String, String);

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Also read hidden files and directories (`--hidden`).
    pub hidden: bool,
    /// Do not honour `.gitignore`, `.ignore` and similar files (`--no-ignore`).
    pub no_ignore: bool,
    /// Count the manifest files ignore rules leave out. It walks each directory a second
    /// time without the rules (ignored trees such as `node_modules` included), so only the
    /// report that shows the count asks for it.
    pub count_ignored: bool,
}

/// Expands the command-line paths into the files to read, in a deterministic order, plus the
/// problems found (a path that does not exist, a glob that matches nothing).
pub fn expand(paths: &[String], options: WalkOptions) -> (Vec<InputPath>, Vec<Problem>) {
    let expansion = expand_counting(paths, options);
    (expansion.inputs, expansion.problems)
}

/// What [`expand_counting`] found.
#[derive(Debug, Default)]
pub struct Expansion {
    /// The inputs to read, each once, in the order given (a directory's files sorted).
    pub inputs: Vec<InputPath>,
    pub problems: Vec<Problem>,
    /// Manifest files in the directories walked that ignore rules left out.
    pub ignored: usize,
}

/// [`expand`], also counting the manifest files `.gitignore` and `.ignore` rules left out.
/// Only the tree's own ignore files count: a user's global git excludes and
/// `.git/info/exclude` would make the answer depend on the machine. A file reached twice
/// (given twice, or also inside a directory given) is read once.
pub fn expand_counting(paths: &[String], options: WalkOptions) -> Expansion {
    let mut out = Expansion::default();
    let mut seen = std::collections::HashSet::new();
    let mut push = |inputs: &mut Vec<InputPath>, path: PathBuf| {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            inputs.push(InputPath::File(path));
        }
    };
    let (inputs, problems) = (&mut out.inputs, &mut out.problems);
    for raw in paths {
        if raw == "-" {
            inputs.push(InputPath::Stdin);
            continue;
        }
        let path = Path::new(raw);
        if path.is_dir() {
            let (mut found, mut walk_problems) = walk_dir(path, options, None);
            if options.count_ignored && !options.no_ignore {
                let every = WalkOptions {
                    no_ignore: true,
                    ..options
                };
                let all = walk_dir(path, every, None).0.len();
                out.ignored += all.saturating_sub(found.len());
            }
            found.sort();
            for file in found {
                push(inputs, file);
            }
            problems.append(&mut walk_problems);
        } else if path.exists() || path.symlink_metadata().is_ok() {
            // A link that loops or dangles is read too, so the reader reports why it fails.
            push(inputs, path.to_path_buf());
        } else if is_glob(raw) {
            match glob_files(raw, options) {
                Ok((found, mut walk_problems)) => {
                    if found.is_empty() && walk_problems.is_empty() {
                        problems.push((raw.clone(), "the pattern matches no file".to_string()));
                    }
                    for file in found {
                        push(inputs, file);
                    }
                    problems.append(&mut walk_problems);
                }
                Err(e) => problems.push((raw.clone(), format!("invalid pattern: {e}"))),
            }
        } else {
            problems.push((raw.clone(), "no such file or directory".to_string()));
        }
    }
    out
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

/// The files under `dir` to read, and the problems met on the way (an unreadable directory).
///
/// Links are treated as kubectl treats them: a link to a file is read like the file (so a
/// link that loops or dangles is reported when it is read, never dropped), a link to a
/// directory is not descended, which also keeps link cycles from looping the walk.
fn walk_dir(
    dir: &Path,
    options: WalkOptions,
    glob: Option<&GlobMatcher>,
) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut builder = WalkBuilder::new(dir);
    builder
        .hidden(!options.hidden)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(false)
        .git_exclude(false)
        .parents(!options.no_ignore)
        .follow_links(false);
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                problems.push(walk_problem(dir, &err));
                continue;
            }
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let candidate = if file_type.is_file() {
            true
        } else if file_type.is_symlink() {
            // `metadata` follows the link; an error (loop, dangling) leaves it to the reader.
            std::fs::metadata(path).map_or(true, |m| !m.is_dir())
        } else {
            false
        };
        if !candidate {
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
    (files, problems)
}

/// A walk error as (path, message), e.g. a directory that cannot be listed.
fn walk_problem(dir: &Path, err: &ignore::Error) -> Problem {
    let mut path = None;
    let mut current = err;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            _ => break,
        }
    }
    let message = match current {
        ignore::Error::Io(io) => super::io_message(io),
        other => other.to_string(),
    };
    let path = path.unwrap_or_else(|| dir.to_path_buf());
    (path.to_string_lossy().into_owned(), message)
}

/// Expands a glob such as `manifests/**/*.yaml` by walking its literal prefix directory; also
/// returns the problems met on the way.
pub fn glob_files(
    pattern: &str,
    options: WalkOptions,
) -> Result<(Vec<PathBuf>, Vec<Problem>), globset::Error> {
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
        return Ok((Vec::new(), Vec::new()));
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
    let (mut files, problems) = walk_dir(&base, options, Some(&matcher));
    files.sort();
    Ok((files, problems))
}

/// The deepest directory level a `**` pattern descends to, as a guard against loops through
/// unusual file systems.
const MAX_WALK_DEPTH: usize = 64;

/// A pattern split as [`glob_under`] splits it: its literal leading directories (joined with
/// `/`, `.` components left out) and the matcher of the rest, `None` when it has no glob.
pub fn split_glob(pattern: &str) -> Result<(String, Option<GlobMatcher>), String> {
    let mut prefix: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    for component in Path::new(pattern).components() {
        let text = component.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_glob(&text) {
            if component != Component::CurDir {
                prefix.push(text.into_owned());
            }
        } else {
            rest.push(text.into_owned());
        }
    }
    let prefix = prefix.join("/");
    if rest.is_empty() {
        return Ok((prefix, None));
    }
    let glob = GlobBuilder::new(&rest.join("/"))
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())?
        .compile_matcher();
    Ok((prefix, Some(glob)))
}

/// Files under `base` matching `pattern` (a path or a glob with `*`, `**`, `?`, `[..]`,
/// `{a,b}`), sorted. A literal path to an existing file or directory matches itself. Every
/// entry is seen, hidden or ignored alike; links are matched as files and never descended.
pub fn glob_under(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let pattern_path = Path::new(pattern);
    // Walk only below the literal prefix of the pattern (and allow `..` there).
    let mut root = base.to_path_buf();
    let mut rest: Vec<String> = Vec::new();
    for component in pattern_path.components() {
        let text = component.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_glob(&text) {
            match component {
                Component::RootDir | Component::Prefix(_) => {
                    root = PathBuf::from(component.as_os_str())
                }
                _ => root.push(component.as_os_str()),
            }
        } else {
            rest.push(text.into_owned());
        }
    }
    if rest.is_empty() {
        return Ok(if root.exists() {
            vec![root]
        } else {
            Vec::new()
        });
    }
    let glob = GlobBuilder::new(&rest.join("/"))
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())?
        .compile_matcher();
    let mut found = Vec::new();
    walk_every_entry(&root, &root, 0, &glob, &mut found);
    found.sort();
    Ok(found)
}

/// Collects the entries below `dir` whose path relative to `root` matches `glob`.
fn walk_every_entry(
    root: &Path,
    dir: &Path,
    depth: usize,
    glob: &GlobMatcher,
    found: &mut Vec<PathBuf>,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // `file_type` does not follow symlinks, so a link cycle cannot loop the walk.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk_every_entry(root, &path, depth + 1, glob, found);
        } else if let Ok(relative) = path.strip_prefix(root)
            && glob.is_match(relative)
        {
            found.push(path);
        }
    }
}
