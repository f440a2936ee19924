//! The command line: clap definitions, shared options, and one file per command. Each command
//! builds a query, calls the library, and hands the result to a printer from `report`.

mod access;
mod can;
mod check;
mod diff;
mod escalations;
mod graph;
mod inventory;
mod matrix;
mod progress;
mod pss;
mod report;
mod run;
mod who_can;
mod who_can_run;
mod whoami;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use kubesim::index::catalog::Catalog;
use kubesim::index::{Indexed, RbacIndex};
use kubesim::manifest::{LoadOptions, Loaded, WalkOptions};
use kubesim::source::Diagnostic;

/// How a command ended, as its exit code (cli.md): 0 success, 1 a negative answer (a denied
/// request, a failed expectation or policy), 2 a usage error or invalid input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    Ok = 0,
    Negative = 1,
    Error = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "kubesim",
    version,
    about = "Offline Kubernetes RBAC and Pod Security simulator",
    max_term_width = 100
)]
pub struct Cli {
    /// Colour verdicts, levels and severities: auto (on a terminal, unless NO_COLOR is set),
    /// always or never
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// When human-readable output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether [`print_stdout`] colours what it prints; decided once, from `--color`.
static COLOUR: AtomicBool = AtomicBool::new(false);

fn wants_colour(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The width of the terminal stdout is, if it is one (tables may then wrap to fit).
pub(super) fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    comfy_table::Table::new().width()
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What was loaded: objects per kind and namespace, kinds skipped, diagnostics
    Inventory(InventoryArgs),
    /// The Pod Security Standards level of every pod and pod template, and namespace admission
    Pss(pss::PssArgs),
    /// Is the request allowed, and by which binding, role and rule (like kubectl auth can-i)
    Can(can::CanArgs),
    /// Every subject allowed, with the bindings that allow it
    WhoCan(who_can::WhoCanArgs),
    /// The identity a credential authenticates as: kubeconfig, token, certificate or CSR (like
    /// kubectl auth whoami, offline)
    Whoami(whoami::WhoamiArgs),
    /// The rules that apply to a subject (like kubectl auth can-i --list)
    Access(access::AccessArgs),
    /// Subjects x resources for one verb, or resources x verbs for one subject (like rakkess)
    Matrix(matrix::MatrixArgs),
    /// Who can get a pod of a Pod Security level admitted, directly or via a controller
    WhoCanRun(who_can_run::WhoCanRunArgs),
    /// Privilege-escalation paths to cluster-admin, a node, a role or a subject
    Escalations(escalations::EscalationsArgs),
    /// Access, escalation-path and pod-security changes between two directories or revisions
    Diff(diff::DiffArgs),
    /// The access graph as a picture (DOT or mermaid), escalation paths highlighted
    Graph(graph::GraphArgs),
    /// One self-contained HTML audit report: dangerous access, escalation paths, pod security
    Report(report::ReportArgs),
    /// Run scenarios: expectations, what-ifs and snapshots
    Run(run::RunArgs),
    /// Run policies (forbid/require rules) against manifests
    Check(check::CheckArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write a deterministic synthetic cluster (for benchmarks)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Output formats; each command accepts the ones that make sense for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// The loaded input and its index, plus whether the input had errors.
pub(super) struct LoadedIndex {
    pub index: Arc<RbacIndex>,
    pub catalog: Arc<Catalog>,
    pub input_errors: bool,
}

/// Loads the manifests, builds the index, prints every diagnostic; `Err(exit code)` when the
/// input cannot be loaded at all.
pub(super) fn load_index(input: &InputArgs) -> Result<LoadedIndex, ExitStatus> {
    load_index_inspecting(input, |_| {})
}

/// Like [`load_index`], letting `inspect` read the loaded manifests (e.g. Secret data) before
/// the index takes them.
pub(super) fn load_index_inspecting(
    input: &InputArgs,
    inspect: impl FnOnce(&Loaded),
) -> Result<LoadedIndex, ExitStatus> {
    let loaded = input.load().map_err(|e| usage_error(&e))?;
    inspect(&loaded);
    let (indexed, diagnostics) = Indexed::build(loaded);
    print_diagnostics(&diagnostics);
    Ok(LoadedIndex {
        index: indexed.rbac,
        catalog: indexed.catalog,
        input_errors: diagnostics.iter().any(|d| d.is_error()),
    })
}

/// What a manifest that cannot be read makes of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InvalidInput {
    /// Report it as an error; the command exits 2.
    Error,
    /// Report it as a warning; the exit code is the answer's.
    Warn,
}

/// Where SARIF output's paths are relative to.
#[derive(Debug, Clone, Args)]
pub struct SarifArgs {
    /// With -o sarif: make artifact paths relative to DIR (`%SRCROOT%`); default: the root of
    /// the git repository holding the current directory, else the current directory
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<std::path::PathBuf>,
}

impl SarifArgs {
    pub fn root(&self) -> kubesim::report::sarif::SarifRoot {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = match &self.sarif_root {
            Some(dir) => std::fs::canonicalize(dir).unwrap_or_else(|_| cwd.join(dir)),
            None => kubesim::manifest::git::repository_root().unwrap_or_else(|| cwd.clone()),
        };
        kubesim::report::sarif::SarifRoot { root, cwd }
    }
}

/// Options shared by every command that reads manifests.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Manifest file, directory (recursive), glob, or - for stdin; repeatable
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<String>,
    /// Namespace for namespaced objects that name none (and for the question asked)
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespace: Option<String>,
    /// Merge Kubernetes' built-in roles and bindings of VERSION (latest, v1.37) or none
    #[arg(long, value_name = "VERSION|none", default_value = "none")]
    pub defaults: String,
    /// Also read hidden files and directories
    #[arg(long)]
    pub hidden: bool,
    /// Do not honour .gitignore and .ignore files
    #[arg(long)]
    pub no_ignore: bool,
    /// The largest file read, in bytes or with a K, M or G suffix (binary units)
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_byte_size)]
    pub max_file_size: u64,
    /// Worker threads (default: one per core)
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// A manifest that cannot be read is an error (exit 2, the default) or only a warning
    /// (for repositories that knowingly hold templates); the valid ones are used either way
    #[arg(long, value_enum, value_name = "HOW", default_value = "error")]
    pub invalid: InvalidInput,
    /// Print only diagnostics
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

