//! One side of `kubesim diff`: a directory, or a git revision of the repository the command
//! runs in, read with the `git` binary (`ls-tree` and `cat-file --batch`) so the working tree
//! and the index are never touched. Blobs are asked for by object id: a file name is data, and
//! never reaches `cat-file`'s line protocol (a name may hold a newline).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::manifest::{InputFile, LoadOptions, Loaded, load_files, load_paths};

/// Where one side's manifests come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    Directory(String),
    Revision(String),
}

impl Side {
    /// An existing path is a directory side; anything else must name a git commit.
    pub fn resolve(text: &str) -> Result<Side, String> {
        if Path::new(text).exists() {
            return Ok(Side::Directory(text.to_string()));
        }
        let out = git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{text}^{{commit}}"),
        ])?;
        if out.status.success() {
            Ok(Side::Revision(
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            ))
        } else {
            Err(format!(
                "`{text}` is neither a directory nor a git revision"
            ))
        }
    }

    /// Loads the side's manifests under `paths` (relative to the side's root; `.` for all).
    pub fn load(&self, paths: &[String], options: &LoadOptions) -> Result<Loaded, String> {
        match self {
            Side::Directory(root) => {
                let joined: Vec<String> = paths
                    .iter()
                    .map(|p| match p.as_str() {
                        // The whole side: its files are named `ROOT/FILE`, not `ROOT/./FILE`.
                        "." => root.clone(),
                        _ => Path::new(root).join(p).to_string_lossy().into_owned(),
                    })
                    .collect();
                Ok(load_paths(&joined, options))
            }
            Side::Revision(commit) => Ok(load_files(read_revision(commit, paths)?, options)),
        }
    }
}

fn git(args: &[&str]) -> Result<std::process::Output, String> {
    git_in(Path::new("."), args)
}

fn git_in(dir: &Path, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
}

/// The commit `revision` names in the git repository holding `dir`, or `None` when it names
/// none (or `dir` is in no repository).
pub fn commit_in(dir: &Path, revision: &str) -> Result<Option<String>, String> {
    let out = git_in(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
}

/// The files of `commit` that `load` patterns match, each pattern resolved against `dir` (a
/// directory of the commit's repository) as [`super::walk::glob_under`] resolves it on disk: a
/// literal path is that file, or every manifest under that directory; a glob matches the files
/// below its literal prefix. Files are named relative to `dir`, sorted, each once.
pub fn read_revision_patterns(
    dir: &Path,
    commit: &str,
    patterns: &[String],
) -> Result<Vec<InputFile>, String> {
    let mut wanted: Vec<(String, String)> = Vec::new();
    for pattern in patterns {
        let (prefix, glob) = super::walk::split_glob(pattern)?;
        let listed = list_revision(dir, commit, &prefix)?;
        for (object, name) in listed {
            let keep = match &glob {
                // The file named, or the manifests of the directory named.
                None => name == prefix || is_manifest(&name),
                Some(glob) => {
                    let relative = name
                        .strip_prefix(&prefix)
                        .map(|r| r.trim_start_matches('/'))
                        .unwrap_or(&name);
                    glob.is_match(relative)
                }
            };
            if keep {
                wanted.push((object, name));
            }
        }
    }
    wanted.sort_by(|a, b| a.1.cmp(&b.1));
    wanted.dedup_by(|a, b| a.1 == b.1);
    read_blobs(dir, &wanted)
}

/// Every blob of `commit` under `path` (relative to `dir`), as (object id, name relative to
/// `dir`).
fn list_revision(dir: &Path, commit: &str, path: &str) -> Result<Vec<(String, String)>, String> {
    let path = if path.is_empty() { "." } else { path };
    let listed = git_in(dir, &["ls-tree", "-r", "-z", commit, "--", path])?;
    if !listed.status.success() {
        return Err(format!(
            "git ls-tree {commit}: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        ));
    }
    Ok(tree_entries(&listed.stdout)
        .filter(|(kind, _, _)| kind == "blob")
        .map(|(_, object, name)| (object, name))
        .collect())
}

/// `ls-tree -z` entries as (type, object id, name); only the name can hold any byte.
fn tree_entries(listing: &[u8]) -> impl Iterator<Item = (String, String, String)> + '_ {
    listing.split(|b| *b == 0).filter_map(|entry| {
        let tab = entry.iter().position(|b| *b == b'\t')?;
        let meta = String::from_utf8_lossy(&entry[..tab]);
        let mut fields = meta.split(' ');
        let (_, kind, object) = (fields.next()?, fields.next()?, fields.next()?);
        let name = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
        Some((kind.to_string(), object.to_string(), name))
    })
}

/// The top directory of the git work tree holding the current directory
/// (`git rev-parse --show-toplevel`), or `None` outside one.
pub fn repository_root() -> Option<std::path::PathBuf> {
    let out = git(&["rev-parse", "--show-toplevel"]).ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let root = text.strip_suffix('\n').unwrap_or(&text);
    (!root.is_empty()).then(|| std::path::PathBuf::from(root))
}

fn is_manifest(name: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e))
}

/// Every manifest file of the revision under `paths`, named relative to the current directory
/// as `ls-tree` prints them, with its content.
fn read_revision(commit: &str, paths: &[String]) -> Result<Vec<InputFile>, String> {
    let mut args = vec!["ls-tree", "-r", "-z", commit, "--"];
    args.extend(paths.iter().map(String::as_str));
    let listed = git(&args)?;
    if !listed.status.success() {
        return Err(format!(
            "git ls-tree {commit}: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        ));
    }
    let entries: Vec<(String, String)> = tree_entries(&listed.stdout)
        .filter(|(kind, _, name)| kind == "blob" && is_manifest(name))
        .map(|(_, object, name)| (object, name))
        .collect();
    read_blobs(Path::new("."), &entries)
}

/// The content of each (object id, name) blob, read with one `git cat-file --batch` in `dir`.
fn read_blobs(dir: &Path, entries: &[(String, String)]) -> Result<Vec<InputFile>, String> {
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file: no stdin")?;
    let requests: String = entries
        .iter()
        .map(|(object, _)| format!("{object}\n"))
        .collect();
    // Write from another thread so a large answer cannot block the request.
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().ok_or("git cat-file: no stdout")?);
    let mut files = Vec::new();
    for (_, name) in entries {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| e.to_string())?;
        let mut parts = header.split_whitespace();
        let size = match (parts.next(), parts.next(), parts.next()) {
            (Some(_), Some("blob"), Some(size)) => {
                size.parse::<usize>().map_err(|e| e.to_string())?
            }
            _ => {
                files.push((
                    Arc::from(name.as_str()),
                    Err(format!("git: {}", header.trim())),
                ));
                continue;
            }
        };
        let mut content = vec![0; size + 1];
        reader.read_exact(&mut content).map_err(|e| e.to_string())?;
        content.pop();
        files.push((Arc::from(name.as_str()), Ok(content)));
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(files)
}
