//! kubesim's integration tests, in one binary: each module is one area (RBAC, Pod Security,
//! the language, escalation, authentication, the command line), and `util` holds the helpers
//! they share.

mod util;

mod abac;
mod auth;
mod ci_recipes;
mod cli_inventory;
mod colour;
mod determinism;
mod diff_access;
mod diff_git;
mod diff_language;
mod dsl_diagnostics;
mod dsl_examples;
mod dsl_parse;
mod escalate_corpus;
mod escalate_edges;
mod escalate_language;
mod escalate_who_can_run;
mod fuzz_regressions;
mod gates;
mod graph;
mod graph_index;
mod hostile;
mod layering;
mod manifest_load;
mod policies;
mod progress;
mod pss_admission;
mod pss_badpods;
mod pss_checks;
mod pss_cli;
mod pss_conformance;
mod pss_versions;
mod rbac_aggregation;
mod rbac_cli;
mod rbac_conformance;
mod read_exact;
mod readme;
mod report_html;
mod scenarios;
mod snapshot_files;
mod whoami;
