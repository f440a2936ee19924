//! Progress of long work, reported through a trait so the library never prints: the CLI
//! implements [`Progress`] with a terminal progress bar, everything else passes [`Silent`].
//!
//! Work is announced in stages (`begin`), each with a number of units, then counted off
//! (`advance`) from any thread, and closed (`end`).
#![doc(hidden)]

/// Receives the progress of a long operation. Implementations must be cheap to call from
/// many threads at once.
pub trait Progress: Sync {
    /// A stage of `total` units begins (`"loading"`, `"pod security"`, a scenario name).
    fn begin(&self, stage: &str, total: u64);
    /// A stage measured in bytes begins: `total` bytes, counted off with `advance`.
    fn begin_bytes(&self, stage: &str, total: u64) {
        self.begin(stage, total);
    }
    /// `units` more units of the current stage are done.
    fn advance(&self, units: u64);
    /// The current stage is over.
    fn end(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _units: u64) {}
    fn end(&self) {}
}
