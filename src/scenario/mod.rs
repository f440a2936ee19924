//! Running `.ksim` scenarios: each scenario loads its manifests once, builds one immutable
//! state, and evaluates its statements as independent queries in parallel (rayon); a what-if
//! applies its mutations in order to a copy and evaluates its statements against that. Results
//! come back in source order, so the report never depends on the thread count. A `show`
//! yields its typed report; `report::snapshot` renders it and compares it with its snapshot
//! after the run.
#![doc(hidden)]

pub mod eval;
pub mod evidence;
pub mod policy;
pub mod resolve;
pub mod snapshot;
pub mod state;
pub mod targets;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compare::access_and_pss;
use crate::dsl::program::{Origin as DslOrigin, Scenario, Show, Statement, StatementKind};
use crate::dsl::{CheckContext, DslDiagnostic, check, parse_file};
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
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Compute the evidence of passing expectations too (`--verbose`); failures always
    /// carry theirs.
    pub passing_evidence: bool,
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
    pub diagnostics: Vec<DslDiagnostic>,
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
        self.files.iter().any(|f| {
            f.diagnostics.iter().any(DslDiagnostic::is_error)
                || f.scenarios
                    .iter()
                    .any(|s| s.diagnostics.iter().any(Diagnostic::is_error))
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
    let invalid = diagnostics.iter().any(DslDiagnostic::is_error);
    report.diagnostics = diagnostics;
    if invalid {
        return report;
    }
    for scenario in &program.scenarios {
        report
            .scenarios
            .push(run_scenario(path, &base_dir, scenario, options, progress));
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

fn show_word(show: &Show) -> &'static str {
    match show {
        Show::WhoCan(_) => "who-can",
        Show::Access { .. } => "access",
        Show::Pss { .. } => "pss",
        Show::Escalations { .. } => "escalations",
        Show::Diff => "diff",
    }
}

fn run_scenario(
    path: &Path,
    base_dir: &Path,
    scenario: &Scenario,
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
    if let Some(version) = scenario.defaults {
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
    }
    report.diagnostics = loaded.diagnostics;
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
    let mut show_count = 0;
    for statement in &scenario.statements {
        push_statement(
            statement,
            0,
            &base,
            None,
            &mut report.results,
            &mut jobs,
            &mut show_count,
            path,
            scenario,
            base_dir,
        );
    }
    let assess = AssessOptions::default();
    progress.begin(&scenario.name, jobs.len() as u64);
    let evaluated: Vec<(usize, ResultKind)> = jobs
        .par_iter()
        .map(|job| {
            let kind = match &job.statement.kind {
                StatementKind::Expect(e) => ResultKind::Expect(eval::expect(
                    e,
                    &job.state,
                    &chain,
                    &assess,
                    options.passing_evidence,
                )),
                StatementKind::Show(show) => {
                    let report = match (show, &job.base) {
                        (Show::Diff, Some(base)) => {
                            Ok(ShowReport::Diff(access_and_pss(base, &job.state, &assess)))
                        }
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

#[allow(clippy::too_many_arguments)]
fn push_statement<'a>(
    statement: &'a Statement,
    depth: usize,
    state: &State,
    base: Option<&State>,
    results: &mut Vec<StatementResult>,
    jobs: &mut Vec<Job<'a>>,
    show_count: &mut usize,
    path: &Path,
    scenario: &Scenario,
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
        StatementKind::Show(show) => {
            *show_count += 1;
            let snapshot_path = snapshot::path(path, &scenario.name, *show_count, show_word(show));
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
                        show_count,
                        path,
                        scenario,
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