impl InputArgs {
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            default_namespace: self
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_string()),
            walk: WalkOptions {
                hidden: self.hidden,
                no_ignore: self.no_ignore,
                count_ignored: false,
            },
            max_file_bytes: self.max_file_size,
        }
    }

    /// Loads the manifests (and the built-in defaults when asked), reporting an unknown
    /// `--defaults` version as a usage error.
    pub fn load(&self) -> Result<Loaded, String> {
        self.load_with_progress(&kubesim::progress::Silent)
    }

    /// [`InputArgs::load`] with a progress bar where one may be drawn (never for
    /// machine-readable output).
    pub fn load_showing_progress(&self, machine_output: bool) -> Result<Loaded, String> {
        self.load_with_progress(&*progress::for_command(self.quiet, machine_output))
    }

    pub fn load_with_progress(
        &self,
        progress: &dyn kubesim::progress::Progress,
    ) -> Result<Loaded, String> {
        self.load_counted(progress, false)
    }

    /// [`InputArgs::load_with_progress`]; `count_ignored` also counts the files ignore rules
    /// leave out (what `inventory` reports).
    pub fn load_counted(
        &self,
        progress: &dyn kubesim::progress::Progress,
        count_ignored: bool,
    ) -> Result<Loaded, String> {
        let mut options = self.load_options();
        options.walk.count_ignored = count_ignored;
        let mut loaded =
            kubesim::manifest::load_paths_with_progress(&self.files, &options, progress);
        let defaults = kubesim::index::defaults::load(&self.defaults)?;
        if self.invalid == InvalidInput::Warn {
            for d in &mut loaded.diagnostics {
                d.severity = kubesim::source::Severity::Warning;
            }
        }
        // A question asked of nothing has a vacuous answer; a gate must be able to fail.
        if self.files.is_empty() && defaults.is_none() {
            return Err(
                "no manifests to read: give -f PATH (a file, directory, glob or - for \
                 stdin), or --defaults latest for Kubernetes' built-in roles alone"
                    .to_string(),
            );
        }
        if !loaded.has_errors()
            && !self.files.is_empty()
            && loaded.cluster.counts().is_empty()
            && loaded.cluster.skipped.is_empty()
        {
            let files = match loaded.files {
                1 => "1 file".to_string(),
                n => format!("{n} files"),
            };
            loaded.diagnostics.push(Diagnostic::error(
                kubesim::source::Location::new(self.files.join(" ").into(), 0, 0),
                format!("no Kubernetes objects in the input ({files} read)"),
            ));
        }
        if let Some(defaults) = defaults {
            loaded.cluster.extend(defaults.cluster);
            loaded.sources.merge(defaults.sources);
        }
        Ok(loaded)
    }
}

