//! Running `.ksim` scenarios: each scenario loads its manifests once, builds one immutable
//! state, and evaluates its statements as independent queries in parallel (rayon); a what-if
//! applies its mutations in order to a copy and evaluates its statements against that. Results
//! come back in source order, so the report never depends on the thread count. A `show`
//! yields its typed report; `report::snapshot` renders it and compares it with its snapshot
//! after the run.
#![doc(hidden)]

pub mod change;
pub mod eval;
pub mod evidence;
pub mod policy;
pub mod resolve;
pub mod snapshot;
pub mod state;
pub mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compare::diff;
use crate::dsl::program::{Origin as DslOrigin, Scenario, Show, Statement, StatementKind};
use crate::dsl::{CheckContext, check, parse_file};
use crate::manifest::{LoadOptions, load_files_with_progress};
use crate::model::Origin;
use crate::progress::{Progress, Silent};
use crate::pss::assess::AssessOptions;
use crate::source::Diagnostic;

pub use eval::Outcome;
pub use evidence::{Evidence, ShowReport};
pub use snapshot::SnapshotStatus;
use state::{State, display_path, read_inputs};

/// How scenarios are run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Compute the evidence of passing expectations too (`--verbose`); failures always
    /// carry theirs.
    pub passing_evidence: bool,
    /// Fail an expectation that names a verb, resource, namespace or subject the input lacks
    /// (`--strict`, the default of `run`); otherwise it is answered as written, with a warning.
    pub strict: bool,
}

impl Default for RunOptions {
    /// Failing evidence only, strict.
    fn default() -> Self {
        RunOptions {
            passing_evidence: false,
            strict: true,
        }
    }
}

/// What one statement produced.
#[derive(Debug, Clone)]
pub enum ResultKind {
    Expect(Outcome),
    Show {
        /// The snapshot's path as shown in reports.
        snapshot: String,
        /// Where the snapshot is stored.
        path: PathBuf,
        /// The report, or why it could not be made.
        report: Result<ShowReport, String>,
        /// [`SnapshotStatus::Pending`] until the report is compared with its snapshot.
        status: SnapshotStatus,
    },
    /// The start of a what-if block; its statements follow at depth 1.
    WhatIf {
        name: String,
    },
    /// A what-if mutation, `Err` when it could not be applied.
    Mutation(Result<(), String>),
}

/// One statement's result, in source order.
#[derive(Debug, Clone)]
pub struct StatementResult {
    pub line: u32,
    /// The statement as written.
    pub text: String,
    /// 0 for scenario statements, 1 inside a what-if.
    pub depth: usize,
    pub kind: ResultKind,
}

impl StatementResult {
    /// Expectations and snapshots count as tests; a failed mutation counts as a failure.
    pub fn verdict(&self) -> Option<bool> {
        match &self.kind {
            ResultKind::Expect(o) => Some(o.passed),
            ResultKind::Show { status, .. } => Some(status.passed()),
            ResultKind::Mutation(r) => r.is_err().then_some(false),
            ResultKind::WhatIf { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScenarioReport {
    pub name: String,
    pub line: u32,
    /// Problems loading its manifests (errors make the run exit 2).
    pub diagnostics: Vec<Diagnostic>,
    pub results: Vec<StatementResult>,
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: String,
    /// Parse and semantic problems of the `.ksim` file, rendered with the source line and a caret.
    pub diagnostics: Vec<Diagnostic>,
    pub scenarios: Vec<ScenarioReport>,
}

/// The results of `kubesim run`.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
}

impl RunReport {
    pub fn counts(&self) -> (usize, usize) {
        let verdicts = self
            .files
            .iter()
            .flat_map(|f| &f.scenarios)
            .flat_map(|s| &s.results)
            .filter_map(StatementResult::verdict);
        verdicts.fold(
            (0, 0),
            |(p, f), ok| if ok { (p + 1, f) } else { (p, f + 1) },
        )
    }

    /// True when an input could not be read or was invalid.
    pub fn has_errors(&self) -> bool {
        let unreadable = |r: &StatementResult| {
            matches!(
                &r.kind,
                ResultKind::Show {
                    status: SnapshotStatus::Unreadable(_),
                    ..
                }
            )
        };
        self.files.iter().any(|f| {
            f.diagnostics.iter().any(Diagnostic::is_error)
                || f.scenarios.iter().any(|s| {
                    s.diagnostics.iter().any(Diagnostic::is_error)
                        || s.results.iter().any(unreadable)
                })
        })
    }
}

/// Runs every scenario of every file, in order. A directory stands for the `.ksim` files
/// under it (recursively, in path order); a directory holding none is an error.
pub fn run_files(paths: &[PathBuf], options: &RunOptions) -> RunReport {
    run_files_with_progress(paths, options, &Silent)
}

/// [`run_files`], counting on `progress` the manifests each scenario loads (stage
/// `"loading"`) and its statements evaluated (one stage per scenario, named after it).
pub fn run_files_with_progress(
    paths: &[PathBuf],
    options: &RunOptions,
    progress: &dyn Progress,
) -> RunReport {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(run_file_with_progress(path, options, progress));
            continue;
        }
        let found = ksim_files_under(path);
        if found.is_empty() {
            let name = path.to_string_lossy().replace('\\', "/");
            files.push(FileReport {
                file: name.clone(),
                diagnostics: Vec::new(),
                scenarios: vec![ScenarioReport {
                    name: String::new(),
                    line: 0,
                    diagnostics: vec![Diagnostic::error(
                        crate::source::Location::new(name.as_str().into(), 0, 0),
                        "no .ksim files in this directory",
                    )],
                    results: Vec::new(),
                }],
            });
        }
        files.extend(
            found
                .iter()
                .map(|p| run_file_with_progress(p, options, progress)),
        );
    }
    RunReport { files }
}

/// The `.ksim` files under `dir`, sorted, honouring `.gitignore` as the manifest walk does.
pub fn ksim_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "ksim"))
        .collect();
    found.sort();
    found
}

