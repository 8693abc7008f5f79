//! Workload 7 (`7_latency`): how long single calls take while another
//! thread churns big rec groups, and the cross-registry case: a call on
//! one registry right after another registry dropped a big group.
//!
//! A reader must never wait for a writer: that is this crate's promise over
//! the global lock, whose readers queue behind every registration and
//! unregistration. Each call is timed on its own with [`Instant`] and
//! recorded in an [`hdrhistogram::Histogram`] (3 significant digits); the
//! clock's own cost is recorded too, as the `timer` operation, so that
//! figures near it can be read as "below the clock's resolution".

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use wasm_type_registry::{ModuleTypes, TypeRegistry};
use wasm_type_shapes as shapes;

use crate::global_lock::GlobalLockRegistry;
use crate::hierarchy::{registered_samples, sample, PairSet};
use crate::registries::Registry;
use crate::workloads::{dart2wasm_modules, Comparator};

/// Rec groups of the small module registered in the latency workloads
/// (254 types, 298 registered with their trampoline types).
const SMALL_MODULE_GROUPS: usize = 100;

/// The small module: registered as a hit (held elsewhere) under churn, and
/// as a first registration in the cross-registry case.
pub fn small_module() -> ModuleTypes {
    shapes::small_module(77, SMALL_MODULE_GROUPS)
}

/// The JSON `workload` of the calls timed quiet and under churn.
pub const LATENCY_WORKLOAD: &str = "7_latency";
/// The JSON `workload` of the cross-registry case.
pub const CROSS_REGISTRY_WORKLOAD: &str = "7_cross_registry";

/// What one timed call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatencyOp {
    /// `is_subtype` of a pair of the hierarchy.
    IsSubtype,
    /// `TypeRegistry::root` of a hierarchy type, then its drop.
    RootDrop,
    /// `borrow` of a hierarchy type (and dropping the `Arc`).
    Borrow,
    /// Registering the small module while it is held elsewhere (every
    /// group a hash-consing hit), then dropping the collection.
    RegisterHit,
    /// Registering the small module where it is not registered (first
    /// registration); the drop is not timed.
    RegisterFirst,
    /// Nothing: the cost of reading the clock twice.
    Timer,
}

impl LatencyOp {
    /// The JSON `op` key.
    pub fn name(self) -> &'static str {
        match self {
            LatencyOp::IsSubtype => "is_subtype",
            LatencyOp::RootDrop => "root_drop",
            LatencyOp::Borrow => "borrow",
            LatencyOp::RegisterHit => "register_hit",
            LatencyOp::RegisterFirst => "register_first",
            LatencyOp::Timer => "timer",
        }
    }
}

/// The circumstances of a latency figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatencyCase {
    /// Nothing else runs.
    Quiet,
    /// Another thread registers and drops a dart2wasm-sized module in a loop.
    Churn,
    /// Right after another registry of the process dropped a dart2wasm-sized
    /// module, on the same thread.
    AfterOtherRegistryDrop,
}

impl LatencyCase {
    /// The JSON `case` key.
    pub fn name(self) -> &'static str {
        match self {
            LatencyCase::Quiet => "quiet",
            LatencyCase::Churn => "churn",
            LatencyCase::AfterOtherRegistryDrop => "after_other_registry_drop",
        }
    }
}

/// Percentiles of one operation's latency, in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Percentiles {
    /// Calls timed.
    pub count: u64,
    /// Median.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// 99.99th percentile.
    pub p9999_ns: u64,
    /// Slowest call.
    pub max_ns: u64,
}

impl From<&Histogram<u64>> for Percentiles {
    fn from(h: &Histogram<u64>) -> Self {
        Percentiles {
            count: h.len(),
            p50_ns: h.value_at_quantile(0.5),
            p99_ns: h.value_at_quantile(0.99),
            p999_ns: h.value_at_quantile(0.999),
            p9999_ns: h.value_at_quantile(0.9999),
            max_ns: h.max(),
        }
    }
}

