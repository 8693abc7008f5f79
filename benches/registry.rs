//! Criterion benchmarks of the throughput workloads on every comparator
//! (this crate, the global-lock design, the global lock with Wasmtime's
//! per-store subtype cache, Wasmtime 48 with `--features wasm-type-registry-bench/wasmtime`,
//! the unsynchronized limit) at 1, 2, 4 and 8 threads: workloads 1 to 6 and
//! 8 (`8_request`).
//!
//! Each measurement runs the threads together from a barrier
//! (`iter_custom`), and reports aggregate throughput in elements. The
//! workloads themselves live in `benches/comparators` and are shared with
//! `examples/compare.rs`, which prints one side-by-side table.
//!
//! Tail latency (workload 7) and heap bytes per type are not criterion's
//! kind of measurement (percentiles of single calls; bytes, not time): they
//! are only in `cargo run --release --example compare`.
//!
//! ```text
//! cargo bench                                   # everything, about 4 minutes on 2 cores
//! cargo bench -- 1_is_subtype                   # one workload
//! cargo bench --features wasm-type-registry-bench/wasmtime       # with Wasmtime 48
//! ```

use std::cell::OnceCell;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use wasm_type_registry_bench::{Prepared, Workload, THREAD_COUNTS};

fn workloads(c: &mut Criterion) {
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(workload.name());
        group.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
        if workload.long_iterations() {
            group.sampling_mode(SamplingMode::Flat).sample_size(10);
        } else {
            group.sample_size(20);
        }
        for comparator in workload.comparators() {
            // Set up on first use, so that a filtered run builds only what
            // it measures (dart2wasm-sized modules take a moment).
            let prepared: OnceCell<Prepared> = OnceCell::new();
            for threads in THREAD_COUNTS {
                group.throughput(Throughput::Elements(workload.elements_per_iter() * threads as u64));
                group.bench_function(BenchmarkId::new(comparator.name(), threads), |b| {
                    let prepared =
                        prepared.get_or_init(|| workload.prepare(comparator).expect("listed comparators apply"));
                    b.iter_custom(|iters| prepared.measure(threads, iters))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);
