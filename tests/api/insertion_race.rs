//! Regression test: a rec group that one thread has just inserted can be
//! found, and registered again, by other threads before the inserting
//! thread's `register_group` returns.
//!
//! The registry asserted (in debug builds) that the count of a freshly
//! inserted entry was still exactly 1 after the shard lock was released,
//! which a concurrent hash-consing hit makes false: debug builds panicked
//! under contention (found independently by
//! `tests/conformance/differential.rs`, where the count was 4, and by
//! `tests/workloads/stress.rs` through `root`). The count can
//! only be at least 1 there, since the inserting thread holds one
//! registration. With the old assertion this test fails in every run.

use wasm_type_registry::*;

#[test]
fn concurrent_hits_on_a_freshly_inserted_group() {
    const THREADS: usize = 4;
    let rounds: usize = 40_000;
    let registry = TypeRegistry::new();
    let mut builder = ModuleTypes::builder();
    builder.sub_type(SubType::struct_(false, None, []));
    let module = builder.build().unwrap();
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..rounds {
                        let types = registry.register_module(&module).unwrap();
                        assert!(registry.borrow(types.engine_types()[0]).is_some());
                    }
                })
            })
            .collect();
        // Joined explicitly (not just at the end of the scope) so that
        // ThreadSanitizer sees the threads finish: see scripts/tsan.supp.
        for thread in threads {
            thread.join().unwrap();
        }
    });
    assert_eq!(registry.len(), 0);
}
