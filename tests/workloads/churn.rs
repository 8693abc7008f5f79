//! Memory under churn: register and drop a million fresh types across
//! threads, and check that the registry's index table stays bounded (freed
//! indices are reused) and that the payloads of unregistered types are
//! really freed by the epoch collector.
//!
//! The size comes from `CHURN_TYPES`; without it, 1,000,000 in release
//! builds and 100,000 in debug builds (where each registration is several
//! times slower). The size used is printed. Reproduce the full run with
//! `cargo test --release --test workloads -- --nocapture churn::`.

// Shared with the churn example (`examples/churn.rs`), which uses the parts
// this test does not.
#[allow(dead_code)]
mod workload;

use std::time::Instant;

use wasm_type_registry::*;

use workload::{reclaim, Churn};

fn churn_types() -> u64 {
    match std::env::var("CHURN_TYPES") {
        Ok(n) => n.parse().expect("CHURN_TYPES must be a number"),
        Err(_) if cfg!(debug_assertions) => 100_000,
        Err(_) => 1_000_000,
    }
}

#[test]
fn indices_are_reused_and_epoch_garbage_is_reclaimed() {
    let churn = Churn { threads: 4, types: churn_types(), window: 16, sample_every: 997, first: 0 };
    let registry = TypeRegistry::new();
    let start = Instant::now();
    let report = churn.run(&registry);
    let elapsed = start.elapsed();

    let stats = registry.stats();
    assert_eq!(registry.len(), 0, "types still registered after every handle was dropped: {stats:?}");
    assert_eq!(stats.rec_groups, 0);
    assert_eq!(stats.free_slots, stats.slots_ever_used, "every index is free again");
    assert!(
        stats.slots_ever_used <= churn.slot_bound(),
        "{} fresh types used {} indices; reuse bounds them by {}",
        report.types,
        stats.slots_ever_used,
        churn.slot_bound()
    );
    assert!(report.types >= churn.types);

    // One more, unregistered on this thread just now: its payload is in
    // this thread's list, and only flushing (or a later writing call) frees it.
    let last = registry.register_type(wasm_type_shapes::numbered_func_type(u64::MAX)).unwrap();
    let mut samples = report.samples;
    samples.push(std::sync::Arc::downgrade(&registry.borrow(last.index()).unwrap()));
    drop(last);
    let pending = samples.iter().filter(|w| w.strong_count() > 0).count();
    let flushes = reclaim(&registry, &samples, 10_000);
    assert!(flushes.is_some(), "payloads of unregistered types were never freed");
    let stats = crate::common::flush_until_empty(&registry);
    assert_eq!(stats.pending_frees, 0, "garbage left after flush: {stats:?}");
    println!(
        "churn: {} fresh types on {} threads in {elapsed:.2?}; indices ever used: {} (bound {}); \
         {} sampled payloads ({pending} not yet freed when the last handle went) freed after {} flushes",
        report.types,
        churn.threads,
        stats.slots_ever_used,
        churn.slot_bound(),
        samples.len(),
        flushes.unwrap_or_default()
    );
}
