//! The memory figures' counting, in a binary of its own: the counting
//! allocator counts every thread's allocations, so nothing else may run
//! while it counts (one test here; the harness's main thread only waits).

use wasm_type_registry_bench::{memory_figures, CountingAllocator, MemoryShape};

#[global_allocator]
static COUNTING: CountingAllocator = CountingAllocator;

#[test]
fn counting_sees_allocations_frees_and_registered_types() {
    let (with, after) = CountingAllocator::measure(|live| {
        let v: Vec<u8> = Vec::with_capacity(10_000);
        let with = live();
        drop(v);
        (with, live())
    })
    .expect("installed in this test binary");
    assert!(with >= 10_000, "{with}");
    assert_eq!(after, 0);

    let [ours, theirs] = memory_figures(MemoryShape::Singletons).expect("counting allocator installed");
    assert_eq!(ours.types, theirs.types, "the same types are registered");
    assert!(ours.types >= 3_500, "{ours:?}");
    for figure in [&ours, &theirs] {
        // A type costs at least its payload and its index entry, and
        // dropping the module gives most of it back.
        assert!(figure.bytes_per_type() > 32.0, "{figure:?}");
        assert!(figure.retained_bytes >= 0, "{figure:?}");
        assert!(figure.retained_bytes < figure.live_bytes / 2, "{figure:?}");
    }
}
