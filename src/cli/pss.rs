//! `kubesim pss`: the Pod Security Standards level of every pod and pod template, and what
//! each namespace's labels would admit.

use clap::Args;

use super::{
    ExitStatus, InputArgs, OutputFormat, print_diagnostics, print_stdout, stream_stdout,
    usage_error,
};
use kubesim::pss::admission::{Admission, PodSecurityConfig, Policy};
use kubesim::pss::assess::{AssessOptions, assess_with_progress, dry_run_label};
use kubesim::pss::{LATEST_MINOR, Level, LevelVersion, Version};
use kubesim::report::pss::{render_dry_run_json, render_dry_run_table, render_table, write_json};

#[derive(Debug, Args)]
pub struct PssArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Exit with code 1 if any workload does not meet this level
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Policy version to evaluate at (v1.0 … v1.37, or latest)
    #[arg(long, value_name = "VERSION", default_value = "latest")]
    pub version: String,
    /// Enforce LEVEL[:VERSION] in namespaces without labels (the admission plugin's defaults)
    #[arg(long, value_name = "LEVEL[:VERSION]")]
    pub default_enforce: Option<String>,
    /// PodSecurity admission configuration (exemptions and defaults)
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<String>,
    /// List what `kubectl label ns NS pod-security.kubernetes.io/enforce=LEVEL --dry-run=server` would report
    #[arg(long, value_name = "NS=LEVEL[:VERSION]")]
    pub dry_run_label: Option<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &PssArgs) -> ExitStatus {
    let version: Version = match args.version.parse() {
        Ok(v) => v,
        Err(e) => return usage_error(&format!("--version {}: {e}", args.version)),
    };
    warn_if_newer(&format!("--version {}", args.version), version);
    let required: Option<Level> = match args.level.as_deref().map(str::parse) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => return usage_error(&format!("--level: {e}")),
    };
    let mut config = match &args.admission_config {
        None => PodSecurityConfig::default(),
        Some(path) => match kubesim::manifest::read_document(path) {
            Ok(value) => match PodSecurityConfig::from_json(&value) {
                Ok(c) => c,
                Err(e) => return usage_error(&format!("{path}: {e}")),
            },
            Err(e) => return usage_error(&e),
        },
    };
    let mut defaults_configured = args.admission_config.is_some();
    if let Some(text) = &args.default_enforce {
        match text.parse::<LevelVersion>() {
            Ok(lv) => {
                warn_if_newer(&format!("--default-enforce {text}"), lv.version);
                config.defaults = Policy {
                    enforce: lv,
                    ..config.defaults
                };
                defaults_configured = true;
            }
            Err(e) => return usage_error(&format!("--default-enforce: {e}")),
        }
    }
    let machine_output = args.output == OutputFormat::Json;
    let progress = super::progress::for_command(args.input.quiet, machine_output);
    let loaded = match args.input.load_with_progress(&*progress) {
        Ok(l) => l,
        Err(e) => return usage_error(&e),
    };
    print_diagnostics(&loaded.diagnostics);
    let options = AssessOptions {
        version,
        admission: Admission::new(config),
        defaults_configured,
        locate_fields: true,
    };

    if let Some(spec) = &args.dry_run_label {
        let Some((namespace, level)) = spec.split_once('=') else {
            return usage_error("--dry-run-label takes NS=LEVEL[:VERSION]");
        };
        let enforce: LevelVersion = match level.parse() {
            Ok(lv) => lv,
            Err(e) => return usage_error(&format!("--dry-run-label: {e}")),
        };
        warn_if_newer(&format!("--dry-run-label {spec}"), enforce.version);
        // `kubectl label` of a namespace that does not exist fails (NotFound).
        let names = kubesim::index::names::KnownNames::of_objects(&loaded.cluster);
        if let Some(unknown) = names.namespace(namespace) {
            return usage_error(&format!(
                "--dry-run-label: {unknown} (kubectl label would fail: namespaces \"{namespace}\" not found)"
            ));
        }
        let dry = dry_run_label(&loaded.cluster, &options, namespace, enforce);
        if !args.input.quiet {
            print_stdout(&match args.output {
                OutputFormat::Table => render_dry_run_table(&dry),
                OutputFormat::Json => render_dry_run_json(&dry),
            });
        }
        return if loaded.has_errors() {
            ExitStatus::Error
        } else if dry.rejected.is_empty() {
            ExitStatus::Ok
        } else {
            ExitStatus::Negative
        };
    }

    let report = assess_with_progress(
        &loaded.cluster,
        &loaded.sources,
        &options,
        args.input.namespace.as_deref(),
        &*progress,
    );
    if !args.input.quiet {
        match args.output {
            OutputFormat::Table => print_stdout(&render_table(&report)),
            // JSON is streamed: for a large cluster it is several times the input's size.
            OutputFormat::Json => {
                stream_stdout(|out| write_json(&report, &loaded.diagnostics, out))
            }
        }
    }
    let failed = required.is_some_and(|l| report.workloads.iter().any(|w| !w.meets(l)));
    if loaded.has_errors() {
        ExitStatus::Error
    } else if failed {
        ExitStatus::Negative
    } else {
        ExitStatus::Ok
    }
}

/// A policy version newer than the newest kubesim knows is evaluated as that one, as
/// pod-security-admission evaluates versions newer than its own; say so, since a typo
/// (`v1.99`) would otherwise pass unnoticed.
fn warn_if_newer(option: &str, version: Version) {
    if let Version::V1(minor) = version
        && minor > LATEST_MINOR
    {
        eprintln!(
            "warning: {option}: v1.{minor} is newer than the newest policy version kubesim knows \
             (v1.{LATEST_MINOR}); it is evaluated as v1.{LATEST_MINOR}"
        );
    }
}