/// One row of latency figures.
#[derive(Clone, Debug)]
pub struct LatencyFigure {
    /// [`LATENCY_WORKLOAD`] or [`CROSS_REGISTRY_WORKLOAD`].
    pub workload: &'static str,
    /// Who was measured.
    pub comparator: Comparator,
    /// Under what.
    pub case: LatencyCase,
    /// Which call.
    pub op: LatencyOp,
    /// Its latency.
    pub percentiles: Percentiles,
    /// Big modules the churn thread registered and dropped meanwhile (0
    /// without churn).
    pub churn_cycles: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 ns to 100 s, 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid bounds")
}

/// Times `op` once and records it; what `op` returns is dropped after the
/// clock stopped.
#[inline]
fn time<T>(histogram: &mut Histogram<u64>, op: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let output = op();
    let ns = t0.elapsed().as_nanos();
    histogram.saturating_record(u64::try_from(ns).unwrap_or(u64::MAX).max(1));
    output
}

/// `root` + drop calls timed on registry B after each drop on registry A
/// (or each quiet round): enough calls that any of them paying for A's
/// garbage would show, wherever in the run it fell.
pub const CALLS_AFTER_DROP: usize = 256;

/// The calls timed under churn, in the order they rotate.
const CHURN_OPS: [LatencyOp; 5] =
    [LatencyOp::IsSubtype, LatencyOp::RootDrop, LatencyOp::Borrow, LatencyOp::RegisterHit, LatencyOp::Timer];

fn under_churn<R: Registry>(comparator: Comparator, case: LatencyCase, duration: Duration) -> Vec<LatencyFigure> {
    let registry = R::create();
    let (hierarchy, pairs, indices) = registered_samples(&registry, PairSet::Mixed);
    let small = small_module();
    let held = registry.register_module(&small);
    let big = &dart2wasm_modules()[0];
    let mut histograms: Vec<Histogram<u64>> = CHURN_OPS.iter().map(|_| histogram()).collect();
    let stop = AtomicBool::new(false);
    let churn_cycles = std::thread::scope(|s| {
        let churner = (case == LatencyCase::Churn).then(|| {
            let (registry, stop) = (&registry, &stop);
            s.spawn(move || {
                let mut cycles = 0u64;
                // `Relaxed`: a flag polled in a loop, publishing nothing.
                while !stop.load(Ordering::Relaxed) {
                    drop(registry.register_module(big));
                    cycles += 1;
                }
                cycles
            })
        });
        let deadline = Instant::now() + duration;
        let mut i = 0;
        while Instant::now() < deadline {
            for (op, histogram) in CHURN_OPS.iter().zip(&mut histograms) {
                match op {
                    LatencyOp::IsSubtype => {
                        let (sub, sup) = sample(&pairs, 0, i);
                        time(histogram, || {
                            black_box(registry.is_subtype(sub, sup));
                        })
                    }
                    LatencyOp::RootDrop => {
                        let index = sample(&indices, 0, i);
                        time(histogram, || drop(black_box(registry.root(index))))
                    }
                    LatencyOp::Borrow => {
                        let index = sample(&indices, 0, i);
                        time(histogram, || drop(black_box(registry.borrow(index))))
                    }
                    LatencyOp::RegisterHit => time(histogram, || drop(registry.register_module(&small))),
                    LatencyOp::RegisterFirst => unreachable!("not timed under churn"),
                    LatencyOp::Timer => time(histogram, || {}),
                }
            }
            i += 1;
        }
        // `Relaxed`: see the load above.
        stop.store(true, Ordering::Relaxed);
        churner.map_or(0, |c| c.join().expect("churn thread panicked"))
    });
    drop((held, hierarchy));
    CHURN_OPS
        .iter()
        .zip(&histograms)
        .map(|(&op, h)| LatencyFigure {
            workload: LATENCY_WORKLOAD,
            comparator,
            case,
            op,
            percentiles: h.into(),
            churn_cycles,
        })
        .collect()
}