/// Parses, checks and runs one `.ksim` file.
pub fn run_file(path: &Path, options: &RunOptions) -> FileReport {
    run_file_with_progress(path, options, &Silent)
}

fn run_file_with_progress(
    path: &Path,
    options: &RunOptions,
    progress: &dyn Progress,
) -> FileReport {
    let name = path.to_string_lossy().replace('\\', "/");
    let mut report = FileReport {
        file: name.clone(),
        diagnostics: Vec::new(),
        scenarios: Vec::new(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            report.scenarios.push(ScenarioReport {
                name: String::new(),
                line: 0,
                diagnostics: vec![Diagnostic::error(
                    crate::source::Location::new(name.as_str().into(), 0, 0),
                    e.to_string(),
                )],
                results: Vec::new(),
            });
            return report;
        }
    };
    let file = match parse_file(&name, &text) {
        Ok(f) => f,
        Err(diagnostics) => {
            report.diagnostics = diagnostics;
            return report;
        }
    };
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_dir = if base_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base_dir
    };
    let resolver = resolve::FileResolver::new(&base_dir);
    let (program, diagnostics) = check(&file, &CheckContext::new(&resolver));
    let invalid = diagnostics.iter().any(Diagnostic::is_error);
    report.diagnostics = diagnostics;
    if invalid {
        return report;
    }
    let names: Vec<&str> = program.scenarios.iter().map(|s| s.name.as_str()).collect();
    let folders = snapshot::folder_names(&names);
    for (scenario, folder) in program.scenarios.iter().zip(&folders) {
        let snapshots = snapshot::folder(path, &[folder]);
        report.scenarios.push(run_scenario(
            path, &base_dir, scenario, &snapshots, options, progress,
        ));
    }
    report
}

/// A statement to evaluate, with the state it sees.
struct Job<'a> {
    slot: usize,
    statement: &'a Statement,
    state: State,
    /// The scenario's state, for `show diff` inside a what-if.
    base: Option<State>,
    /// For `show`: its snapshot path.
    snapshot: Option<PathBuf>,
}

fn origin_of(file: &str, o: &DslOrigin) -> Origin {
    Origin::at(file, o.line, o.column)
}