/// The authorizer chain (the apiserver's `--authorization-mode` and ABAC policy file).
#[derive(Debug, Clone, Args)]
pub struct AuthorizationArgs {
    /// Authorizers in order, comma-separated: RBAC, ABAC, AlwaysAllow, AlwaysDeny (default RBAC,
    /// or ABAC,RBAC with --abac-policy)
    #[arg(long, value_name = "MODES")]
    pub authorization_mode: Option<String>,
    /// ABAC policy file: one abac.authorization.kubernetes.io/v1beta1 Policy per line
    #[arg(long, value_name = "FILE", alias = "authorization-policy-file")]
    pub abac_policy: Option<String>,
}

impl AuthorizationArgs {
    /// The chain and whether the policy file had bad lines (reported here; the good lines
    /// are still evaluated and the command exits with 2). `Err(exit code)` when no chain can
    /// be built.
    pub fn chain(&self) -> Result<(kubesim::authz::Chain, bool), ExitStatus> {
        self.chain_and_errors()
    }

    fn chain_and_errors(&self) -> Result<(kubesim::authz::Chain, bool), ExitStatus> {
        use kubesim::authz::{Chain, Mode};
        let modes = match (&self.authorization_mode, &self.abac_policy) {
            (Some(text), _) => Mode::parse_list(text).map_err(|e| usage_error(&e))?,
            (None, Some(_)) => vec![Mode::Abac, Mode::Rbac],
            (None, None) => vec![Mode::Rbac],
        };
        let mut errors = false;
        let abac = match &self.abac_policy {
            Some(path) => {
                if !modes.contains(&Mode::Abac) {
                    eprintln!(
                        "warning: --abac-policy is ignored: ABAC is not in --authorization-mode"
                    );
                }
                match kubesim::authz::abac::PolicyList::read(path) {
                    Ok((list, diagnostics)) => {
                        errors = diagnostics.iter().any(Diagnostic::is_error);
                        print_diagnostics(&diagnostics);
                        Some(std::sync::Arc::new(list))
                    }
                    Err(d) => {
                        print_diagnostics(&[d]);
                        return Err(ExitStatus::Error);
                    }
                }
            }
            None => None,
        };
        let chain = Chain::new(modes, abac).map_err(|e| usage_error(&e))?;
        Ok((chain, errors))
    }
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    COLOUR.store(wants_colour(cli.color), Ordering::Relaxed);
    let code = match cli.command {
        Command::Inventory(args) => with_threads(args.input.threads, || inventory::run(&args)),
        Command::Pss(args) => with_threads(args.input.threads, || pss::run(&args)),
        Command::Can(args) => with_threads(args.input.threads, || can::run(&args)),
        Command::WhoCan(args) => with_threads(args.input.threads, || who_can::run(&args)),
        Command::Access(args) => with_threads(args.input.threads, || access::run(&args)),
        Command::Whoami(args) => with_threads(args.input.threads, || whoami::run(&args)),
        Command::Matrix(args) => with_threads(args.input.threads, || matrix::run(&args)),
        Command::WhoCanRun(args) => with_threads(args.input.threads, || who_can_run::run(&args)),
        Command::Escalations(args) => with_threads(args.input.threads, || escalations::run(&args)),
        Command::Diff(args) => with_threads(args.input.threads, || diff::run(&args)),
        Command::Graph(args) => with_threads(args.input.threads, || graph::run(&args)),
        Command::Report(args) => with_threads(args.input.threads, || report::run(&args)),
        Command::Run(args) => with_threads(args.threads, || run::run(&args)),
        Command::Check(args) => with_threads(args.input.threads, || check::run(&args)),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "kubesim", &mut std::io::stdout());
            ExitStatus::Ok
        }
        Command::Generate(args) => generate(&args),
    };
    ExitCode::from(code)
}

/// Runs `f` in a rayon pool of `threads` workers (the library never touches the global pool).
fn with_threads(threads: Option<usize>, f: impl FnOnce() -> ExitStatus + Send) -> ExitStatus {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    match builder.build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// Writes diagnostics to stderr, sorted, one per line.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in sorted {
        let _ = writeln!(err, "{d}");
    }
}

