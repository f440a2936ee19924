//! `kubesim access SUBJECT`: the rules that apply to the subject, as `kubectl auth can-i --list`.

use clap::Args;

use super::can::load_index;
use super::{EXIT_ERROR, EXIT_OK, InputArgs, OutputFormat, print_stdout, usage_error};
use crate::rbac::request::parse_subject;
use crate::report::rbac::{access_json, access_text};

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Whose access: user:NAME, group:NAME or sa:NAMESPACE/NAME
    pub subject: String,
    /// An extra group of the subject; repeatable
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub fn run(args: &AccessArgs) -> u8 {
    let subject = match parse_subject(&args.subject) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let loaded = match load_index(&args.input, args.output == OutputFormat::Json) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let namespace = args.input.namespace.clone().unwrap_or_default();
    let user = subject.user_info(&args.as_groups);
    let rules = crate::rbac::rules_for(&loaded.index, &user, &namespace);
    if !args.input.quiet {
        print_stdout(&match args.output {
            OutputFormat::Table => access_text(&loaded.index, &rules),
            OutputFormat::Json => access_json(&loaded.index, &user, &namespace, &rules),
        });
    }
    if loaded.input_errors {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}
