//! The index stage: built-in default roles, ClusterRole aggregation, the RBAC index (subject →
//! bindings, resolved roles) and its compiled, integer-matched form, and the resource catalogue
//! with the input's CRDs. Built once from the loaded manifests as one [`Indexed`] value, then
//! read-only and shared across threads.

pub mod aggregation;
pub mod catalog;
pub mod compiled;
pub mod defaults;
pub mod entry;
pub mod names;
pub mod rbac_index;

use std::sync::{Arc, OnceLock};

pub use catalog::Catalog;
pub use rbac_index::RbacIndex;

use crate::manifest::{Loaded, Sources};
use crate::model::Cluster;
use crate::source::Diagnostic;

/// Everything the engines read: the RBAC index over the objects, the resource catalogue with
/// their CRDs, and the source texts that field lines are quoted from.
#[derive(Debug, Clone)]
pub struct Indexed {
    /// The RBAC index: roles, bindings and subjects, resolved and compiled.
    pub rbac: Arc<RbacIndex>,
    /// The resource catalogue: the built-in resources and the input's CRDs.
    pub catalog: Arc<Catalog>,
    /// The source texts, for quoting field lines in reports.
    pub sources: Arc<Sources>,
    /// The names the input uses, gathered on first use.
    names: Arc<OnceLock<names::KnownNames>>,
}

impl Indexed {
    /// Indexes what was loaded. The diagnostics are the loader's followed by the index's
    /// (unknown roles, bindings that bind nothing), in that order.
    pub fn build(loaded: Loaded) -> (Indexed, Vec<Diagnostic>) {
        let mut diagnostics = loaded.diagnostics;
        let indexed = Indexed::new(loaded.cluster, loaded.sources);
        diagnostics.extend(indexed.rbac.diagnostics.iter().cloned());
        (indexed, diagnostics)
    }

    /// Indexes `cluster`, whose source texts are `sources`.
    pub fn new(cluster: Cluster, sources: Sources) -> Indexed {
        Indexed::from_index(RbacIndex::build(Arc::new(cluster)), sources)
    }

    /// Wraps an RBAC index already built (a what-if that kept the roles of its parent).
    pub fn from_index(rbac: RbacIndex, sources: Sources) -> Indexed {
        let catalog = Arc::new(Catalog::new(&rbac.cluster.custom_resources));
        Indexed {
            rbac: Arc::new(rbac),
            catalog,
            sources: Arc::new(sources),
            names: Arc::default(),
        }
    }

    /// The verbs, namespaces and subjects the input uses, for flagging a name that exists
    /// nowhere.
    pub fn names(&self) -> &names::KnownNames {
        self.names.get_or_init(|| names::KnownNames::of(&self.rbac))
    }

    /// The objects indexed.
    pub fn cluster(&self) -> &Cluster {
        &self.rbac.cluster
    }
}
