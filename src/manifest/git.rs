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
    Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
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
    // Each entry is `<mode> <type> <object>\t<name>`; only the name can hold any byte.
    let entries: Vec<(String, String)> = listed
        .stdout
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let tab = entry.iter().position(|b| *b == b'\t')?;
            let meta = String::from_utf8_lossy(&entry[..tab]);
            let mut fields = meta.split(' ');
            let (_, kind, object) = (fields.next()?, fields.next()?, fields.next()?);
            let name = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
            (kind == "blob" && is_manifest(&name)).then(|| (object.to_string(), name))
        })
        .collect();
    let mut child = Command::new("git")
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
    for (_, name) in &entries {
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
