//! Printers: one report model per command, rendered as a table or JSON. Pure functions from
//! data to text; the CLI decides where the text goes.
#![doc(hidden)]

pub mod access;
pub mod diff;
pub mod escalate;
pub mod evidence;
pub mod graph;
pub mod inventory;
pub mod policy;
pub mod pss;
pub mod sarif;
pub mod scenario;
pub mod snapshot;
pub mod table;
pub mod whoami;