/// Writes a command's output to stdout, ignoring a closed pipe (as ripgrep does); coloured
/// when `--color` asks for it and the text is for people, not machines.
pub fn print_stdout(text: &str) {
    use kubesim::report::colour::{colourize, is_machine_readable};
    let coloured;
    let text = if COLOUR.load(Ordering::Relaxed) && !is_machine_readable(text) {
        coloured = colourize(text);
        &coloured
    } else {
        text
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Streams a large machine-readable output to stdout through a buffer, instead of building it
/// whole first. A closed pipe ends the output, as for [`print_stdout`].
pub fn stream_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = write(&mut out).and_then(|()| out.flush());
}

pub fn usage_error(message: &str) -> ExitStatus {
    eprintln!("error: {message}");
    ExitStatus::Error
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// About this many objects in realistic proportions
    #[arg(long, default_value_t = 10_000)]
    pub objects: usize,
    /// The RBAC benchmark's shape (5,000 namespaces, 20,000 Roles, 50,000 RoleBindings, ...)
    #[arg(long, conflicts_with = "objects")]
    pub rbac_benchmark: bool,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// yaml or json
    #[arg(long, default_value = "yaml")]
    pub format: String,
}

fn generate(args: &GenerateArgs) -> ExitStatus {
    use kubesim::generate::{Format, Shape, write_cluster};
    let format = match args.format.as_str() {
        "yaml" => Format::Yaml,
        "json" => Format::Json,
        other => return usage_error(&format!("unknown format `{other}`; use yaml or json")),
    };
    let shape = if args.rbac_benchmark {
        Shape::rbac_benchmark()
    } else {
        Shape::scaled(args.objects)
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write_cluster(&shape, args.seed, format, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitStatus::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Ok,
        Err(e) => usage_error(&e.to_string()),
    }
}

/// `--max-file-size`: `1048576`, `512K`, `256M`, `1G` (binary units; an `i`/`iB`/`B` after the
/// letter is allowed).
fn parse_byte_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    let shift = match unit.trim_end_matches('b').trim_end_matches('i') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size: use bytes or a K, M or G suffix"
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: use bytes or a K, M or G suffix"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A subject from the command line: `user:`, `group:`, `sa:NS/NAME`, the apiserver's own
/// `system:serviceaccount:NS:NAME` and `system:serviceaccounts[:NS]`, or a bare name, which is
/// read as a user (as `kubectl --as` reads it) with a note saying so.
pub(super) fn subject_arg(text: &str) -> Result<kubesim::rbac::SubjectSpec, ExitStatus> {
    use kubesim::rbac::{RequestError, SubjectSpec, parse_subject};
    match parse_subject(text) {
        Ok(subject) => Ok(subject),
        Err(RequestError::BareName(name)) => {
            eprintln!(
                "note: `{name}` is read as user:{name}; write user:NAME, group:NAME or \
                 sa:NAMESPACE/NAME to say which"
            );
            Ok(SubjectSpec::User(name))
        }
        Err(e) => Err(usage_error(&e.to_string())),
    }
}

/// `--strict` for the questions asked on the command line.
#[derive(Debug, Clone, Args)]
pub struct StrictArgs {
    /// Fail (exit 2) when the question names a verb, user, group, service account or
    /// namespace found nowhere in the input, instead of warning and answering
    #[arg(long)]
    pub strict: bool,
}

/// The verb of a question, and whether it is asked of a non-resource URL.
pub(super) type AskedVerb<'a> = Option<(&'a str, bool)>;

/// Says on stderr which user, group or namespace of the question (and, under `--strict`,
/// which verb: kubectl's own warning covers it otherwise) the input has nowhere, with the
/// nearest name that exists: an answer about a typo is "no" and means nothing. Under
/// `--strict` each is an error and the command exits 2.
pub(super) fn check_names(
    index: &RbacIndex,
    chain: &kubesim::authz::Chain,
    question: (Option<&str>, &[String], &str, AskedVerb<'_>),
    strict: &StrictArgs,
) -> Result<(), ExitStatus> {
    let (user, groups, namespace, verb) = question;
    // Nothing was loaded (the input's own errors say why): every name would be unknown.
    if index.cluster.counts().is_empty() {
        return Ok(());
    }
    let names = kubesim::index::names::KnownNames::of(index);
    let mut unknown = chain.unknown_names(&names, user, groups, namespace);
    if strict.strict
        && let Some((verb, non_resource)) = verb
    {
        unknown.extend(names.verb(verb, non_resource));
    }
    let severity = if strict.strict { "error" } else { "warning" };
    for name in &unknown {
        eprintln!("{severity}: {name}");
    }
    if strict.strict && !unknown.is_empty() {
        return Err(ExitStatus::Error);
    }
    Ok(())
}
