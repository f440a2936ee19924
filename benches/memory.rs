//! Where the memory of a load goes: a generated cluster (`Shape::scaled`, seed 1, YAML and
//! JSON) is loaded under a counting allocator, and the bytes live at the peak of the load and
//! after it are printed, with the share of each kind of object and of the kept source text.
//! Figures only, no timing (`cargo bench --bench memory`; `KUBESIM_MEMORY_OBJECTS` sets the
//! size, default 100,000).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use cap::Cap;
use kubesim::generate::{Format, Shape, cluster_text};
use kubesim::manifest::{LoadOptions, load_str};

/// The binary's allocator, counting the bytes live.
#[global_allocator]
static ALLOCATOR: Cap<mimalloc::MiMalloc> = Cap::new(mimalloc::MiMalloc, usize::MAX);

/// The most bytes seen live by the sampler since it was reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);
static SAMPLING: AtomicBool = AtomicBool::new(true);

/// Samples the live bytes every 200 µs: the peak is a lower bound, within a few MB here.
fn sampler() {
    while SAMPLING.load(Ordering::Relaxed) {
        PEAK.fetch_max(ALLOCATOR.allocated(), Ordering::Relaxed);
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn live() -> usize {
    ALLOCATOR.allocated()
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Bytes freed by dropping `value`.
fn freed_by<T>(value: T) -> usize {
    let before = live();
    drop(value);
    before.saturating_sub(live())
}

fn main() {
    let objects: usize = std::env::var("KUBESIM_MEMORY_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let shape = Shape::scaled(objects);
    let sampling = std::thread::spawn(sampler);
    for (name, format) in [("yaml", Format::Yaml), ("json", Format::Json)] {
        let text = cluster_text(&shape, 1, format);
        let input = text.len();
        let base = live();
        PEAK.store(base, Ordering::Relaxed);
        let loaded = load_str("bench", &text, &LoadOptions::default());
        let after = live() - base;
        let peak = PEAK.load(Ordering::Relaxed).max(live()) - base;
        let c = loaded.cluster;
        let pods = c.workloads.len();
        println!(
            "{name}: {objects} objects, input {}: peak during load {} ({:.1}× input), live after {} ({:.1}×)",
            mb(input),
            mb(peak),
            peak as f64 / input as f64,
            mb(after),
            after as f64 / input as f64
        );
        let parts = [
            ("workloads", pods, freed_by(c.workloads)),
            ("roles", c.roles.len(), freed_by(c.roles)),
            (
                "cluster roles",
                c.cluster_roles.len(),
                freed_by(c.cluster_roles),
            ),
            (
                "role bindings",
                c.role_bindings.len(),
                freed_by(c.role_bindings),
            ),
            (
                "cluster role bindings",
                c.cluster_role_bindings.len(),
                freed_by(c.cluster_role_bindings),
            ),
            (
                "service accounts",
                c.service_accounts.len(),
                freed_by(c.service_accounts),
            ),
            ("namespaces", c.namespaces.len(), freed_by(c.namespaces)),
            ("sources (kept text)", 1, freed_by(loaded.sources)),
        ];
        for (part, count, bytes) in parts {
            println!(
                "  {part:<22} {count:>8} × {:>6} B = {}",
                bytes / count.max(1),
                mb(bytes)
            );
        }
    }
    SAMPLING.store(false, Ordering::Relaxed);
    sampling.join().expect("the sampler stops");
}