fn run_scenario(
    path: &Path,
    base_dir: &Path,
    scenario: &Scenario,
    snapshots: &Path,
    options: &RunOptions,
    progress: &dyn Progress,
) -> ScenarioReport {
    let ksim_name = path.to_string_lossy().replace('\\', "/");
    let mut report = ScenarioReport {
        name: scenario.name.clone(),
        line: scenario.origin.line,
        diagnostics: Vec::new(),
        results: Vec::new(),
    };
    let files: Vec<PathBuf> = scenario
        .loads
        .iter()
        .flat_map(|l| l.files.iter().cloned())
        .collect();
    let inputs = read_inputs(&files, base_dir);
    let mut loaded = load_files_with_progress(inputs, &LoadOptions::default(), progress);
    let with_defaults = |loaded: &mut crate::manifest::Loaded| {
        let Some(version) = scenario.defaults else {
            return;
        };
        match crate::index::defaults::load(&version.to_string()) {
            Ok(Some(defaults)) => {
                // Built-in objects first, so the scenario's own objects of the same name win.
                let mut cluster = defaults.cluster;
                cluster.extend(std::mem::take(&mut loaded.cluster));
                loaded.cluster = cluster;
                loaded.sources.merge(defaults.sources);
            }
            Ok(None) => {}
            Err(message) => loaded.diagnostics.push(Diagnostic::error(
                origin_of(&ksim_name, &scenario.origin).location(),
                message,
            )),
        }
    };
    with_defaults(&mut loaded);
    report.diagnostics = loaded.diagnostics;
    // The base trees `against` expectations compare with, loaded once each.
    let mut bases = change::Bases::new();
    for against in change::bases_of(scenario) {
        let (state, problems) = change::load_base(&against, scenario, base_dir, with_defaults);
        report.diagnostics.extend(problems);
        if let Err(e) = &state {
            report.diagnostics.push(Diagnostic::error(
                origin_of(&ksim_name, &scenario.origin).location(),
                e.clone(),
            ));
        }
        bases.insert(against.tree, state);
    }
    let chain = scenario
        .authorization
        .as_ref()
        .map(|a| authorization_chain(a, base_dir, &mut report.diagnostics))
        .unwrap_or_default();
    let base = State::new(loaded.cluster, loaded.sources);
    report
        .diagnostics
        .extend(base.rbac.diagnostics.iter().cloned());

    // Lay out the results in source order; what-if mutations are applied here, in order.
    let mut jobs = Vec::new();
    let whatifs: Vec<&str> = scenario
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::WhatIf(w) => Some(w.name.as_str()),
            _ => None,
        })
        .collect();
    let mut layout = SnapshotLayout {
        root: snapshots.to_path_buf(),
        whatif_folders: whatifs
            .iter()
            .map(|w| w.to_string())
            .zip(snapshot::folder_names(&whatifs))
            .collect(),
        names: BTreeMap::new(),
    };
    for statement in &scenario.statements {
        push_statement(
            statement,
            0,
            &base,
            None,
            &mut report.results,
            &mut jobs,
            &mut layout,
            None,
            path,
            base_dir,
        );
    }
    let assess = AssessOptions::default();
    progress.begin(&scenario.name, jobs.len() as u64);
    let evaluated: Vec<(usize, ResultKind)> = jobs
        .par_iter()
        .map(|job| {
            let kind = match &job.statement.kind {
                StatementKind::Expect(e) => {
                    let mut unknown = eval::unknown_names(e, &job.state, &chain);
                    // A name a what-if removed still existed before it.
                    if let Some(base) = &job.base
                        && !unknown.is_empty()
                    {
                        let before = eval::unknown_names(e, base, &chain);
                        unknown.retain(|u| before.contains(u));
                    }
                    let tree = e.base().map(|against| bases.get(&against.tree));
                    if let Some(Some(Ok(base))) = &tree
                        && !unknown.is_empty()
                    {
                        // A name the head lost still existed in the base (the nearest name
                        // suggested may differ between the two).
                        let before = eval::unknown_names(e, base, &chain);
                        unknown.retain(|u| {
                            before.iter().any(|b| b.kind == u.kind && b.name == u.name)
                        });
                    }
                    let mut outcome = match tree {
                        None => {
                            eval::expect(e, &job.state, &chain, &assess, options.passing_evidence)
                        }
                        Some(Some(Ok(base))) => {
                            change::expect(e, base, &job.state, &chain, &assess)
                        }
                        Some(Some(Err(reason))) => {
                            Outcome::new(false, vec![Evidence::Unanswered(reason.clone())])
                        }
                        Some(None) => Outcome::new(
                            false,
                            vec![Evidence::Unanswered("the base was not loaded".into())],
                        ),
                    };
                    outcome.passed &= unknown.is_empty() || !options.strict;
                    outcome.unknown = unknown;
                    ResultKind::Expect(outcome)
                }
                StatementKind::Show(show, _) => {
                    let report = match (show, &job.base) {
                        (Show::Diff, Some(base)) => Ok(ShowReport::Diff {
                            base: base.rbac.clone(),
                            head: job.state.rbac.clone(),
                            changes: Box::new(diff(base, &job.state, &assess)),
                        }),
                        _ => eval::show(show, &job.state, &chain, &assess),
                    };
                    let path = job.snapshot.clone().unwrap_or_default();
                    let status = match &report {
                        Ok(_) => SnapshotStatus::Pending,
                        Err(e) => SnapshotStatus::Error(e.clone()),
                    };
                    ResultKind::Show {
                        snapshot: display_path(&path, Path::new(".")),
                        path,
                        report,
                        status,
                    }
                }
                _ => ResultKind::Mutation(Ok(())),
            };
            progress.advance(1);
            (job.slot, kind)
        })
        .collect();
    progress.end();
    for (slot, kind) in evaluated {
        report.results[slot].kind = kind;
    }
    report
}

