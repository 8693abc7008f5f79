//! Resident memory under a long churn run: threads register fresh types,
//! hold each briefly and drop it, in ten rounds; after each round the
//! example checks that the registry is empty, flushes the epoch collector
//! and prints the process's resident set size.
//!
//! ```text
//! cargo run --release --example churn -- [TYPES (10000000)] [THREADS (4)]
//! ```
//!
//! Flat memory means the rows after the first stay level: indices are
//! reused and unregistered payloads are freed.

#[allow(dead_code)]
#[path = "../tests/workloads/churn/workload.rs"]
mod churn;

use std::time::Instant;

use churn::{reclaim, resident_kib, Churn};
use wasm_type_registry::TypeRegistry;

const ROUNDS: u64 = 10;

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().map_or(10_000_000, |a| a.parse().expect("TYPES must be a number"));
    let threads: usize = args.next().map_or(4, |a| a.parse().expect("THREADS must be a number"));
    let registry = TypeRegistry::new();
    let rss = || resident_kib().expect("this example reads /proc/self/status (Linux only)");
    let (start_rss, _) = rss();
    println!("churn: {total} fresh types on {threads} threads in {ROUNDS} rounds");
    println!("| after round | fresh types so far | indices ever used | VmRSS (KiB) | VmHWM (KiB) | round time |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!("| start | 0 | 0 | {start_rss} | {} | |", rss().1);
    let mut done = 0;
    for round in 0..ROUNDS {
        let churn = Churn { threads, types: total / ROUNDS, window: 16, sample_every: 4093, first: done };
        let start = Instant::now();
        let report = churn.run(&registry);
        let elapsed = start.elapsed();
        done += report.types;
        let stats = registry.stats();
        assert!(registry.is_empty() && stats.free_slots == stats.slots_ever_used, "not empty: {stats:?}");
        assert!(stats.slots_ever_used <= churn.slot_bound(), "indices not reused: {stats:?}");
        reclaim(&registry, &report.samples, 10_000).expect("unregistered payloads were never freed");
        let (now, peak) = rss();
        println!("| {} | {done} | {} | {now} | {peak} | {elapsed:.2?} |", round + 1, stats.slots_ever_used);
    }
}
