//! The inventory report: objects per kind and per namespace, kinds skipped, diagnostics.

use std::collections::BTreeMap;

use serde::Serialize;

use super::table::{new_table, render};
use crate::manifest::Loaded;
use crate::source::{Diagnostic, DiagnosticJson, Severity};

/// What was loaded, in the shape of `kubesim inventory -o json` (cli.md).
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub files: usize,
    /// Manifest files ignore rules left out of the walk.
    pub ignored_files: usize,
    /// Cluster-scoped objects per kind (shown in the table, not part of the JSON).
    #[serde(skip)]
    pub cluster_scoped: BTreeMap<String, usize>,
    pub objects: BTreeMap<String, usize>,
    pub namespaces: BTreeMap<String, BTreeMap<String, usize>>,
    pub skipped: BTreeMap<String, usize>,
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

impl Inventory {
    pub fn from_loaded(loaded: &Loaded) -> Self {
        let mut diagnostics = loaded.diagnostics.clone();
        diagnostics.sort();
        let namespaces = loaded
            .cluster
            .per_namespace
            .iter()
            .filter(|(ns, _)| !ns.is_empty())
            .map(|(ns, kinds)| (ns.clone(), kinds.clone()))
            .collect();
        Self {
            files: loaded.files,
            ignored_files: loaded.ignored_files,
            cluster_scoped: loaded
                .cluster
                .per_namespace
                .get("")
                .cloned()
                .unwrap_or_default(),
            objects: loaded.cluster.counts(),
            namespaces,
            skipped: loaded.cluster.skipped.clone(),
            diagnostics,
        }
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

#[derive(Serialize)]
struct InventoryJson<'a> {
    objects: &'a BTreeMap<String, usize>,
    namespaces: &'a BTreeMap<String, BTreeMap<String, usize>>,
    skipped: &'a BTreeMap<String, usize>,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

pub fn render_json(inventory: &Inventory) -> String {
    let json = InventoryJson {
        objects: &inventory.objects,
        namespaces: &inventory.namespaces,
        skipped: &inventory.skipped,
        diagnostics: inventory
            .diagnostics
            .iter()
            .map(DiagnosticJson::from)
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}

pub fn render_table(inventory: &Inventory) -> String {
    let mut out = String::new();
    let mut kinds = new_table(["KIND", "OBJECTS"]);
    for (kind, n) in &inventory.objects {
        kinds.add_row(vec![kind.clone(), n.to_string()]);
    }
    out.push_str(&render(&kinds));

    if !inventory.namespaces.is_empty() || !inventory.cluster_scoped.is_empty() {
        out.push('\n');
        let mut by_ns = new_table(["NAMESPACE", "OBJECTS", "KINDS"]);
        if !inventory.cluster_scoped.is_empty() {
            let total: usize = inventory.cluster_scoped.values().sum();
            let list: Vec<String> = inventory
                .cluster_scoped
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            by_ns.add_row(vec![
                "(cluster-scoped)".to_string(),
                total.to_string(),
                list.join(", "),
            ]);
        }
        for (ns, kinds) in &inventory.namespaces {
            let total: usize = kinds.values().sum();
            let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            by_ns.add_row(vec![ns.clone(), total.to_string(), list.join(", ")]);
        }
        out.push_str(&render(&by_ns));
    }

    if !inventory.skipped.is_empty() {
        out.push('\n');
        let mut skipped = new_table(["SKIPPED KIND", "OBJECTS"]);
        for (kind, n) in &inventory.skipped {
            skipped.add_row(vec![kind.clone(), n.to_string()]);
        }
        out.push_str(&render(&skipped));
    }

    let evaluated: usize = inventory.objects.values().sum();
    let skipped: usize = inventory.skipped.values().sum();
    let ignored = match inventory.ignored_files {
        0 => String::new(),
        n => format!(" ({n} left out by .gitignore/.ignore rules; --no-ignore reads them)"),
    };
    out.push_str(&format!(
        "\n{} files{ignored}, {evaluated} objects evaluated, {skipped} skipped, {} errors, {} warnings\n",
        inventory.files,
        inventory.errors(),
        inventory.warnings()
    ));
    out
}
