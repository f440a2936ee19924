//! `kubesim inventory`: what was loaded.

use super::{
    ExitStatus, InventoryArgs, OutputFormat, print_diagnostics, print_stdout, usage_error,
};
use kubesim::report::inventory::{Inventory, render_json, render_table};

pub fn run(args: &InventoryArgs) -> ExitStatus {
    let progress =
        super::progress::for_command(args.input.quiet, args.output == OutputFormat::Json);
    let loaded = match args.input.load_counted(&*progress, true) {
        Ok(l) => l,
        Err(e) => return usage_error(&e),
    };
    let inventory = Inventory::from_loaded(&loaded);
    print_diagnostics(&loaded.diagnostics);
    if !args.input.quiet {
        match args.output {
            OutputFormat::Table => print_stdout(&render_table(&inventory)),
            OutputFormat::Json => print_stdout(&render_json(&inventory)),
        }
    }
    if loaded.has_errors() {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    }
}
