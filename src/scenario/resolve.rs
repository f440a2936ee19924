//! The language checker's view of the outside world, answered from disk: `load`/`apply`
//! patterns through the manifest globber, ABAC policy files by looking, credentials through
//! the authenticators, and `against` bases as directories or git revisions, every path
//! relative to the `.ksim` file's directory.

use std::path::PathBuf;

use crate::authn::{AuthOptions, Credential, authenticate};
use crate::dsl::ast::CredentialKind;
use crate::dsl::check::{Authenticated, CredentialFile, Resolve};
use crate::dsl::program::BaseTree;
use crate::manifest::git::commit_in;
use crate::manifest::walk::glob_under;

/// Resolves what a `.ksim` file names against the directory it sits in.
#[derive(Debug, Clone)]
pub struct FileResolver {
    base_dir: PathBuf,
}

impl FileResolver {
    /// A resolver for a `.ksim` file in `base_dir`.
    pub fn new(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            base_dir: base_dir.into(),
        }
    }
}

impl Resolve for FileResolver {
    fn files(&self, pattern: &str) -> Result<Vec<PathBuf>, String> {
        glob_under(&self.base_dir, pattern)
    }

    fn existing_file(&self, path: &str) -> Option<PathBuf> {
        let path = self.base_dir.join(path);
        path.is_file().then_some(path)
    }

    fn base_tree(&self, base: &str) -> Result<BaseTree, String> {
        let dir = self.base_dir.join(base);
        if dir.is_dir() {
            return Ok(BaseTree::Directory(dir));
        }
        match commit_in(&self.base_dir, base)? {
            Some(commit) => Ok(BaseTree::Revision { commit }),
            None => Err(format!(
                "`{base}` is neither a directory nor a git revision of the repository holding \
                 this file"
            )),
        }
    }

    fn credential(&self, credential: &CredentialFile) -> Result<Authenticated, String> {
        let path = self.base_dir.join(&credential.path);
        let path = path.to_string_lossy().to_string();
        let credential = match credential.kind {
            CredentialKind::Kubeconfig => Credential::Kubeconfig {
                path,
                context: credential.context.clone(),
            },
            CredentialKind::Certificate => Credential::Certificate(path),
            CredentialKind::Token => Credential::TokenFile(path),
        };
        let identity = authenticate(&credential, &AuthOptions::default())
            .map_err(|diagnostic| diagnostic.to_string())?;
        Ok(Authenticated {
            user: identity.user,
            groups: identity.groups,
            rejected: identity.rejected,
            warnings: identity.warnings,
        })
    }
}
