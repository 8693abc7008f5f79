//! Criterion benchmarks of issue 4's workloads on every comparator (this
//! crate, the global-lock design, Wasmtime 48 with `--features
//! compare-wasmtime`, the unsynchronized limit) at 1, 2, 4 and 8 threads.
//!
//! Each measurement runs the threads together from a barrier
//! (`iter_custom`), and reports aggregate throughput in elements. The
//! workloads themselves live in `benches/comparators` and are shared with
//! `examples/compare.rs`, which prints one side-by-side table.
//!
//! ```text
//! cargo bench                                   # everything, about 10 minutes on 2 cores
//! cargo bench -- 1_is_subtype                   # one workload
//! cargo bench --features compare-wasmtime       # with Wasmtime 48
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use wasm_type_registry_bench::{Workload, THREAD_COUNTS};

fn workloads(c: &mut Criterion) {
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(workload.name());
        group.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
        for comparator in workload.comparators() {
            let Some(prepared) = workload.prepare(comparator) else { continue };
            if prepared.long_iterations {
                group.sampling_mode(SamplingMode::Flat).sample_size(10);
            } else {
                group.sampling_mode(SamplingMode::Auto).sample_size(20);
            }
            for threads in THREAD_COUNTS {
                group.throughput(Throughput::Elements(prepared.elements_per_iter * threads as u64));
                group.bench_function(BenchmarkId::new(comparator.name(), threads), |b| {
                    b.iter_custom(|iters| prepared.measure(threads, iters))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);
