//! The terminal progress bar: the CLI's implementation of [`Progress`].
//!
//! Drawn on stderr only, only when stderr is a terminal, not in CI (`CI` set), not with
//! `--quiet`, not for machine-readable output, and only once the command has been running
//! for a second, so quick commands never flash a bar. Each stage clears its bar when it ends,
//! so nothing of it is left among the diagnostics and reports.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use kubesim::progress::{Progress, Silent};

/// How long a command runs before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// Overrides [`DELAY`] in milliseconds (tests draw the bar at once with `0`).
const DELAY_VARIABLE: &str = "KUBESIM_PROGRESS_DELAY_MS";

fn delay() -> Duration {
    std::env::var(DELAY_VARIABLE)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DELAY, Duration::from_millis)
}

/// Whether a bar may be drawn at all for this run.
pub fn wanted(quiet: bool, machine_output: bool) -> bool {
    !quiet
        && !machine_output
        && std::env::var_os("CI").is_none()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
        && std::io::stderr().is_terminal()
}

/// A terminal bar when [`wanted`], otherwise nothing.
pub fn for_command(quiet: bool, machine_output: bool) -> Box<dyn Progress> {
    if wanted(quiet, machine_output) {
        Box::new(TerminalBar::new())
    } else {
        Box::new(Silent)
    }
}

/// One bar per stage, hidden until [`DELAY`] after the command started.
pub struct TerminalBar {
    show_from: Instant,
    current: Arc<Mutex<Option<ProgressBar>>>,
}

impl TerminalBar {
    pub fn new() -> Self {
        TerminalBar {
            show_from: Instant::now() + delay(),
            current: Arc::new(Mutex::new(None)),
        }
    }
}

impl Default for TerminalBar {
    fn default() -> Self {
        Self::new()
    }
}

/// The bar of a stage counted in units, or in bytes (`12.5 MiB/363.0 MiB`).
fn style(in_bytes: bool) -> ProgressStyle {
    let template = if in_bytes {
        "{msg:>14} [{bar:40}] {bytes}/{total_bytes} ({elapsed})"
    } else {
        "{msg:>14} [{bar:40}] {pos}/{len} ({elapsed})"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Reveals a bar: drawn at once, then redrawn by a ticker. Without the first draw here, a
/// stage that ends before the ticker thread first runs would never be seen.
fn show(bar: &ProgressBar) {
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.tick();
    bar.enable_steady_tick(Duration::from_millis(200));
}

impl TerminalBar {
    fn start(&self, stage: &str, total: u64, in_bytes: bool) {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
            .with_style(style(in_bytes))
            .with_message(stage.to_string());
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = current.replace(bar.clone()) {
            old.finish_and_clear();
        }
        let now = Instant::now();
        if now >= self.show_from {
            show(&bar);
            return;
        }
        // Reveal the bar later if this stage is still running then.
        let wait = self.show_from - now;
        let shared = Arc::clone(&self.current);
        std::thread::spawn(move || {
            std::thread::sleep(wait);
            let current = shared.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(live) = current.as_ref()
                && !live.is_finished()
            {
                show(live);
            }
        });
    }
}

impl Progress for TerminalBar {
    fn begin(&self, stage: &str, total: u64) {
        self.start(stage, total, false);
    }

    fn begin_bytes(&self, stage: &str, total: u64) {
        self.start(stage, total, true);
    }

    fn advance(&self, units: u64) {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = current.as_ref() {
            bar.inc(units);
        }
    }

    fn end(&self) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = current.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_for_quiet_runs_or_machine_output() {
        assert!(!wanted(true, false));
        assert!(!wanted(false, true));
        assert!(!wanted(true, true));
    }
}