/// The cross-registry case on `R`: `reps` rounds of, on registry B,
/// [`CALLS_AFTER_DROP`] `root` + drop calls (each timed) or one first
/// registration of the small module (its drop untimed), once quiet and once
/// right after registry A (same thread) dropped a dart2wasm-sized module.
fn cross_registry<R: Registry>(comparator: Comparator, reps: usize) -> Vec<LatencyFigure> {
    let a = R::create();
    let b = R::create();
    let (hierarchy, _, indices) = registered_samples(&b, PairSet::Mixed);
    let small = small_module();
    let big = &dart2wasm_modules()[0];
    let ops = [LatencyOp::RootDrop, LatencyOp::RegisterFirst];
    let cases = [LatencyCase::Quiet, LatencyCase::AfterOtherRegistryDrop];
    let mut histograms: Vec<Vec<Histogram<u64>>> =
        cases.iter().map(|_| ops.iter().map(|_| histogram()).collect()).collect();
    for i in 0..reps {
        for (case, row) in cases.iter().zip(&mut histograms) {
            for (op, histogram) in ops.iter().zip(row.iter_mut()) {
                if *case == LatencyCase::AfterOtherRegistryDrop {
                    drop(a.register_module(big));
                }
                match op {
                    LatencyOp::RootDrop => {
                        for k in 0..CALLS_AFTER_DROP {
                            let index = sample(&indices, 0, i * CALLS_AFTER_DROP + k);
                            time(histogram, || drop(black_box(b.root(index))));
                        }
                    }
                    _ => drop(time(histogram, || b.register_module(&small))),
                }
            }
        }
    }
    drop(hierarchy);
    let mut figures = Vec::new();
    for (&case, row) in cases.iter().zip(&histograms) {
        for (&op, h) in ops.iter().zip(row) {
            figures.push(LatencyFigure {
                workload: CROSS_REGISTRY_WORKLOAD,
                comparator,
                case,
                op,
                percentiles: h.into(),
                churn_cycles: 0,
            });
        }
    }
    figures
}

/// Workload 7 on this crate and on the global-lock port: each quiet and
/// under churn for `duration`, then the cross-registry case `cross_reps`
/// times per operation.
pub fn latency_figures(duration: Duration, cross_reps: usize) -> Vec<LatencyFigure> {
    let mut figures = Vec::new();
    for case in [LatencyCase::Quiet, LatencyCase::Churn] {
        figures.extend(under_churn::<TypeRegistry>(Comparator::ThisCrate, case, duration));
        figures.extend(under_churn::<GlobalLockRegistry>(Comparator::GlobalLock, case, duration));
    }
    figures.extend(cross_registry::<TypeRegistry>(Comparator::ThisCrate, cross_reps));
    figures.extend(cross_registry::<GlobalLockRegistry>(Comparator::GlobalLock, cross_reps));
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_timed_in_every_case_and_the_churn_ran() {
        let figures = latency_figures(Duration::from_millis(50), 3);
        for comparator in [Comparator::ThisCrate, Comparator::GlobalLock] {
            let of = |case| figures.iter().filter(move |f| f.comparator == comparator && f.case == case);
            assert_eq!(of(LatencyCase::Quiet).count(), CHURN_OPS.len() + 2);
            assert_eq!(
                of(LatencyCase::Quiet).filter(|f| f.workload == CROSS_REGISTRY_WORKLOAD).count(),
                2,
                "the cross-registry case has its quiet baseline"
            );
            assert_eq!(of(LatencyCase::Churn).count(), CHURN_OPS.len());
            assert_eq!(of(LatencyCase::AfterOtherRegistryDrop).count(), 2);
            for f in of(LatencyCase::Churn) {
                assert!(f.churn_cycles >= 1, "{f:?}");
                assert!(f.percentiles.count >= 1, "{f:?}");
            }
            for f in figures.iter().filter(|f| f.comparator == comparator) {
                let p = f.percentiles;
                assert!(p.p50_ns <= p.p99_ns && p.p99_ns <= p.p999_ns && p.p999_ns <= p.p9999_ns, "{f:?}");
                assert!(p.max_ns >= 1, "{f:?}");
            }
            for f in of(LatencyCase::AfterOtherRegistryDrop) {
                let calls = if f.op == LatencyOp::RootDrop { 3 * CALLS_AFTER_DROP as u64 } else { 3 };
                assert_eq!(f.percentiles.count, calls, "{f:?}");
            }
        }
    }

    #[test]
    fn the_small_module_is_a_few_hundred_types() {
        let registry = TypeRegistry::new();
        let types = registry.register_module(&small_module()).unwrap();
        assert!((250..450).contains(&registry.len()), "{}", registry.len());
        drop(types);
    }
}