/// The scenario's authorizer chain; problems with its ABAC policy file join the scenario's
/// diagnostics (bad lines are left out, the others still count).
fn authorization_chain(
    authorization: &crate::dsl::program::Authorization,
    base_dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> crate::authz::Chain {
    let abac = authorization.abac_policy.as_ref().map(|path| {
        let name = display_path(path, base_dir);
        let list = match std::fs::read_to_string(path) {
            Ok(text) => {
                let (list, problems) = crate::authz::abac::PolicyList::parse(&name, &text);
                diagnostics.extend(problems);
                list
            }
            Err(e) => {
                diagnostics.push(crate::authn::file_error(&name, &e));
                crate::authz::abac::PolicyList::default()
            }
        };
        std::sync::Arc::new(list)
    });
    crate::authz::Chain {
        modes: authorization.modes.clone(),
        abac,
    }
}

/// Where the snapshots of one scenario go: its folder, a folder per what-if, and the names
/// already given in each.
struct SnapshotLayout {
    root: PathBuf,
    whatif_folders: BTreeMap<String, String>,
    names: BTreeMap<PathBuf, snapshot::StatementNames>,
}

impl SnapshotLayout {
    /// The snapshot path of `statement` (or of its `label`), in the folder of `whatif` (or
    /// the scenario's).
    fn path(&mut self, whatif: Option<&str>, statement: &str, label: Option<&str>) -> PathBuf {
        let mut dir = self.root.clone();
        if let Some(w) = whatif {
            dir.push(self.whatif_folders.get(w).map_or(w, String::as_str));
        }
        let names = self.names.entry(dir.clone()).or_default();
        let name = match label {
            Some(label) => names.label(label),
            None => names.next(statement),
        };
        dir.join(name)
    }
}

#[allow(clippy::too_many_arguments)]
fn push_statement<'a>(
    statement: &'a Statement,
    depth: usize,
    state: &State,
    base: Option<&State>,
    results: &mut Vec<StatementResult>,
    jobs: &mut Vec<Job<'a>>,
    layout: &mut SnapshotLayout,
    whatif: Option<&str>,
    path: &Path,
    base_dir: &Path,
) {
    let slot = results.len();
    let placeholder = |kind| StatementResult {
        line: statement.origin.line,
        text: statement.origin.text.clone(),
        depth,
        kind,
    };
    match &statement.kind {
        StatementKind::Expect(_) => {
            results.push(placeholder(ResultKind::Expect(Outcome::new(
                false,
                Vec::new(),
            ))));
            jobs.push(Job {
                slot,
                statement,
                state: state.clone(),
                base: base.cloned(),
                snapshot: None,
            });
        }
        StatementKind::Show(_, label) => {
            let snapshot_path = layout.path(whatif, &statement.origin.text, label.as_deref());
            results.push(placeholder(ResultKind::Show {
                snapshot: String::new(),
                path: PathBuf::new(),
                report: Err(String::new()),
                status: SnapshotStatus::Pending,
            }));
            jobs.push(Job {
                slot,
                statement,
                state: state.clone(),
                base: base.cloned(),
                snapshot: Some(snapshot_path),
            });
        }
        StatementKind::WhatIf(whatif) => {
            results.push(placeholder(ResultKind::WhatIf {
                name: whatif.name.clone(),
            }));
            let mut current = state.clone();
            for step in &whatif.steps {
                if let StatementKind::Mutate(mutation) = &step.kind {
                    // Objects a what-if creates are placed in the `.ksim` file named as the
                    // manifests are (relative to its directory), so snapshots do not depend
                    // on where `kubesim run` was started.
                    let placed_in = display_path(path, base_dir);
                    let applied = state::apply(
                        &current,
                        mutation,
                        &origin_of(&placed_in, &step.origin),
                        base_dir,
                    );
                    let outcome = match applied {
                        Ok(next) => {
                            current = next;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    };
                    results.push(StatementResult {
                        line: step.origin.line,
                        text: step.origin.text.clone(),
                        depth: depth + 1,
                        kind: ResultKind::Mutation(outcome),
                    });
                } else {
                    push_statement(
                        step,
                        depth + 1,
                        &current,
                        Some(state),
                        results,
                        jobs,
                        layout,
                        Some(&whatif.name),
                        path,
                        base_dir,
                    );
                }
            }
        }
        StatementKind::Mutate(_) => {
            // Mutations only occur inside a what-if, where they are handled above.
            results.push(placeholder(ResultKind::Mutation(Err(
                "a mutation outside a whatif".into(),
            ))));
        }
    }
}
