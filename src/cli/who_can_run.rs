//! `kubesim who-can-run LEVEL [-n NS]`: who can get a pod of that Pod Security level admitted,
//! directly or through a workload controller, given each namespace's enforce label and the
//! admission configuration's defaults and exemptions.

use clap::Args;

use super::escalations::{AdmissionArgs, load};
use super::{ExitStatus, InputArgs, OutputFormat, print_stdout, usage_error};
use kubesim::escalate::who_can_run::who_can_run;
use kubesim::pss::Level;
use kubesim::report::escalate::{who_can_run_json, who_can_run_text, who_can_run_text_fitted};

#[derive(Debug, Args)]
pub struct WhoCanRunArgs {
    /// privileged, baseline or restricted
    pub level: String,
    #[command(flatten)]
    pub admission: AdmissionArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &WhoCanRunArgs) -> ExitStatus {
    let level: Level = match args.level.parse() {
        Ok(l) => l,
        Err(e) => return usage_error(&format!("level `{}`: {e}", args.level)),
    };
    let admission = match args.admission.admission() {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let (index, input_errors) = match load(&args.input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = who_can_run(&index, &admission, level, args.input.namespace.as_deref());
    if !args.input.quiet {
        print_stdout(&match args.output {
            OutputFormat::Table => match super::terminal_width() {
                Some(width) => who_can_run_text_fitted(&index, &result, width),
                None => who_can_run_text(&index, &result),
            },
            OutputFormat::Json => who_can_run_json(&index, &result),
        });
    }
    if input_errors {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
